"""Read a synthetic dataset D' written by ``tools/generate.py``."""
from __future__ import annotations
import json
import os.path as osp

from mmseg.registry import DATASETS
from .base import CheckedSegDataset


@DATASETS.register_module()
class SyntheticPairsDataset(CheckedSegDataset):
    """D' as written by ``tools/generate.py``: ``img_dir/*.png`` (or ``*.tif`` / ``*.npy`` for
    N-band and float images, as ``meta.json``'s ``img_suffix`` says), ``ann_dir/*.png`` and a
    ``meta.json`` that gives classes, palette and the raw label convention.

    The classes/palette come from ``meta.json`` unless ``metainfo`` is given;
    ``reduce_zero_label`` is the one D' was written with (the real dataset's), so the same
    ``LoadAnnotations`` reads both.

    Args:
        data_root: the D' folder.
        **kwargs: ``BaseSegDataset`` arguments (``pipeline``, ``metainfo``, ...).
    """
    HOW_TO_CREATE = 'Create it with: python tools/generate.py CONFIG CHECKPOINT --out DIR ...'

    def __init__(self,
                 data_root: str,
                 data_prefix=None,
                 img_suffix=None,
                 seg_map_suffix='.png',
                 **kwargs):
        meta_path = osp.join(data_root, 'meta.json')
        if not osp.exists(meta_path):
            raise FileNotFoundError(
                f'{data_root!r} is not a finished synthetic dataset (no meta.json). '
                f'{self.HOW_TO_CREATE}; rerun it to finish an interrupted one.')
        try:
            with open(meta_path) as f:
                meta = json.load(f)
            classes = meta['classes']
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ValueError(f'{meta_path} is unreadable or not a D\' meta.json '
                             f'({type(e).__name__}: {e}). {self.HOW_TO_CREATE}') from e
        self.generation_meta = meta
        if img_suffix is None:
            img_suffix = meta.get('img_suffix', '.png')
        metainfo = kwargs.pop('metainfo', None) or dict(classes=tuple(classes))
        if meta.get('palette') and 'palette' not in metainfo:
            metainfo['palette'] = meta['palette']  # absent: mmseg picks one, as for real data
        kwargs.setdefault('reduce_zero_label', bool(meta.get('reduce_zero_label', False)))
        if kwargs['reduce_zero_label'] != bool(meta.get('reduce_zero_label', False)):
            raise ValueError(f'{data_root} was written with reduce_zero_label='
                             f'{meta.get("reduce_zero_label")}, not {kwargs["reduce_zero_label"]}')
        super().__init__(
            data_root=data_root,
            metainfo=metainfo,
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            data_prefix=data_prefix or dict(
                img_path=meta.get('img_dir', 'img_dir'),
                seg_map_path=meta.get('ann_dir', 'ann_dir')),
            **kwargs)
