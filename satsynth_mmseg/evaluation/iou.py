"""The project's one IoU: mmseg's ``IoUMetric.intersect_and_union``, accumulated."""
from __future__ import annotations
import dataclasses
from typing import List, Optional

import numpy as np
import torch

from mmseg.evaluation import IoUMetric


@dataclasses.dataclass
class IoUScores:
    """Scores in percent, summed over every pixel seen (as mmseg's ``IoUMetric``).

    Attributes:
        mIoU: mean IoU over the classes present in prediction or ground truth.
        aAcc: pixel accuracy over the labelled pixels.
        per_class: IoU per class, None for a class absent from both.
    """
    mIoU: float
    aAcc: float
    per_class: List[Optional[float]]


def scores_from_areas(intersect, union, label) -> IoUScores:
    """IoU scores from the summed areas that ``intersect_and_union`` returns ((K,) each)."""
    inter, union, label = (np.asarray(a, dtype=np.float64) for a in (intersect, union, label))
    with np.errstate(invalid='ignore', divide='ignore'):
        iou = np.where(union > 0, inter / union, np.nan)
    present = ~np.isnan(iou)
    return IoUScores(
        mIoU=float(iou[present].mean() * 100) if present.any() else 0.0,
        aAcc=float(100 * inter.sum() / max(label.sum(), 1)),
        per_class=[None if np.isnan(v) else float(v * 100) for v in iou])


class IoUAccumulator:
    """Sum ``intersect_and_union`` areas over batches of label maps.

    Args:
        num_classes: K; predictions outside [0, K) count as wrong, ground truth equal to
            ``ignore_index`` is left out.
        ignore_index: the "no label" value of the ground truth.
    """

    def __init__(self, num_classes: int, ignore_index: int = 255):
        self.num_classes, self.ignore_index = num_classes, ignore_index
        self.areas = None  # intersect, union, pred, label: (K,) each

    def update(self, pred, gt) -> None:
        """Add label maps ``pred`` and ``gt``: (N, H, W) or (H, W), tensors or arrays."""
        pred, gt = torch.as_tensor(np.asarray(pred)), torch.as_tensor(np.asarray(gt))
        if pred.dim() == 2:
            pred, gt = pred[None], gt[None]
        for p, g in zip(pred, gt):
            areas = IoUMetric.intersect_and_union(p.long(), g.long(), self.num_classes,
                                                  self.ignore_index)
            self.areas = areas if self.areas is None else [a + b for a, b in zip(self.areas, areas)]

    def result(self) -> IoUScores:
        if self.areas is None:
            raise ValueError('no label maps were added')
        inter, union, _, label = (a.cpu().numpy() for a in self.areas)
        return scores_from_areas(inter, union, label)
