"""The embedded default dataset: procedural aerial-like scenes, deterministic by seed.

No download, no licence question: :func:`make_procedural_dataset` writes the scenes that
:mod:`.scene_painter` paints, in mmseg's layout, and :class:`ProceduralScenesDataset` reads
them.
"""
from __future__ import annotations
import json
import os
import os.path as osp
from typing import Dict

from mmseg.registry import DATASETS
from ..utils.atomic_io import atomic_write_bytes, atomic_write_png
from .base import CheckedSegDataset
from .scene_painter import IGNORE_INDEX, PROCEDURAL_CLASSES, PROCEDURAL_PALETTE, make_scene


@DATASETS.register_module()
class ProceduralScenesDataset(CheckedSegDataset):
    """Procedural aerial-like scenes, 5 classes (K = 5, 3 analog bits), 255 = no data.

    Layout as written by :func:`make_procedural_dataset`:
    ``data_root/img_dir/{train,val}/scene_NNNNN.png`` and the matching index PNGs under
    ``ann_dir``.
    """
    METAINFO = dict(classes=PROCEDURAL_CLASSES, palette=PROCEDURAL_PALETTE)
    HOW_TO_CREATE = ('Create it with: python tools/dataset_converters/procedural_scenes.py '
                     '--out DATA_ROOT')

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', reduce_zero_label=False, **kwargs):
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)


def make_procedural_dataset(out_dir: str,
                            num_train: int = 64,
                            num_val: int = 16,
                            size: int = 64,
                            seed: int = 0) -> Dict[str, int]:
    """Write the procedural dataset in mmseg's layout (idempotent).

    Files are written to a temporary name and renamed, so an interrupted run leaves no partial
    PNG; a rerun with the same arguments only writes what is missing, a rerun with other
    arguments into the same folder is refused.

    Args:
        out_dir: data root; gets ``img_dir/{train,val}``, ``ann_dir/{train,val}`` and
            ``meta.json``.
        num_train: scenes in the train split.
        num_val: scenes in the val split.
        size: side length in pixels.
        seed: dataset seed.

    Returns:
        ``{'train': n, 'val': n, 'written': n}``.
    """
    params = dict(
        generator='procedural_scenes',
        version=1,
        num_train=num_train,
        num_val=num_val,
        size=size,
        seed=seed,
        classes=list(PROCEDURAL_CLASSES),
        palette=PROCEDURAL_PALETTE,
        ignore_index=IGNORE_INDEX)
    meta_path = osp.join(out_dir, 'meta.json')
    if osp.exists(meta_path):
        with open(meta_path) as f:
            old = json.load(f)
        if old != params:
            raise FileExistsError(
                f'{out_dir} holds a procedural dataset made with other arguments {old}; '
                'choose another --out or delete it')
    written = 0
    for split, count in (('train', num_train), ('val', num_val)):
        for sub in ('img_dir', 'ann_dir'):
            os.makedirs(osp.join(out_dir, sub, split), exist_ok=True)
        for i in range(count):
            name = f'scene_{i:05d}.png'
            img_path = osp.join(out_dir, 'img_dir', split, name)
            ann_path = osp.join(out_dir, 'ann_dir', split, name)
            if osp.exists(img_path) and osp.exists(ann_path):
                continue
            img, mask = make_scene(seed, split, i, size)
            # the mask first: a reader lists images, so an image only appears once its mask is
            # complete
            atomic_write_png(ann_path, mask, fsync=False)
            atomic_write_png(img_path, img[..., ::-1], fsync=False)
            written += 1
    atomic_write_bytes(meta_path, json.dumps(params, indent=1).encode())
    return dict(train=num_train, val=num_val, written=written)
