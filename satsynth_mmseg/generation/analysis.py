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
from ..visualization import make_pair_grid


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
                  norm=None) -> str:
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
        display=display)
    atomic_write_png(path, np.ascontiguousarray(grid[..., ::-1]))  # cv2 writes BGR
    return path


__all__ = [
    'dataset_label_maps', 'label_statistics', 'read_label_map', 'markdown_table',
    'plot_class_distribution', 'write_report', 'write_preview'
]
