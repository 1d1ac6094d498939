"""How good are generated pairs? Distances between feature sets, and mask-side numbers.

Image side, on features of real and generated images (any extractor, see
:mod:`.feature_extractors`):

* **Fréchet distance** (Heusel et al. 2017): ``|mu_r - mu_g|^2 + Tr(S_r + S_g - 2 (S_r S_g)^½)``
  of Gaussians fitted to the two feature sets; computed by torchmetrics'
  ``FrechetInceptionDistance`` with the features handed in (its custom-extractor path).
* **KID** (Bińkowski et al. 2018): the unbiased MMD² with the cubic polynomial kernel
  ``k(x, y) = (x·y / d + 1)^3``, mean and std over random subsets; torchmetrics'
  ``KernelInceptionDistance``.
* **Precision / recall on k-NN manifolds** (Kynkäänniemi et al. 2019): a generated sample is
  "precise" when it falls inside the ball of some real sample, whose radius is the distance to
  that real sample's k-th nearest real neighbour; recall swaps the roles. No package for it
  installs beside the pinned stack (``prdc`` needs scikit-learn, torch-fidelity a torchvision
  that does not import beside torch 2.13), so it is the few lines below.

Mask side (:func:`mask_statistics`): agreement of the generated mask with what a segmentor
trained on real data sees in the generated image (pixel accuracy, mIoU, through the project's
one IoU), the Jensen–Shannon divergence of class pixel shares from D, distinct classes per
sample and the invalid-code rate.
"""
from __future__ import annotations
import dataclasses
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from .iou import IoUAccumulator


class PrecomputedFeatures(nn.Module):
    """Identity "extractor": lets torchmetrics' FID/KID take features computed elsewhere."""

    def __init__(self, num_features: int):
        super().__init__()
        self.num_features = num_features

    def forward(self, x: Tensor) -> Tensor:
        return x


def _check(real: Tensor, fake: Tensor) -> None:
    if real.dim() != 2 or fake.dim() != 2 or real.shape[1] != fake.shape[1]:
        raise ValueError(f'feature sets must be (N, D) with one D, got {tuple(real.shape)} and '
                         f'{tuple(fake.shape)}')
    if len(real) < 2 or len(fake) < 2:
        raise ValueError('each feature set needs at least 2 samples')


def frechet_distance(real: Tensor, fake: Tensor) -> float:
    """Fréchet distance between the Gaussians of two (N, D) feature sets."""
    from torchmetrics.image.fid import FrechetInceptionDistance
    _check(real, fake)
    fid = FrechetInceptionDistance(feature=PrecomputedFeatures(real.shape[1]))
    fid.update(real.double(), real=True)
    fid.update(fake.double(), real=False)
    return float(fid.compute())


def kernel_distance(real: Tensor,
                    fake: Tensor,
                    subsets: int = 50,
                    subset_size: int = 1000,
                    seed: int = 0) -> Dict[str, float]:
    """KID: ``dict(mean, std)`` over ``subsets`` random subsets of ``min(subset_size, N // 2)``
    samples each (N: the smaller set), so the subsets differ and their std measures the
    estimate's spread (subsets of all N samples would all be the same set, std 0)."""
    from torchmetrics.image.kid import KernelInceptionDistance
    _check(real, fake)
    n = min(len(real), len(fake))
    size = max(2, min(subset_size, n // 2)) if n >= 4 else n
    kid = KernelInceptionDistance(
        feature=PrecomputedFeatures(real.shape[1]), subsets=subsets, subset_size=size)
    kid.update(real.double(), real=True)
    kid.update(fake.double(), real=False)
    state = torch.random.get_rng_state()
    torch.manual_seed(seed)  # torchmetrics draws the subsets with torch's global RNG
    try:
        mean, std = kid.compute()
    finally:
        torch.random.set_rng_state(state)
    return dict(mean=float(mean), std=float(std))


def knn_precision_recall(real: Tensor, fake: Tensor, k: int = 3) -> Dict[str, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) with ``k`` neighbours."""
    _check(real, fake)
    if k >= min(len(real), len(fake)):
        raise ValueError(f'k={k} needs more than {k} samples in each set')
    real, fake = real.double(), fake.double()

    def radii(x: Tensor) -> Tensor:
        d = torch.cdist(x, x)
        return d.kthvalue(k + 1, dim=1).values  # +1: the point itself is at distance 0

    def inside(points: Tensor, centres: Tensor, r: Tensor) -> float:
        return float((torch.cdist(points, centres) <= r[None]).any(dim=1).double().mean())

    return dict(precision=inside(fake, real, radii(real)), recall=inside(real, fake, radii(fake)))


@dataclasses.dataclass
class FeatureDistances:
    """Image-side numbers for one feature space (lower FD/KID is better; precision and
    recall in [0, 1], higher is better)."""
    fd: float
    kid_mean: float
    kid_std: float
    precision: float
    recall: float


def feature_distances(real: Tensor, fake: Tensor, k: int = 3, seed: int = 0) -> FeatureDistances:
    """FD, KID and k-NN precision/recall of two (N, D) feature sets."""
    kid = kernel_distance(real, fake, seed=seed)
    pr = knn_precision_recall(real, fake, k=k)
    return FeatureDistances(
        fd=frechet_distance(real, fake),
        kid_mean=kid['mean'],
        kid_std=kid['std'],
        precision=pr['precision'],
        recall=pr['recall'])


def js_divergence(p: Sequence[float], q: Sequence[float]) -> float:
    """Jensen–Shannon divergence (base 2, in [0, 1]) of two distributions."""
    p, q = np.asarray(p, np.float64), np.asarray(q, np.float64)
    p, q = p / max(p.sum(), 1e-12), q / max(q.sum(), 1e-12)
    m = (p + q) / 2

    def kl(a, b):
        nz = a > 0
        return float((a[nz] * np.log2(a[nz] / b[nz])).sum())

    return (kl(p, m) + kl(q, m)) / 2


@dataclasses.dataclass
class MaskStatistics:
    """Mask-side numbers of a set of generated pairs.

    Attributes:
        agreement_acc, agreement_miou: the real-data segmentor's prediction on each generated
            image against its generated mask, in % (None without predictions).
        class_share: pixel share of each class among the valid generated pixels.
        class_share_js: Jensen–Shannon divergence of ``class_share`` from D's (None without).
        distinct_classes: mean number of classes per sample.
        invalid_rate: share of pixels decoded to codes >= K.
    """
    agreement_acc: Optional[float]
    agreement_miou: Optional[float]
    class_share: list
    class_share_js: Optional[float]
    distinct_classes: float
    invalid_rate: float


def mask_statistics(labels: Tensor,
                    num_classes: int,
                    predictions: Optional[Tensor] = None,
                    real_share: Optional[Sequence[float]] = None) -> MaskStatistics:
    """Mask-side numbers.

    Args:
        labels: generated masks, long (N, H, W) in [0, K) or >= K (invalid codes).
        num_classes: K.
        predictions: the segmentor's labels for the generated images, (N, H, W).
        real_share: D's class pixel shares (K,).
    """
    labels = torch.as_tensor(labels).long()
    valid = labels < num_classes
    counts = torch.bincount(labels[valid], minlength=num_classes).double()
    share = (counts / counts.sum().clamp_min(1)).tolist()
    distinct = float(
        np.mean([len(torch.unique(lab[lab < num_classes]))
                 for lab in labels]) if len(labels) else 0)
    acc = miou = None
    if predictions is not None:
        acc_iou = IoUAccumulator(num_classes, ignore_index=255)
        acc_iou.update(predictions, labels.masked_fill(~valid, 255))
        scores = acc_iou.result()
        acc, miou = scores.aAcc, scores.mIoU
    return MaskStatistics(
        agreement_acc=acc,
        agreement_miou=miou,
        class_share=share,
        class_share_js=None if real_share is None else js_divergence(share, real_share),
        distinct_classes=distinct,
        invalid_rate=float((~valid).double().mean()))
