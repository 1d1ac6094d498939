# Generators that learn from the unlabelled pool vs from D alone, at equal CPU wall time.
"""Benchmark: the tiny Dubai ÷8 joint and mask→image generators trained three ways for the
same training wall time, each with ``--train-seeds`` training seeds:

* **D only**: the D-only config (``jointddpm-vpred_…_dubai-32x32``, ``sdm_…_dubai-32x32``);
* **D + pool**: half of every batch is UC Merced tiles (``*-pool_…_dubai-ucmerced-32x32``);
* **pretrain → fine-tune**: 2/3 of the iterations on the pool alone (``*-pretrain_…``), then
  1/3 on D + pool from that checkpoint (``*-ft_…``, ``load_from``).

Every run has ``--iters`` iterations of batch 8 (pretraining and fine-tuning share them
2 : 1). An iteration costs the same in every variant (same batch, same network; the mask
timestep embedding adds < 1 %), so equal iterations are equal wall time; iterations, unlike a
wall-time budget, do not depend on what else the machine runs. The measured wall time is
reported beside each row.
Each trained generator is measured by ``tools/evaluate_generator.py`` (Fréchet distance of the
D segmentor's features, precision/recall, mask–image agreement; ``--num-samples`` pairs, one
sampling seed per training seed); the table gives mean ± std over the training seeds.

    .venv/bin/python benchmarks/generator_unlabelled.py --iters 1500

Needs ``../shared/data/dubai_aerial`` (converted to ``data/dubai_aerial_x8`` if missing) and
``../shared/data/ucmerced_landuse``. Every stage resumes. Numbers go to stdout and to
``benchmarks/results/generator_unlabelled_dubai_cpu.{md,json}``, written after every run.
"""
import argparse
import json
import os
import os.path as osp
import sys

import numpy as np

from satsynth_mmseg.experiments.report import mean_std
from satsynth_mmseg.experiments.runs import prepare_data, train_timed
from satsynth_mmseg.experiments.stages import log, run_cli
from satsynth_mmseg.utils import atomic_write_json, atomic_write_text

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SEGMENTOR = 'configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py'
FAMILIES = {
    'joint':
    dict(
        title='joint (JointDDPM, v-pred.)',
        d='configs/joint_ddpm/jointddpm-vpred_unet-tiny_1xb8-3k_dubai-32x32.py',
        pool='configs/joint_ddpm/jointddpm-vpred-pool_unet-tiny_1xb8-3k_dubai-ucmerced-32x32.py',
        pretrain='configs/joint_ddpm/jointddpm-vpred-pretrain_unet-tiny_1xb8-2k_ucmerced-32x32.py',
        ft='configs/joint_ddpm/jointddpm-vpred-ft_unet-tiny_1xb8-1k_dubai-ucmerced-32x32.py',
        sampler='ddim'),
    'mask2img':
    dict(
        title='mask → image (SDM-style, s = 1.5)',
        d='configs/mask2img/sdm_spade-unet-tiny_1xb8-3k_dubai-32x32.py',
        pool='configs/mask2img/sdm-pool_spade-unet-tiny_1xb8-3k_dubai-ucmerced-32x32.py',
        pretrain='configs/mask2img/sdm-pretrain_spade-unet-tiny_1xb8-2k_ucmerced-32x32.py',
        ft='configs/mask2img/sdm-ft_spade-unet-tiny_1xb8-1k_dubai-ucmerced-32x32.py',
        sampler='ddim'),
}
VARIANTS = ('D only', 'D + pool', 'pretrain → fine-tune')
SLUGS = {'D only': 'd', 'D + pool': 'd_pool', 'pretrain → fine-tune': 'pretrain_ft'}
ROWS = [('seg_fd', 'FD (seg.) ↓', '{:.2f}'), ('seg_precision', 'precision ↑', '{:.3f}'),
        ('seg_recall', 'recall ↑', '{:.3f}'), ('agreement_miou', 'agreement mIoU ↑', '{:.1f}')]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--iters', type=int, default=1500, help='training iterations per run')
    p.add_argument('--families', nargs='+', choices=list(FAMILIES), default=list(FAMILIES))
    p.add_argument('--train-seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--num-samples', type=int, default=128)
    p.add_argument('--steps', type=int, default=25, help='sampler steps when evaluating')
    p.add_argument('--work-dir', default='work_dirs/generator_unlabelled_dubai-cpu')
    p.add_argument('--results', default='generator_unlabelled_dubai_cpu')
    return p.parse_args(argv)


def _train(config: str, wd: str, iters: int, seed: int, extra=()) -> dict:
    """Train one run for ``iters`` iterations (resuming); its checkpoint, time, iters."""
    return train_timed(
        config,
        wd,
        iters,
        options=[
            f'default_hooks.checkpoint.interval={iters}', f'randomness.seed={seed}',
            f'default_hooks.sample_grid.interval={iters}', *extra
        ])


def train_variant(fam: dict, variant: str, wd: str, iters: int, seed: int) -> dict:
    """Train a variant; returns the config and checkpoint to evaluate, wall time, iters."""
    if variant == 'D only':
        run = _train(fam['d'], wd, iters, seed)
        return dict(run, config=osp.join(wd, osp.basename(fam['d'])))
    if variant == 'D + pool':
        run = _train(fam['pool'], wd, iters, seed)
        return dict(run, config=osp.join(wd, osp.basename(fam['pool'])))
    pre = _train(fam['pretrain'], osp.join(wd, 'pretrain'), iters * 2 // 3, seed)
    ft = _train(
        fam['ft'],
        osp.join(wd, 'finetune'),
        iters - iters * 2 // 3,
        seed,
        extra=[f'load_from={pre["ckpt"]}'])
    return dict(
        ckpt=ft['ckpt'],
        config=osp.join(wd, 'finetune', osp.basename(fam['ft'])),
        seconds=pre['seconds'] + ft['seconds'],
        iters=f'{pre["iters"]} + {ft["iters"]}')


def evaluate(run: dict, wd: str, seed: int, args) -> dict:
    out = osp.join(wd, 'quality')
    if not osp.exists(out + '.json'):
        run_cli('evaluate_generator', run['config'], run['ckpt'], '--real-config', SEGMENTOR,
                '--segmentor-work-dir', 'work_dirs/quality/segmentor_dubai-d-32x32',
                '--num-samples', str(args.num_samples), '--seeds', str(seed), '--steps',
                str(args.steps), '--out', out)
    with open(out + '.json') as f:
        return {k: v[0] for k, v in json.load(f)['summary'].items()}


def table(rows: list, args) -> str:
    lines = [
        f'Tiny Dubai ÷8 generators trained {args.iters} iterations of batch 8 each on CPU '
        '(2 cores; pretrain → fine-tune: 2/3 + 1/3 of them), measured by '
        f'`tools/evaluate_generator.py` ({args.num_samples} pairs, DDIM-{args.steps}, features '
        'of the D segmentor `work_dirs/quality/segmentor_dubai-d-32x32`); mean ± std over '
        'training seeds (sample std; n below); wall times include other jobs sharing the '
        'cores. Pool: UC Merced Land Use (Yang & Newsam 2010), 2,100 tiles rescaled ×0.125.', '',
        '| generator | trained on | n | iterations | ' + ' | '.join(label for _, label, _ in ROWS) +
        ' | train wall time |', '|---|---|---|---|' + '---|' * len(ROWS) + '---|'
    ]
    for fam in args.families:
        for variant in VARIANTS:
            done = [r for r in rows if r['family'] == fam and r['variant'] == variant]
            if not done:
                continue
            cells = []
            for key, _, fmt in ROWS:
                m, sd = mean_std([r['metrics'][key] for r in done])
                cells.append(f'{fmt.format(m)} ± {fmt.format(sd)}')
            iters = ', '.join(str(r['iters']) for r in done)
            wall = np.mean([r['train_seconds'] for r in done]) / 60
            lines.append(f'| {FAMILIES[fam]["title"]} | {variant} | {len(done)} | {iters} | ' +
                         ' | '.join(cells) + f' | {wall:.1f} min |')
    return '\n'.join(lines) + '\n'


def main(argv=None):
    args = parse_args(argv)
    os.chdir(REPO)
    prepare_data(
        'dubai',
        'data/dubai_aerial_x8',
        raw_dir='../shared/data/dubai_aerial',
        convert=dict(patch_size=512, stride=None, downscale=8))
    results = osp.join(REPO, 'benchmarks', 'results', args.results)
    rows = []
    for seed in args.train_seeds:
        for fam_name in args.families:
            fam = FAMILIES[fam_name]
            for variant in VARIANTS:
                wd = osp.join(args.work_dir, fam_name, f'{SLUGS[variant]}_s{seed}')
                log(f'{fam_name} / {variant} / seed {seed}', 'generator_unlabelled')
                run = train_variant(fam, variant, wd, args.iters, seed)
                metrics = evaluate(run, wd, seed, args)
                rows.append(
                    dict(
                        family=fam_name,
                        variant=variant,
                        seed=seed,
                        iters=run['iters'],
                        train_seconds=run['seconds'],
                        metrics=metrics))
                md = table(rows, args)
                atomic_write_text(results + '.md', md)
                atomic_write_json(results + '.json', dict(rows=rows, command=' '.join(sys.argv)))
    print(md)
    return rows


if __name__ == '__main__':
    main()
