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
import dataclasses
import sys

from mmengine.config import Config, DictAction

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


def settings_from(config: str, cfg_options=None, **flags) -> dict:
    """The experiment's settings: the config, then ``--cfg-options``, then the flags given."""
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    settings = cfg.to_dict()
    settings.pop('_base_', None)
    settings.update({k: v for k, v in flags.items() if v is not None})
    known = {f.name for f in dataclasses.fields(LowLabelExperiment)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise SatSynthError(f'{config}: unknown settings {unknown}; known: {sorted(known)}')
    return settings


def main(argv=None):
    args = parse_args(argv)
    try:
        settings = settings_from(
            args.config, args.cfg_options, work_dir=args.work_dir, raw_dir=args.raw_dir)
        experiment = LowLabelExperiment(**settings, command=' '.join(sys.argv))
        return experiment.run()
    except (SatSynthError, FileNotFoundError) as e:
        raise SystemExit(f'error: {e}')


if __name__ == '__main__':
    main()
