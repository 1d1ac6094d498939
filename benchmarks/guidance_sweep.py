# Classifier-free guidance of the mask-to-image diffusion model, measured by the generation metrics.
"""Benchmark: ``tools/evaluate_generator.py`` on one ``MaskToImageDDPM`` checkpoint for each
guidance scale s (s = 0: unconditional, 1: conditional, > 1: pushed towards the map), with the
same real crops, layouts of the training masks, sampling seeds and real-data segmentor, then
one table (mean ± std over seeds) and one plot against s.

    .venv/bin/python benchmarks/guidance_sweep.py \
        --checkpoint work_dirs/gain_dubai-gens/generator_mask2img/iter_3000.pth \
        --segmentor-checkpoint work_dirs/gain_dubai-gens/runs/d_seed0/iter_1000.pth

Every evaluation is reused when rerun. Numbers go to stdout and to
``benchmarks/results/guidance_sweep_dubai_cpu.{md,json,png}``.
"""
import argparse
import json
import os
import os.path as osp
import sys

from satsynth_mmseg.experiments.report import write_report_files
from satsynth_mmseg.experiments.stages import run_cli

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

GEN_CFG = 'configs/mask2img/sdm_spade-unet-tiny_1xb8-3k_dubai-32x32.py'
SEG_CFG = 'configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py'
ROWS = [('seg_fd', 'FD (seg.) ↓', '{:.2f}'), ('seg_kid_mean', 'KID (seg.) ↓', '{:.4f}'),
        ('seg_precision', 'precision ↑', '{:.3f}'), ('seg_recall', 'recall ↑', '{:.3f}'),
        ('agreement_miou', 'agreement mIoU ↑', '{:.1f}'),
        ('agreement_acc', 'agreement pixel acc. ↑', '{:.1f}')]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--config', default=GEN_CFG)
    p.add_argument('--checkpoint', required=True)
    p.add_argument('--real-config', default=SEG_CFG)
    p.add_argument('--segmentor-checkpoint', required=True)
    p.add_argument('--scales', type=float, nargs='+', default=[0.0, 1.5, 3.0, 5.0])
    p.add_argument('--num-samples', type=int, default=128)
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--steps', type=int, default=25, help='DDIM steps')
    p.add_argument('--work-dir', default='work_dirs/guidance_sweep_dubai-cpu')
    p.add_argument('--results', default='guidance_sweep_dubai_cpu')
    return p.parse_args(argv)


def evaluate(args, scale: float) -> dict:
    """The saved report of scale ``scale`` (evaluated now when missing)."""
    out = osp.join(args.work_dir, f'guidance_{scale:g}')
    if not osp.exists(out + '.json'):
        run_cli('evaluate_generator', args.config, args.checkpoint, '--real-config',
                args.real_config, '--segmentor-checkpoint', args.segmentor_checkpoint,
                '--num-samples', str(args.num_samples), '--seeds', *map(str, args.seeds), '--steps',
                str(args.steps), '--guidance-scale', str(scale), '--out', out)
    with open(out + '.json') as f:
        return json.load(f)


def markdown(args, reports) -> str:
    lines = [
        f'Guidance sweep of `{osp.basename(args.config)}` ({args.checkpoint}): '
        f'{args.num_samples} images per seed rendered for new layouts of the training masks '
        f'(DDIM {args.steps} steps), seeds {args.seeds}; feature space and agreement: the '
        f'real-data segmentor `{osp.basename(args.real_config)}`. Mean ± std over seeds.', '',
        '| s | ' + ' | '.join(label for _, label, _ in ROWS) + ' |', '|---|' + '---|' * len(ROWS)
    ]
    for scale, rep in reports.items():
        cells = []
        for key, _, fmt in ROWS:
            m, s = rep['summary'][key]
            cells.append(f'{fmt.format(m)} ± {fmt.format(s)}')
        lines.append(f'| {scale:g} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def plot(reports, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from satsynth_mmseg.utils.atomic_io import atomic_save_figure
    scales = list(reports)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.4))
    for ax, (key, label) in zip(axes, [('seg_fd', 'FD (segmentor features) ↓'),
                                       ('agreement_miou', 'mask–image agreement mIoU ↑'),
                                       ('seg_recall', 'recall ↑')]):
        m = [reports[s]['summary'][key][0] for s in scales]
        e = [reports[s]['summary'][key][1] for s in scales]
        ax.errorbar(scales, m, yerr=e, marker='o', capsize=3)
        ax.set_xlabel('guidance scale s')
        ax.set_title(label, fontsize=10)
    fig.tight_layout()
    atomic_save_figure(fig, path, dpi=100)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    reports = {s: evaluate(args, s) for s in args.scales}
    md = markdown(args, reports)
    report = dict(
        command=' '.join(sys.argv),
        scales=args.scales,
        reports={
            f'{s:g}': r['summary']
            for s, r in reports.items()
        })
    write_report_files(
        args.work_dir,
        'guidance_sweep',
        md,
        report,
        lambda p: plot(reports, p),
        results=args.results)
    print(md)
    return reports


if __name__ == '__main__':
    main()
