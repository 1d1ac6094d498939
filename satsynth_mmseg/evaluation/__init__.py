from .iou import IoUAccumulator, IoUScores, scores_from_areas
from .per_class_iou import PerClassIoUMetric

__all__ = ['PerClassIoUMetric', 'IoUAccumulator', 'IoUScores', 'scores_from_areas']
