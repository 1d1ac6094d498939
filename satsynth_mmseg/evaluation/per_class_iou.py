"""mmseg's IoU metric that also returns the per-class IoU (not only prints it)."""
from __future__ import annotations

from typing import Dict

import numpy as np

from mmseg.evaluation import IoUMetric
from mmseg.registry import METRICS


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
        intersect = sum(r[0] for r in results).cpu().numpy().astype(np.float64)
        union = sum(r[1] for r in results).cpu().numpy().astype(np.float64)
        with np.errstate(invalid='ignore', divide='ignore'):
            iou = np.where(union > 0, intersect / union, np.nan)
        for name, value in zip(self.dataset_meta['classes'], iou):
            metrics[f'IoU.{name}'] = float(np.round(value * 100, 2))
        return metrics
