# Turn a trained generator checkpoint into a synthetic dataset D' that mmseg reads.
"""The command line of :func:`satsynth_mmseg.generation.pipeline.generate_dprime`.

Usage::

    python tools/generate.py CONFIG CHECKPOINT --out DIR
        (--num-samples N | --ratio R --real-config CFG)
        [--sampler ddpm|ddim|dpm-solver++] [--steps S] [--batch-size B] [--seed SEED]
        [--ema/--no-ema] [--launcher none|pytorch] [--report] [--image-format png|tiff|npy]
        [--sr-config SR_CFG --sr-checkpoint SR_CKPT [--sr-sampler S] [--sr-steps N]
         | --interp-scale F]

    # mask-conditioned generators (MaskToImageDDPM): render images for label maps
    python tools/generate.py M2I_CONFIG M2I_CHECKPOINT --out DIR --ratio R
        (--masks-from REAL_CFG [--cutmix-prob P] [--no-rotate] [--no-flip]
         | --mask-generator JOINT_CONFIG JOINT_CHECKPOINT --real-config REAL_CFG)
        [--guidance-scale S]

    torchrun --nproc_per_node 4 tools/generate.py ... --launcher pytorch   # 4 shards

Sample ``i`` depends only on ``(SEED, i)`` and ``--batch-size``: one process, several shards
or an interrupted and rerun command write the same files; rerunning resumes, other arguments
into the same DIR are refused. Every option, the cascade, mask-conditioned layouts, float
sensors and the folder it writes: ``docs/en/user_guides/build_dprime.md`` and
``docs/en/advanced_guides/dprime_format.md``.
"""

import argparse
import dataclasses
import errno

from satsynth_mmseg.datasets.dprime_format import FORMAT_VERSION  # noqa: F401 (tests)
from satsynth_mmseg.diffusion import SAMPLER_ALIASES
from satsynth_mmseg.generation.pipeline import IMAGE_FORMATS, GenerateSpec, generate_dprime
from satsynth_mmseg.utils import SatSynthError
from satsynth_mmseg.utils.tool_config import parse_checked


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Generate a synthetic dataset D\' (image + mask '
                                'pairs) from a trained generator')
    p.add_argument('config', help='generator config')
    p.add_argument('checkpoint', help='generator checkpoint (.pth)')
    p.add_argument('--out', required=True, help='output folder (mmseg layout)')
    n = p.add_mutually_exclusive_group(required=True)
    n.add_argument('--num-samples', type=int, help='number of pairs N')
    n.add_argument(
        '--ratio',
        type=float,
        help='pairs per real training sample (SatSynth resampling ratio, 1..5)')
    p.add_argument(
        '--real-config',
        help='config whose train_dataloader.dataset is the real D '
        '(needed by --ratio; also used by --report)')
    p.add_argument('--sampler', default='ddim', choices=sorted(SAMPLER_ALIASES))
    p.add_argument(
        '--steps',
        type=int,
        default=None,
        help='sampling steps (default: ddpm all T, ddim 50, dpm-solver++ 20)')
    p.add_argument('--batch-size', type=int, default=16)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument(
        '--ema',
        action=argparse.BooleanOptionalAction,
        default=True,
        help='use the EMA weights of the checkpoint (default) or the raw ones')
    p.add_argument('--device', default=None, help='default: cuda if available, else cpu')
    p.add_argument('--launcher', choices=['none', 'pytorch'], default='none')
    p.add_argument(
        '--sr-config',
        help='super-resolution config (JointSuperRes): run the '
        'cascade, writing pairs upsampled x2')
    p.add_argument('--sr-checkpoint', help='super-resolution checkpoint')
    p.add_argument('--sr-sampler', default='dpm-solver++', choices=sorted(SAMPLER_ALIASES))
    p.add_argument(
        '--sr-steps',
        type=int,
        default=None,
        help='super-resolution sampling steps (default: the sampler\'s)')
    p.add_argument(
        '--interp-scale',
        type=int,
        default=None,
        help='enlarge every sample this many times by interpolation (bilinear '
        'image, nearest mask) instead of a super-resolution model')
    p.add_argument(
        '--masks-from',
        metavar='REAL_CFG',
        help='mask-conditioned generator: render images for new layouts of the masks of this '
        'config\'s train_dataloader.dataset')
    p.add_argument(
        '--mask-generator',
        nargs=2,
        metavar=('CONFIG', 'CHECKPOINT'),
        help='mask-conditioned generator, hybrid mode: the masks of this joint generator\'s '
        'samples, their images rendered again by CONFIG/CHECKPOINT of the command')
    p.add_argument(
        '--cutmix-prob',
        type=float,
        default=0.0,
        help='--masks-from: probability of pasting a box of a second layout (CutMix)')
    p.add_argument('--no-rotate', action='store_true', help='--masks-from: no 90° rotations')
    p.add_argument('--no-flip', action='store_true', help='--masks-from: no flips')
    p.add_argument(
        '--guidance-scale',
        type=float,
        default=None,
        help='classifier-free guidance scale s of a mask-conditioned generator (0: '
        'unconditional, 1: conditional; default: the config\'s)')
    p.add_argument(
        '--class-target',
        help='draw candidates per sample and accept them so that D\'s class pixel shares '
        'approach a target: real (D\'s shares, needs --real-config), balanced (1/K each) or '
        'a JSON file (K shares, or {class: share}); see satsynth_mmseg.generation.class_target')
    p.add_argument(
        '--max-candidates', type=int, default=8, help='--class-target: draws per sample at most')
    p.add_argument(
        '--class-target-pilot',
        type=int,
        default=64,
        help='--class-target: samples drawn first to measure the generator\'s own class shares')
    p.add_argument(
        '--report',
        action='store_true',
        help='also write class-distribution statistics (D vs D\') to DIR/report.*')
    p.add_argument(
        '--image-format',
        choices=IMAGE_FORMATS,
        default=None,
        help='file format of the images (default: png for 8-bit 1/3-band images, else tiff)')
    p.add_argument('--no-progress', action='store_true')
    return parse_checked(p, argv, spec_from_args)


def spec_from_args(args) -> GenerateSpec:
    """The :class:`GenerateSpec` of parsed arguments."""
    fields = {f.name for f in dataclasses.fields(GenerateSpec)}
    kw = {k: v for k, v in vars(args).items() if k in fields}
    return GenerateSpec(
        **kw, rotate=not args.no_rotate, flip=not args.no_flip, progress=not args.no_progress)


def main(argv=None):
    args = parse_args(argv)
    try:
        return generate_dprime(spec_from_args(args))
    except SatSynthError as e:
        raise SystemExit(f'error: {e}')
    except OSError as e:  # the output folder: full disk, read-only, permissions
        if e.errno in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT):
            raise SystemExit(
                f'error: cannot write to {args.out}: {e.strerror} ({e.filename or ""}). '
                'Samples already written are complete; nothing partial is left. '
                'Free space or fix permissions, then rerun the same command to resume.')
        raise


if __name__ == '__main__':
    main()
