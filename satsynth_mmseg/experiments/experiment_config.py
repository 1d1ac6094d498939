"""An experiment's settings read from its config file, as every OpenMMLab tool reads a config.

An experiment config (``configs/experiments/*.py``) is an mmengine config whose top-level keys
are the fields of the experiment's settings dataclass; ``--cfg-options`` and the few flags a
command line keeps (``--work-dir``, ``--raw-dir``) override it, in that order.
"""
from __future__ import annotations
import argparse
import dataclasses
from typing import Optional

from mmengine.config import Config, DictAction

from ..utils.errors import ConfigError, SatSynthError


def settings_from(config: str,
                  settings_class: type,
                  cfg_options: Optional[dict] = None,
                  **flags) -> dict:
    """The settings of ``settings_class`` (a dataclass) from ``config``.

    Args:
        config: path of the experiment config.
        settings_class: the dataclass whose fields the config's keys are.
        cfg_options: ``--cfg-options`` (mmengine's ``DictAction`` result), merged over the
            file.
        **flags: command-line values; those that are not ``None`` override both.

    Returns:
        dict: keyword arguments for ``settings_class`` (``_base_`` dropped).

    Raises:
        ConfigError: a key that is no field of ``settings_class``, named with the config.
    """
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    settings = cfg.to_dict()
    settings.pop('_base_', None)
    settings.update({k: v for k, v in flags.items() if v is not None})
    known = {f.name for f in dataclasses.fields(settings_class)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise ConfigError(f'{config}: unknown settings {unknown}; known: {sorted(known)}')
    return settings


def experiment_parser(description: str, config_help: str, epilog: str) -> argparse.ArgumentParser:
    """The command line every config-driven experiment takes: ``CONFIG [--cfg-options ...]
    [--work-dir DIR] [--raw-dir DIR]``."""
    p = argparse.ArgumentParser(
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=epilog)
    p.add_argument('config', help=config_help)
    p.add_argument('--cfg-options', nargs='+', action=DictAction, help='override settings')
    p.add_argument('--work-dir', help='default: the config\'s work_dir')
    p.add_argument('--raw-dir', help='the raw Dubai download (while a data root is empty)')
    return p


def run_experiment(settings_class: type, args: argparse.Namespace, command: str):
    """Build ``settings_class`` from parsed :func:`experiment_parser` arguments and run it;
    a settings or file error ends the process with one line naming it."""
    try:
        settings = settings_from(
            args.config,
            settings_class,
            args.cfg_options,
            work_dir=args.work_dir,
            raw_dir=args.raw_dir)
        return settings_class(**settings, command=command).run()
    except (SatSynthError, FileNotFoundError) as e:
        raise SystemExit(f'error: {e}')
