"""Two-sample segmentation augmentations: CutMix and class-aware Copy-Paste.

Both need a second sample. They follow mmseg's ``RandomMosaic``: wrapped in mmseg's
``MultiImageMixDataset``, whose ``pipeline`` holds them (and ``PackSegInputs``) while the inner
dataset's pipeline loads, crops and flips; the wrapper calls :meth:`get_indices` and hands the
other samples in ``results['mix_results']``. Any sampler works (the wrapper is index-based),
and so does an ``AugmentedDataset`` as the inner dataset, mixing real and generated pairs.

Image and label map move together, pixel for pixel, so labels stay aligned with the image, and
ignored pixels (255) stay ignored: a pasted ignored pixel keeps its ignore label, and
Copy-Paste never pastes the ignore index. Randomness comes from numpy's global RNG (as mmcv's
transforms), so a seeded run repeats.
"""
from __future__ import annotations
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from mmseg.registry import TRANSFORMS


def _seg_keys(results: dict) -> List[str]:
    """The label-map keys of a sample (``gt_seg_map`` and any other ``seg_fields``)."""
    keys = list(results.get('seg_fields', []))
    if 'gt_seg_map' in results and 'gt_seg_map' not in keys:
        keys.append('gt_seg_map')
    return keys


def _check_mix(results: dict, name: str) -> dict:
    mix = results.get('mix_results')
    if not mix:
        raise KeyError(f'{name} needs a second sample in results["mix_results"]: put it in the '
                       'pipeline of mmseg\'s MultiImageMixDataset (like RandomMosaic), not in '
                       'the dataset\'s own pipeline')
    return mix[0]


@TRANSFORMS.register_module()
class RandomCutMix(BaseTransform):
    """CutMix for segmentation (Yun et al. 2019; French et al. 2020 for semantic segmentation):
    a random box of a second sample's image *and* label map replaces a box of this sample.

    The box covers a share ``1 - lambda`` of the smaller image, ``lambda ~ Beta(alpha, alpha)``;
    it is taken from a random place in the other sample and pasted at a random place here.

    Required keys: ``img``, ``gt_seg_map``, ``mix_results``. Modified keys: ``img``,
    ``gt_seg_map`` (and other ``seg_fields``).

    Args:
        prob: probability of mixing a sample.
        alpha: Beta distribution parameter of lambda (1.0: uniform box area).
    """

    def __init__(self, prob: float = 0.5, alpha: float = 1.0):
        if not 0 <= prob <= 1 or alpha <= 0:
            raise ValueError(f'RandomCutMix: prob must be in [0, 1] and alpha > 0, got '
                             f'prob={prob}, alpha={alpha}')
        self.prob, self.alpha = prob, alpha

    @cache_randomness
    def get_indices(self, dataset) -> List[int]:
        return [int(np.random.randint(0, len(dataset)))]

    @cache_randomness
    def _box(self, shape: Tuple[int, int], other: Tuple[int, int]):
        """``None`` (no mix) or ``(h, w, y, x, oy, ox)``: box size, place here, place there."""
        if np.random.rand() >= self.prob:
            return None
        lam = np.random.beta(self.alpha, self.alpha)
        hmax, wmax = min(shape[0], other[0]), min(shape[1], other[1])
        h = int(round(hmax * np.sqrt(1 - lam)))
        w = int(round(wmax * np.sqrt(1 - lam)))
        if h == 0 or w == 0:
            return None
        y, x = np.random.randint(0, shape[0] - h + 1), np.random.randint(0, shape[1] - w + 1)
        oy, ox = np.random.randint(0, other[0] - h + 1), np.random.randint(0, other[1] - w + 1)
        return h, w, y, x, oy, ox

    def transform(self, results: dict) -> dict:
        other = _check_mix(results, 'RandomCutMix')
        box = self._box(results['img'].shape[:2], other['img'].shape[:2])
        if box is None:
            return results
        h, w, y, x, oy, ox = box
        img = results['img'].copy()
        img[y:y + h, x:x + w] = other['img'][oy:oy + h, ox:ox + w]
        results['img'] = img
        for key in _seg_keys(results):
            seg = results[key].copy()
            seg[y:y + h, x:x + w] = other[key][oy:oy + h, ox:ox + w]
            results[key] = seg
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(prob={self.prob}, alpha={self.alpha})'


@TRANSFORMS.register_module()
class ClassAwareCopyPaste(BaseTransform):
    """Class-aware Copy-Paste for segmentation (after Ghiasi et al. 2021): connected regions of
    chosen classes in a second sample are pasted, with their labels, onto this sample.

    With ``classes`` the rare classes of a dataset, it adds rare-class pixels where a sample
    has none. Each connected region of a chosen class is pasted with probability
    ``region_prob``, at the same place (the images share their size after cropping; when they
    do not, the overlapping top-left area is used). Scale jitter, part of Ghiasi et al.'s
    recipe, is left to the pipeline's own resize transforms.

    Required keys: ``img``, ``gt_seg_map``, ``mix_results``. Modified keys: ``img``,
    ``gt_seg_map`` (and other ``seg_fields``).

    Args:
        classes: class indices whose regions are pasted (None: every class).
        prob: probability of pasting into a sample.
        region_prob: probability of pasting each region.
        num_candidates: other samples drawn; regions come from the first one that has any of
            ``classes``.
        ignore_index: never pasted.
    """

    def __init__(self,
                 classes: Optional[Sequence[int]] = None,
                 prob: float = 0.5,
                 region_prob: float = 1.0,
                 num_candidates: int = 3,
                 ignore_index: int = 255):
        if not 0 <= prob <= 1 or not 0 < region_prob <= 1 or num_candidates < 1:
            raise ValueError('ClassAwareCopyPaste: prob in [0, 1], region_prob in (0, 1] and '
                             f'num_candidates >= 1, got {prob}, {region_prob}, {num_candidates}')
        self.classes = None if classes is None else [int(c) for c in classes]
        self.prob, self.region_prob = prob, region_prob
        self.num_candidates, self.ignore_index = num_candidates, ignore_index

    @cache_randomness
    def get_indices(self, dataset) -> List[int]:
        return [int(i) for i in np.random.randint(0, len(dataset), self.num_candidates)]

    def _source_mask(self, labels: np.ndarray) -> np.ndarray:
        """Pixels of ``labels`` in the chosen classes (never the ignore index)."""
        if self.classes is None:
            return labels != self.ignore_index
        return np.isin(labels, self.classes) & (labels != self.ignore_index)

    @cache_randomness
    def _draw(self, labels: np.ndarray, mask: np.ndarray) -> Optional[np.ndarray]:
        """The pasted pixels: regions (per class, 8-connected) kept with ``region_prob``."""
        if np.random.rand() >= self.prob:
            return None
        keep = np.zeros_like(mask)
        for c in np.unique(labels[mask]):
            n, comp = cv2.connectedComponents(
                (mask & (labels == c)).astype(np.uint8), connectivity=8)
            chosen = np.flatnonzero(np.random.rand(n - 1) < self.region_prob) + 1
            keep |= np.isin(comp, chosen)
        return keep

    def transform(self, results: dict) -> dict:
        _check_mix(results, 'ClassAwareCopyPaste')
        source = None
        for other in results['mix_results']:
            h = min(results['img'].shape[0], other['img'].shape[0])
            w = min(results['img'].shape[1], other['img'].shape[1])
            mask = self._source_mask(other['gt_seg_map'][:h, :w])
            if mask.any():
                source = other
                break
        if source is None:
            return results
        keep = self._draw(source['gt_seg_map'][:h, :w], mask)
        if keep is None or not keep.any():
            return results
        img = results['img'].copy()
        img[:h, :w][keep] = source['img'][:h, :w][keep]
        results['img'] = img
        for key in _seg_keys(results):
            seg = results[key].copy()
            seg[:h, :w][keep] = source[key][:h, :w][keep]
            results[key] = seg
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(classes={self.classes}, prob={self.prob}, '
                f'region_prob={self.region_prob}, num_candidates={self.num_candidates})')
