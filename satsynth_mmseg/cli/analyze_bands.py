# Per-band statistics of a raster training set, and the LoadRasterFromFile norm they give.
"""Usage::

    python tools/analyze_bands.py CONFIG [--split train|val] [--percentiles 1 99]
        [--kind range|mean_std] [--out FILE.json]
    python tools/analyze_bands.py --images DIR [--suffix .tif] ...

Reads every image of the config's training (or val) dataset -- or every ``*SUFFIX`` file under
``DIR`` -- with the plugin's raster reader (GeoTIFF, HDF5, ``.npy``, PNG), skips NaN/no-data
pixels, and prints per band: valid share, mean, std, min, max and the two percentiles, then the
``norm=dict(...)`` to put into ``LoadRasterFromFile`` in the config (clip to the percentiles,
or mean ± 3 std). ``--out`` also writes the numbers as JSON.
"""
import argparse
import glob
import os.path as osp

from tqdm import tqdm

from satsynth_mmseg.datasets.band_stats import band_statistics
from satsynth_mmseg.datasets.raster_io import read_raster
from satsynth_mmseg.utils import SatSynthError, atomic_write_json
from satsynth_mmseg.utils.tool_config import read_config


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Per-band statistics of raster images')
    p.add_argument('config', nargs='?', help='config whose dataset lists the images')
    p.add_argument('--images', help='a folder of images instead of a config')
    p.add_argument('--suffix', default='.tif', help='image suffix with --images')
    p.add_argument('--split', choices=['train', 'val'], default='train')
    p.add_argument('--percentiles', nargs=2, type=float, default=[1.0, 99.0])
    p.add_argument('--kind', choices=['range', 'mean_std'], default='range')
    p.add_argument('--bands', nargs='*', help='band names, for the table')
    p.add_argument('--out', help='also write the statistics to this JSON file')
    p.add_argument('--no-progress', action='store_true')
    args = p.parse_args(argv)
    if bool(args.config) == bool(args.images):
        p.error('give a CONFIG or --images DIR')
    if not 0 <= args.percentiles[0] < args.percentiles[1] <= 100:
        p.error(f'--percentiles must be two values 0 <= low < high <= 100, got {args.percentiles}')
    return args


def image_paths(args):
    """The image files and the reader arguments of the config's LoadRasterFromFile."""
    if args.images:
        paths = sorted(glob.glob(osp.join(args.images, '**', '*' + args.suffix), recursive=True))
        if not paths:
            raise SatSynthError(f'no *{args.suffix} files under {args.images}')
        return paths, {}
    from mmengine.registry import init_default_scope

    from mmseg.registry import DATASETS
    init_default_scope('mmseg')
    cfg = read_config(args.config, 'config')
    loader = cfg.train_dataloader if args.split == 'train' else cfg.val_dataloader
    ds_cfg = dict(loader.dataset)
    reader = {}
    for t in ds_cfg.get('pipeline') or []:
        if t.get('type') == 'LoadRasterFromFile':
            reader = {k: t[k] for k in ('band_axis', 'hdf5_key') if k in t}
    ds_cfg['pipeline'] = []
    ds = DATASETS.build(ds_cfg)
    return [ds.get_data_info(i)['img_path'] for i in range(len(ds))], reader


def main(argv=None):
    args = parse_args(argv)
    try:
        paths, reader = image_paths(args)
        images = (
            read_raster(p, **reader).data
            for p in tqdm(paths, desc='reading', unit='img', disable=args.no_progress))
        stats = band_statistics(images, args.bands, args.percentiles)
    except SatSynthError as e:
        raise SystemExit(f'error: {e}')
    lo, hi = (f'p{v:g}' for v in stats.percentiles)
    print(f'\n{stats.num_images} images, {100 * stats.valid_fraction:.2f} % valid pixels\n')
    print(f'| band | mean | std | min | max | {lo} | {hi} |')
    print('|---|---|---|---|---|---|---|')
    for b, name in enumerate(stats.bands):
        print(f'| {name} | {stats.mean[b]:.4g} | {stats.std[b]:.4g} | {stats.min[b]:.4g} | '
              f'{stats.max[b]:.4g} | {stats.low[b]:.4g} | {stats.high[b]:.4g} |')
    print(f'\nLoadRasterFromFile norm:\n  norm={stats.norm(args.kind)!r}')
    if args.out:
        atomic_write_json(args.out, dict(stats.to_dict(), norm=stats.norm(args.kind)))
        print(f'written: {args.out}')
    return stats


if __name__ == '__main__':
    main()
