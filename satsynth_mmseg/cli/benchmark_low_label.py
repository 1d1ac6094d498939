# The low-label experiment: few labels, pretrained encoders, schedules run to convergence.
"""Usage::

    python tools/benchmark_low_label.py CONFIG [--cfg-options KEY=VALUE ...]
        [--work-dir DIR] [--raw-dir DIR]

``CONFIG`` is an experiment config (``configs/experiments/lowlabel_*.py``); its keys are the
settings of :class:`satsynth_mmseg.experiments.low_label_experiment.LowLabelExperiment`, each
changeable with ``--cfg-options`` (e.g. ``seeds="[0,1]" folds="[0]"``). Every stage resumes:
rerun the same command after an interruption. Writes ``WORK_DIR/low_label.{md,json}`` and the
pictures, and copies them to ``benchmarks/results/<results>.*``.
"""
import argparse
import sys

from mmengine.config import DictAction

from satsynth_mmseg.experiments.experiment_config import settings_from
from satsynth_mmseg.experiments.low_label_experiment import LowLabelExperiment
from satsynth_mmseg.utils import SatSynthError


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description='D vs D u D\' vs pseudo-labels with few labels, trained to convergence',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__)
    p.add_argument('config', help='experiment config (configs/experiments/lowlabel_*.py)')
    p.add_argument('--cfg-options', nargs='+', action=DictAction, help='override settings')
    p.add_argument('--work-dir', help='default: the config\'s work_dir')
    p.add_argument('--raw-dir', help='the raw Dubai download (while data_root is empty)')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        settings = settings_from(
            args.config,
            LowLabelExperiment,
            args.cfg_options,
            work_dir=args.work_dir,
            raw_dir=args.raw_dir)
        experiment = LowLabelExperiment(**settings, command=' '.join(sys.argv))
        return experiment.run()
    except (SatSynthError, FileNotFoundError) as e:
        raise SystemExit(f'error: {e}')


if __name__ == '__main__':
    main()
