# Generators that learn from the unlabelled pool vs from D alone, at equal CPU wall time.
"""Benchmark: the tiny Dubai ÷8 joint and mask→image generators trained three ways for the
same training wall time, each with ``--train-seeds`` training seeds:

* **D only**: the D-only config (``jointddpm-vpred_…_dubai-32x32``, ``sdm_…_dubai-32x32``);
* **D + pool**: half of every batch is UC Merced tiles (``*-pool_…_dubai-ucmerced-32x32``);
* **D + pool, t independent** (joint only): the D + pool config where a labelled pair draws
  the mask's timestep independently half of the time (``independent_timestep_prob=0.5``);
* **pretrain → fine-tune**: 2/3 of the iterations on the pool alone (``*-pretrain_…``), then
  1/3 on D + pool from that checkpoint (``*-ft_…``, ``load_from``).

Every run has ``--iters`` iterations of batch 8 (pretraining and fine-tuning share them
2 : 1). An iteration costs the same in every variant (same batch, same network; the mask
timestep embedding adds < 1 %), so equal iterations are equal wall time; iterations, unlike a
wall-time budget, do not depend on what else the machine runs. The measured wall time is
reported beside each row.
Each trained generator is measured by ``tools/evaluate_generator.py`` (Fréchet distance of the
D segmentor's features, precision/recall, mask–image agreement; ``--num-samples`` pairs, one
sampling seed per training seed); the table gives mean ± std over the training seeds. Each
joint model with a mask timestep is also asked to label real Dubai val crops
(``JointDDPM.sample_masks_for``: image held clean, mask denoised from t = T), scored by mIoU
("image → mask").

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
from mmengine.registry import init_default_scope

from mmseg.registry import DATASETS
from satsynth_mmseg.datasets import train_dataset_config
from satsynth_mmseg.experiments.generator_quality import (mask_denoising_scores,
                                                          seeded_dataset_batches)
from satsynth_mmseg.experiments.report import mean_std
from satsynth_mmseg.experiments.runs import prepare_data, train_timed
from satsynth_mmseg.experiments.stages import log, run_cli
from satsynth_mmseg.generation.checkpoint import load_generator
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
        pool_indept=(
            'configs/joint_ddpm/jointddpm-vpred-pool-indept_unet-tiny_1xb8-3k_dubai-ucmerced-'
            '32x32.py'),
        variants=('D only', 'D + pool', 'D + pool, t independent (p = 0.5)',
                  'pretrain → fine-tune'),
        sampler='ddim'),
    'mask2img':
    dict(
        title='mask → image (SDM-style, s = 1.5)',
        d='configs/mask2img/sdm_spade-unet-tiny_1xb8-3k_dubai-32x32.py',
        pool='configs/mask2img/sdm-pool_spade-unet-tiny_1xb8-3k_dubai-ucmerced-32x32.py',
        pretrain='configs/mask2img/sdm-pretrain_spade-unet-tiny_1xb8-2k_ucmerced-32x32.py',
        ft='configs/mask2img/sdm-ft_spade-unet-tiny_1xb8-1k_dubai-ucmerced-32x32.py',
        variants=('D only', 'D + pool', 'pretrain → fine-tune'),
        sampler='ddim'),
}
VARIANTS = ('D only', 'D + pool', 'D + pool, t independent (p = 0.5)', 'pretrain → fine-tune')
SLUGS = {
    'D only': 'd',
    'D + pool': 'd_pool',
    'D + pool, t independent (p = 0.5)': 'd_pool_indept',
    'pretrain → fine-tune': 'pretrain_ft'
}
IMAGE_TO_MASK = ('image_to_mask_miou', 'image → mask mIoU ↑', '{:.1f}')
ROWS = [('seg_fd', 'FD (seg.) ↓', '{:.2f}'), ('seg_precision', 'precision ↑', '{:.3f}'),
        ('seg_recall', 'recall ↑', '{:.3f}'), ('agreement_miou', 'agreement mIoU ↑', '{:.1f}')]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--iters', type=int, default=1500, help='training iterations per run')
    p.add_argument('--families', nargs='+', choices=list(FAMILIES), default=list(FAMILIES))
    p.add_argument(
        '--variants',
        nargs='+',
        choices=VARIANTS,
        default=None,
        help='only these variants (default: every variant of each family)')
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
    if variant in ('D + pool', 'D + pool, t independent (p = 0.5)'):
        config = fam['pool'] if variant == 'D + pool' else fam['pool_indept']
        run = _train(config, wd, iters, seed)
        return dict(run, config=osp.join(wd, osp.basename(config)))
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


def image_to_mask(run: dict, wd: str, seed: int, args) -> float:
    """mIoU of the masks the joint model denoises for real Dubai val crops (image clean)."""
    out = osp.join(wd, 'image_to_mask.json')
    if not osp.exists(out):
        init_default_scope('mmseg')
        ds_cfg = train_dataset_config(run['config'])
        ds_cfg['data_prefix'] = {
            k: v.replace('train', 'val')
            for k, v in ds_cfg['data_prefix'].items()
        }
        val = DATASETS.build(ds_cfg)
        model, _ = load_generator(run['config'], run['ckpt'])
        scores = mask_denoising_scores(
            model,
            seeded_dataset_batches(val, args.num_samples, 16, seed=12345),
            len(val.metainfo['classes']),
            seed=seed,
            steps=args.steps,
            sampler='ddim')
        atomic_write_json(out, dict(mIoU=scores.mIoU, aAcc=scores.aAcc, per_class=scores.per_class))
    with open(out) as f:
        return json.load(f)['mIoU']


def table(rows: list, args) -> str:
    lines = [
        f'Tiny Dubai ÷8 generators trained {args.iters} iterations of batch 8 each on CPU '
        '(2 cores; pretrain → fine-tune: 2/3 + 1/3 of them), measured by '
        f'`tools/evaluate_generator.py` ({args.num_samples} pairs, DDIM-{args.steps}, features '
        'of the D segmentor `work_dirs/quality/segmentor_dubai-d-32x32`); mean ± std over '
        'training seeds (sample std; n below); wall times include other jobs sharing the '
        'cores. Pool: UC Merced Land Use (Yang & Newsam 2010), 2,100 tiles rescaled ×0.125. '
        '"image → mask": mIoU of the mask the joint model denoises for a real Dubai val crop '
        f'held clean ({args.num_samples} seeded 32×32 val crops, DDIM-{args.steps}; needs the '
        'mask timestep, so not for the D-only model).', '',
        '| generator | trained on | n | iterations | ' +
        ' | '.join(label for _, label, _ in ROWS + [IMAGE_TO_MASK]) + ' | train wall time |',
        '|---|---|---|---|' + '---|' * (len(ROWS) + 1) + '---|'
    ]
    for fam in args.families:
        for variant in VARIANTS:
            done = [r for r in rows if r['family'] == fam and r['variant'] == variant]
            if not done:
                continue
            cells = []
            for key, _, fmt in ROWS + [IMAGE_TO_MASK]:
                if key not in done[0]['metrics']:
                    cells.append('—')
                    continue
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
            for variant in fam['variants']:
                if args.variants and variant not in args.variants:
                    continue
                wd = osp.join(args.work_dir, fam_name, f'{SLUGS[variant]}_s{seed}')
                log(f'{fam_name} / {variant} / seed {seed}', 'generator_unlabelled')
                run = train_variant(fam, variant, wd, args.iters, seed)
                metrics = evaluate(run, wd, seed, args)
                if fam_name == 'joint' and variant != 'D only':  # has a mask timestep
                    metrics['image_to_mask_miou'] = image_to_mask(run, wd, seed, args)
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
