# SatSynth's Table 4: is the x2 super-resolution cascade worth it for the segmentor?
"""Usage::

    python tools/benchmark_super_res.py CONFIG [--cfg-options KEY=VALUE ...]
        [--work-dir DIR] [--raw-dir DIR]

``CONFIG`` is an experiment config (``configs/experiments/superres_*.py``); its keys are the
settings of :class:`satsynth_mmseg.experiments.super_res.SuperResExperiment`, each changeable
with ``--cfg-options`` (e.g. ``generator_checkpoint=CKPT "seeds=[0,1]" seg_iters=500``).
Stages (each resumable: rerunning skips what is finished):

1. data: the real data at both scales (Dubai converter, from ``--raw-dir``);
2. generator, super-resolution: trained with ``tools/train.py --resume`` unless checkpoints
   are given;
3. sr_eval: ``tools/evaluate_super_res.py`` on the real high-resolution val split (image PSNR
   and mask mIoU of interpolation vs the model);
4. D': the *same* low-resolution samples (seed 0, fixed batches) enlarged x2 (a) by
   interpolation (bilinear image, nearest mask) and (b) by the super-resolution model,
   ``ceil(R * |D|)`` pairs each;
5. segmentors: one config, schedule and seed set, trained on D, D u D'(a), D u D'(b) (and with
   ``dprime_only=True`` on D'(a), D'(b) alone), each in its own process, tested on the real
   high-resolution val split;
6. report: ``WORK_DIR/sr_gain.{md,json,png}`` (with the sr_eval table), copied to
   ``benchmarks/results/<results>*`` when ``results`` is set.
"""
import argparse
import sys

from mmengine.config import DictAction

from satsynth_mmseg.experiments.experiment_config import settings_from
from satsynth_mmseg.experiments.super_res import SuperResExperiment
from satsynth_mmseg.utils import SatSynthError


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description='Downstream mIoU with D\' enlarged x2 by interpolation vs by the '
        'super-resolution cascade',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__)
    p.add_argument('config', help='experiment config (configs/experiments/superres_*.py)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, help='override settings')
    p.add_argument('--work-dir', help='default: the config\'s work_dir')
    p.add_argument('--raw-dir', help='the raw Dubai download (while a data root is empty)')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        settings = settings_from(
            args.config,
            SuperResExperiment,
            args.cfg_options,
            work_dir=args.work_dir,
            raw_dir=args.raw_dir)
        return SuperResExperiment(**settings, command=' '.join(sys.argv)).run()
    except (SatSynthError, FileNotFoundError) as e:
        raise SystemExit(f'error: {e}')


if __name__ == '__main__':
    main()
