"""Unlabelled imagery as a data source: images or rasters without masks.

Users of the plugin have few labelled pixels and much unlabelled imagery. This dataset lists
such an archive — a folder searched recursively (e.g. ``../shared/data/ucmerced_landuse``,
Yang & Newsam 2010, whose ``images/<scene class>/`` folders give a scene label per tile), or
the images of any mmseg dataset with its masks dropped (the labelled set's held-back part) —
for the same loading transforms as the labelled data. Pairs it has none: every item carries
``unlabelled=True``, ``seg_map_path=None`` and, for a folder whose sub-folders name scene
classes, ``scene_label`` (the index of its first-level sub-folder).

Bringing the pool's ground resolution near D's is the config's ``scale_factor``: the list
records it and :class:`~satsynth_mmseg.datasets.transforms.RescaleUnlabelled` (put right after
the loading transform) resizes each image by it, e.g. 0.3 m UC Merced tiles to Dubai ÷8's
~2.4 m with ``scale_factor=0.125``.
"""
from __future__ import annotations
import os
import os.path as osp
from typing import List, Optional, Sequence

from mmengine.dataset import BaseDataset

from mmseg.registry import DATASETS
from ..utils.errors import DataError
from .pair_check import readable_header

#: file endings listed by default (images and the rasters ``LoadRasterFromFile`` reads)
IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.tif', '.tiff', '.npy', '.h5', '.hdf5')


def list_images(root: str, suffixes: Sequence[str] = IMAGE_SUFFIXES) -> List[str]:
    """Every file under ``root`` (recursively, sorted) whose ending is one of ``suffixes``
    (case-insensitive); hidden files and folders are skipped."""
    found = []
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not x.startswith('.'))
        found += [
            osp.join(d, f) for f in files
            if not f.startswith('.') and f.lower().endswith(tuple(suffixes))
        ]
    return sorted(found)


@DATASETS.register_module()
class UnlabelledImagesDataset(BaseDataset):
    """Images (or N-band rasters) without masks, for generators and encoders that learn from
    unlabelled imagery.

    Args:
        data_root: a folder searched recursively for ``suffixes``; or None with ``source``.
        source: instead of a folder, a dataset config (any mmseg dataset) whose images are
            used and whose masks are dropped.
        suffixes: file endings to list.
        num_bands: refuse images of another band count (from the file headers when the list
            is built, naming the first file that differs); None: no check.
        scale_factor: resize factor towards D's ground resolution (recorded in every item for
            :class:`~satsynth_mmseg.datasets.transforms.RescaleUnlabelled`).
        max_items: use only the first N files (sorted), e.g. for a quick experiment.
        holdout_every: hold out every n-th file (sorted; 0, n, 2n, ...) for evaluation, e.g.
            the scene accuracy of a pretrained encoder; None: no hold-out.
        subset: with ``holdout_every``: ``'train'`` (the others) or ``'holdout'``.
        pipeline, lazy_init, ...: ``mmengine.dataset.BaseDataset`` arguments.
    """
    METAINFO = dict(classes=(), palette=[])

    def __init__(self,
                 data_root: Optional[str] = None,
                 source: Optional[dict] = None,
                 suffixes: Sequence[str] = IMAGE_SUFFIXES,
                 num_bands: Optional[int] = None,
                 scale_factor: float = 1.0,
                 max_items: Optional[int] = None,
                 holdout_every: Optional[int] = None,
                 subset: str = 'train',
                 pipeline: Sequence = (),
                 **kwargs):
        if holdout_every is not None and holdout_every < 2:
            raise DataError(f'UnlabelledImagesDataset: holdout_every must be >= 2, got '
                            f'{holdout_every}')
        if subset not in ('train', 'holdout'):
            raise DataError(f"UnlabelledImagesDataset: subset must be 'train' or 'holdout', got "
                            f'{subset!r}')
        self.holdout_every = holdout_every
        self.subset = subset
        if (data_root is None) == (source is None):
            raise DataError('UnlabelledImagesDataset: give data_root (a folder of images) or '
                            'source (a dataset whose masks are dropped), not both or neither')
        if not scale_factor > 0:
            raise DataError(f'UnlabelledImagesDataset: scale_factor must be > 0, got '
                            f'{scale_factor}')
        self.source = source
        self.suffixes = tuple(s.lower() for s in suffixes)
        self.num_bands = num_bands
        self.scale_factor = float(scale_factor)
        self.max_items = max_items
        super().__init__(data_root=data_root or '', pipeline=list(pipeline), **kwargs)

    def _paths(self) -> List[str]:
        if self.source is not None:
            ds = DATASETS.build(dict(self.source, pipeline=[], lazy_init=False))
            paths = [ds.get_data_info(i)['img_path'] for i in range(len(ds))]
            where = f'the source dataset {self.source.get("type")}'
        else:
            if not osp.isdir(self.data_root):
                raise DataError(f'UnlabelledImagesDataset: the folder {self.data_root!r} does '
                                'not exist')
            paths = list_images(self.data_root, self.suffixes)
            where = f'{self.data_root!r} (searched recursively for {", ".join(self.suffixes)})'
        if not paths:
            raise DataError(f'UnlabelledImagesDataset: no images in {where}')
        paths = paths[:self.max_items] if self.max_items else paths
        if self.holdout_every:
            held = self.subset == 'holdout'
            paths = [p for i, p in enumerate(paths) if (i % self.holdout_every == 0) == held]
        return paths

    def _scene_label(self, path: str, classes: List[str]) -> Optional[int]:
        rel = osp.relpath(path, self.data_root).split(os.sep)
        return classes.index(rel[0]) if len(rel) > 1 and rel[0] in classes else None

    def load_data_list(self) -> List[dict]:
        paths = self._paths()
        classes = []
        if self.source is None:
            classes = sorted(
                d for d in os.listdir(self.data_root)
                if osp.isdir(osp.join(self.data_root, d)) and not d.startswith('.'))
            if not any(osp.dirname(osp.relpath(p, self.data_root)) for p in paths):
                classes = []
        self.scene_classes = tuple(classes)
        out = []
        for p in paths:
            (_, _), bands, _ = readable_header(p, 'unlabelled image')
            if self.num_bands is not None and bands != self.num_bands:
                raise DataError(f'unlabelled image {p} has {bands} bands; the generator makes '
                                f'{self.num_bands}-band images (num_bands)')
            out.append(
                dict(
                    img_path=p,
                    seg_map_path=None,
                    label_map=None,
                    reduce_zero_label=False,
                    seg_fields=[],
                    unlabelled=True,
                    scale_factor=self.scale_factor,
                    scene_label=self._scene_label(p, classes) if classes else None))
        return out
