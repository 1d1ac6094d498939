# SatSynth's experiment: does training on D u D' beat training on D alone?
"""Usage::

    python tools/benchmark_gain.py [CONFIG] [--cfg-options KEY=VALUE ...] [--raw-dir DIR]
        [flags]

``CONFIG`` is an experiment config (``configs/experiments/gain_*.py``; default: the one of
``--preset``, else ``gain_dubai-cpu.py``). Every setting is a key of that config, can be changed
with ``--cfg-options`` and has a flag of its own (listed below; a flag wins over the config).

Stages (each resumable: rerunning the command skips what is finished):

1. data: convert the real data (from ``--raw-dir``) or paint the procedural scenes;
2. generator: train it with ``tools/train.py`` (``--resume``), unless a checkpoint is given;
3. D': ``tools/generate.py`` writes ``ceil(max(R) * |D|)`` pairs (deterministic, resumable);
4. segmentors: the same config, schedule and seeds trained on D (R = 0), on D u D' for every
   R in ``ratios`` (``AugmentedDataset``) and on D' alone, each in its own process, then
   tested on the real val split with per-class IoU; with ``generators`` also (or instead)
   D' of a mask-to-image generator (one row per generator, same segmentor and seeds);
5. report: ``WORK_DIR/gain.md`` (mean +- std over seeds of mIoU and per-class IoU),
   ``WORK_DIR/gain.json`` (every run, stage timings) and ``WORK_DIR/gain.png``.

The stages are :mod:`satsynth_mmseg.experiments.gain`; the settings
:mod:`satsynth_mmseg.experiments.gain_settings`; this is their command line.
"""
import argparse
import sys

from mmengine.config import DictAction

from satsynth_mmseg.experiments.gain import GainExperiment
from satsynth_mmseg.experiments.gain_settings import add_setting_flags, experiment_config
from satsynth_mmseg.utils import SatSynthError


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description='Downstream mIoU of a segmentor trained on D, D u D\' (per ratio R) and '
        'D\' only, over several seeds',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__)
    p.add_argument('config', nargs='?', help='experiment config (configs/experiments/gain_*.py)')
    p.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, e.g. seeds="[0,1,2,3,4]" generator_iters=500')
    add_setting_flags(p)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    flags = {k: v for k, v in vars(args).items() if k not in ('config', 'cfg_options')}
    try:
        settings = experiment_config(args.config, args.cfg_options, flags)
        experiment = GainExperiment(**settings, command=' '.join(sys.argv))
    except (SatSynthError, ValueError, FileNotFoundError) as e:  # a bad setting: one line
        raise SystemExit(f'error: {e}')
    try:
        return experiment.run()
    except SatSynthError as e:
        raise SystemExit(f'error: {e}')


if __name__ == '__main__':
    main()
