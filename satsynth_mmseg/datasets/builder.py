"""Build the training set a config names (the real D a tool or an experiment reads)."""
from __future__ import annotations
from typing import Optional

from mmengine.registry import init_default_scope

from mmseg.registry import DATASETS
from ..utils.tool_config import read_config


def train_dataset_config(config: str) -> dict:
    """The config dict of the training set D of an mmseg config (without building it): for
    a D ∪ D′ config (``AugmentedDataset``) its ``real`` part, with the pipeline it is read
    through; for a generator trained on pairs and an unlabelled pool
    (``LabelledUnlabelledDataset``) its ``labelled`` part."""
    ds_cfg = dict(read_config(config).train_dataloader.dataset)
    if ds_cfg.get('type') == 'LabelledUnlabelledDataset' and isinstance(
            ds_cfg.get('labelled'), dict):
        ds_cfg = dict(ds_cfg['labelled'])
    if ds_cfg.get('type') == 'AugmentedDataset' and isinstance(ds_cfg.get('real'), dict):
        outer = ds_cfg.get('pipeline')
        ds_cfg = dict(ds_cfg['real'])
        if outer is not None:
            ds_cfg['pipeline'] = outer
    return ds_cfg


def build_train_dataset(config: str, pipeline: Optional[list] = None):
    """The ``train_dataloader.dataset`` of an mmseg config (e.g. the real D).

    For a D ∪ D′ config (``AugmentedDataset``) this is its ``real`` part, so a tool asking
    for D (``tools/generate.py --real-config``) can be given either config of an experiment.

    Args:
        config: config path.
        pipeline: replaces the config's pipeline when given (``[]`` for statistics only).
    """
    cfg = read_config(config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    ds_cfg = train_dataset_config(config)
    if pipeline is not None:
        ds_cfg['pipeline'] = pipeline
    return DATASETS.build(ds_cfg)
