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
import sys

from satsynth_mmseg.experiments.experiment_config import experiment_parser, run_experiment
from satsynth_mmseg.experiments.low_label_experiment import LowLabelExperiment


def parse_args(argv=None):
    return experiment_parser(
        'D vs D u D\' vs pseudo-labels with few labels, trained to convergence',
        'experiment config (configs/experiments/lowlabel_*.py)', __doc__).parse_args(argv)


def main(argv=None):
    return run_experiment(LowLabelExperiment, parse_args(argv), ' '.join(sys.argv))


if __name__ == '__main__':
    main()
