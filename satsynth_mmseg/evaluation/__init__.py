from .feature_extractors import SegmentorEnsemble, SegmentorFeatures, TorchScriptFeatures
from .generation_metrics import (FeatureDistances, MaskStatistics, feature_distances,
                                 frechet_distance, js_divergence, kernel_distance,
                                 knn_precision_recall, mask_statistics)
from .generation_quality_metric import GenerationQualityMetric
from .iou import IoUAccumulator, IoUScores, scores_from_areas
from .per_class_iou import PerClassIoUMetric

__all__ = [
    'PerClassIoUMetric', 'IoUAccumulator', 'IoUScores', 'scores_from_areas',
    'GenerationQualityMetric', 'SegmentorEnsemble', 'SegmentorFeatures', 'TorchScriptFeatures',
    'FeatureDistances', 'MaskStatistics', 'feature_distances', 'frechet_distance',
    'kernel_distance', 'knn_precision_recall', 'js_divergence', 'mask_statistics'
]
