# Class statistics of a real dataset D and/or synthetic datasets D' (table, JSON, bar chart).
"""Usage::

    python tools/analyze_dataset.py --real-config CFG --synthetic DIR [DIR ...]
        --out work_dirs/analysis/report [--preview 16]

Writes ``<out>.md`` (markdown table of class pixel shares, distinct classes per sample,
ignored/invalid pixels), ``<out>.json`` and ``<out>.png`` (grouped bar chart, cf. SatSynth
Fig. 2c); with ``--preview N`` also ``<out>_preview_<name>.png`` grids of the first N pairs;
with ``--compare N`` (D and one D′) ``<out>_real_vs_generated.png``: N real pairs beside N
generated ones, masks overlaid, with the class legend.
Labels are read with mmseg's ``LoadAnnotations`` and each dataset's own label convention.
"""
import argparse
import itertools
import json
import os
import os.path as osp

from mmengine.registry import init_default_scope

from mmseg.registry import DATASETS
from satsynth_mmseg.datasets import build_train_dataset, find_band_norm, train_dataset_config
from satsynth_mmseg.generation import (ImageStorage, dataset_label_maps, label_statistics,
                                       read_manifest, write_comparison, write_preview, write_report)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Class distributions of D vs D\'')
    p.add_argument('--real-config', help='config whose train_dataloader.dataset is D')
    p.add_argument('--synthetic', nargs='*', default=[], help='D\' folders (tools/generate.py)')
    p.add_argument('--out', default='work_dirs/analysis/report', help='output path prefix')
    p.add_argument('--preview', type=int, default=0, help='grid of the first N pairs')
    p.add_argument(
        '--compare',
        type=int,
        default=0,
        help='picture of N real pairs beside N generated ones (of the first --synthetic)')
    args = p.parse_args(argv)
    if not args.real_config and not args.synthetic:
        p.error('give --real-config and/or --synthetic')
    if args.compare and not (args.real_config and args.synthetic):
        p.error('--compare needs --real-config and a --synthetic folder')
    return args


def main(argv=None):
    args = parse_args(argv)
    init_default_scope('mmseg')
    datasets, norms = {}, {}
    if args.real_config:
        datasets['D (real)'] = build_train_dataset(args.real_config, pipeline=[])
        # rasters are shown on the scale of the config's LoadRasterFromFile normalisation
        norms['D (real)'] = find_band_norm(train_dataset_config(args.real_config).get('pipeline'))
    invalid = {}
    for d in args.synthetic:
        name = f"D' ({osp.basename(osp.normpath(d))})"
        datasets[name] = DATASETS.build(
            dict(type='SyntheticPairsDataset', data_root=d, pipeline=[]))
        norms[name] = ImageStorage.from_meta(datasets[name].generation_meta).norm
        invalid[name] = sum(r['invalid_pixels'] for r in read_manifest(d))
    first = next(iter(datasets.values()))
    classes = list(first.metainfo['classes'])
    for name, ds in datasets.items():
        if list(ds.metainfo['classes']) != classes:
            raise SystemExit(f'error: {name} has classes {list(ds.metainfo["classes"])}, '
                             f'not {classes}')
    stats = {
        name: label_statistics(dataset_label_maps(ds), len(classes))
        for name, ds in datasets.items()
    }
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    paths = write_report(
        classes,
        stats,
        args.out,
        first.metainfo.get('palette'),
        extra={'invalid code pixels (decoded >= K)': json.dumps(invalid)} if invalid else None)
    if args.preview:
        for i, (name, ds) in enumerate(datasets.items()):
            n = min(args.preview, len(ds))
            path = f'{args.out}_preview_{i}.png'
            write_preview([ds.get_data_info(j)['img_path'] for j in range(n)],
                          list(itertools.islice(dataset_label_maps(ds), n)),
                          ds.metainfo.get('palette') or [],
                          path,
                          norm=norms.get(name),
                          classes=classes)
            paths[f'preview {name}'] = path
    if args.compare:
        synth = datasets[f"D' ({osp.basename(osp.normpath(args.synthetic[0]))})"]
        paths['real vs generated'] = write_comparison(datasets['D (real)'], synth,
                                                      f'{args.out}_real_vs_generated.png',
                                                      args.compare)
    with open(paths['markdown']) as f:
        print(f.read())
    for k, v in paths.items():
        print(f'{k}: {v}')


if __name__ == '__main__':
    main()
