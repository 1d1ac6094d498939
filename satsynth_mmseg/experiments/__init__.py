"""Experiments as library code: the stages of SatSynth's downstream experiments.

``tools/benchmark_gain.py``, ``tools/benchmark_low_label.py`` and
``tools/benchmark_super_res.py`` are thin command lines over :mod:`.gain`,
:mod:`.low_label_experiment` and :mod:`.super_res`, which are built from the same resumable
stages:

* :mod:`.stages` -- a stage timer kept in ``stages.json``, the logger, running a plugin
  command line in its own process;
* :mod:`.runs` -- the data, generator, D′ and segmentor stages (each skips finished work);
* :mod:`.report` -- mean ± std over seeds, the markdown table, plots, and writing the
  md / json / png report (atomically).

Config and data paths are relative to the working directory, as for mmseg's tools: run from
the checkout, where ``configs/`` lives. An experiment's settings are a config file
(``configs/experiments/``, read by :mod:`.gain_settings` and :mod:`.experiment_config`).
"""
from .report import fmt, markdown, mean_std, summarise, write_report_files
from .runs import (generate_dprime, last_checkpoint, prepare_data, run_specs, segmentor_run,
                   segmentor_spec, train_model)
from .stages import StageTimer, log, run_cli

__all__ = [
    'StageTimer', 'log', 'run_cli', 'prepare_data', 'train_model', 'generate_dprime',
    'segmentor_spec', 'segmentor_run', 'run_specs', 'last_checkpoint', 'mean_std', 'summarise',
    'fmt', 'markdown', 'write_report_files'
]
