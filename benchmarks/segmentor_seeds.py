# A segmentor config trained over several seeds: its real-data mIoU, mean ± std.
"""Train one segmentor config with ``--seeds`` seeds (each in its own process, resumable) and
test it on its data root's val split; mIoU and per-class IoU, mean ± sample std, go to stdout
and ``benchmarks/results/<results>.{md,json}``. Used for the families whose configs release
no weights (``configs/segmentors``):

    .venv/bin/python benchmarks/segmentor_seeds.py \\
        configs/segmentors/fcn_unet-tiny_1xb8-1k_procedural-32x32.py \\
        --data procedural --data-root data/procedural_scenes --results segmentor_fcn_unet_procedural
"""
import argparse
import os.path as osp

from satsynth_mmseg.experiments.report import mean_std
from satsynth_mmseg.experiments.runs import prepare_data, run_specs, segmentor_spec
from satsynth_mmseg.utils import atomic_write_json, atomic_write_text


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('--data', default='procedural', choices=['procedural', 'dubai'])
    p.add_argument('--data-root', required=True)
    p.add_argument('--raw-dir', help='the raw download, for --data dubai on first use')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--work-dir', help='default: work_dirs/seeds_<config name>')
    p.add_argument('--results', required=True, help='benchmarks/results/<NAME>.{md,json}')
    args = p.parse_args(argv)
    name = osp.splitext(osp.basename(args.config))[0]
    work_dir = args.work_dir or osp.join('work_dirs', f'seeds_{name}')
    prepare_data(args.data, args.data_root, args.raw_dir)
    specs = [
        segmentor_spec(f'seed{s}', 'D', None, s, args.config, work_dir, args.data_root)
        for s in args.seeds
    ]
    runs, _ = run_specs(specs)
    classes = [k[4:] for k in runs[0]['metrics'] if k.startswith('IoU.')]
    miou = mean_std([r['metrics']['mIoU'] for r in runs])
    md = [
        f'`{args.config}` on `{args.data_root}` (val split), {len(runs)} seeds '
        f'({", ".join(map(str, args.seeds))}), mean ± sample std; training wall time '
        f'{mean_std([r["train_seconds"] for r in runs])[0] / 60:.1f} min per run.', '',
        '| mIoU | ' + ' | '.join(classes) + ' |', '|---|' + '---|' * len(classes),
        f'| {miou[0]:.2f} ± {miou[1]:.2f} | ' +
        ' | '.join(f'{mean_std([r["metrics"][f"IoU.{c}"] for r in runs])[0]:.2f}'
                   for c in classes) + ' |', ''
    ]
    text = '\n'.join(md)
    out = osp.join('benchmarks', 'results', args.results)
    atomic_write_text(out + '.md', text)
    atomic_write_json(
        out + '.json',
        dict(
            config=args.config,
            data_root=args.data_root,
            seeds=args.seeds,
            mIoU=dict(mean=round(miou[0], 2), std=round(miou[1], 2)),
            runs=runs))
    print(text)


if __name__ == '__main__':
    main()
