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

The stages are :mod:`satsynth_mmseg.experiments`; this is their command line.
"""
import argparse
import dataclasses
import sys

from satsynth_mmseg.experiments.super_res import SuperResExperiment

_D = SuperResExperiment.__dataclass_fields__


def _default(name):
    field = _D[name]
    return field.default_factory() if field.default_factory is not dataclasses.MISSING \
        else field.default


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Downstream mIoU with D\' enlarged x2 by '
                                'interpolation vs by the super-resolution cascade')
    p.add_argument('--work-dir', default=_default('work_dir'))
    p.add_argument(
        '--raw-dir',
        default=_default('raw_dir'),
        help='the raw Dubai aerial download, converted while a data root is empty')
    p.add_argument(
        '--data-root',
        default=_default('data_root'),
        help='real data at the high resolution (converted if missing)')
    p.add_argument(
        '--low-data-root',
        default=_default('low_data_root'),
        help='real data at the generator\'s resolution (only to train it)')
    p.add_argument('--seeds', type=int, nargs='+', default=_default('seeds'))
    p.add_argument('--ratio', type=float, default=1.0, help='generated pairs per real pair')
    p.add_argument('--generator-config', default=_default('generator_config'))
    p.add_argument('--generator-checkpoint', help='skip generator training, use this')
    p.add_argument('--generator-iters', type=int, help='override the generator\'s max_iters')
    p.add_argument('--sr-config', default=_default('sr_config'))
    p.add_argument('--sr-checkpoint', help='skip super-resolution training, use this')
    p.add_argument('--sr-iters', type=int, help='override the SR model\'s max_iters')
    p.add_argument(
        '--segmentor',
        default=_default('segmentor'),
        help='segmentor config pattern, {} = d | d+dprime | dprime')
    p.add_argument('--sampler', default=_default('sampler'))
    p.add_argument('--steps', type=int, default=_default('steps'))
    p.add_argument('--sr-sampler', default=_default('sr_sampler'))
    p.add_argument('--sr-steps', type=int, default=_default('sr_steps'))
    p.add_argument('--eval-max-tiles', type=int, help='sr_eval: at most this many val tiles')
    p.add_argument('--seg-iters', type=int, help='override the segmentors\' max_iters')
    p.add_argument(
        '--dprime-only', action='store_true', help='also train on D\'(a) and D\'(b) alone')
    p.add_argument('--results', help='also copy the report to benchmarks/results/<RESULTS>*')
    args = p.parse_args(argv)
    if args.ratio <= 0:
        p.error('--ratio must be > 0')
    if len(set(args.seeds)) < len(args.seeds):
        p.error('--seeds must be distinct')
    return args


def main(argv=None):
    args = parse_args(argv)
    settings = {k.replace('-', '_'): v for k, v in vars(args).items()}
    return SuperResExperiment(**settings, command=' '.join(sys.argv)).run()


if __name__ == '__main__':
    main()
