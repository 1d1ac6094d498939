# SatSynth's Table 4: is the x2 super-resolution cascade worth it for the segmentor?
"""Usage::

    python tools/benchmark_super_res.py [--work-dir DIR] [--seeds 0 1 2] [--ratio 1]
        [--generator-checkpoint CKPT] [--sr-checkpoint CKPT] [--dprime-only]
        [--seg-iters N] [--results NAME]

Defaults are the CPU-sized Dubai experiment: the tiny 32 x 32 generator (512 patches shrunk
x8), the 32 -> 64 ``JointSuperRes`` and a tiny DeepLabV3+ on 64 x 64 crops of the real data at
the high resolution (shrunk x4). Stages (each resumable: rerunning skips what is finished):

1. data: the real data at both scales (Dubai converter, from ``--raw-dir``);
2. generator, super-resolution: trained with ``tools/train.py --resume`` unless checkpoints
   are given;
3. sr_eval: ``tools/evaluate_super_res.py`` on the real high-resolution val split (image PSNR
   and mask mIoU of interpolation vs the model);
4. D': the *same* low-resolution samples (seed 0, fixed batches) enlarged x2 (a) by
   interpolation (``tools/generate.py --interp-scale 2``: bilinear image, nearest mask) and (b)
   by the super-resolution model (``--sr-config``), ``ceil(R * |D|)`` pairs each;
5. segmentors: one config, schedule and seed set, trained on D, D u D'(a), D u D'(b) (and with
   ``--dprime-only`` on D'(a), D'(b) alone), each in its own process, tested on the real
   high-resolution val split;
6. report: ``DIR/sr_gain.md`` (with the sr_eval table), ``DIR/sr_gain.json`` (every run, stage
   timings) and ``DIR/sr_gain.png`` (mIoU per training set).
"""
import argparse
import importlib.util
import json
import math
import os
import os.path as osp
import platform
import shutil
import sys
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

_spec = importlib.util.spec_from_file_location('benchmark_gain',
                                               osp.join(ROOT, 'tools', 'benchmark_gain.py'))
gain = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gain)

DEFAULTS = dict(
    data_root='data/dubai_aerial_x4', convert=dict(patch_size=512, stride=None, downscale=4),
    low_data_root='data/dubai_aerial_x8',
    low_convert=dict(patch_size=512, stride=None, downscale=8),
    generator='configs/joint_ddpm/jointddpm_unet-tiny_1xb8-3k_dubai-32x32.py',
    sr='configs/joint_sr/jointsr_unet-tiny_1xb8-3k_dubai-32to64x64.py',
    segmentor='configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-{}-64x64.py',
    sampler='ddim', steps=50, sr_sampler='dpm-solver++', sr_steps=20, gen_batch_size=32)
#: how each D' is enlarged: tag -> the name in the report
UPSAMPLERS = {'interp': 'bilinear / nearest', 'sr': 'JointSuperRes'}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Downstream mIoU with D\' enlarged x2 by '
                                'interpolation vs by the super-resolution cascade')
    p.add_argument('--work-dir', default=osp.join(ROOT, 'work_dirs', 'sr_gain_dubai-cpu'))
    p.add_argument('--raw-dir', default=osp.join(ROOT, '..', 'shared', 'data', 'dubai_aerial'))
    p.add_argument('--data-root', default=DEFAULTS['data_root'],
                   help='real data at the high resolution (converted if missing)')
    p.add_argument('--low-data-root', default=DEFAULTS['low_data_root'],
                   help='real data at the generator\'s resolution (only to train it)')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--ratio', type=float, default=1.0, help='generated pairs per real pair')
    p.add_argument('--generator-config', default=DEFAULTS['generator'])
    p.add_argument('--generator-checkpoint', help='skip generator training, use this')
    p.add_argument('--generator-iters', type=int, help='override the generator\'s max_iters')
    p.add_argument('--sr-config', default=DEFAULTS['sr'])
    p.add_argument('--sr-checkpoint', help='skip super-resolution training, use this')
    p.add_argument('--sr-iters', type=int, help='override the SR model\'s max_iters')
    p.add_argument('--segmentor', default=DEFAULTS['segmentor'],
                   help='segmentor config pattern, {} = d | d+dprime | dprime')
    p.add_argument('--sampler', default=DEFAULTS['sampler'])
    p.add_argument('--steps', type=int, default=DEFAULTS['steps'])
    p.add_argument('--sr-sampler', default=DEFAULTS['sr_sampler'])
    p.add_argument('--sr-steps', type=int, default=DEFAULTS['sr_steps'])
    p.add_argument('--eval-max-tiles', type=int, help='sr_eval: at most this many val tiles')
    p.add_argument('--seg-iters', type=int, help='override the segmentors\' max_iters')
    p.add_argument('--dprime-only', action='store_true',
                   help='also train on D\'(a) and D\'(b) alone')
    p.add_argument('--results', help='also copy the report to benchmarks/results/<RESULTS>*')
    args = p.parse_args(argv)
    if args.ratio <= 0:
        p.error('--ratio must be > 0')
    if len(set(args.seeds)) < len(args.seeds):
        p.error('--seeds must be distinct')
    return args


def variants(args):
    """(variant, tag, ratio) in report order; ratio None = D' alone."""
    out = [('D', 'd', 0.0)]
    out += [(f'D u D\' ({UPSAMPLERS[u]})', f'd+dprime-{u}', args.ratio) for u in UPSAMPLERS]
    if args.dprime_only:
        out += [(f'D\' only ({UPSAMPLERS[u]})', f'dprime-{u}', None) for u in UPSAMPLERS]
    return out


def display(variant):
    """A variant's name as the report prints it."""
    return variant.replace('D u D\'', 'D ∪ D′').replace('D\'', 'D′')


def evaluate_sr(args, sr_ckpt, data_root, out):
    if osp.exists(osp.join(out, 'sr_eval.json')):
        return False
    extra = ['--max-tiles', str(args.eval_max_tiles)] if args.eval_max_tiles else []
    gain.python('tools/evaluate_super_res.py', args.sr_config, sr_ckpt, '--data-root',
                data_root, '--sampler', args.sr_sampler, '--steps', str(args.sr_steps),
                '--out', out, '--no-progress', *extra)
    return True


def plot(rows, path, title):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=120)
    names = [display(r['variant']) for r in rows]
    colors = ['tab:gray' if r['variant'] == 'D' else
              'tab:blue' if 'JointSuperRes' in r['variant'] else 'tab:orange' for r in rows]
    ax.barh(range(len(rows)), [r['mIoU'][0] for r in rows], xerr=[r['mIoU'][1] for r in rows],
            color=colors, capsize=4)
    ax.set_yticks(range(len(rows)), names, fontsize=8)
    ax.invert_yaxis()
    lo = min(r['mIoU'][0] - r['mIoU'][1] for r in rows)
    ax.set_xlim(max(0, lo - 5), None)
    ax.set_xlabel('val mIoU (%)')
    ax.set_title(title, fontsize=9)
    ax.grid(axis='x', alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    work_dir = osp.abspath(args.work_dir)
    data_root = osp.abspath(osp.join(ROOT, args.data_root))
    os.makedirs(work_dir, exist_ok=True)
    stages = gain.Stages(osp.join(work_dir, 'stages.json'))
    t_start = time.perf_counter()

    stages.run('data', lambda: (None, gain.prepare_data(
        args, dict(data='dubai', convert=DEFAULTS['convert']), data_root)))
    from mmengine.config import Config
    from satsynth_mmseg.generation import build_train_dataset
    seg_cfg = Config.fromfile(args.segmentor.format('d'))
    seg_cfg.train_dataloader.dataset.data_root = data_root
    real_config = osp.join(work_dir, 'real_data_config.py')
    seg_cfg.dump(real_config)
    real = build_train_dataset(real_config, pipeline=[])
    classes, n_real = list(real.metainfo['classes']), len(real)

    gen_ckpt = args.generator_checkpoint
    if gen_ckpt is None:
        low_root = osp.abspath(osp.join(ROOT, args.low_data_root))
        stages.run('data', lambda: (None, gain.prepare_data(
            args, dict(data='dubai', convert=DEFAULTS['low_convert']), low_root)))
        gen_dir = osp.join(work_dir, 'generator')
        stages.run('generator', lambda: (None, gain.train_model(
            args.generator_config, low_root, gen_dir, args.generator_iters)))
        gen_ckpt = gain.last_checkpoint(gen_dir)
    sr_ckpt = args.sr_checkpoint
    if sr_ckpt is None:
        sr_dir = osp.join(work_dir, 'super_res')
        stages.run('super_res', lambda: (None, gain.train_model(
            args.sr_config, data_root, sr_dir, args.sr_iters)))
        sr_ckpt = gain.last_checkpoint(sr_dir)
    eval_dir = osp.join(work_dir, 'sr_eval')
    stages.run('sr_eval', lambda: (None, evaluate_sr(args, sr_ckpt, data_root, eval_dir)))

    num = math.ceil(args.ratio * n_real)
    dprimes = {u: osp.join(work_dir, f'dprime_{u}') for u in UPSAMPLERS}
    cascade = dict(interp=['--interp-scale', '2'],
                   sr=['--sr-config', args.sr_config, '--sr-checkpoint', sr_ckpt,
                       '--sr-sampler', args.sr_sampler, '--sr-steps', str(args.sr_steps)])
    for u, out in dprimes.items():
        stages.run(f'dprime_{u}', lambda: (None, gain.generate_dprime(
            args.generator_config, gen_ckpt, out, num, args.sampler, args.steps,
            DEFAULTS['gen_batch_size'], real_config, extra=cascade[u])))

    specs = []
    for seed in args.seeds:
        for variant, tag, ratio in variants(args):
            upsampler = tag.rsplit('-', 1)[1] if tag != 'd' else None
            specs.append(gain.segmentor_spec(
                f'{tag}_seed{seed}', variant, ratio, seed,
                args.segmentor.format(tag.rsplit('-', 1)[0]), work_dir, data_root,
                dprimes.get(upsampler), args.seg_iters))
    results = stages.run('segmentors', lambda: gain.run_specs(specs))

    rows = gain.summarise(results, classes)
    sr_eval = json.load(open(osp.join(eval_dir, 'sr_eval.json')))
    total = sum(stages.data.values())
    header = (f'|D| = {n_real} real training pairs at the high resolution; each D′ = {num} '
              f'pairs: the same {args.sampler} {args.steps}-step low-resolution samples '
              f'enlarged x2 by interpolation or by JointSuperRes ({args.sr_sampler}, '
              f'{args.sr_steps} steps); segmentor `{osp.basename(args.segmentor.format("*"))}`, '
              f'R = {args.ratio:g}, seeds {args.seeds}; val = real val split at the high '
              'resolution. IoU in %, mean ± std over seeds. Stage wall times: '
              + ', '.join(f'{k} {v / 60:.1f} min' for k, v in stages.data.items())
              + f' (total {total / 60:.1f} min).')
    lines = [header, '', '| training set | seeds | mIoU | ' + ' | '.join(classes) + ' |',
             '|---|---|---|' + '---|' * len(classes)]
    for row in rows:
        lines.append(f'| {display(row["variant"])} | {len(row["seeds"])} | '
                     f'{gain.fmt(row["mIoU"])} | '
                     + ' | '.join(gain.fmt(row['per_class'][c]) for c in classes) + ' |')
    md = '\n'.join(lines) + '\n\nThe super-resolution model on real val pairs ' \
        '(`tools/evaluate_super_res.py`):\n\n' + \
        open(osp.join(eval_dir, 'sr_eval.md')).read()
    report = dict(command=' '.join(sys.argv), n_real=n_real, n_synthetic=num,
                  ratio=args.ratio, seeds=args.seeds, sampler=args.sampler, steps=args.steps,
                  sr_sampler=args.sr_sampler, sr_steps=args.sr_steps,
                  generator_config=args.generator_config, generator_checkpoint=gen_ckpt,
                  sr_config=args.sr_config, sr_checkpoint=sr_ckpt, segmentor=args.segmentor,
                  classes=classes, rows=rows, runs=results, sr_eval=sr_eval['results'],
                  stage_seconds=stages.data, total_seconds=total,
                  machine=dict(python=platform.python_version(),
                               processor=platform.processor(), cpus=os.cpu_count()))
    paths = dict(md=osp.join(work_dir, 'sr_gain.md'), json=osp.join(work_dir, 'sr_gain.json'),
                 png=osp.join(work_dir, 'sr_gain.png'))
    with open(paths['md'], 'w') as f:
        f.write(md)
    with open(paths['json'], 'w') as f:
        json.dump(report, f, indent=1)
    plot(rows, paths['png'], f'D′ enlarged x2: interpolation vs super-resolution '
         f'({len(args.seeds)} seeds)')
    if args.results:
        results_dir = osp.join(ROOT, 'benchmarks', 'results')
        for ext, path in paths.items():
            shutil.copy(path, osp.join(results_dir, f'{args.results}.{ext}'))
        shutil.copy(osp.join(eval_dir, 'sr_eval.png'),
                    osp.join(results_dir, f'{args.results}_sr_eval.png'))
        for u, out in dprimes.items():  # the class statistics of D vs each D'
            shutil.copy(osp.join(out, 'report.md'),
                        osp.join(results_dir, f'{args.results}_dprime_{u}_report.md'))
    print(md)
    gain.log(f'done in {(time.perf_counter() - t_start) / 60:.1f} min this invocation; '
             f'report: {paths}')
    return report


if __name__ == '__main__':
    main()
