"""Shared by the command-line tools: load a config the way mmseg's tools do."""
from __future__ import annotations
import os
import os.path as osp
from typing import Optional

from mmengine.config import Config

from .errors import ConfigError


def set_local_rank(local_rank: int) -> None:
    """Export ``LOCAL_RANK`` for launchers that pass ``--local-rank`` instead of setting it."""
    os.environ.setdefault('LOCAL_RANK', str(local_rank))


def parse_checked(parser, argv, to_spec):
    """Parse ``argv`` and validate the spec ``to_spec(args)`` builds, turning its
    ``ConfigError`` into the parser's usage error (exit status 2, nothing written)."""
    args = parser.parse_args(argv)
    try:
        to_spec(args).validate()
    except ConfigError as e:
        parser.error(str(e))
    return args


def add_launcher_args(parser, launcher_help: str = 'job launcher (torchrun uses "pytorch")'):
    """``--launcher`` and the ``--local-rank`` that ``torch.distributed.launch`` passes."""
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm'], default='none', help=launcher_help)
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def read_config(path: str, what: str = 'config') -> Config:
    """``Config.fromfile`` with a one-line error naming ``what`` and the path when the file
    does not exist (mmengine's is a long traceback)."""
    if not isinstance(path, str) or not osp.isfile(path):
        raise ConfigError(f'{what} {path} does not exist')
    return Config.fromfile(path)


def load_tool_config(config: str,
                     launcher: str = 'none',
                     cfg_options: Optional[dict] = None,
                     work_dir: Optional[str] = None) -> Config:
    """Load ``config``, apply ``--cfg-options``, set the launcher and the work dir.

    The work dir is ``work_dir`` if given, else the config's, else
    ``./work_dirs/<config name>`` (mmseg's default).
    """
    cfg = read_config(config)
    cfg.launcher = launcher
    if cfg_options is not None:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])
    return cfg
