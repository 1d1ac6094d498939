# Ablation of generator training options at equal CPU wall time, measured by the generation metrics.
"""Benchmark: train the tiny Dubai ÷8 generator once per variant with the same iterations (the
options below do not change the cost of an iteration, so equal iterations is equal wall time;
the measured training time is reported), then ``tools/evaluate_generator.py`` on each
(segmentor features, ``--seeds`` sampling seeds, mean ± std).

Variants (``--cfg-options`` of the generator config): the default (ε-prediction, linear
schedule, plain loss), Min-SNR-γ = 5, v-prediction, v-prediction + Min-SNR, and the cosine
schedule.

    .venv/bin/python benchmarks/generator_ablation.py --iters 1000 --num-samples 128 \
        --segmentor-checkpoint work_dirs/quality/segmentor_dubai-d-32x32/iter_1000.pth

Every stage resumes (a finished training or evaluation is reused). Numbers go to stdout and to
``benchmarks/results/generator_ablation_dubai_cpu.{md,json}``.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, REPO)

from satsynth_mmseg.experiments.runs import last_checkpoint, train_model  # noqa: E402
from satsynth_mmseg.experiments.stages import run_cli  # noqa: E402
from satsynth_mmseg.utils import atomic_write_json, atomic_write_text  # noqa: E402

GEN_CFG = 'configs/joint_ddpm/jointddpm_unet-tiny_1xb8-3k_dubai-32x32.py'
SEG_CFG = 'configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py'
VARIANTS = {
    'default (ε, linear)': [],
    'Min-SNR γ=5': ['model.snr_gamma=5.0'],
    'v-prediction': ['model.noise_scheduler.prediction_type=v_prediction'],
    'v + Min-SNR γ=5':
    ['model.noise_scheduler.prediction_type=v_prediction', 'model.snr_gamma=5.0'],
    'cosine schedule': ['model.noise_scheduler.beta_schedule=squaredcos_cap_v2'],
}
ROWS = [('seg_fd', 'FD (seg.) ↓', '{:.2f}'), ('seg_precision', 'precision ↑', '{:.3f}'),
        ('seg_recall', 'recall ↑', '{:.3f}'), ('agreement_miou', 'agreement mIoU ↑', '{:.1f}'),
        ('class_share_js', 'class JS ↓', '{:.3f}'), ('invalid_rate', 'invalid ↓', '{:.3f}')]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--iters', type=int, default=1000, help='training iterations per variant')
    p.add_argument('--num-samples', type=int, default=128)
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--steps', type=int, default=50, help='DDIM steps when evaluating')
    p.add_argument('--segmentor-checkpoint', required=True)
    p.add_argument('--data-root', default='data/dubai_aerial_x8')
    p.add_argument('--work-dir', default='work_dirs/generator_ablation_dubai-cpu')
    p.add_argument('--variants', nargs='+', default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument('--results', default='generator_ablation_dubai_cpu')
    return p.parse_args(argv)


def slug(name: str) -> str:
    return ''.join(c if c.isalnum() else '_' for c in name).strip('_').lower()


def main(argv=None):
    args = parse_args(argv)
    os.chdir(REPO)
    rows = []
    for name in args.variants:
        wd = osp.join(args.work_dir, slug(name))
        ckpt = last_checkpoint(wd)
        timing = osp.join(wd, 'train_seconds.json')
        if not (ckpt and ckpt.endswith(f'iter_{args.iters}.pth')):
            t0 = time.perf_counter()
            train_model(
                GEN_CFG,
                args.data_root,
                wd,
                args.iters,
                options=[f'default_hooks.checkpoint.interval={args.iters}', *VARIANTS[name]])
            atomic_write_json(timing, dict(seconds=round(time.perf_counter() - t0, 1)))
            ckpt = last_checkpoint(wd)
        out = osp.join(wd, 'quality')
        if not osp.exists(out + '.json'):
            run_cli('evaluate_generator', osp.join(wd,
                                                   osp.basename(GEN_CFG)), ckpt, '--real-config',
                    SEG_CFG, '--segmentor-checkpoint', args.segmentor_checkpoint, '--num-samples',
                    str(args.num_samples), '--seeds', *[str(s) for s in args.seeds], '--steps',
                    str(args.steps), '--out', out)
        with open(out + '.json') as f:
            summary = json.load(f)['summary']
        seconds = json.load(open(timing))['seconds'] if osp.exists(timing) else float('nan')
        rows.append(
            dict(
                variant=name,
                options=VARIANTS[name],
                train_seconds=seconds,
                iters=args.iters,
                summary=summary))
    lines = [
        f'Tiny Dubai ÷8 generator (`{osp.basename(GEN_CFG)}`), {args.iters} iterations per '
        f'variant on CPU; metrics of `tools/evaluate_generator.py` ({args.num_samples} pairs '
        f'× seeds {args.seeds}, DDIM-{args.steps}, D segmentor features), mean ± std over '
        'sampling seeds.', '',
        '| variant | train wall time | ' + ' | '.join(label for _, label, _ in ROWS) + ' |',
        '|---|---|' + '---|' * len(ROWS)
    ]
    for r in rows:
        cells = []
        for key, _, fmt in ROWS:
            m, s = r['summary'][key]
            cells.append(f'{fmt.format(m)} ± {fmt.format(s)}')
        lines.append(f'| {r["variant"]} | {r["train_seconds"] / 60:.1f} min | ' +
                     ' | '.join(cells) + ' |')
    md = '\n'.join(lines) + '\n'
    print(md)
    results = osp.join(REPO, 'benchmarks', 'results', args.results)
    atomic_write_text(results + '.md', md)
    atomic_write_json(results + '.json', dict(rows=rows, command=' '.join(sys.argv)))
    return rows


if __name__ == '__main__':
    main()
