# Semantic diffusion for scarce data: train, fine-tune for guidance, sample (one work dir).
"""Usage::

    python tools/sdm_scarce.py train    [--work-dir W] [--config C] [--resume] [--time-budget M]
                                        [--cfg-options K=V ...]
    python tools/sdm_scarce.py finetune [--work-dir W] [--config C] [--from CKPT] [--resume]
                                        [--time-budget M] [--cfg-options K=V ...]
    python tools/sdm_scarce.py sample   [--work-dir W] [--config C] [--checkpoint CKPT]
                                        --masks-from REAL_CFG --out DIR [tools/generate.py options]

The scarce-data recipe of semantic diffusion (SDM, Wang et al. 2022) in three steps that share
one work dir ``W`` (default ``work_dirs/sdm-scarce_dubai-32x32``):

1. ``train``: the mask -> image model always conditioned, learned variance + hybrid loss,
   ``W/train/best_loss.pth`` = the lowest windowed training loss
   (``configs/mask2img/sdm-scarce_spade-unet-tiny_1xb8-3k_dubai-32x32.py``);
2. ``finetune``: from that checkpoint (``load_from``), the map dropped with p = 0.2 so the
   unconditional branch of classifier-free guidance is learned, ``W/finetune/best_loss.pth``
   (``configs/mask2img/sdm-scarce-ft_spade-unet-tiny_1xb8-1k_dubai-32x32.py``);
3. ``sample``: ``tools/generate.py`` with the fine-tuned checkpoint, images for new layouts of
   the real masks (``--masks-from``), guidance s = 1.5, 300 respaced ancestral steps
   (``--sampler ddpm-respaced``). Any other ``tools/generate.py`` option passes through
   (``--ratio``, ``--guidance-scale``, ``--steps``, ``--cutmix-prob``, ...).

Each step is ``tools/train.py`` / ``tools/generate.py`` underneath, so resume (``--resume``,
rerunning ``sample``), time budgets and every refusal are theirs. A step whose input is missing
says which step makes it.
"""
from __future__ import annotations
import argparse
import os.path as osp
from typing import List, Optional

from satsynth_mmseg.cli import generate, train
from satsynth_mmseg.utils.errors import SatSynthError

STAGES = {
    'train': 'configs/mask2img/sdm-scarce_spade-unet-tiny_1xb8-3k_dubai-32x32.py',
    'finetune': 'configs/mask2img/sdm-scarce-ft_spade-unet-tiny_1xb8-1k_dubai-32x32.py',
}
DEFAULT_WORK_DIR = 'work_dirs/sdm-scarce_dubai-32x32'
BEST = 'best_loss.pth'


class MissingStageError(SatSynthError):
    """A step's input does not exist yet (the step that makes it names itself)."""


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description='Scarce-data semantic diffusion: train, fine-tune for classifier-free '
        'guidance, sample D\' for real masks')
    sub = p.add_subparsers(dest='step', required=True)
    for step in ('train', 'finetune'):
        s = sub.add_parser(step, help=f'{step} (tools/train.py {STAGES[step]})')
        s.add_argument('--work-dir', default=DEFAULT_WORK_DIR)
        s.add_argument('--config', default=STAGES[step])
        s.add_argument('--resume', action='store_true', help='continue this step\'s run')
        s.add_argument('--time-budget', type=float, metavar='MINUTES')
        s.add_argument(
            '--cfg-options',
            nargs='+',
            default=[],
            metavar='KEY=VALUE',
            help='passed to tools/train.py as they are')
        if step == 'finetune':
            s.add_argument('--from', dest='init', help=f'default: WORK_DIR/train/{BEST}')
    s = sub.add_parser('sample', help='tools/generate.py with the fine-tuned checkpoint')
    s.add_argument('--work-dir', default=DEFAULT_WORK_DIR)
    s.add_argument('--config', default=STAGES['finetune'])
    s.add_argument('--checkpoint', help=f'default: WORK_DIR/finetune/{BEST}')
    args, rest = p.parse_known_args(argv)
    if args.step != 'sample' and rest:
        p.error(f'unrecognized arguments: {" ".join(rest)}')
    args.generate_args = rest
    return args


def _require(path: str, made_by: str) -> str:
    if not osp.isfile(path):
        raise MissingStageError(f'{path} does not exist: run `tools/sdm_scarce.py {made_by}` '
                                'first (or name another checkpoint)')
    return path


def train_argv(args) -> List[str]:
    """The ``tools/train.py`` command line of the train / finetune step."""
    argv = [args.config, '--work-dir', osp.join(args.work_dir, args.step)]
    options = list(args.cfg_options)
    if args.step == 'finetune' and not args.resume and not any(
            o.startswith('load_from=') for o in options):
        init = args.init or osp.join(args.work_dir, 'train', BEST)
        options.append(f'load_from={_require(init, "train")}')
    if options:
        argv += ['--cfg-options', *options]
    if args.resume:
        argv.append('--resume')
    if args.time_budget is not None:
        argv += ['--time-budget', str(args.time_budget)]
    return argv


def generate_argv(args) -> List[str]:
    """The ``tools/generate.py`` command line of the sample step (its defaults first, so the
    user's options win)."""
    ckpt = _require(args.checkpoint or osp.join(args.work_dir, 'finetune', BEST), 'finetune')
    rest = list(args.generate_args)
    if '--sampler' not in rest:
        rest = ['--sampler', 'ddpm-respaced'] + rest
    return [args.config, ckpt, *rest]


def main(argv: Optional[List[str]] = None):
    args = parse_args(argv)
    try:
        if args.step == 'sample':
            command = generate_argv(args)
        else:
            command = train_argv(args)
    except MissingStageError as e:
        raise SystemExit(f'error: {e}')
    if args.step == 'sample':
        return generate.main(command)
    return train.main(command)


if __name__ == '__main__':
    main()
