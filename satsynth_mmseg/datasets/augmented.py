"""D ∪ D′: real and generated pairs mixed through one pipeline, for any mmseg segmentor."""
from __future__ import annotations
import copy
import logging
import math
import os
from typing import Any, Iterable, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.dataset import BaseDataset, Compose, ConcatDataset, force_full_init
from mmengine.logging import print_log

from mmseg.registry import DATASETS
from ..utils.errors import ConfigError, DataError
from .label_stats import dataset_label_maps, label_statistics
from .pair_check import check_dataset_pairs, first_tile_size
from .synthetic_sampling import (SAMPLERS, WeightedDraw, class_weights, hardness_pair_weights,
                                 manifest_records, mask_histogram, pair_histograms, pair_losses,
                                 rare_class_pair_weights)

#: value of ``data_source`` in every sample's data info and ``SegDataSample`` metainfo
REAL, SYNTHETIC = 'real', 'synthetic'
#: metainfo keys that must agree between D and D′ (mmseg's label convention included)
CHECKED_META_KEYS = ('classes', 'palette', 'reduce_zero_label', 'label_map')


def _normalise(value: Any) -> Any:
    """Comparable form of a metainfo value (tuples/arrays -> lists)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    return value


def _size(size) -> str:
    return 'size unknown' if size is None else f'{size[0]}x{size[1]} px'


def describe_source(dataset) -> str:
    """Which dataset a config or instance is: its type and data root."""
    if isinstance(dataset, str):
        return f'D\' folder {dataset}'
    if isinstance(dataset, dict):
        return f'{dataset.get("type")} at {dataset.get("data_root")!r}'
    return f'{type(dataset).__name__} at {getattr(dataset, "data_root", None)!r}'


def check_metainfo_agrees(real_meta: dict,
                          synthetic_meta: dict,
                          keys: Iterable[str] = CHECKED_META_KEYS,
                          ignore_keys: Sequence[str] = (),
                          real_source: str = 'the real dataset') -> None:
    """Raise ``DataError`` (a ``ValueError``) naming the first metainfo key on which D and D′
    differ.

    A key missing on one side counts as a difference only when the other side sets it to
    something other than ``None`` / empty. The palette only affects drawing: a different one
    is a warning, and the real data's is used.
    """
    for key in keys:
        if key in ignore_keys:
            continue
        a, b = _normalise(real_meta.get(key)), _normalise(synthetic_meta.get(key))
        if (a in (None, [], {}) or b in (None, [], {})) and key in ('palette', 'label_map'):
            continue  # not set on one side: nothing to disagree with
        if a != b and key == 'palette':
            print_log(
                f'AugmentedDataset: {real_source} and D′ have different palettes; pictures '
                'use the real data\'s (a palette only affects drawing)',
                logger='current',
                level=logging.WARNING)
        elif a != b:
            raise DataError(
                f'AugmentedDataset: real and synthetic data disagree on metainfo '
                f'{key!r}: real {a!r} ({real_source}) vs synthetic {b!r}. Generate D\' from a '
                'generator trained on this dataset (same classes and label convention). If the '
                'real dataset is not the one you meant: the `real=_base_.train_dataloader.'
                'dataset` line takes the dataset of the config\'s _base_, so put the D ∪ D′ '
                'lines in a child config (`_base_ = [\'YOUR_CONFIG.py\']`), not at the end of '
                'YOUR_CONFIG.py itself.')


def _build(dataset: Union[dict, str, BaseDataset], pipeline_free: bool) -> BaseDataset:
    """A dataset from a config, a D′ folder (str) or an instance; its own pipeline emptied."""
    if isinstance(dataset, str):
        dataset = dict(type='SyntheticPairsDataset', data_root=dataset)
    if isinstance(dataset, dict):
        cfg = copy.deepcopy(dataset)
        if pipeline_free:
            cfg['pipeline'] = []
        cfg['lazy_init'] = True
        return DATASETS.build(cfg)
    if hasattr(dataset, 'get_data_info'):
        return dataset
    raise TypeError(f'expected a dataset config, a D\' folder or a dataset, got '
                    f'{type(dataset).__name__}')


def _build_synthetic(synthetic: Union[str, dict, BaseDataset, Sequence]) -> BaseDataset:
    """D′ from one source (see :func:`_build`) or from a list of finite sources (several
    generators' D′ folders) read as one, in the order given."""
    if not isinstance(synthetic, (list, tuple)):
        return _build(synthetic, pipeline_free=True)
    if not synthetic:
        raise ValueError('AugmentedDataset: synthetic is an empty list; give a D\' folder, a '
                         'dataset config or a list of them')
    parts = [_build(s, pipeline_free=True) for s in synthetic]
    if len(parts) == 1:
        return parts[0]
    for source, part in zip(synthetic, parts):
        if hasattr(part, 'pool_dir'):
            raise ConfigError(f'AugmentedDataset: an on-the-fly D′ ({source!r}) cannot be '
                              'combined with other D′ sources; give finite D′ folders')
    first = parts[0].metainfo
    for source, part in zip(synthetic[1:], parts[1:]):
        try:
            check_metainfo_agrees(first, part.metainfo)
        except ValueError as e:
            raise ValueError(f'AugmentedDataset: the D′ sources disagree ({source!r} vs '
                             f'{synthetic[0]!r}): {e}') from e
    # only the label-convention keys must agree (checked above); D′ folders of different
    # generators may carry other, differing metainfo
    other = sorted(set().union(*(p.metainfo.keys() for p in parts)) - set(CHECKED_META_KEYS))
    return ConcatDataset(parts, lazy_init=True, ignore_keys=other)


def synthetic_parts(dataset) -> List[BaseDataset]:
    """The D′ datasets behind ``AugmentedDataset.synthetic`` (one, or a combined list's)."""
    return list(dataset.datasets) if isinstance(dataset, ConcatDataset) else [dataset]


@DATASETS.register_module()
class AugmentedDataset:
    """Real data D mixed with generated pairs D′ at a fixed ratio (SatSynth's D ∪ D′).

    The index space is ``[0, n_real)`` for the real samples followed by
    ``n_syn = round(ratio * n_real)`` synthetic slots, so any sampler (mmengine's
    ``DefaultSampler`` / ``InfiniteSampler``, shuffled or not, distributed or not) draws a
    synthetic sample with probability ``ratio / (1 + ratio)`` and every real sample once per
    epoch. Synthetic slot ``j`` reads D′ item ``j % len(D′)`` when D′ has at most ``n_syn``
    items (every generated pair is used each epoch, deterministically); a larger D′ (or an
    on-the-fly pool) is drawn from uniformly at random with an RNG seeded from torch's seed of
    the process (mmengine seeds it; each dataloader worker and rank gets its own).

    Both sources are read *without* their own pipelines and go through ``pipeline`` (by default
    the real dataset's), so generated pairs get exactly the augmentation real ones get. Every
    sample carries ``data_source`` = ``'real'`` or ``'synthetic'`` in its data info and in its
    ``SegDataSample`` metainfo (``DataSourceLoggerHook`` logs the share).

    Args:
        real: config (any mmseg dataset: ``BaseSegDataset``, ``LoveDADataset``, the Dubai
            class, ...) or instance of the real training set D.
        synthetic: D′: a folder written by ``tools/generate.py`` (str), a config such as
            ``dict(type='SyntheticPairsDataset', data_root=...)`` or
            ``dict(type='OnTheFlySyntheticDataset', generator_config=..., checkpoint=...)``,
            or an instance; or a list of finite ones (e.g. the D′ folders of several
            generators), read as one D′ of all their pairs in the order given.
        ratio: synthetic samples per real sample per epoch, R >= 0 (SatSynth uses 1..5;
            ``0`` trains on D alone).
        pipeline: transforms applied to real and synthetic samples alike; ``None`` takes the
            real dataset config's ``pipeline``.
        ignore_keys: metainfo keys allowed to differ (checked: classes, palette,
            reduce_zero_label, label_map).
        lazy_init: defer loading the annotation lists to :meth:`full_init`.
        max_refetch: attempts to replace a sample whose pipeline returns ``None``.
        synthetic_sampler: which D′ item fills a synthetic slot: ``'uniform'`` (as above),
            ``'rare_class'`` (pairs weighted by how much of D's rare classes they hold) or
            ``'hardness'`` (pairs weighted by the real-data segmentor's loss on them, from a
            manifest written by ``tools/filter_synthetic.py``); see
            :mod:`~satsynth_mmseg.datasets.synthetic_sampling`. Weighted slots are always
            drawn with the process RNG (same seeding as above).
        sampler_power: exponent of the weights (rare_class: ``f_k^-power``; hardness:
            ``(loss / mean)^power``).
        max_weight: cap of a class's (rare_class) or pair's (hardness) weight.
    """

    def __init__(self,
                 real: Union[dict, BaseDataset],
                 synthetic: Union[str, dict, BaseDataset, Sequence],
                 ratio: float = 1.0,
                 pipeline: Optional[List[Union[dict, Any]]] = None,
                 ignore_keys: Sequence[str] = (),
                 lazy_init: bool = False,
                 max_refetch: int = 100,
                 synthetic_sampler: str = 'uniform',
                 sampler_power: float = 1.0,
                 max_weight: float = 10.0):
        if not (ratio >= 0 and math.isfinite(ratio)):
            raise ValueError(f'ratio must be a finite number >= 0 (synthetic samples per real '
                             f'one), got {ratio}')
        if pipeline is None:
            pipeline = (
                real.get('pipeline', []) if isinstance(real, dict) else getattr(
                    real.pipeline, 'transforms', []))
        self.pipeline = Compose(pipeline)
        self.real = _build(real, pipeline_free=True)
        self.synthetic = _build_synthetic(synthetic)
        self.ratio = float(ratio)
        self.ignore_keys = tuple(ignore_keys)
        self.max_refetch = max_refetch
        if synthetic_sampler not in SAMPLERS:
            raise ValueError(f'synthetic_sampler must be one of {SAMPLERS}, got '
                             f'{synthetic_sampler!r}')
        if not max_weight >= 1:
            raise ValueError(f'max_weight must be >= 1, got {max_weight}')
        self.synthetic_sampler = synthetic_sampler
        self.sampler_power = float(sampler_power)
        self.max_weight = float(max_weight)
        self._draw = None  # WeightedDraw over a finite D′
        self._class_weights = None  # rare_class weights (rejection over a changing pool)
        check_metainfo_agrees(
            self.real.metainfo,
            self.synthetic.metainfo,
            ignore_keys=self.ignore_keys,
            real_source=describe_source(real))
        self._metainfo = self.real.metainfo
        self._rng = None
        self._rng_pid = None
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        """The real dataset's metainfo (D′ agrees with it; a copy)."""
        return copy.deepcopy(self._metainfo)

    def full_init(self) -> None:
        """Load both annotation lists and fix the index layout; idempotent."""
        if self._fully_initialized:
            return
        self.real.full_init()
        self.synthetic.full_init()
        check_dataset_pairs(self.real)  # stock mmseg datasets do not check their pairs
        self.num_real = len(self.real)
        self.num_synthetic_items = len(self.synthetic)
        if self.num_real == 0:
            raise ValueError('AugmentedDataset: the real dataset is empty')
        if self.num_synthetic_items == 0 and self.ratio > 0:
            raise ValueError('AugmentedDataset: the synthetic dataset is empty')
        self.num_synthetic = int(round(self.ratio * self.num_real))
        if self.synthetic_sampler != 'uniform' and self.num_synthetic:
            self._init_weights()
        self._fully_initialized = True
        self._log_composition()

    def _log_composition(self) -> None:
        """Say at build time what training will see: the tile sizes of D and D′ and how many
        times each D′ pair fills a slot per epoch (warnings when the sizes differ or D′ is
        much smaller than its slots)."""
        if not self.num_synthetic or hasattr(self.synthetic, 'pool_dir'):
            return
        real_size = first_tile_size(self.real)
        syn_size = first_tile_size(self.synthetic)
        repeats = self.num_synthetic / self.num_synthetic_items
        msg = (f'AugmentedDataset: D {self.num_real} pairs ({_size(real_size)}), D′ '
               f'{self.num_synthetic_items} pairs ({_size(syn_size)}), R = {self.ratio:g}: '
               f'{self.num_synthetic} synthetic slots per epoch, each D′ pair used '
               f'{repeats:.1f} times per epoch')
        warn = []
        if real_size and syn_size and real_size != syn_size:
            warn.append('D and D′ tiles differ in size: an absolute resize or crop in the '
                        'pipeline then sees them at different ground resolutions')
        if repeats > 2:
            warn.append('D′ is much smaller than its slots: generate more pairs (tools/'
                        'generate.py --ratio R) or lower the ratio')
        print_log(
            '; '.join([msg] + warn),
            logger='current',
            level=logging.WARNING if warn else logging.INFO)

    def real_class_share(self) -> np.ndarray:
        """D's pixel share per class (K,), from its masks as training reads them."""
        k = len(self._metainfo['classes'])
        return np.asarray(label_statistics(dataset_label_maps(self.real), k)['class_share'])

    def _init_weights(self) -> None:
        """Weights of the D′ items (finite D′) or of the classes (a changing pool)."""
        k = len(self._metainfo['classes'])
        changing = hasattr(self.synthetic, 'pool_dir')  # on-the-fly D′: replaced while training
        parts = [] if changing else synthetic_parts(self.synthetic)
        if self.synthetic_sampler == 'hardness':
            if changing:
                raise ConfigError('synthetic_sampler="hardness" needs a D′ folder whose manifest '
                                  'has pair_loss (tools/filter_synthetic.py); on-the-fly D′ has '
                                  'none: use "rare_class" or "uniform"')
            losses = np.concatenate([pair_losses(p, manifest_records(p)) for p in parts])
            self._draw = WeightedDraw(
                hardness_pair_weights(losses, self.sampler_power, self.max_weight))
            return
        cw = class_weights(self.real_class_share(), self.sampler_power, self.max_weight)
        if changing:
            self._class_weights = cw
            return
        hists = np.concatenate([pair_histograms(p, k, manifest_records(p)) for p in parts])
        self._draw = WeightedDraw(rare_class_pair_weights(hists, cw))

    @property
    def synthetic_weights(self) -> Optional[np.ndarray]:
        """Sampling weight of every D′ item (None: uniform, or a changing pool)."""
        return None if self._draw is None else self._draw.weights

    def _weighted_synthetic_index(self) -> int:
        rng = self._process_rng()
        if self._draw is not None:
            return self._draw(rng)
        # a changing pool: rejection sampling with the rare-class pair weight
        k = len(self._metainfo['classes'])
        bound = float(self._class_weights.max())
        for _ in range(1000):
            j = int(rng.integers(len(self.synthetic)))
            hist = mask_histogram(self.synthetic.get_data_info(j), k)[None]
            w = float(rare_class_pair_weights(hist, self._class_weights)[0])
            if rng.random() * bound < w:
                return j
        return j

    @force_full_init
    def __len__(self) -> int:
        return self.num_real + self.num_synthetic

    def _process_rng(self) -> np.random.Generator:
        """An RNG per process (dataloader workers and ranks draw different items)."""
        if self._rng is None or self._rng_pid != os.getpid():
            from mmengine.dist import get_rank
            self._rng = np.random.default_rng([torch.initial_seed(), get_rank()])
            self._rng_pid = os.getpid()
        return self._rng

    @force_full_init
    def source_index(self, idx: int):
        """``(source, local_index)`` of global index ``idx`` (the D′ index may be random)."""
        if idx < 0:
            idx += len(self)
        if not 0 <= idx < len(self):
            raise IndexError(f'index {idx} out of range for {len(self)} samples')
        if idx < self.num_real:
            return REAL, idx
        j = idx - self.num_real
        if self.synthetic_sampler != 'uniform':
            return SYNTHETIC, self._weighted_synthetic_index()
        m = len(self.synthetic)  # an on-the-fly pool may grow
        if m <= self.num_synthetic:
            return SYNTHETIC, j % m
        return SYNTHETIC, int(self._process_rng().integers(m))

    @force_full_init
    def get_data_info(self, idx: int) -> dict:
        """Data info of sample ``idx`` with ``data_source`` added."""
        source, local = self.source_index(idx)
        dataset = self.real if source == REAL else self.synthetic
        info = dict(dataset.get_data_info(local))  # mmengine hands out a fresh copy already
        info['data_source'] = source
        return info

    def _prepare(self, idx: int):
        info = self.get_data_info(idx)
        source = info['data_source']
        results = self.pipeline(info)
        if results is not None and 'data_samples' in results:
            results['data_samples'].set_metainfo(dict(data_source=source))
        return results

    @force_full_init
    def __getitem__(self, idx: int) -> dict:
        results = self._prepare(idx)
        tries = 0
        while results is None:
            if tries >= self.max_refetch:
                raise RuntimeError(f'the pipeline returned None for {tries} samples in a '
                                   'row; check the pipeline and the data')
            # replace it with another sample of the same source, keeping the ratio
            source, _ = self.source_index(idx)
            lo, hi = (0, self.num_real) if source == REAL else (self.num_real, len(self))
            idx = int(self._process_rng().integers(lo, hi))
            results = self._prepare(idx)
            tries += 1
        return results

    def __repr__(self) -> str:
        n = (f'{self.num_real} real + {self.num_synthetic} synthetic slots over '
             f'{self.num_synthetic_items} generated pairs'
             if self._fully_initialized else 'not fully initialised')
        return (f'AugmentedDataset(ratio={self.ratio}, {n}, {self.synthetic_sampler} D′ '
                f'sampling; real={type(self.real).__name__},'
                f' synthetic={type(self.synthetic).__name__})')
