# Ablation of generator training options at equal CPU wall time, measured by the generation metrics.
"""Benchmark: train the tiny Dubai ÷8 generator once per variant for the same CPU wall time
(``--budget-minutes``, :class:`~satsynth_mmseg.engine.TrainTimeBudgetHook`: a variant whose
iteration costs more -- self-conditioning, a wider network -- gets fewer iterations), or for the
same iterations (``--iters``), then ``tools/evaluate_generator.py`` on each (segmentor
features, ``--seeds`` sampling seeds, mean ± std).

Variants are ``--cfg-options`` of the generator config: today's default (ε-prediction, linear
schedule, plain loss), v-prediction, and v-prediction plus one option each (Min-SNR-γ = 5,
cosine schedule, learned variance with the hybrid loss -- evaluated with DDIM and with the
DDPM sampler that uses the variance --, self-conditioning, a 1.5× wider U-Net, mask loss
weight 3).

    .venv/bin/python benchmarks/generator_ablation.py --budget-minutes 3 --num-samples 128

Every stage resumes (a finished training or evaluation is reused). Numbers go to stdout and to
``benchmarks/results/<--results>.{md,json}``.
"""
import argparse
import json
import os
import os.path as osp
import sys

from satsynth_mmseg.experiments.runs import train_timed
from satsynth_mmseg.experiments.stages import run_cli
from satsynth_mmseg.utils import atomic_write_json, atomic_write_text

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

PRESETS = {
    'dubai':
    dict(
        title='Tiny Dubai ÷8 generator',
        generator='configs/joint_ddpm/jointddpm_unet-tiny_1xb8-3k_dubai-32x32.py',
        segmentor='configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py',
        data_root='data/dubai_aerial_x8',
        results='generator_ablation_dubai_cpu'),
    'procedural':
    dict(
        title='Tiny procedural-scenes generator (the demo)',
        generator='configs/joint_ddpm/jointddpm_unet-tiny_1xb8-2k_procedural-32x32.py',
        segmentor='configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_procedural-d-32x32.py',
        data_root='data/procedural_scenes',
        results='generator_ablation_procedural_cpu'),
}
V = 'model.noise_scheduler.prediction_type=v_prediction'
EPS = 'model.noise_scheduler.prediction_type=epsilon'
COSINE = 'model.noise_scheduler.beta_schedule=squaredcos_cap_v2'
#: variant -> its --cfg-options (every option explicit, so the table does not change when a
#: config default does), the sampler it is evaluated with, and ``reuse`` (evaluate another
#: variant's training) / ``dir`` (its folder name in the work dir)
VARIANTS = {
    'ε, linear (old default)':
    dict(options=[EPS], dir='default__ε__linear'),
    'Min-SNR γ=5':
    dict(options=[EPS, 'model.snr_gamma=5.0']),
    'v-prediction':
    dict(options=[V]),
    'v + Min-SNR γ=5':
    dict(options=[V, 'model.snr_gamma=5.0']),
    'cosine schedule':
    dict(options=[EPS, COSINE]),
    'v + cosine schedule':
    dict(options=[V, COSINE]),
    'v + learned σ (hybrid loss)':
    dict(options=[V, 'model.learn_sigma=True']),
    'v + learned σ, DDPM-50 sampling':
    dict(
        options=[V, 'model.learn_sigma=True'], sampler='ddpm', reuse='v + learned σ (hybrid loss)'),
    'v + self-conditioning':
    dict(options=[V, 'model.self_condition=True']),
    'v + 1.5× width':
    dict(options=[V, 'model.denoiser.block_out_channels=(48,96,96)']),
    'v + mask loss ×3':
    dict(options=[V, 'model.mask_loss_weight=3.0']),
    'v + attention at 8×8 (not 16×16)':
    dict(options=[
        V, 'model.denoiser.down_block_types=(DownBlock2D,DownBlock2D,AttnDownBlock2D)',
        'model.denoiser.up_block_types=(AttnUpBlock2D,UpBlock2D,UpBlock2D)'
    ]),
}
EQUAL_TIME = [
    'ε, linear (old default)', 'v-prediction', 'v + Min-SNR γ=5', 'v + cosine schedule',
    'v + learned σ (hybrid loss)', 'v + learned σ, DDPM-50 sampling', 'v + self-conditioning',
    'v + 1.5× width', 'v + mask loss ×3', 'v + attention at 8×8 (not 16×16)'
]


def variant_dir(work_dir: str, name: str) -> str:
    """The work dir of the training a variant is evaluated on."""
    spec = VARIANTS[VARIANTS[name].get('reuse', name)]
    return osp.join(work_dir, spec.get('dir') or slug(VARIANTS[name].get('reuse', name)))


ROWS = [('seg_fd', 'FD (seg.) ↓', '{:.2f}'), ('seg_precision', 'precision ↑', '{:.3f}'),
        ('seg_recall', 'recall ↑', '{:.3f}'), ('agreement_miou', 'agreement mIoU ↑', '{:.1f}'),
        ('class_share_js', 'class JS ↓', '{:.3f}'), ('invalid_rate', 'invalid ↓', '{:.3f}')]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    budget = p.add_mutually_exclusive_group(required=True)
    budget.add_argument('--budget-minutes', type=float, help='training wall time per variant')
    budget.add_argument('--iters', type=int, help='training iterations per variant')
    p.add_argument('--preset', choices=list(PRESETS), default='dubai')
    p.add_argument('--num-samples', type=int, default=128)
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--steps', type=int, default=50, help='sampler steps when evaluating')
    p.add_argument('--segmentor-checkpoint', help='D segmentor (default: trained once)')
    p.add_argument('--data-root', default=None, help="default: the preset's")
    p.add_argument(
        '--work-dir',
        default=None,
        help='default: work_dirs/generator_ablation_<preset>-cpu[-<budget>min]')
    p.add_argument(
        '--variants',
        nargs='+',
        default=None,
        choices=list(VARIANTS),
        help='default: the equal-time set')
    p.add_argument(
        '--results', default=None, help='default: generator_ablation_<preset>_cpu[_equal_time]')
    return p.parse_args(argv)


def slug(name: str) -> str:
    return ''.join(c if c.isalnum() else '_' for c in name).strip('_').lower()


def train_variant(name: str, wd: str, args) -> tuple:
    """Train one variant (resuming); returns (checkpoint, seconds, iterations)."""
    if args.budget_minutes:
        options = [
            'train_cfg.max_iters=1000000', 'train_cfg.val_interval=1000001',
            'default_hooks.checkpoint.interval=1000000'
        ]
        iters = None
    else:
        options = [f'default_hooks.checkpoint.interval={args.iters}']
        iters = args.iters
    run = train_timed(
        PRESETS[args.preset]['generator'],
        wd,
        iters,
        options=[*options, *VARIANTS[name]['options']],
        time_budget=args.budget_minutes,
        data_root=args.data_root)
    return run['ckpt'], run['seconds'], run['iters']


def main(argv=None):
    args = parse_args(argv)
    os.chdir(REPO)
    preset = PRESETS[args.preset]
    gen_cfg, seg_cfg = preset['generator'], preset['segmentor']
    args.data_root = args.data_root or preset['data_root']
    names = args.variants or (EQUAL_TIME if args.budget_minutes else list(VARIANTS))
    # equal iterations: the folder of the first ablation (README commands use its checkpoints)
    tag = f'-{args.budget_minutes:g}min' if args.budget_minutes else ''
    work_dir = args.work_dir or f'work_dirs/generator_ablation_{args.preset}-cpu{tag}'
    seg_args = (['--segmentor-checkpoint', args.segmentor_checkpoint] if args.segmentor_checkpoint
                else ['--segmentor-work-dir', f'work_dirs/quality/segmentor_{args.preset}-d-32x32'])
    rows = []
    for name in names:
        spec = VARIANTS[name]
        wd = variant_dir(work_dir, name)
        ckpt, seconds, iters = train_variant(spec.get('reuse', name), wd, args)
        sampler = spec.get('sampler', 'ddim')
        out = osp.join(wd, 'quality' if sampler == 'ddim' else f'quality_{sampler}')
        if not osp.exists(out + '.json'):
            run_cli('evaluate_generator', osp.join(wd, osp.basename(gen_cfg)), ckpt,
                    '--real-config', seg_cfg, *seg_args, '--num-samples', str(args.num_samples),
                    '--seeds', *[str(s) for s in args.seeds], '--sampler', sampler, '--steps',
                    str(args.steps), '--out', out)
        with open(out + '.json') as f:
            summary = json.load(f)['summary']
        rows.append(
            dict(
                variant=name,
                options=spec['options'],
                sampler=sampler,
                train_seconds=seconds,
                iters=iters,
                summary=summary))
    budget = (f'{args.budget_minutes:g} min of training wall time per variant (iterations '
              'differ)' if args.budget_minutes else f'{args.iters} iterations per variant')
    lines = [
        f'{preset["title"]} (`{osp.basename(gen_cfg)}`), {budget}, on CPU (2 cores); '
        f'metrics of `tools/evaluate_generator.py` ({args.num_samples} pairs × seeds '
        f'{args.seeds}, {args.steps} sampler steps, D segmentor features), mean ± std over '
        'sampling seeds.', '', '| variant | sampler | train wall time | iterations | ' +
        ' | '.join(label for _, label, _ in ROWS) + ' |', '|---|---|---|---|' + '---|' * len(ROWS)
    ]
    for r in rows:
        cells = []
        for key, _, fmt in ROWS:
            m, s = r['summary'][key]
            cells.append(f'{fmt.format(m)} ± {fmt.format(s)}')
        lines.append(f'| {r["variant"]} | {r["sampler"]}-{args.steps} | '
                     f'{r["train_seconds"] / 60:.1f} min | {r["iters"]} | ' + ' | '.join(cells) +
                     ' |')
    md = '\n'.join(lines) + '\n'
    print(md)
    name = args.results or (preset['results'] + ('_equal_time' if args.budget_minutes else ''))
    results = osp.join(REPO, 'benchmarks', 'results', name)
    atomic_write_text(results + '.md', md)
    atomic_write_json(results + '.json', dict(rows=rows, command=' '.join(sys.argv)))
    return rows


if __name__ == '__main__':
    main()
