"""Filter noisy generated pixels and pairs (FreeMask, Yang et al., NeurIPS 2023).

A segmentor trained on the real data D scores every generated pair: the per-pixel
cross-entropy ``l(p) = -log softmax(logits(p))[y(p)]`` of the generated mask ``y`` under the
segmentor's prediction on the generated image. For every class ``c`` a mean loss ``mean_c``
is computed first; then a pixel of class ``c`` with ``l(p) > alpha * mean_c`` becomes ignored
(255): the mask most likely lies there. FreeMask's own rule (its public ``preprocess/
filter.py``; ``--rule freemask``, the default) measures ``mean_c`` over the pixels of class
``c`` in the *real training images*, with ``alpha = 1.25``; the rule of earlier versions of
this plugin (``--rule dprime-means``) measures it over the whole D′ instead, so its alpha is
relative to the generated data, not FreeMask's. Optionally a whole pair is dropped when the
segmentor agrees with too few of its pixels (pixel accuracy below ``min_agreement``).
"""
from __future__ import annotations
import dataclasses
from typing import List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

IGNORE = 255


def pixel_losses(logits: Tensor, labels: Tensor, ignore_index: int = IGNORE) -> Tensor:
    """Per-pixel cross-entropy (N, H, W); ignored pixels (labels >= K) get NaN.

    Args:
        logits: (N, K, H, W) class scores.
        labels: long (N, H, W) in [0, K) or >= K (ignore, invalid codes).
    """
    k = logits.shape[1]
    valid = labels < k
    loss = F.cross_entropy(logits.float(), labels.masked_fill(~valid, 0), reduction='none')
    return loss.masked_fill(~valid, float('nan'))


class ClassLossMeans:
    """Running per-class mean of the pixel losses over a whole set of pairs."""

    def __init__(self, num_classes: int):
        self.sum = torch.zeros(num_classes, dtype=torch.float64)
        self.count = torch.zeros(num_classes, dtype=torch.float64)

    def update(self, losses: Tensor, labels: Tensor) -> None:
        k = len(self.sum)
        valid = labels < k
        lab = labels[valid]
        self.sum += torch.bincount(lab, weights=losses[valid].double(), minlength=k)
        self.count += torch.bincount(lab, minlength=k).double()

    @property
    def means(self) -> Tensor:
        """(K,) mean loss per class (NaN for a class that never occurs)."""
        return torch.where(self.count > 0, self.sum / self.count.clamp_min(1),
                           torch.full_like(self.sum, float('nan')))


def filter_labels(labels: Tensor,
                  losses: Tensor,
                  class_means: Tensor,
                  alpha: float = 1.25,
                  ignore_index: int = IGNORE) -> Tensor:
    """FreeMask's rule: pixels whose loss exceeds ``alpha`` times their class's mean loss
    become ``ignore_index``.

    Args:
        labels: long (N, H, W) or (H, W), classes in [0, K); other values stay as they are.
        losses: per-pixel losses of the same shape (:func:`pixel_losses`).
        class_means: (K,) from :class:`ClassLossMeans`.
        alpha: the threshold factor.

    Returns:
        The filtered labels (a new tensor).
    """
    k = len(class_means)
    valid = labels < k
    thresh = (alpha * class_means.to(losses.dtype))[labels.clamp_max(k - 1)]
    noisy = valid & (losses > thresh)
    return labels.masked_fill(noisy, ignore_index)


@dataclasses.dataclass
class PairScore:
    """What the segmentor thinks of one generated pair.

    Attributes:
        agreement: pixel accuracy of the segmentor's prediction against the generated mask
            over its valid pixels (NaN when it has none).
        mean_loss: mean pixel loss over the valid pixels.
    """
    agreement: float
    mean_loss: float


def score_pairs(logits: Tensor, labels: Tensor) -> Tuple[Tensor, List[PairScore]]:
    """Pixel losses (N, H, W) and a :class:`PairScore` per pair."""
    losses = pixel_losses(logits, labels)
    k = logits.shape[1]
    pred = logits.argmax(1)
    scores = []
    for i in range(len(labels)):
        valid = labels[i] < k
        n = int(valid.sum())
        scores.append(
            PairScore(
                agreement=float(
                    (pred[i][valid] == labels[i][valid]).double().mean()) if n else float('nan'),
                mean_loss=float(losses[i][valid].double().mean()) if n else float('nan')))
    return losses, scores


def filtered_fraction(before: Tensor, after: Tensor, num_classes: int) -> List[float]:
    """Per class: the share of its pixels that filtering made ignored."""
    out = []
    for c in range(num_classes):
        n = int((before == c).sum())
        out.append(float(((before == c) & (after != c)).sum()) / n if n else 0.0)
    return out


def keep_pair(score: PairScore, min_agreement: Optional[float]) -> bool:
    """Pair-level rejection: keep unless the agreement is below ``min_agreement``."""
    if min_agreement is None:
        return True
    return bool(np.isfinite(score.agreement) and score.agreement >= min_agreement)
