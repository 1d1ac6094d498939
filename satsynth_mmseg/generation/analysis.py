"""What is in a dataset: class pixel distributions of D vs D', and pictures of pairs.

The statistics themselves (:func:`label_statistics`, :func:`dataset_label_maps`) live in
:mod:`satsynth_mmseg.datasets.label_stats` and are re-exported here."""
from __future__ import annotations
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..datasets.label_stats import dataset_label_maps, label_statistics, read_label_map
from ..datasets.raster_io import raster_kind, read_raster
from ..utils.atomic_io import atomic_save_figure, atomic_write_bytes, atomic_write_png
from ..visualization import make_comparison_grid, make_pair_grid


def markdown_table(classes: Sequence[str], stats: Dict[str, Dict]) -> str:
    """A markdown table of class shares, one column per dataset in ``stats``."""
    names = list(stats)
    lines = [
        '| class | ' + ' | '.join(f'{n} share' for n in names) + ' |', '|---|' + '---|' * len(names)
    ]
    for k, cls in enumerate(classes):
        lines.append(f'| {cls} | ' + ' | '.join(f'{100 * stats[n]["class_share"][k]:.1f} %'
                                                for n in names) + ' |')
    for key, label, fmt in (('samples', 'samples', '{}'), ('distinct_classes_mean',
                                                           'distinct classes / sample', '{:.2f}'),
                            ('ignored_pixels', 'ignored or invalid pixels', '{}')):
        lines.append(f'| *{label}* | ' + ' | '.join(fmt.format(stats[n][key])
                                                    for n in names) + ' |')
    return '\n'.join(lines) + '\n'


def plot_class_distribution(classes: Sequence[str],
                            stats: Dict[str, Dict],
                            path: str,
                            palette: Optional[Sequence[Sequence[int]]] = None) -> str:
    """Grouped bar chart of class pixel shares per dataset (cf. SatSynth Fig. 2c)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    names = list(stats)
    x = np.arange(len(classes))
    width = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(classes)), 3.6), dpi=120)
    hatches = ['', '//', '..', 'xx']
    for j, n in enumerate(names):
        colours = ([np.asarray(c) / 255 for c in palette] if palette else None)
        ax.bar(
            x + (j - (len(names) - 1) / 2) * width,
            100 * np.asarray(stats[n]['class_share']),
            width,
            color=colours,
            edgecolor='black',
            hatch=hatches[j % len(hatches)],
            label=n)
    ax.set_xticks(x, classes, rotation=20, ha='right')
    ax.set_ylabel('share of labelled pixels (%)')
    ax.set_title('class pixel distribution')
    ax.legend()
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    atomic_save_figure(fig, path)
    plt.close(fig)
    return path


def write_report(classes: Sequence[str],
                 stats: Dict[str, Dict],
                 out_prefix: str,
                 palette: Optional[Sequence[Sequence[int]]] = None,
                 extra: Optional[dict] = None) -> Dict[str, str]:
    """Write ``<prefix>.md`` (table), ``<prefix>.json`` (numbers) and ``<prefix>.png`` (chart)."""
    md = markdown_table(classes, stats)
    if extra:
        md += '\n' + '\n'.join(f'- {k}: {v}' for k, v in extra.items()) + '\n'
    atomic_write_bytes(out_prefix + '.md', md.encode(), fsync=False)
    atomic_write_bytes(
        out_prefix + '.json',
        json.dumps(dict(classes=list(classes), datasets=stats, **(extra or {})), indent=1).encode(),
        fsync=False)
    plot_class_distribution(classes, stats, out_prefix + '.png', palette)
    return dict(markdown=out_prefix + '.md', json=out_prefix + '.json', chart=out_prefix + '.png')


def write_preview(img_paths: List[str],
                  label_maps: List[np.ndarray],
                  palette: Sequence[Sequence[int]],
                  path: str,
                  ncols: int = 4,
                  display: Optional[dict] = None,
                  norm=None,
                  classes: Optional[Sequence[str]] = None) -> str:
    """Grid PNG (image | colourised mask) of the given pairs.

    Args:
        img_paths: image files: PNG/JPEG (BGR as mmcv reads them) or rasters (GeoTIFF,
            ``.npy``, HDF5) of any band count.
        label_maps: one (H, W) label map per image.
        palette: K RGB triples.
        path: the PNG to write (atomically).
        ncols: pairs per row.
        display: how non-RGB images are shown (see :mod:`satsynth_mmseg.visualization`).
        norm: a :class:`~satsynth_mmseg.datasets.BandNorm` applied to raster images first
            (physical units -> [-1, 1]), so generated and real data share one scale.
        classes: class names; when given, the picture gets a legend.
    """
    images = []
    for p in img_paths:
        img = read_raster(p).data
        if raster_kind(p) == 'image':
            if img.shape[0] == 3:
                img = img[::-1]  # BGR -> RGB
        elif norm is not None:
            img = norm.normalize(img, p)
        images.append(img)
    size = {im.shape[1:] for im in images}
    if len(size) > 1:
        raise ValueError(f'pairs of different sizes {sorted(size)} cannot share a grid')
    grid = make_pair_grid(
        np.stack(images),
        np.stack(label_maps),
        palette,
        ncols=ncols,
        scale=max(1, 128 // max(images[0].shape[1:])),
        display=display,
        classes=classes)
    atomic_write_png(path, np.ascontiguousarray(grid[..., ::-1]))  # cv2 writes BGR
    return path


def _rgb_pairs(ds, n: int):
    """``n`` (RGB uint8 (3, H, W) image, (H, W) label map) pairs of a dataset, evenly spaced
    over it (the first, ..., the last)."""
    out = []
    picks = sorted({int(round(x)) for x in np.linspace(0, len(ds) - 1, min(n, len(ds)))})
    for j in picks:
        info = ds.get_data_info(j)
        labels, path = read_label_map(info), info['img_path']
        img = read_raster(path).data
        if raster_kind(path) != 'image' or img.shape[0] != 3 or img.dtype != np.uint8:
            raise ValueError(f'{path}: the real | generated picture shows 8-bit RGB images '
                             f'only; this one is {img.dtype} with {img.shape[0]} band(s)')
        out.append((img[::-1], labels))  # BGR as read -> RGB
    return out


def _center_crop(img: np.ndarray, labels: np.ndarray, h: int, w: int):
    ih, iw = labels.shape
    if ih < h or iw < w:
        raise ValueError(f'a real image of {ih}x{iw} is smaller than the generated {h}x{w}')
    y, x = (ih - h) // 2, (iw - w) // 2
    return img[:, y:y + h, x:x + w], labels[y:y + h, x:x + w]


def write_comparison(real_ds, synthetic_ds, path: str, num: int = 6) -> str:
    """Picture of real pairs beside generated ones, masks overlaid, with a class legend.

    Each row: real image | real image with its mask | generated image | generated image with
    its mask (:func:`~satsynth_mmseg.visualization.make_comparison_grid`). Real images larger
    than the generated ones are centre-cropped to their size, as a training crop would be.

    Args:
        real_ds: the real dataset D (an mmseg dataset built with ``pipeline=[]``).
        synthetic_ds: a D′ folder's ``SyntheticPairsDataset`` (same classes and palette).
        path: the PNG to write (atomically).
        num: pairs of each (rows).

    Returns:
        ``path``.
    """
    gen = _rgb_pairs(synthetic_ds, num)
    h, w = gen[0][1].shape
    real = [_center_crop(img, lab, h, w) for img, lab in _rgb_pairs(real_ds, num)]
    n = min(len(real), len(gen))
    grid = make_comparison_grid(
        np.stack([r[0] for r in real[:n]]),
        np.stack([r[1] for r in real[:n]]),
        np.stack([g[0] for g in gen[:n]]),
        np.stack([g[1] for g in gen[:n]]),
        real_ds.metainfo.get('palette') or [],
        classes=real_ds.metainfo.get('classes'),
        scale=max(1, 96 // max(h, w)))
    atomic_write_png(path, np.ascontiguousarray(grid[..., ::-1]))  # cv2 writes BGR
    return path


__all__ = [
    'dataset_label_maps', 'label_statistics', 'read_label_map', 'markdown_table',
    'plot_class_distribution', 'write_report', 'write_preview', 'write_comparison'
]
