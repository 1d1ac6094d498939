"""The checks of a generator against the real training set D it makes D′ for: classes, label
convention and band count (used by the D′ pipeline and the tools that compare D with D′)."""
from __future__ import annotations
from typing import Optional

from mmseg.registry import DATASETS
from ..datasets import BandNorm, build_train_dataset, find_raster_loader, train_dataset_config
from ..utils.errors import ConfigError


def resolve_classes(cfg, model, info) -> dict:
    """The generator's metainfo (classes, palette, label convention), from its checkpoint or
    else its training dataset class."""
    meta = dict(info['dataset_meta'] or {})
    if not meta.get('classes'):
        ds_cls = DATASETS.get(cfg.train_dataloader.dataset.type)
        meta.update(getattr(ds_cls, 'METAINFO', {}))
    if len(meta['classes']) != model.num_classes:
        raise ConfigError(f'{len(meta["classes"])} classes in the metainfo but num_classes='
                          f'{model.num_classes} in the config')
    meta['classes'] = list(meta['classes'])
    return meta


def load_real_dataset(real_config: Optional[str], meta: dict):
    """The real training set D of ``--real-config`` (or None), checked against the
    generator: same classes, and the same label convention as the generator's training data.

    D′ masks are written in D's raw convention; a generator trained with another
    ``reduce_zero_label`` on the same classes means one of the two configs reads the labels
    shifted by one, so the pair is refused rather than silently written.
    """
    if not real_config:
        return None
    real = build_train_dataset(real_config, pipeline=[])
    real_classes = list(real.metainfo['classes'])
    if real_classes != meta['classes']:
        raise ConfigError(f'the real dataset has classes {real_classes}, the generator '
                          f'was trained on {meta["classes"]}')
    trained = meta.get('reduce_zero_label')
    if trained is not None and bool(trained) != bool(real.reduce_zero_label):
        raise ConfigError(
            f'--real-config {real_config} reads its labels with reduce_zero_label='
            f'{bool(real.reduce_zero_label)}, but the generator was trained on data read with '
            f'reduce_zero_label={bool(trained)}: with the same classes one of the two shifts '
            'every class by one. Make the two configs agree')
    return real


def check_real_bands(real_config: Optional[str], model) -> None:
    """Refuse a generator whose band count differs from what the real data's
    ``LoadRasterFromFile`` expects (D′ would not load beside D); read from the config."""
    if not real_config:
        return
    loader = find_raster_loader(train_dataset_config(real_config).get('pipeline'))
    if loader is None:
        return
    norm = BandNorm.build(loader.get('norm'))
    bands = loader.get('num_bands') or (norm.num_bands if norm and norm.num_bands > 1 else None)
    if bands and bands != model.image_channels:
        raise ConfigError(f'the generator makes {model.image_channels}-band images but '
                          f'{real_config} loads {bands}-band rasters')


def load_masks_dataset(masks_from: str, meta: dict):
    """The train set of ``--masks-from``, checked like ``--real-config``; a missing or empty
    split is a one-line error naming the option."""
    try:
        return load_real_dataset(masks_from, meta)
    except (FileNotFoundError, ValueError) as e:
        raise ConfigError(f'--masks-from {masks_from}: {e}') from e
