# Train a satsynth-mmseg generator, or any mmseg model, from a config (mmseg's CLI).
import argparse
import errno
import logging
import os
import os.path as osp
import sys

from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.runner.checkpoint import find_latest_checkpoint

from mmseg.registry import DATASETS, MODELS, RUNNERS
from satsynth_mmseg.engine import use_atomic_checkpoints
from satsynth_mmseg.generation import check_checkpoint_matches
from satsynth_mmseg.models import BaseGenerator
from satsynth_mmseg.utils import (CheckpointError, ConfigError, SatSynthError,
                                  load_verified_checkpoint)
from satsynth_mmseg.utils.tool_config import add_launcher_args, load_tool_config, set_local_rank


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a generator or a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        action='store_true',
        default=False,
        help='resume from the latest checkpoint in the work_dir automatically')
    parser.add_argument(
        '--amp',
        action='store_true',
        default=False,
        help='enable automatic-mixed-precision training (needs a GPU)')
    parser.add_argument(
        '--amp-dtype',
        choices=['float16', 'bfloat16'],
        default='float16',
        help='with --amp: the autocast dtype. float16 (mmseg\'s default) uses a dynamic loss '
        'scale; bfloat16 has float32\'s range and needs none')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config, the key-value pair '
        'in xxx=yyy format will be merged into config file. If the value to '
        'be overwritten is a list, it should be like key="[a,b]" or key=a,b '
        'It also allows nested list/tuple values, e.g. key="[(a,b),(c,d)]" '
        'Note that the quotation marks are necessary and that no white space '
        'is allowed.')
    parser.add_argument(
        '--time-budget',
        type=float,
        metavar='MINUTES',
        help='stop after this much training wall time (TrainTimeBudgetHook; counted across '
        'resumes), saving the last iteration; train_cfg.max_iters stays the upper bound')
    add_launcher_args(parser)
    args = parser.parse_args(argv)
    set_local_rank(args.local_rank)
    return args


def build_config(args) -> Config:
    """Load the config and apply the command-line overrides, as mmseg's train.py does."""
    cfg = load_tool_config(args.config, args.launcher, args.cfg_options, args.work_dir)
    if args.amp:
        import torch
        if not torch.cuda.is_available():
            raise SystemExit('--amp needs a CUDA device (mmengine\'s AmpOptimWrapper); '
                             'this machine has none. Train without --amp on CPU.')
        optim_wrapper = cfg.optim_wrapper.type
        if optim_wrapper == 'AmpOptimWrapper':
            print_log(
                'AMP training is already enabled in your config.',
                logger='current',
                level=logging.WARNING)
        else:
            assert optim_wrapper == 'OptimWrapper', (
                '`--amp` is only supported when the optimizer wrapper type is '
                f'`OptimWrapper` but got {optim_wrapper}.')
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.dtype = args.amp_dtype
            # bf16 has float32's range and needs no loss scaling: a fixed scale of 1 (the
            # GradScaler mmengine always builds still skips steps with inf/NaN gradients)
            cfg.optim_wrapper.loss_scale = 'dynamic' if args.amp_dtype == 'float16' else 1.0
    cfg.resume = args.resume
    if args.time_budget is not None:
        cfg.custom_hooks = [
            h for h in cfg.get('custom_hooks', []) if h.get('type') != 'TrainTimeBudgetHook'
        ] + [dict(type='TrainTimeBudgetHook', seconds=args.time_budget * 60)]
    use_atomic_checkpoints(cfg)
    return cfg


def init_cpu_distributed(cfg: Config) -> None:
    """Let ``--launcher pytorch`` run on machines without CUDA (gloo, CPU DDP).

    mmengine 0.10.7's ``init_dist`` always calls ``torch.cuda.set_device`` and its default
    DDP wrapper passes ``device_ids=[LOCAL_RANK]``; both fail without CUDA. Here the process
    group is started with gloo first (the Runner then skips ``init_dist``) and the wrapper is
    told to use no device ids.
    """
    import torch
    import torch.distributed as dist
    if cfg.launcher == 'none' or torch.cuda.is_available() or dist.is_initialized():
        return
    print_log(
        'no CUDA device: distributed training on CPU with the gloo backend',
        logger='current',
        level=logging.WARNING)
    dist.init_process_group(backend='gloo')
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel', broadcast_buffers=False)
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper


def checkpoint_to_load(cfg: Config):
    """The file the Runner will load (``--resume``: ``load_from`` or the work dir's latest;
    else ``load_from``), or None."""
    if cfg.get('resume') and not cfg.get('load_from'):
        return find_latest_checkpoint(cfg.work_dir) if osp.isdir(cfg.work_dir) else None
    return cfg.get('load_from')


def check_generator_fits(cfg: Config, ckpt: dict, path: str) -> None:
    """Fine-tuning a generator (``load_from``) keeps the checkpoint's classes and bands:
    refuse, in one line, a config for other classes (count or names) or other channels,
    which mmengine would otherwise load partly with a warning."""
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = MODELS.build(cfg.model)
    meta = (ckpt.get('meta') or {}).get('dataset_meta') or {}
    hint = ('Fine-tuning keeps the classes and bands of the checkpoint (the analog-bit and '
            'image channels are part of the network); for other classes train from scratch.')
    try:
        check_checkpoint_matches(model, ckpt.get('state_dict', ckpt), meta, path)
    except ConfigError as e:
        raise SystemExit(f'error: {e}. {hint}')
    ds = cfg.get('train_dataloader', {}).get('dataset', {})
    names = (ds.get('metainfo') or {}).get('classes')
    if names is None and ds.get('type') in DATASETS:
        names = getattr(DATASETS.get(ds['type']), 'METAINFO', {}).get('classes')
    old = meta.get('classes')
    if names is not None and old is not None and list(names) != list(old):
        raise SystemExit(f'error: {path} was trained on the classes {tuple(old)}, the config\'s '
                         f'dataset has {tuple(names)}. {hint}')


def is_generator_config(cfg: Config) -> bool:
    """Whether the config's model is one of the plugin's generators (their checkpoints fix
    the classes and bands), asked of the registered class."""
    name = cfg.model.get('type')
    cls = MODELS.get(name) if isinstance(name, str) else None
    return isinstance(cls, type) and issubclass(cls, BaseGenerator)


def check_checkpoint_file(cfg: Config) -> None:
    """Refuse an unusable checkpoint with one line naming it, before the Runner starts
    (an empty file, random bytes, a corrupted tensor, non-finite weights; for a generator's
    ``load_from``, a config for other classes or bands)."""
    path = checkpoint_to_load(cfg)
    if path and osp.isfile(path):
        try:
            ckpt = load_verified_checkpoint(path)
        except CheckpointError as e:
            raise SystemExit(f'error: {e}')
        if cfg.get('load_from') and not cfg.get('resume') and is_generator_config(cfg):
            check_generator_fits(cfg, ckpt, path)


def main(argv=None):
    args = parse_args(argv)
    try:
        cfg = build_config(args)
        check_checkpoint_file(cfg)
        init_cpu_distributed(cfg)
        runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else RUNNERS.build(cfg)
        runner.train()
    except (SatSynthError, FileNotFoundError) as e:
        # the plugin's errors say what is wrong in one line; a missing file names itself
        shutdown_distributed()
        raise SystemExit(f'error: {e}')
    except OSError as e:
        shutdown_distributed()
        if e.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES):
            what = e.strerror if str(e.filename) in str(e.strerror) else \
                f'{e.strerror} ({e.filename})'
            raise SystemExit(f'error: {what}. Checkpoints are written atomically: none is left '
                             'half-written; free space, then rerun with --resume')
        raise
    except BaseException:
        shutdown_distributed()
        raise
    if shutdown_distributed():
        exit_without_native_teardown()


def shutdown_distributed() -> bool:
    """Destroy the process group (when there is one) before the interpreter exits; True when
    there was one."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
        return True
    return False


def exit_without_native_teardown() -> None:
    """End a finished distributed run with exit status 0 once Python's own exit work is done.

    On CPU (gloo, torch 2.13) a rank sometimes dies with SIGABRT ("terminate called without an
    active exception") *after* training has finished and the last checkpoint is written, while
    the interpreter tears down native threads of torch.distributed; destroying the process group
    first does not prevent it (measured: 1 run in 4 of the two-process test). The Python exit
    handlers (``atexit``: e.g. the on-the-fly pool clean-up) and the stream flushes run here;
    only the native static destructors are skipped.
    """
    import atexit
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == '__main__':
    main()
