# Convert Sen1Floods11 hand-labelled Sentinel-1 chips to mmseg's img_dir/ann_dir layout.
"""Usage::

    python tools/dataset_converters/sen1floods11.py ../shared/data/sen1floods11_sample \
        --out data/sen1floods11 [--patch-size 64] [--val-events Mekong Pakistan USA ...]

Raw layout (Sen1Floods11 v1.1 names): ``S1/EVENT_CHIP_S1Hand.tif`` (2 float32 bands, VV and VH
backscatter in dB, NaN = no data) and ``Labels/EVENT_CHIP_LabelHand.tif`` (int16: -1 no data,
0 not water, 1 water).

Split by chip, *before* cutting patches, so no val pixel reaches train: chips of the events
given by ``--val-events`` (default Mekong, Pakistan, USA, Spain, Sri-Lanka, as the sample's
README suggests) go to val, the others to train. Output per patch:

* ``img_dir/{split}/EVENT_CHIP_yY_xX.tif``: float32 GeoTIFF, 2 bands in dB, NaN kept;
* ``ann_dir/{split}/EVENT_CHIP_yY_xX.png``: index PNG, 0 land, 1 water, 255 where the label
  is -1 or the SAR has no data.

A chip whose SAR is entirely no-data is skipped with a warning; so is a patch without one
labelled pixel (both counted in ``converted.json``). A label raster of another size than its
chip, or a chip with other than 2 bands, is an error naming the file. The per-band statistics
of the train patches go to ``band_stats.json`` (what ``LoadRasterFromFile(norm=...)`` needs;
``tools/analyze_bands.py`` computes the same for any dataset). As the Dubai converter, it
writes into ``OUT.incomplete`` and renames it when everything converted.

Data: Bonafilia et al., "Sen1Floods11: a georeferenced dataset to train and test deep learning
flood algorithms for Sentinel-1", CVPR Workshops 2020 (CC BY 4.0).
"""
import glob
import os.path as osp
import warnings
from typing import Dict, List, Tuple

import numpy as np
from tqdm import tqdm

from ...utils import DataError, atomic_write_json, atomic_write_png
from ...utils.atomic_io import begin_folder, commit_folder
from ..band_stats import band_statistics
from ..raster_io import atomic_write_raster, read_raster
from .dubai_aerial import CONVERTED_MARK, window_starts

IGNORE_INDEX = 255
DEFAULT_VAL_EVENTS = ('Mekong', 'Pakistan', 'USA', 'Spain', 'Sri-Lanka')
NUM_BANDS = 2


def find_chips(raw_root: str) -> List[Tuple[str, str, str]]:
    """``(chip name, S1 path, label path)`` for every chip under ``raw_root``, sorted."""
    s1 = sorted(glob.glob(osp.join(raw_root, 'S1', '*_S1Hand.tif')))
    if not s1:
        raise FileNotFoundError(f'no "S1/*_S1Hand.tif" files under {raw_root!r}')
    chips = []
    for path in s1:
        chip = osp.basename(path)[:-len('_S1Hand.tif')]
        label = osp.join(raw_root, 'Labels', f'{chip}_LabelHand.tif')
        if not osp.exists(label):
            raise DataError(f'{path} has no label file {label}')
        chips.append((chip, path, label))
    return chips


def load_chip(s1_path: str, label_path: str) -> Tuple[np.ndarray, np.ndarray, object]:
    """``(sar float32 (2, H, W) with NaN, labels uint8 (H, W) with 255 = no data, the SAR
    raster)``."""
    sar = read_raster(s1_path)
    if sar.data.shape[0] != NUM_BANDS:
        raise DataError(f'{s1_path} has {sar.data.shape[0]} bands; Sentinel-1 chips have '
                        f'{NUM_BANDS} (VV, VH)')
    lab = read_raster(label_path)
    if lab.data.shape[0] != 1:
        raise DataError(f'label raster {label_path} has {lab.data.shape[0]} bands, not 1')
    if lab.data.shape[1:] != sar.data.shape[1:]:
        h, w = sar.data.shape[1:]
        lh, lw = lab.data.shape[1:]
        raise DataError(f'label raster {label_path} is {lw}x{lh} but its chip {s1_path} is '
                        f'{w}x{h}')
    raw = lab.data[0].astype(np.int64)
    bad = np.unique(raw[(raw < -1) | (raw > 1)])
    if bad.size:
        raise DataError(f'label raster {label_path} has values {bad[:10].tolist()}; '
                        'Sen1Floods11 labels are -1, 0, 1')
    labels = np.where(raw < 0, IGNORE_INDEX, raw).astype(np.uint8)
    data = sar.data.astype(np.float32)
    invalid = sar.invalid
    data[:, invalid] = np.nan
    labels[invalid] = IGNORE_INDEX
    return data, labels, sar


def convert(raw_root: str,
            out_dir: str,
            patch_size: int = 64,
            val_events=DEFAULT_VAL_EVENTS,
            progress: bool = True) -> Dict[str, int]:
    """Convert the chips; returns the counts written to ``converted.json``."""
    from rasterio.transform import Affine
    chips = find_chips(raw_root)
    work = begin_folder(
        out_dir, CONVERTED_MARK,
        [f'{sub}/{split}' for sub in ('img_dir', 'ann_dir') for split in ('train', 'val')])
    counts = dict(train=0, val=0, train_chips=0, val_chips=0, skipped_chips=0, skipped_patches=0)
    skipped: List[str] = []
    train_images = []
    for chip, s1_path, label_path in tqdm(chips, desc='converting', disable=not progress):
        split = 'val' if chip.split('_')[0] in set(val_events) else 'train'
        data, labels, sar = load_chip(s1_path, label_path)
        if np.isnan(data).all():
            warnings.warn(f'{s1_path}: the SAR chip is entirely no-data (NaN); skipped')
            counts['skipped_chips'] += 1
            skipped.append(chip)
            continue
        counts[f'{split}_chips'] += 1
        h, w = labels.shape
        for y in window_starts(h, patch_size, patch_size):
            for x in window_starts(w, patch_size, patch_size):
                lp = labels[y:y + patch_size, x:x + patch_size]
                if (lp == IGNORE_INDEX).all():
                    counts['skipped_patches'] += 1
                    continue
                ip = np.ascontiguousarray(data[:, y:y + patch_size, x:x + patch_size])
                name = f'{chip}_y{y:03d}_x{x:03d}'
                atomic_write_png(osp.join(work, 'ann_dir', split, name + '.png'), lp, fsync=False)
                # each patch keeps its place on the ground (the chip's CRS, shifted transform)
                transform = None if sar.transform is None else sar.transform * Affine.translation(
                    x, y)
                atomic_write_raster(
                    osp.join(work, 'img_dir', split, name + '.tif'),
                    ip,
                    nodata=np.nan,
                    fsync=False,
                    crs=sar.crs,
                    transform=transform)
                counts[split] += 1
                if split == 'train':
                    train_images.append(ip)
    if not counts['train']:
        raise DataError(f'no labelled train patch in {raw_root} (val events {list(val_events)})')
    stats = band_statistics(train_images, band_names=['VV', 'VH'])
    atomic_write_json(osp.join(work, 'band_stats.json'), stats.to_dict())
    atomic_write_json(
        osp.join(work, CONVERTED_MARK),
        dict(
            raw_root=osp.abspath(raw_root),
            patch_size=patch_size,
            val_events=list(val_events),
            skipped_chip_names=skipped,
            **counts))
    commit_folder(work, out_dir)
    return counts
