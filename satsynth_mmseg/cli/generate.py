# Turn a trained generator checkpoint into a synthetic dataset D' that mmseg reads.
"""Usage::

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

Sample ``i`` depends only on ``(SEED, i)`` (and the batch it belongs to, which is fixed by
``--batch-size``): one process, several shards, or an interrupted and rerun command give the
same files. Rerunning the same command resumes; other arguments into the same DIR are refused.
With ``--sr-config/--sr-checkpoint`` every low-resolution sample is upsampled x2 by a
``JointSuperRes`` model (the cascade) before it is written, with the same guarantees; the
manifest then records both checkpoints. ``--interp-scale F`` enlarges every sample F times by
interpolation instead (bilinear image, nearest mask): the baseline the cascade is compared
with (``tools/benchmark_super_res.py``); with the same seed and batch size its low-resolution
samples are exactly the cascade's.

With a mask-conditioned generator the labels of D' are given, not generated:
``--masks-from REAL_CFG`` makes a new layout per sample from the real training masks (random
crop of the generator's size, 90 degree rotation, flips, optionally a CutMix box from a second
mask; label values are kept) and renders its image; ``--mask-generator`` takes the masks of a
joint generator's samples and renders their images again (the hybrid mode; both stages use
``--sampler/--steps`` and continue the same per-sample generators). Layouts depend only on
``(SEED, i)`` like everything else.

Images of 1 or 3 8-bit bands are written as PNG; any other band count, and float generators
(``float_images``: SAR, multispectral), as GeoTIFF (or ``.npy`` with ``--image-format npy``)
of shape (C, H, W). Float images are written in physical units (e.g. dB), mapped back with the
``norm`` of the generator config's ``LoadRasterFromFile``, so the same loading transform reads
real and generated data; ``meta.json`` records the format and the normalisation.
"""
import argparse
import errno
import itertools
import logging
import math
import os
import os.path as osp
from typing import Optional

import numpy as np
import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import init_default_scope

from mmseg.registry import DATASETS
from satsynth_mmseg.datasets import (BandNorm, build_train_dataset, find_raster_loader,
                                     train_dataset_config)
from satsynth_mmseg.datasets.dprime_format import FORMAT_VERSION, DPrimeMeta
from satsynth_mmseg.diffusion import SAMPLER_ALIASES, build_sampler
from satsynth_mmseg.generation import (ImageStorage, InterpolationUpsampler, MaskLayouts,
                                       SyntheticDatasetWriter, check_cascade, dataset_label_maps,
                                       generate_synthetic_dataset, label_statistics, load_generator,
                                       storage_for_generator, write_preview, write_report)
from satsynth_mmseg.generation.class_target import (ClassTarget, measure_generator_share,
                                                    pilot_bound, resolve_target)
from satsynth_mmseg.generation.sampling import draw_pairs
from satsynth_mmseg.utils import ConfigError, SatSynthError


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
        choices=['png', 'tiff', 'npy'],
        default=None,
        help='file format of the images (default: png for 8-bit 1/3-band images, else tiff)')
    p.add_argument('--no-progress', action='store_true')
    args = p.parse_args(argv)
    if args.num_samples is not None and args.num_samples < 1:
        p.error(f'--num-samples must be >= 1, got {args.num_samples}')
    if args.ratio is not None:
        if not (args.ratio > 0 and math.isfinite(args.ratio)):
            p.error(f'--ratio must be a finite number > 0, got {args.ratio}')
        if not (args.real_config or args.masks_from):
            p.error('--ratio needs --real-config (the real training set it multiplies)')
    if args.batch_size < 1:
        p.error('--batch-size must be >= 1')
    if bool(args.sr_config) != bool(args.sr_checkpoint):
        p.error('--sr-config and --sr-checkpoint go together')
    if args.max_candidates < 1 or args.class_target_pilot < 1:
        p.error('--max-candidates and --class-target-pilot must be >= 1')
    if args.masks_from and args.mask_generator:
        p.error('--masks-from and --mask-generator exclude each other')
    if not 0 <= args.cutmix_prob <= 1:
        p.error(f'--cutmix-prob must be in [0, 1], got {args.cutmix_prob}')
    if args.guidance_scale is not None and args.guidance_scale < 0:
        p.error(f'--guidance-scale must be >= 0, got {args.guidance_scale}')
    if (args.masks_from or args.mask_generator) and args.sr_config:
        p.error('--sr-config works with joint generators only (--interp-scale enlarges '
                'rendered pairs too)')
    if args.interp_scale is not None:
        if args.sr_config:
            p.error('--interp-scale and --sr-config exclude each other')
        if args.interp_scale < 1:
            p.error(f'--interp-scale must be >= 1, got {args.interp_scale}')
    return args


def init_distributed(launcher):
    """(rank, world_size, device) for this process."""
    if launcher == 'none':
        return 0, 1, None
    import torch.distributed as dist
    local_rank = int(os.environ.get('LOCAL_RANK', 0))
    if torch.cuda.is_available():
        torch.cuda.set_device(local_rank)
        dist.init_process_group(backend='nccl')
        device = f'cuda:{local_rank}'
    else:
        dist.init_process_group(backend='gloo')
        device = 'cpu'
    return dist.get_rank(), dist.get_world_size(), device


def barrier(world_size):
    if world_size > 1:
        import torch.distributed as dist
        dist.barrier()


def resolve_classes(cfg, model, info) -> dict:
    """The generator's metainfo (classes, palette, label convention), from its checkpoint or
    else its training dataset class."""
    meta = dict(info['dataset_meta'] or {})
    if not meta.get('classes'):
        ds_cls = DATASETS.get(cfg.train_dataloader.dataset.type)
        meta.update(getattr(ds_cls, 'METAINFO', {}))
    if len(meta['classes']) != model.num_classes:
        raise ConfigError(f'{len(meta["classes"])} classes in the metainfo but num_classes='
                          f'{model.num_classes} in the config')
    meta['classes'] = list(meta['classes'])
    return meta


def load_real_dataset(real_config: Optional[str], meta: dict):
    """The real training set D of ``--real-config`` (or None), checked against the
    generator: same classes, and the same label convention as the generator's training data.

    D′ masks are written in D's raw convention; a generator trained with another
    ``reduce_zero_label`` on the same classes means one of the two configs reads the labels
    shifted by one, so the pair is refused rather than silently written.
    """
    if not real_config:
        return None
    real = build_train_dataset(real_config, pipeline=[])
    real_classes = list(real.metainfo['classes'])
    if real_classes != meta['classes']:
        raise ConfigError(f'the real dataset has classes {real_classes}, the generator '
                          f'was trained on {meta["classes"]}')
    trained = meta.get('reduce_zero_label')
    if trained is not None and bool(trained) != bool(real.reduce_zero_label):
        raise ConfigError(
            f'--real-config {real_config} reads its labels with reduce_zero_label='
            f'{bool(real.reduce_zero_label)}, but the generator was trained on data read with '
            f'reduce_zero_label={bool(trained)}: with the same classes one of the two shifts '
            'every class by one. Make the two configs agree')
    return real


def check_real_bands(real_config: Optional[str], model) -> None:
    """Refuse a generator whose band count differs from what the real data's
    ``LoadRasterFromFile`` expects (D′ would not load beside D); read from the config."""
    if not real_config:
        return
    loader = find_raster_loader(train_dataset_config(real_config).get('pipeline'))
    if loader is None:
        return
    norm = BandNorm.build(loader.get('norm'))
    bands = loader.get('num_bands') or (norm.num_bands if norm and norm.num_bands > 1 else None)
    if bands and bands != model.image_channels:
        raise ConfigError(f'the generator makes {model.image_channels}-band images but '
                          f'{real_config} loads {bands}-band rasters')


def build_upsampler(args, model, device):
    """``(super_res, identity fields, output size)`` for the cascade or interpolation."""
    size = list(model.sample_size)
    if args.sr_config:
        sr_model, sr_info = load_generator(
            args.sr_config, args.sr_checkpoint, ema=args.ema, device=device)
        check_cascade(model, sr_model, args.sr_checkpoint)
        _, sr_steps = build_sampler(args.sr_sampler, sr_model.noise_scheduler, args.sr_steps)
        return (dict(model=sr_model, sampler=args.sr_sampler, steps=sr_steps),
                dict(
                    sr_checkpoint_sha256=sr_info['sha256'],
                    sr_weights=sr_info['weights'],
                    sr_sampler=args.sr_sampler,
                    sr_steps=sr_steps), list(sr_model.sample_size))
    if args.interp_scale:
        return (dict(model=InterpolationUpsampler(args.interp_scale)),
                dict(upsample='interpolation',
                     upsample_scale=args.interp_scale), [v * args.interp_scale for v in size])
    return None, {}, size


def load_masks_dataset(masks_from: str, meta: dict):
    """The train set of ``--masks-from``, checked like ``--real-config``; a missing or empty
    split is a one-line error naming the option."""
    try:
        return load_real_dataset(masks_from, meta)
    except (FileNotFoundError, ValueError) as e:
        raise ConfigError(f'--masks-from {masks_from}: {e}') from e


def build_mask_conditioning(args, model, masks_real, device):
    """``(layouts, mask_generator, identity fields)`` for a mask-conditioned generator;
    clear errors when the generator and the options do not go together."""
    conditioned = getattr(model, 'mask_conditioned', False)
    name = type(model).__name__
    if not conditioned:
        if args.masks_from or args.mask_generator or args.guidance_scale is not None:
            raise ConfigError(
                f'{args.config} builds a {name}, which makes its own masks: --masks-from, '
                '--mask-generator and --guidance-scale are for mask-conditioned generators '
                '(e.g. MaskToImageDDPM)')
        return None, None, {}
    if not (args.masks_from or args.mask_generator):
        raise ConfigError(
            f'{args.config} builds a {name}, which renders images for given label maps: '
            'give --masks-from REAL_CFG (new layouts of the real masks) or --mask-generator '
            'CONFIG CHECKPOINT (a joint generator\'s masks)')
    fields = {}
    if hasattr(model, 'guidance_scale'):
        if args.guidance_scale is not None:
            model.guidance_scale = args.guidance_scale
        fields['guidance_scale'] = model.guidance_scale
    elif args.guidance_scale is not None:
        raise ConfigError(f'{args.config} builds a {name}, which has no classifier-free '
                          'guidance: leave out --guidance-scale')
    if args.masks_from:
        layouts = MaskLayouts.from_dataset(
            masks_real,
            model.sample_size,
            source=f'the train set of {args.masks_from}',
            rotate=not args.no_rotate,
            flip=not args.no_flip,
            cutmix_prob=args.cutmix_prob,
            ignore_index=model.ignore_index if model.ignore_index is not None else 255)
        fields.update(
            masks_from=osp.abspath(args.masks_from),
            layout_maps=len(layouts),
            layout_rotate=layouts.rotate,
            layout_flip=layouts.flip,
            layout_cutmix_prob=layouts.cutmix_prob)
        return layouts, None, fields
    cfg_path, ckpt = args.mask_generator
    joint, info = load_generator(cfg_path, ckpt, ema=args.ema, device=device)
    if getattr(joint, 'mask_conditioned', False) or not hasattr(joint, 'sample_size'):
        raise ConfigError(f'--mask-generator {cfg_path} builds a {type(joint).__name__}: the '
                          'hybrid mode needs a joint generator (e.g. JointDDPM) for the masks')
    for key in ('num_classes', 'image_channels'):
        if getattr(joint, key) != getattr(model, key):
            raise ConfigError(f'--mask-generator {ckpt} has {key}={getattr(joint, key)} but the '
                              f'mask-conditioned generator {getattr(model, key)}')
    model.check_size(joint.sample_size, 'the mask generator\'s sample size')
    fields.update(mask_generator_sha256=info['sha256'], mask_generator_weights=info['weights'])
    return None, joint, fields


def build_class_target(args, sampled, meta, real, steps, super_res, layouts, render, rank):
    """The :class:`ClassTarget` of ``--class-target``: the target shares and the
    generator's own, measured on a seeded pilot drawn exactly as D′ is (``sampled`` then
    ``render`` / ``super_res``; the same on every rank, so shards agree)."""
    k = sampled.num_classes
    real_share = None
    if real is not None:
        real_share = label_statistics(dataset_label_maps(real), k)['class_share']
    target = resolve_target(args.class_target, meta['classes'], real_share)

    def draw(seeds):
        return draw_pairs(sampled, seeds, args.sampler, steps, list(sampled.sample_size), super_res,
                          layouts, render)

    pilot = []
    share = measure_generator_share(
        draw,
        args.seed,
        args.class_target_pilot,
        args.batch_size,
        k,
        progress=not args.no_progress and rank == 0,
        histograms=pilot)
    ct = ClassTarget(target, share, max_candidates=args.max_candidates)
    ct.bound = pilot_bound(ct, pilot)
    if rank == 0:
        print('class target: ' + ', '.join(f'{c} {100 * g:.1f} -> {100 * t:.1f} %'
                                           for c, g, t in zip(meta['classes'], share, target)) +
              f' (generator\'s pilot shares -> target; class weights '
              f'{[round(float(w), 2) for w in ct.class_weights]}, acceptance bound '
              f'{ct.bound:.2f})')
    return ct


def image_storage(args, cfg, model) -> ImageStorage:
    """How D' images are written; float images need the pipeline's band normalisation to
    go back to physical units."""
    storage = storage_for_generator(cfg, model, args.image_format)
    if storage.float_images and storage.norm is None:
        print_log(
            'the generator makes float images but its pipeline has no LoadRasterFromFile '
            'norm: images are written in the model\'s normalised units [-1, 1]',
            logger='current',
            level=logging.WARNING)
    return storage


def prepare_writer(out, identity, rank, world_size, storage=None) -> SyntheticDatasetWriter:
    """The output folder, checked against ``identity`` and locked (rank 0 creates it)."""
    writer = SyntheticDatasetWriter(out, identity, rank=rank, storage=storage)
    if rank == 0:
        writer.prepare()
    barrier(world_size)
    if rank != 0:
        writer.prepare()
    return writer


def describe(args, num_samples, size, steps, super_res, info, world_size, device) -> str:
    cascade = ''
    if args.sr_config:
        cascade = (f' (x{super_res["model"].scale} super-resolution: {args.sr_sampler} '
                   f'{super_res["steps"]} steps)')
    else:
        if args.masks_from:
            cascade = f' (images rendered for new layouts of the masks of {args.masks_from})'
        elif args.mask_generator:
            cascade = f' (masks of {args.mask_generator[0]}, images rendered again)'
        if super_res:
            cascade += f' (x{args.interp_scale} by interpolation)'
    return (f'D\' -> {args.out}: {num_samples} pairs of {size[0]}x{size[1]}, '
            f'{args.sampler} {steps} steps{cascade}, seed {args.seed}, {info["weights"]} '
            f'weights, {world_size} process(es) on {device}')


def finish(args,
           writer,
           num_samples,
           identity,
           meta,
           reduce_zero_label,
           summary,
           real,
           display=None):
    """Rank 0: manifest and meta.json, preview, summary line, optional report."""
    out_meta = DPrimeMeta(
        classes=meta['classes'],
        palette=meta.get('palette'),
        reduce_zero_label=reduce_zero_label,
        num_samples=num_samples,
        generation=identity,
        **writer.storage.meta())
    records = writer.finalize(num_samples, out_meta)
    invalid = sum(r['invalid_pixels'] for r in records)
    pixels = sum(r['size'][0] * r['size'][1] for r in records)
    synth = DATASETS.build(dict(type='SyntheticPairsDataset', data_root=args.out, pipeline=[]))
    first = min(16, len(synth))
    preview = write_preview([synth.get_data_info(i)['img_path'] for i in range(first)],
                            list(itertools.islice(dataset_label_maps(synth), first)),
                            meta.get('palette') or [],
                            osp.join(args.out, 'preview.png'),
                            display=display,
                            norm=writer.storage.norm)
    # given masks (--masks-from) carry their own "no label" pixels; generated ones invalid codes
    what = ('unlabelled pixels of the given masks'
            if identity.get('masks_from') else 'invalid codes (>= K)')
    print(f'\nsummary: {summary["generated"]} generated now, {summary["skipped"]} already '
          f'complete, {num_samples} in {args.out}; '
          f'{summary["pairs_per_s"]:.2f} pairs/s this run; {what}: '
          f'{invalid} px ({100 * invalid / max(pixels, 1):.3f} %); preview: {preview}')
    if identity.get('class_target'):
        hist = np.sum([r['class_histogram'] for r in records], axis=0).astype(float)
        target = identity['class_target']['target']
        rejected = sum(r.get('rejected', 0) for r in records)
        print('class target vs D\': ' +
              ', '.join(f'{c} {100 * t:.1f} / {100 * h:.1f} %'
                        for c, t, h in zip(meta['classes'], target, hist / max(hist.sum(), 1))) +
              f'; {rejected} candidates rejected ({rejected / max(len(records), 1):.2f} per pair)')
    if args.report:
        report_dataset(args.out, synth, real, meta['classes'], meta.get('palette'), invalid)


def run(args):
    rank, world_size, device = init_distributed(args.launcher)
    device = args.device or device or ('cuda' if torch.cuda.is_available() else 'cpu')
    cfg = Config.fromfile(args.config)
    model, info = load_generator(cfg, args.checkpoint, ema=args.ema, device=device)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    meta = resolve_classes(cfg, model, info)
    real = load_real_dataset(args.real_config, meta)
    masks_real = None
    if args.masks_from:
        same = real is not None and osp.abspath(args.masks_from) == osp.abspath(args.real_config)
        masks_real = real if same else load_masks_dataset(args.masks_from, meta)
        real = real if real is not None else masks_real
    check_real_bands(args.real_config, model)
    reduce_zero_label = bool(
        real.reduce_zero_label if real is not None else meta.get('reduce_zero_label', False))
    num_samples = args.num_samples
    if args.ratio is not None:
        num_samples = max(1, round(args.ratio * len(real)))
        if not 1 <= args.ratio <= 5:
            print_log(
                f'--ratio {args.ratio} is outside SatSynth\'s 1..5',
                logger='current',
                level=logging.WARNING)
    layouts, mask_generator, mask_identity = build_mask_conditioning(args, model, masks_real,
                                                                     device)
    steps = None  # a GAN has no sampler; in the hybrid mode the joint model has one
    sampled = model if hasattr(model, 'noise_scheduler') else mask_generator
    if sampled is not None:
        _, steps = build_sampler(args.sampler, sampled.noise_scheduler, args.steps)  # validates
    if mask_generator is not None:
        size = list(mask_generator.sample_size)
        super_res, sr_identity = None, {}
    else:
        super_res, sr_identity, size = build_upsampler(args, model, device)
    storage = image_storage(args, cfg, model)
    if super_res is not None and storage.float_images:
        raise ConfigError('--sr-config/--interp-scale work on 8-bit images only; this '
                          'generator makes float images')
    # PNG (today's D') leaves the identity as it was, so older folders still resume
    fmt = {} if storage.format == 'png' else dict(image_format=storage.format)
    identity = dict(
        format_version=FORMAT_VERSION,
        checkpoint_sha256=info['sha256'],
        weights=info['weights'],
        sampler=args.sampler,
        steps=steps,
        seed=args.seed,
        num_samples=num_samples,
        batch_size=args.batch_size,
        size=size,
        num_classes=model.num_classes,
        image_channels=model.image_channels,
        reduce_zero_label=reduce_zero_label,
        device_type=torch.device(device).type,
        **fmt,
        **sr_identity,
        **mask_identity)
    render = None
    if mask_generator is not None:  # hybrid: the joint model samples, ours renders
        render = dict(model=model, sampler=args.sampler, steps=steps)
    sampled = mask_generator or model
    class_target = None
    if args.class_target:
        class_target = build_class_target(args, sampled, meta, real, steps, super_res, layouts,
                                          render, rank)
        identity['class_target'] = class_target.to_dict()
    writer = prepare_writer(args.out, identity, rank, world_size, storage)
    try:
        if rank == 0:
            print(describe(args, num_samples, size, steps, super_res, info, world_size, device))
        summary = generate_synthetic_dataset(
            sampled,
            writer,
            num_samples,
            seed=args.seed,
            sampler=args.sampler,
            steps=steps,
            batch_size=args.batch_size,
            size=list(sampled.sample_size),
            reduce_zero_label=reduce_zero_label,
            record_extra=dict(
                checkpoint_sha256=info['sha256'],
                sampler=args.sampler,
                steps=steps,
                weights=info['weights'],
                **sr_identity,
                **mask_identity),
            rank=rank,
            world_size=world_size,
            progress=not args.no_progress and rank == 0,
            super_res=super_res,
            layouts=layouts,
            render=render,
            class_target=class_target)
        barrier(world_size)
        if rank == 0:
            display = cfg.get('default_hooks', {}).get('sample_grid', {}).get('display')
            finish(args, writer, num_samples, identity, meta, reduce_zero_label, summary, real,
                   display)
    finally:
        writer.release()
    return summary


def report_dataset(out, synth, real, classes, palette, invalid):
    """Class statistics of D' (and D when known) to DIR/report.{md,json,png}."""
    stats = {'D\' (generated)': label_statistics(dataset_label_maps(synth), len(classes))}
    if real is not None:
        stats = {'D (real)': label_statistics(dataset_label_maps(real), len(classes)), **stats}
    paths = write_report(
        classes, stats, osp.join(out, 'report'), palette, extra=dict(invalid_code_pixels=invalid))
    with open(paths['markdown']) as f:
        print(f.read())
    print(f'report: {paths}')


def main(argv=None):
    args = parse_args(argv)
    try:
        return run(args)
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
