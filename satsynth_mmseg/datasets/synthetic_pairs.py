"""Read a D′ folder (:mod:`~satsynth_mmseg.datasets.dprime_format`) as an mmseg dataset."""
from __future__ import annotations
from typing import List

from mmseg.registry import DATASETS
from ..utils.errors import DataError
from .base import CheckedSegDataset
from .dprime_format import listed_pairs, read_meta
from .pair_check import check_pairs


@DATASETS.register_module()
class SyntheticPairsDataset(CheckedSegDataset):
    """A D′ folder as written by ``tools/generate.py`` (or filtering): ``img_dir/*.png`` (or
    ``*.tif`` / ``*.npy`` for N-band and float images, as ``meta.json``'s ``img_suffix``
    says), ``ann_dir/*.png``, ``manifest.jsonl`` and a ``meta.json`` that gives classes,
    palette and the raw label convention.

    The pairs are the ones the manifest lists, checked against the folder when the dataset
    is built: a listed file that is missing, or a manifest that disagrees with ``meta.json``,
    is refused naming the files (files the manifest does not list are not read). A folder
    made by hand without a manifest is listed like any mmseg dataset.

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
        try:
            meta = read_meta(data_root)
        except FileNotFoundError as e:
            raise FileNotFoundError(f'{e}. {self.HOW_TO_CREATE}; rerun it to finish an '
                                    'interrupted one.') from e
        except DataError as e:
            raise DataError(f'{e}. {self.HOW_TO_CREATE}') from e
        self.dprime_meta = meta
        self.generation_meta = meta.to_dict()
        if img_suffix is None:
            img_suffix = meta.img_suffix
        metainfo = kwargs.pop('metainfo', None) or dict(classes=tuple(meta.classes))
        if meta.palette and 'palette' not in metainfo:
            metainfo['palette'] = meta.palette  # absent: mmseg picks one, as for real data
        kwargs.setdefault('reduce_zero_label', bool(meta.reduce_zero_label))
        if kwargs['reduce_zero_label'] != bool(meta.reduce_zero_label):
            raise ValueError(f'{data_root} was written with reduce_zero_label='
                             f'{meta.reduce_zero_label}, not {kwargs["reduce_zero_label"]}')
        super().__init__(
            data_root=data_root,
            metainfo=metainfo,
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            data_prefix=data_prefix or dict(img_path=meta.img_dir, seg_map_path=meta.ann_dir),
            **kwargs)

    def load_data_list(self) -> List[dict]:
        pairs = listed_pairs(self.data_root, self.dprime_meta)
        if pairs is None:
            return super().load_data_list()
        data_list = [
            dict(
                img_path=img,
                seg_map_path=ann,
                label_map=self.label_map,
                reduce_zero_label=self.reduce_zero_label,
                seg_fields=[]) for img, ann in pairs
        ]
        data_list.sort(key=lambda x: x['img_path'])  # as mmseg orders a listed folder
        check_pairs(data_list)
        return data_list
