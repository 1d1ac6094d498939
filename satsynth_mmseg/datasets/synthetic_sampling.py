"""Which generated pair fills a synthetic slot of ``AugmentedDataset``: uniform, rare-class or
hardness-weighted resampling of D′.

* ``rare_class``: class weights ``c_k ∝ f_k^(-power)`` from D's pixel shares ``f_k``, scaled so
  that a pair with D's class mixture weighs 1 and capped at ``max_weight``; a pair weighs
  ``Σ_k p_k c_k`` with ``p_k`` its own pixel shares (its class histogram, from the D′ manifest
  or its mask). Pairs full of classes D lacks are drawn more often.
* ``hardness`` (FreeMask's hardness-aware re-sampling, Yang et al. NeurIPS 2023): a pair weighs
  ``(loss / mean loss)^power``, capped at ``max_weight``, with ``loss`` the real-data
  segmentor's mean loss on it (``pair_loss`` in the manifest ``tools/filter_synthetic.py``
  writes).

A finite D′ folder gets its weights once (``SyntheticWeights``); a pool that changes while
training (on-the-fly D′) is drawn from by rejection: a uniform candidate is accepted with
probability ``weight / max_weight``, reading its mask only.
"""
from __future__ import annotations
import os.path as osp
from typing import Dict, Optional, Sequence

import numpy as np

from ..utils.errors import ConfigError
from .dprime_format import manifest_by_stem
from .label_stats import read_label_map

SAMPLERS = ('uniform', 'rare_class', 'hardness')


def class_weights(class_share: Sequence[float],
                  power: float = 1.0,
                  max_weight: float = 10.0) -> np.ndarray:
    """Per-class weights ``c_k`` (K,) from D's pixel shares ``f_k`` (see the module docstring).

    Classes absent from D get ``max_weight``.
    """
    f = np.asarray(class_share, dtype=np.float64)
    if f.ndim != 1 or not len(f) or f.sum() <= 0:
        raise ValueError(f'class shares must be a non-empty vector with a positive sum, got {f}')
    f = f / f.sum()
    with np.errstate(divide='ignore'):
        raw = np.where(f > 0, f**-float(power), np.inf)
    scale = float((f[f > 0] * raw[f > 0]).sum())
    return np.minimum(raw / scale, max_weight)


def rare_class_pair_weights(histograms: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Pair weights (M,) from class histograms (M, K) and class weights (K,); a pair without
    any labelled pixel weighs the smallest class weight."""
    h = np.asarray(histograms, dtype=np.float64)
    total = h.sum(axis=1, keepdims=True)
    share = np.divide(h, total, out=np.zeros_like(h), where=total > 0)
    w = share @ weights
    return np.where(total[:, 0] > 0, w, weights.min())


def hardness_pair_weights(losses: Sequence[float],
                          power: float = 1.0,
                          max_weight: float = 10.0) -> np.ndarray:
    """Pair weights (M,) ``(loss / mean loss)^power`` capped at ``max_weight``."""
    loss = np.clip(np.asarray(losses, dtype=np.float64), 0, None)
    mean = loss.mean() if len(loss) else 0.0
    if not np.isfinite(mean) or mean <= 0:
        return np.ones_like(loss)
    return np.minimum((loss / mean)**float(power), max_weight)


def manifest_records(dataset) -> Optional[Dict[str, dict]]:
    """The D′ manifest records of a ``SyntheticPairsDataset`` keyed by file stem (None for
    other datasets)."""
    root = getattr(dataset, 'data_root', None)
    if not root or not hasattr(dataset, 'generation_meta'):
        return None
    return manifest_by_stem(root)


def _stem(info: dict) -> str:
    return osp.splitext(osp.basename(info['seg_map_path']))[0]


def mask_histogram(info: dict, num_classes: int) -> np.ndarray:
    """Class histogram (K,) of one sample's mask, read as training reads it."""
    labels = read_label_map(info)
    return np.bincount(labels[labels < num_classes].ravel(), minlength=num_classes)


def pair_histograms(dataset, num_classes: int, records: Optional[Dict[str, dict]] = None):
    """(M, K) class histograms of every item of a finite D′: from its manifest when it has
    one, else from its masks."""
    out = np.zeros((len(dataset), num_classes), dtype=np.int64)
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        rec = records.get(_stem(info)) if records else None
        if rec is not None and 'class_histogram' in rec:
            out[i] = rec['class_histogram']
        else:
            out[i] = mask_histogram(info, num_classes)
    return out


def pair_losses(dataset, records: Optional[Dict[str, dict]]) -> np.ndarray:
    """(M,) ``pair_loss`` of every item, from the D′ manifest; a clear error without it."""
    where = getattr(dataset, 'data_root', type(dataset).__name__)
    if not records:
        raise ConfigError(
            f'synthetic_sampler="hardness" needs the real-data segmentor\'s loss on every '
            f'generated pair (pair_loss in manifest.jsonl), which {where} lacks: run '
            'tools/filter_synthetic.py on it (with --alpha 0 to keep every pixel) and train on '
            'its output')
    losses = []
    for i in range(len(dataset)):
        rec = records.get(_stem(dataset.get_data_info(i)))
        if rec is None or 'pair_loss' not in rec:
            raise ConfigError(f'{where}: manifest record of item {i} has no pair_loss; '
                              'write D′ with tools/filter_synthetic.py')
        losses.append(float(rec['pair_loss']))
    return np.asarray(losses)


class WeightedDraw:
    """Draw item indices with given weights (inverse CDF; one uniform number per draw)."""

    def __init__(self, weights: np.ndarray):
        w = np.asarray(weights, dtype=np.float64)
        if not len(w) or not np.all(np.isfinite(w)) or (w < 0).any() or w.sum() <= 0:
            raise ValueError('sampling weights must be finite, >= 0 and not all zero')
        self.weights = w
        self.cdf = np.cumsum(w / w.sum())

    def __call__(self, rng: np.random.Generator) -> int:
        return int(min(np.searchsorted(self.cdf, rng.random(), side='right'), len(self.cdf) - 1))
