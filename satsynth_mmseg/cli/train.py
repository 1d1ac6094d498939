# Train a satsynth-mmseg generator, or any mmseg model, from a config (mmseg's CLI).
import argparse
import errno
import logging

from mmengine.config import Config, DictAction
from mmengine.logging import print_log
from mmengine.runner import Runner

from mmseg.registry import RUNNERS
from satsynth_mmseg.engine import use_atomic_checkpoints
from satsynth_mmseg.generation.checkpoint import check_checkpoint_file
from satsynth_mmseg.utils import SatSynthError
from satsynth_mmseg.utils.dist import (exit_without_native_teardown, init_cpu_distributed,
                                       shutdown_distributed)
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


if __name__ == '__main__':
    main()
