from .averaging import WarmupExponentialMovingAverage
from .data_preprocessors import JointDataPreprocessor
from .encoders import SceneClassifier, check_encoder_fits, export_encoder
from .generators import (BaseGenerator, DiffusionGenerator, GeneratedPairs, GeneratorCapabilities,
                         JointDDPM, JointSuperRes, MaskToImageDDPM, NonFiniteLossError,
                         PairCondition, Pix2PixGAN)
from .networks import DiffusersUNet2D, PatchDiscriminator, SPADEUNet, UNetImageGenerator

__all__ = [
    'JointDataPreprocessor', 'DiffusersUNet2D', 'SPADEUNet', 'JointDDPM', 'JointSuperRes',
    'MaskToImageDDPM', 'Pix2PixGAN', 'UNetImageGenerator', 'PatchDiscriminator',
    'NonFiniteLossError', 'BaseGenerator', 'DiffusionGenerator', 'GeneratorCapabilities',
    'GeneratedPairs', 'PairCondition', 'WarmupExponentialMovingAverage', 'SceneClassifier',
    'check_encoder_fits', 'export_encoder'
]
