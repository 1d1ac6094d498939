"""Classical augmentations as config changes, for the comparison with generated data
(SatSynth's Table 5: Cutout, CutMix, Copy-Paste; and 90-degree rotations, which the layouts of
a mask -> image D' include).

Per-sample transforms (mmseg's ``RandomCutOut``, ``PhotoMetricDistortion``) go into the
training pipeline before ``PackSegInputs``; two-sample ones (:class:`RandomCutMix`,
:class:`ClassAwareCopyPaste`) wrap the training set in mmseg's ``MultiImageMixDataset``, as
``RandomMosaic`` is used, which also works around an ``AugmentedDataset`` (D ∪ D′).
"""
from __future__ import annotations
import copy
import inspect
from typing import List, Optional, Sequence

from ..utils.errors import ConfigError

#: name -> (kind, transform config); kind 'sample' (one image) or 'mix' (two images).
#: Copy-Paste's ``classes`` are filled in with the rare classes of D.
AUGMENTATIONS = {
    'cutout': ('sample',
               dict(
                   type='RandomCutOut',
                   prob=0.5,
                   n_holes=(1, 3),
                   cutout_ratio=[(0.1, 0.1), (0.2, 0.2), (0.3, 0.3)])),
    'photometric': ('sample', dict(type='PhotoMetricDistortion')),
    # a random 90-degree rotation, then a flip: with the configs' horizontal and vertical
    # flips before it, all eight symmetries of the square -- the layouts a mask -> image D'
    # is rendered for (tools/generate.py --masks-from) get these too
    'rot90': ('sample', dict(type='RandomRotFlip', rotate_prob=0.0, flip_prob=1.0)),
    'cutmix': ('mix', dict(type='RandomCutMix', prob=0.5)),
    'copy_paste': ('mix', dict(type='ClassAwareCopyPaste', prob=0.5)),
}


def _pack_with_source() -> dict:
    """``PackSegInputs`` that also keeps ``data_source`` (real / synthetic) in the metainfo,
    which ``AugmentedDataset`` sets only when it packs itself."""
    from mmseg.datasets.transforms import PackSegInputs
    keys = inspect.signature(PackSegInputs).parameters['meta_keys'].default
    return dict(type='PackSegInputs', meta_keys=tuple(keys) + ('data_source', ))


def check_names(names: Sequence[str]) -> None:
    unknown = [n for n in names if n not in AUGMENTATIONS]
    if unknown:
        raise ConfigError(f'unknown augmentation(s) {unknown}; choose from '
                          f'{sorted(AUGMENTATIONS)}')


def apply_augmentation(cfg,
                       names: Optional[Sequence[str]],
                       copy_paste_classes: Optional[Sequence[int]] = None):
    """Add the named augmentations to ``cfg``'s training set (in place; returns ``cfg``).

    Args:
        cfg: an mmseg segmentor config whose ``train_dataloader.dataset`` is any dataset or an
            ``AugmentedDataset`` (its pipeline, or its real dataset's, is used).
        names: keys of :data:`AUGMENTATIONS`, applied in this order within their kind.
        copy_paste_classes: the classes Copy-Paste pastes (default: all).
    """
    if not names:
        return cfg
    check_names(names)
    ds = copy.deepcopy(cfg.train_dataloader.dataset)
    if ds.get('type') == 'AugmentedDataset':
        pipeline = ds.get('pipeline') or ds['real']['pipeline']
    else:
        pipeline = ds['pipeline']
    body = [t for t in pipeline if t['type'] != 'PackSegInputs']
    per_sample, mix = [], []
    for name in names:
        kind, t = AUGMENTATIONS[name]
        t = copy.deepcopy(t)
        if t['type'] == 'ClassAwareCopyPaste' and copy_paste_classes is not None:
            t['classes'] = list(copy_paste_classes)
        (mix if kind == 'mix' else per_sample).append(t)
    if not mix:
        ds['pipeline'] = body + per_sample + [_pack_with_source()]
        cfg.train_dataloader.dataset = ds
        return cfg
    ds['pipeline'] = body  # load, crop, flip; mixing and packing happen in the wrapper
    cfg.train_dataloader.dataset = dict(
        type='MultiImageMixDataset', dataset=ds, pipeline=mix + per_sample + [_pack_with_source()])
    return cfg


def rare_classes(class_share: Sequence[float]) -> List[int]:
    """Classes with less than a uniform share of D's labelled pixels (but present)."""
    k = len(class_share)
    return [c for c, s in enumerate(class_share) if 0 < s < 1.0 / k]
