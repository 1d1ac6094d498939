"""Check image/mask pairs where they are listed, before any pipeline resizes them."""
from __future__ import annotations
from typing import Iterable, Optional, Tuple

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


def check_pair(img_path: str, seg_map_path: str) -> None:
    """Raise ``ValueError`` naming both files when a mask is not a single-channel index image
    of the image's size.

    mmseg's pipelines resize image and mask together, so a mismatched pair would otherwise
    train silently on labels that do not line up with the pixels.
    """
    mask = _header(seg_map_path)
    if mask is None:
        return
    (mw, mh), bands, mode = mask
    if bands > 1 and mode not in ('P', 'PA', 'raster'):
        raise DataError(
            f'mask {seg_map_path} has {bands} channels (mode {mode}): an RGB colour mask? '
            'Masks must be single-channel index images (one class index per pixel). Convert '
            'colour masks first (tools/dataset_converters/dubai_aerial.py does it for the Dubai '
            'data; for other data map each palette colour to its class index)')
    img = _header(img_path)
    if img is None:
        return
    (iw, ih), _, _ = img
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
