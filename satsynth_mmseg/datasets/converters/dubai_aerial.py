# Convert the raw Dubai aerial dataset to mmseg's img_dir/ann_dir layout with index masks.
"""Usage::

    python tools/dataset_converters/dubai_aerial.py ../shared/data/dubai_aerial \
        --out data/dubai_aerial [--patch-size 512 --stride 256]

Raw layout (spaces in folder names): ``Tile N/images/image_part_00K.jpg`` and
``Tile N/masks/image_part_00K.png``. Masks are colour maps (RGB or palette PNGs whose palette
indices are *not* class ids), so every mask is converted to RGB and its colours mapped with
:data:`satsynth_mmseg.datasets.DUBAI_AERIAL_COLOURS`; black gaps become 255 (ignore). Any other
colour is an error naming the file, the colour and how many pixels have it.

Split (the one every benchmark of the project uses): parts 1-7 of each tile -> train, parts 8-9
-> val. Patches are cut *after* the split, so no val pixel reaches train. Windows step by
``--stride``; the last window of a row/column is aligned to the image edge so the whole image
is covered; an image smaller than the patch gives one window of its own size along that side.
"""
import os
import os.path as osp
import re
from typing import Dict, Iterator, List, Optional, Tuple

import cv2
import numpy as np
from PIL import Image
from tqdm import tqdm

from ...utils import DataError, atomic_write_json, atomic_write_png
from ...utils.atomic_io import begin_folder, commit_folder
from ...utils.downsample import downsample_pair
from ..dubai_aerial import DUBAI_AERIAL_COLOURS, DUBAI_AERIAL_IGNORE_COLOUR

IGNORE_INDEX = 255
#: written last into a finished output folder
CONVERTED_MARK = 'converted.json'
TRAIN_PARTS = range(1, 8)
VAL_PARTS = range(8, 10)
_NAME = re.compile(r'^Tile (\d+)$')
_PART = re.compile(r'^image_part_(\d+)\.jpg$')


def colour_table() -> Dict[Tuple[int, int, int], int]:
    """RGB colour -> label value, including the ignore colour."""
    table = {tuple(rgb): idx for idx, (_, rgb) in enumerate(DUBAI_AERIAL_COLOURS)}
    table[tuple(DUBAI_AERIAL_IGNORE_COLOUR)] = IGNORE_INDEX
    return table


def rgb_mask_to_labels(rgb: np.ndarray, path: str) -> np.ndarray:
    """Map an (H, W, 3) RGB colour mask to uint8 labels; unknown colours raise ValueError."""
    packed = (rgb[..., 0].astype(np.int64) << 16) | (rgb[..., 1].astype(np.int64) << 8) | rgb[...,
                                                                                              2]
    colours, inverse, counts = np.unique(packed.ravel(), return_inverse=True, return_counts=True)
    table = colour_table()
    lut = np.empty(len(colours), np.uint8)
    unknown = []
    for i, c in enumerate(colours.tolist()):
        rgb_c = (c >> 16 & 255, c >> 8 & 255, c & 255)
        if rgb_c not in table:
            unknown.append(f'RGB{rgb_c} ({counts[i]} px)')
        else:
            lut[i] = table[rgb_c]
    if unknown:
        raise DataError(f'{path}: unknown mask colour(s) {", ".join(unknown)}; known colours '
                        f'are {sorted(table)}')
    return lut[inverse].reshape(rgb.shape[:2])


def load_pair(img_path: str, mask_path: str) -> Tuple[np.ndarray, np.ndarray]:
    """Read a raw pair: BGR uint8 image and uint8 label map of the same size."""
    img = cv2.imread(img_path, cv2.IMREAD_COLOR)
    if img is None:
        raise OSError(f'cannot read image {img_path}')
    with Image.open(mask_path) as m:
        rgb = np.asarray(m.convert('RGB'))  # palette ("P") masks too: colours, not indices
    labels = rgb_mask_to_labels(rgb, mask_path)
    if labels.shape != img.shape[:2]:
        raise DataError(f'image {img_path} is {img.shape[1]}x{img.shape[0]} but its mask '
                        f'{mask_path} is {labels.shape[1]}x{labels.shape[0]}')
    return img, labels


def window_starts(length: int, patch: int, stride: int) -> List[int]:
    """Start offsets covering [0, length) with windows of ``patch`` (edge-aligned last)."""
    if length <= patch:
        return [0]
    starts = list(range(0, length - patch + 1, stride))
    if starts[-1] != length - patch:
        starts.append(length - patch)
    return starts


def iter_patches(img: np.ndarray, labels: np.ndarray, patch: Optional[int],
                 stride: Optional[int]) -> Iterator[Tuple[str, np.ndarray, np.ndarray]]:
    """Yield ``(suffix, image_patch, label_patch)``; one whole-image item without ``patch``."""
    if not patch:
        yield '', img, labels
        return
    stride = stride or patch
    h, w = labels.shape
    for y in window_starts(h, patch, stride):
        for x in window_starts(w, patch, stride):
            yield (f'_{y:05d}_{x:05d}', img[y:y + patch, x:x + patch], labels[y:y + patch,
                                                                              x:x + patch])


def find_pairs(raw_root: str) -> List[Tuple[int, int, str, str]]:
    """``(tile, part, image_path, mask_path)`` for every raw pair, sorted."""
    if not osp.isdir(raw_root):
        raise FileNotFoundError(f'raw dataset folder {raw_root!r} does not exist')
    pairs = []
    for tile_dir in sorted(os.listdir(raw_root)):
        m = _NAME.match(tile_dir)
        if not m:
            continue
        img_dir = osp.join(raw_root, tile_dir, 'images')
        for name in sorted(os.listdir(img_dir)):
            p = _PART.match(name)
            if not p:
                continue
            mask_path = osp.join(raw_root, tile_dir, 'masks', name[:-4] + '.png')
            if not osp.exists(mask_path):
                raise FileNotFoundError(f'no mask {mask_path} for image {osp.join(img_dir, name)}')
            pairs.append((int(m.group(1)), int(p.group(1)), osp.join(img_dir, name), mask_path))
    if not pairs:
        raise FileNotFoundError(f'no "Tile N/images/image_part_K.jpg" files under {raw_root!r}')
    return pairs


def convert(raw_root: str,
            out_dir: str,
            patch_size: Optional[int] = None,
            stride: Optional[int] = None,
            progress: bool = True,
            downscale: int = 1) -> Dict[str, int]:
    """Convert the raw dataset; returns the number of written pairs per split.

    ``downscale`` > 1 shrinks every patch by that integer factor after cutting it: the image
    by area averaging, the labels by majority vote (label-safe).

    Everything is written into ``OUT_DIR.incomplete`` and renamed to ``out_dir`` only when
    every pair converted, so a failure (a bad mask, a full disk) never leaves a partial folder
    that a dataset would load without complaint. An existing ``out_dir`` that this converter
    made (it holds ``CONVERTED_MARK``) is replaced; any other existing folder is refused.
    """
    pairs = find_pairs(raw_root)
    work = begin_folder(
        out_dir, CONVERTED_MARK,
        [f'{sub}/{split}' for sub in ('img_dir', 'ann_dir') for split in ('train', 'val')])
    counts = dict(train=0, val=0)
    for tile, part, img_path, mask_path in tqdm(pairs, desc='converting', disable=not progress):
        split = 'train' if part in TRAIN_PARTS else 'val' if part in VAL_PARTS else None
        if split is None:
            continue
        img, labels = load_pair(img_path, mask_path)
        for suffix, ip, lp in iter_patches(img, labels, patch_size, stride):
            if downscale > 1:
                ip, lp = downsample_pair(ip, lp, downscale)
            name = f'tile{tile}_part{part:03d}{suffix}.png'
            # mask first: readers list images, so an image appears only with its mask
            atomic_write_png(osp.join(work, 'ann_dir', split, name), lp, fsync=False)
            atomic_write_png(osp.join(work, 'img_dir', split, name), ip, fsync=False)
            counts[split] += 1
    atomic_write_json(
        osp.join(work, CONVERTED_MARK),
        dict(
            raw_root=osp.abspath(raw_root),
            patch_size=patch_size,
            stride=stride,
            downscale=downscale,
            **counts))
    commit_folder(work, out_dir)
    return counts
