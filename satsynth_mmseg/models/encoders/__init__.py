from .encoder_checkpoint import check_encoder_fits, export_encoder
from .scene_classifier import SceneClassifier

__all__ = ['SceneClassifier', 'check_encoder_fits', 'export_encoder']
