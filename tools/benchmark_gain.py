# SatSynth's experiment: does training on D u D' beat training on D alone?
"""Usage::

    python tools/benchmark_gain.py [--preset dubai-cpu|dubai-gpu|procedural-cpu]
        [--work-dir DIR] [--seeds 0 1 2] [--ratios 1 2] [--sampler ddim --steps 25]
        [--generator-checkpoint CKPT] [--seg-iters N] [--results NAME]

Stages (each resumable: rerunning the command skips what is finished):

1. data: convert the real data (Dubai from ``--raw-dir``) or paint the procedural scenes;
2. generator: train it with ``tools/train.py`` (``--resume``), unless a checkpoint is given;
3. D': ``tools/generate.py`` writes ``ceil(max(R) * |D|)`` pairs (deterministic, resumable);
4. segmentors: the same config, schedule and seeds trained on D (R = 0), on D u D' for every
   R in ``--ratios`` (``AugmentedDataset``) and on D' alone, each in its own process, then
   tested on the real val split with per-class IoU;
5. report: ``DIR/gain.md`` (mean +- std over seeds of mIoU and per-class IoU),
   ``DIR/gain.json`` (every run, stage timings) and ``DIR/gain.png`` (mIoU against R).
"""
import argparse
import json
import math
import os
import os.path as osp
import platform
import subprocess
import sys
import time

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)

PRESETS = {
    'dubai-cpu': dict(
        data='dubai', data_root='data/dubai_aerial_x8',
        convert=dict(patch_size=512, stride=None, downscale=8),
        generator='configs/joint_ddpm/jointddpm_unet-tiny_1xb8-3k_dubai-32x32.py',
        segmentor='configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-{}-32x32.py',
        sampler='ddim', steps=50, gen_batch_size=32),
    'dubai-gpu': dict(
        data='dubai', data_root='data/dubai_aerial_x2',
        convert=dict(patch_size=512, stride=256, downscale=2),
        generator='configs/joint_ddpm/jointddpm_unet-m_1xb8-150k_dubai-128x128.py',
        segmentor='configs/satsynth/deeplabv3plus_r50-d8_1xb16-20k_dubai-{}-128x128.py',
        sampler='ddim', steps=50, gen_batch_size=64),
    'procedural-cpu': dict(
        data='procedural', data_root='data/procedural_scenes', convert=dict(),
        generator='configs/joint_ddpm/jointddpm_unet-tiny_1xb8-2k_procedural-32x32.py',
        segmentor='configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_procedural-{}-32x32.py',
        sampler='ddim', steps=25, gen_batch_size=32),
}
#: training-set variants; the segmentor config name is the preset's pattern with this tag
VARIANTS = {'D': 'd', 'D u D\'': 'd+dprime', 'D\' only': 'dprime'}
DISPLAY = {'D': 'D', 'D u D\'': 'D ∪ D′', 'D\' only': 'D′ only'}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Downstream mIoU of a segmentor trained on D, '
                                'D u D\' (per ratio R) and D\' only, over several seeds')
    p.add_argument('--preset', choices=sorted(PRESETS), default='dubai-cpu')
    p.add_argument('--work-dir', help='default: work_dirs/gain_<preset>')
    p.add_argument('--raw-dir', default=osp.join(ROOT, '..', 'shared', 'data', 'dubai_aerial'),
                   help='raw Dubai data (presets dubai-*)')
    p.add_argument('--data-root', help='converted real data (default: the preset\'s)')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--ratios', type=float, nargs='+', default=[1.0, 2.0],
                   help='generated pairs per real sample for the D u D\' runs')
    p.add_argument('--generator-config', help='default: the preset\'s')
    p.add_argument('--generator-checkpoint', help='skip generator training, use this')
    p.add_argument('--generator-iters', type=int, help='override the generator\'s max_iters')
    p.add_argument('--sampler', help='D\' sampler (default: the preset\'s)')
    p.add_argument('--steps', type=int, help='D\' sampling steps (default: the preset\'s)')
    p.add_argument('--seg-iters', type=int, help='override the segmentors\' max_iters')
    p.add_argument('--no-dprime-only', action='store_true', help='skip the D\'-only runs')
    p.add_argument('--results', help='also copy gain.{md,json,png} to '
                   'benchmarks/results/<RESULTS>.*')
    p.add_argument('--run-one', help=argparse.SUPPRESS)  # internal: one segmentor run (JSON)
    args = p.parse_args(argv)
    if args.run_one is None:
        if any(r <= 0 for r in args.ratios):
            p.error('--ratios must be > 0 (R = 0 is the D baseline, always run)')
        if len(set(args.seeds)) < len(args.seeds):
            p.error('--seeds must be distinct')
    return args


def log(msg):
    print(f'[benchmark_gain {time.strftime("%H:%M:%S")}] {msg}', flush=True)


class Stages:
    """Wall time of every stage, kept in DIR/stages.json across (resumed) invocations."""

    def __init__(self, path):
        self.path = path
        self.data = json.load(open(path)) if osp.exists(path) else {}

    def run(self, name, fn):
        """Run ``fn() -> (value, did_work)``; its time counts only when it did work."""
        t0 = time.perf_counter()
        out, did_work = fn()
        if did_work:
            self.data[name] = round(self.data.get(name, 0.0) + time.perf_counter() - t0, 1)
            with open(self.path, 'w') as f:
                json.dump(self.data, f, indent=1)
        return out


def python(*cmd, log_file=None):
    """Run a tool of this repository with this interpreter; raise on failure.

    With ``log_file`` its output goes there (the tail is shown if it fails)."""
    full = [sys.executable, *cmd]
    log(' '.join(full) + (f'  > {log_file}' if log_file else ''))
    if log_file is None:
        subprocess.run(full, cwd=ROOT, check=True)
        return
    with open(log_file, 'w') as f:
        proc = subprocess.run(full, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode:
        print(open(log_file).read()[-4000:])
        raise SystemExit(f'failed ({proc.returncode}): {" ".join(full)}; log: {log_file}')


# ----------------------------------------------------------------------------- stages
def prepare_data(args, preset, data_root):
    """Make the real data unless ``data_root`` already holds a train split."""
    train_dir = osp.join(data_root, 'img_dir', 'train')
    if osp.isdir(train_dir) and os.listdir(train_dir):
        return False
    if preset['data'] == 'procedural':
        from satsynth_mmseg.datasets import make_procedural_dataset
        make_procedural_dataset(data_root)
        return True
    sys.path.insert(0, osp.join(ROOT, 'tools', 'dataset_converters'))
    from dubai_aerial import convert
    conv = preset['convert']
    counts = convert(args.raw_dir, data_root, conv['patch_size'], conv['stride'],
                     downscale=conv['downscale'])
    with open(osp.join(data_root, 'converted.json'), 'w') as f:
        json.dump(dict(conv, **counts), f)
    return True


def last_checkpoint(work_dir):
    path = osp.join(work_dir, 'last_checkpoint')
    if not osp.exists(path):
        return None
    ckpt = open(path).read().strip()
    return ckpt if osp.exists(ckpt) else None


def train_model(config, data_root, work_dir, iters=None):
    """Train (or resume) a generative model with tools/train.py on ``data_root``; False when
    its last checkpoint is already the final one."""
    from mmengine.config import Config
    max_iters = iters or Config.fromfile(config).train_cfg.max_iters
    ckpt = last_checkpoint(work_dir)
    if ckpt and ckpt.endswith(f'iter_{max_iters}.pth'):
        return False
    opts = [f'train_dataloader.dataset.data_root={data_root}']
    if iters:
        opts += [f'train_cfg.max_iters={max_iters}', f'train_cfg.val_interval={max_iters + 1}']
    python('tools/train.py', config, '--work-dir', work_dir, '--resume', '--cfg-options', *opts)
    return True


def generate_dprime(gen_cfg, ckpt, out, num, sampler, steps, batch_size, real_config,
                    extra=()):
    """D' with tools/generate.py (``extra``: more of its arguments, e.g. the cascade's), plus
    its preview and the D vs D' class report."""
    if osp.exists(osp.join(out, 'meta.json')):
        meta = json.load(open(osp.join(out, 'meta.json')))
        if meta.get('num_samples') == num:
            return False
    python('tools/generate.py', gen_cfg, ckpt, '--out', out, '--num-samples', str(num),
           '--sampler', sampler, '--steps', str(steps), '--batch-size', str(batch_size),
           '--seed', '0', '--no-progress', '--real-config', real_config, '--report', *extra)
    return True


def run_name(variant, ratio, seed):
    tag = VARIANTS[variant]
    return f'{tag}_R{ratio:g}_seed{seed}' if variant == 'D u D\'' else f'{tag}_seed{seed}'


def segmentor_run(spec):
    """Train and test one segmentor (in this process); write work_dir/metrics.json."""
    import satsynth_mmseg  # noqa: F401
    from mmengine.config import Config
    from mmengine.runner import Runner
    cfg = Config.fromfile(spec['config'])
    cfg.merge_from_dict(spec['options'])
    cfg.work_dir = spec['work_dir']
    cfg.launcher = 'none'
    max_iters = cfg.train_cfg.max_iters
    # no validation during training: one evaluation, by the test loop below
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_evaluator = dict(type='PerClassIoUMetric', iou_metrics=['mIoU'])
    t0 = time.perf_counter()
    runner = Runner.from_cfg(cfg)
    runner.train()
    train_s = time.perf_counter() - t0
    metrics = runner.test()
    out = dict(spec, metrics={k: float(v) for k, v in metrics.items()},
               train_seconds=round(train_s, 1), max_iters=max_iters)
    with open(osp.join(spec['work_dir'], 'metrics.json'), 'w') as f:
        json.dump(out, f, indent=1)


def segmentor_spec(name, variant, ratio, seed, config, work_dir, data_root, dprime=None,
                   seg_iters=None):
    """One segmentor run: ``config`` trained with ``seed`` on D (``variant`` 'D'), D u D'
    (any other variant with a ``ratio``) or D' alone (``ratio`` None), tested on real val."""
    opts = {'randomness.seed': seed, 'val_dataloader.dataset.data_root': data_root,
            'test_dataloader.dataset.data_root': data_root}
    if variant == 'D':
        opts['train_dataloader.dataset.data_root'] = data_root
    elif ratio is not None:
        opts.update({'train_dataloader.dataset.real.data_root': data_root,
                     'train_dataloader.dataset.synthetic': dprime,
                     'train_dataloader.dataset.ratio': ratio})
    else:
        opts['train_dataloader.dataset.data_root'] = dprime
    if seg_iters:
        opts.update({'train_cfg.max_iters': seg_iters, 'param_scheduler.0.end': seg_iters,
                     'default_hooks.checkpoint.interval': seg_iters})
    return dict(name=name, variant=variant, ratio=ratio, seed=seed, config=config,
                work_dir=osp.join(work_dir, 'runs', name), options=opts)


def run_segmentors(args, preset, data_root, dprime, work_dir):
    runs = []
    variants = [('D', 0.0)] + [('D u D\'', r) for r in args.ratios]
    if not args.no_dprime_only:
        variants.append(('D\' only', None))
    for seed in args.seeds:
        for variant, ratio in variants:
            runs.append(segmentor_spec(run_name(variant, ratio or 0.0, seed), variant, ratio,
                                       seed, preset['segmentor'].format(VARIANTS[variant]),
                                       work_dir, data_root, dprime, args.seg_iters))
    return run_specs(runs)


def run_specs(runs):
    """Run every segmentor spec without a metrics.json yet, each in its own process;
    ``(results, ran)``."""
    results, ran = [], False
    for i, spec in enumerate(runs):
        path = osp.join(spec['work_dir'], 'metrics.json')
        if osp.exists(path):
            done = json.load(open(path))
            if (done.get('config'), done.get('options')) != (spec['config'], spec['options']):
                log(f'{spec["name"]}: finished with other settings, running it again')
                os.remove(path)
        if not osp.exists(path):
            ran = True
            log(f'segmentor run {i + 1}/{len(runs)}: {spec["name"]} ({spec["config"]})')
            os.makedirs(spec['work_dir'], exist_ok=True)
            python(osp.join('tools', 'benchmark_gain.py'), '--run-one', json.dumps(spec),
                   log_file=osp.join(spec['work_dir'], 'run.log'))
        results.append(json.load(open(path)))
        m = results[-1]['metrics']
        log(f'{spec["name"]}: mIoU {m["mIoU"]:.2f} ({results[-1]["train_seconds"]:.0f} s)')
    return results, ran


# ----------------------------------------------------------------------------- report
def mean_std(values):
    v = np.array([x for x in values if x is not None and not math.isnan(x)], dtype=float)
    if not len(v):
        return float('nan'), float('nan')
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


def summarise(results, classes):
    """Rows (variant, R, n, mIoU mean/std, per-class mean/std), in run order."""
    rows, keys = [], []
    for r in results:
        key = (r['variant'], r['ratio'])
        if key not in keys:
            keys.append(key)
    for variant, ratio in keys:
        group = [r for r in results if (r['variant'], r['ratio']) == (variant, ratio)]
        row = dict(variant=variant, ratio=ratio, seeds=[r['seed'] for r in group],
                   mIoU=mean_std([r['metrics']['mIoU'] for r in group]),
                   per_class={c: mean_std([r['metrics'].get(f'IoU.{c}') for r in group])
                              for c in classes},
                   train_seconds=mean_std([r['train_seconds'] for r in group]))
        rows.append(row)
    return rows


def fmt(ms):
    return 'n/a' if math.isnan(ms[0]) else f'{ms[0]:.1f} ± {ms[1]:.1f}'


def markdown(rows, classes, header):
    lines = [header, '',
             '| training set | R | seeds | mIoU | ' + ' | '.join(classes) + ' |',
             '|---|---|---|---|' + '---|' * len(classes)]
    for row in rows:
        r = '–' if row['ratio'] is None else f'{row["ratio"]:g}'
        per_class = ' | '.join(fmt(row['per_class'][c]) for c in classes)
        lines.append(f'| {DISPLAY[row["variant"]]} | {r} | {len(row["seeds"])} | '
                     f'{fmt(row["mIoU"])} | {per_class} |')
    return '\n'.join(lines) + '\n'


def plot(rows, path, title):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    curve = sorted([r for r in rows if r['ratio'] is not None], key=lambda r: r['ratio'])
    fig, ax = plt.subplots(figsize=(5.5, 3.8), dpi=120)
    ax.errorbar([r['ratio'] for r in curve], [r['mIoU'][0] for r in curve],
                yerr=[r['mIoU'][1] for r in curve], marker='o', capsize=4,
                label='D ∪ D′ (R = 0: D alone)')
    only = [r for r in rows if r['ratio'] is None]
    if only:
        m, s = only[0]['mIoU']
        ax.axhline(m, color='tab:red', ls='--', label=f'D′ only ({m:.1f} ± {s:.1f})')
        ax.axhspan(m - s, m + s, color='tab:red', alpha=0.1)
    ax.set_xlabel('R (generated pairs per real pair)')
    ax.set_ylabel('val mIoU (%)')
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    if args.run_one is not None:
        return segmentor_run(json.loads(args.run_one))
    preset = PRESETS[args.preset]
    work_dir = osp.abspath(args.work_dir or osp.join(ROOT, 'work_dirs', f'gain_{args.preset}'))
    data_root = osp.abspath(args.data_root or osp.join(ROOT, preset['data_root']))
    gen_cfg = args.generator_config or preset['generator']
    sampler, steps = args.sampler or preset['sampler'], args.steps or preset['steps']
    os.makedirs(work_dir, exist_ok=True)
    stages = Stages(osp.join(work_dir, 'stages.json'))
    t_start = time.perf_counter()

    stages.run('data', lambda: (None, prepare_data(args, preset, data_root)))
    from mmengine.config import Config
    from satsynth_mmseg.generation import build_train_dataset
    seg_cfg = Config.fromfile(preset['segmentor'].format('d'))
    seg_cfg.train_dataloader.dataset.data_root = data_root
    real_config = osp.join(work_dir, 'real_data_config.py')  # D as tools/generate.py reads it
    seg_cfg.dump(real_config)
    real = build_train_dataset(real_config, pipeline=[])
    classes = list(real.metainfo['classes'])
    n_real = len(real)

    ckpt = args.generator_checkpoint
    if ckpt is None:
        gen_dir = osp.join(work_dir, 'generator')
        stages.run('generator',
                   lambda: (None, train_model(gen_cfg, data_root, gen_dir,
                                              args.generator_iters)))
        ckpt = last_checkpoint(gen_dir)
    num = math.ceil(max(args.ratios) * n_real)
    dprime = osp.join(work_dir, 'dprime')
    stages.run('dprime', lambda: (None, generate_dprime(gen_cfg, ckpt, dprime, num, sampler,
                                                        steps, preset['gen_batch_size'],
                                                        real_config)))
    results = stages.run('segmentors',
                         lambda: run_segmentors(args, preset, data_root, dprime, work_dir))

    rows = summarise(results, classes)
    total = sum(stages.data.values())
    header = (f'Preset `{args.preset}`: |D| = {n_real} real training pairs, D′ = {num} '
              f'generated pairs ({sampler}, {steps} steps), segmentor '
              f'`{osp.basename(preset["segmentor"].format("*"))}`, seeds {args.seeds}; '
              f'val = real val split. IoU in %, mean ± std over seeds. Stage wall times: '
              + ', '.join(f'{k} {v / 60:.1f} min' for k, v in stages.data.items())
              + f' (total {total / 60:.1f} min).')
    md = markdown(rows, classes, header)
    report = dict(preset=args.preset, command=' '.join(sys.argv), n_real=n_real,
                  n_synthetic=num, sampler=sampler, steps=steps, seeds=args.seeds,
                  ratios=args.ratios, generator_config=gen_cfg, generator_checkpoint=ckpt,
                  classes=classes, rows=rows, runs=results, stage_seconds=stages.data,
                  total_seconds=total, machine=dict(python=platform.python_version(),
                                                    processor=platform.processor(),
                                                    cpus=os.cpu_count()))
    paths = dict(md=osp.join(work_dir, 'gain.md'), json=osp.join(work_dir, 'gain.json'),
                 png=osp.join(work_dir, 'gain.png'))
    with open(paths['md'], 'w') as f:
        f.write(md)
    with open(paths['json'], 'w') as f:
        json.dump(report, f, indent=1)
    plot(rows, paths['png'], f'{args.preset}: mIoU vs R ({len(args.seeds)} seeds)')
    if args.results:
        import shutil
        results_dir = osp.join(ROOT, 'benchmarks', 'results')
        for ext, path in paths.items():
            shutil.copy(path, osp.join(results_dir, f'{args.results}.{ext}'))
        # the class statistics of D vs D' (tools/generate.py --report)
        shutil.copy(osp.join(dprime, 'report.md'),
                    osp.join(results_dir, f'{args.results}_dprime_report.md'))
    print(md)
    log(f'done in {(time.perf_counter() - t_start) / 60:.1f} min this invocation; '
        f'report: {paths}')
    return report


if __name__ == '__main__':
    main()
