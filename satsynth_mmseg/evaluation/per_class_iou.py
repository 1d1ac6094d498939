"""mmseg's IoU metric that also returns the per-class IoU (not only prints it)."""
from __future__ import annotations
from typing import Dict

import numpy as np

from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS
from .iou import scores_from_areas


@METRICS.register_module()
class PerClassIoUMetric(IoUMetric):
    """``IoUMetric`` (aAcc, mIoU, ...) plus ``IoU.<class>`` for every class, in percent.

    IoU_k = |pred = k and gt = k| / |pred = k or gt = k| summed over the whole evaluation
    set (as mmseg computes it); a class absent from both prediction and ground truth gets NaN
    and, as in mmseg's mIoU, is left out of the mean.
    """

    def compute_metrics(self, results: list) -> Dict[str, float]:
        metrics = super().compute_metrics(results)
        if self.format_only or not results:
            return metrics
        areas = [sum(r[i] for r in results).cpu().numpy() for i in (0, 1, 3)]
        scores = scores_from_areas(*areas)
        for name, value in zip(self.dataset_meta['classes'], scores.per_class):
            metrics[f'IoU.{name}'] = float('nan') if value is None else float(np.round(value, 2))
        return metrics
