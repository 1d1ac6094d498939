"""Check image/mask pairs where they are listed, before any pipeline resizes them."""
from __future__ import annotations
import os
from typing import Iterable, Optional, Tuple

import numpy as np
from PIL import Image, UnidentifiedImageError

from ..utils.errors import DataError
from .raster_io import raster_kind, raster_size


def _header(path: str) -> Optional[Tuple[Tuple[int, int], int, str]]:
    """``((width, height), bands, mode)`` from the file header (GeoTIFF, HDF5 and ``.npy``
    through :func:`~.raster_io.raster_size`, other images through PIL), or None when it cannot
    be read."""
    if raster_kind(path) != 'image':
        size = raster_size(path)
        return None if size is None else ((size[2], size[1]), size[0], 'raster')
    try:
        with Image.open(path) as im:
            return im.size, len(im.getbands()), im.mode
    except (OSError, UnidentifiedImageError, ValueError):
        return None


#: PIL modes of masks whose values may not fit mmseg's uint8 labels
WIDE_MASK_MODES = ('I;16', 'I;16B', 'I;16L', 'I', 'F')


def readable_header(path: str, what: str) -> Tuple[Tuple[int, int], int, str]:
    """:func:`_header`, or a :class:`DataError` naming the file when it is missing, empty or
    cannot be read (mmseg's loaders would fail later without naming it)."""
    if not os.path.isfile(path):
        raise DataError(f'{what} {path} does not exist')
    if os.path.getsize(path) == 0:
        raise DataError(f'{what} {path} is empty (0 bytes): an interrupted copy? Replace or '
                        'remove the pair')
    header = _header(path)
    if header is None:
        raise DataError(f'{what} {path} cannot be read as an image or raster (corrupted, or '
                        'another kind of file?)')
    return header


def _check_label_values(path: str, mode: str) -> None:
    """Refuse a 16-bit / 32-bit mask with values above 255: mmseg reads masks as uint8, so
    they would wrap (256 -> 0) and train as other classes."""
    if mode not in WIDE_MASK_MODES:
        return
    with Image.open(path) as im:
        values = np.unique(np.asarray(im))
    big = values[values > 255]
    if big.size:
        shown = ', '.join(str(int(v)) for v in values[:8]) + (' ...' if values.size > 8 else '')
        raise DataError(f'mask {path} ({mode}) has label values above 255 ({shown}); mmseg '
                        'reads masks as 8-bit, so they would wrap around (256 -> 0). Map the '
                        'values to class indices 0..K-1 (and 255 for "no label") first')


def check_pair(img_path: str, seg_map_path: str) -> None:
    """Raise ``DataError`` naming the files when a mask is not a single-channel index image
    of the image's size, holds values that do not fit 8-bit labels, or a file of the pair is
    missing, empty or unreadable.

    mmseg's pipelines resize image and mask together, so a mismatched pair would otherwise
    train silently on labels that do not line up with the pixels.
    """
    (mw, mh), bands, mode = readable_header(seg_map_path, 'mask')
    if bands > 1 and mode not in ('P', 'PA', 'raster'):
        raise DataError(
            f'mask {seg_map_path} has {bands} channels (mode {mode}): an RGB colour mask? '
            'Masks must be single-channel index images (one class index per pixel). Convert '
            'colour masks first (tools/dataset_converters/dubai_aerial.py does it for the Dubai '
            'data; for other data map each palette colour to its class index)')
    _check_label_values(seg_map_path, mode)
    (iw, ih), _, _ = readable_header(img_path, 'image')
    if (iw, ih) != (mw, mh):
        raise DataError(f'image and mask sizes differ: image {img_path} is {iw}x{ih} but its '
                        f'mask {seg_map_path} is {mw}x{mh}')


def check_pairs(data_list: Iterable[dict]) -> int:
    """:func:`check_pair` on every ``img_path`` / ``seg_map_path`` entry; returns how many
    pairs were checked."""
    n = 0
    for info in data_list:
        if info.get('img_path') and info.get('seg_map_path'):
            check_pair(info['img_path'], info['seg_map_path'])
            n += 1
    return n


def first_tile_size(dataset) -> Optional[Tuple[int, int]]:
    """(width, height) of a dataset's first image from its header, or None (empty, or a
    dataset that lists no files)."""
    try:
        if len(dataset) == 0:
            return None
        path = dataset.get_data_info(0).get('img_path')
    except (AttributeError, TypeError, IndexError, KeyError):
        return None
    header = _header(path) if path else None
    return None if header is None else header[0]


def check_dataset_pairs(dataset) -> int:
    """Check the pairs of an mmengine dataset that lists files (``BaseSegDataset`` and
    subclasses); datasets that list none (an on-the-fly pool) are skipped (returns 0)."""
    if getattr(dataset, 'pairs_checked', False):
        return 0
    if not hasattr(dataset, 'data_address') and not hasattr(dataset, 'data_list'):
        return 0  # lists no files (an on-the-fly pool)
    if hasattr(dataset, 'full_init'):
        dataset.full_init()
    # mmengine serialises data_list to bytes by default (data_list is then empty)
    return check_pairs(dataset.get_data_info(i) for i in range(len(dataset)))
