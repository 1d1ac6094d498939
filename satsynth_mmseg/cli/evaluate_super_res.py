# How much does the x2 super-resolution model add over plain interpolation, on real pairs?
"""Usage::

    python tools/evaluate_super_res.py SR_CONFIG SR_CHECKPOINT
        [--data-root DIR] [--split val] [--max-tiles N] [--sampler dpm-solver++] [--steps S]
        [--batch-size B] [--seed 0] [--out DIR]

Real high-resolution pairs of the split are cut into non-overlapping tiles of the model's
size, downsampled x2 exactly as the model was trained (image: area average; labels: majority
vote), then brought back to the high resolution by

* (a) bilinear interpolation of the image and nearest-neighbour upsampling of the mask;
* (b) the super-resolution model (per-tile seeds: ``(seed, tile index)``).

Reported against the real high-resolution pair: image PSNR (dB, 8-bit range, mean over tiles)
and mask mIoU / pixel accuracy (IoU per class summed over all tiles, as mmseg; pixels the
method leaves without a valid class count as wrong). Writes ``OUT/sr_eval.{json,md}`` and
``OUT/sr_eval.png`` (rows: low-res enlarged | (a) | (b) | real, each image | mask).
"""
import argparse

from satsynth_mmseg.experiments.super_res_quality import SuperResEvalSpec, evaluate_super_res
from satsynth_mmseg.utils import SatSynthError


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Evaluate x2 super-resolution on real pairs')
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--data-root', help='default: the config\'s train data root')
    p.add_argument('--split', default='val')
    p.add_argument('--max-tiles', type=int, default=None)
    p.add_argument('--sampler', default=None, help='default: the model\'s (DPM-Solver++)')
    p.add_argument('--steps', type=int, default=None)
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--num-pictures', type=int, default=4)
    p.add_argument('--device', default=None)
    p.add_argument('--out', default=None, help='default: next to the checkpoint')
    p.add_argument('--no-progress', action='store_true')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    spec = SuperResEvalSpec(
        **{
            k: v
            for k, v in vars(args).items() if k != 'no_progress'
        },
        progress=not args.no_progress)
    try:
        report = evaluate_super_res(spec)
    except SatSynthError as e:
        raise SystemExit(f'error: {e}')
    print(report.pop('markdown'))
    print(f'written to {report.pop("out_dir")}/sr_eval.{{md,json,png}} (picture rows: low-res | '
          'interpolation | super-resolution | real)')
    return report


if __name__ == '__main__':
    main()
