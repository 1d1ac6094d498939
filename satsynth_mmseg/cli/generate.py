# Turn a trained generator checkpoint into a synthetic dataset D' that mmseg reads.
"""Usage::

    python tools/generate.py CONFIG CHECKPOINT --out DIR
        (--num-samples N | --ratio R --real-config CFG)
        [--sampler ddpm|ddim|dpm-solver++] [--steps S] [--batch-size B] [--seed SEED]
        [--ema/--no-ema] [--launcher none|pytorch] [--report]
        [--sr-config SR_CFG --sr-checkpoint SR_CKPT [--sr-sampler S] [--sr-steps N]
         | --interp-scale F]

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
"""
import argparse
import errno
import itertools
import logging
import os
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.logging import print_log
from mmengine.registry import init_default_scope

import satsynth_mmseg  # noqa: F401
from mmseg.registry import DATASETS
from satsynth_mmseg.diffusion import SAMPLER_ALIASES, build_sampler
from satsynth_mmseg.generation import (InterpolationUpsampler, SyntheticDatasetWriter,
                                       build_train_dataset, check_cascade, dataset_label_maps,
                                       generate_synthetic_dataset, label_statistics,
                                       load_generator, write_preview, write_report)

FORMAT_VERSION = 1


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Generate a synthetic dataset D\' (image + mask '
                                'pairs) from a trained generator')
    p.add_argument('config', help='generator config')
    p.add_argument('checkpoint', help='generator checkpoint (.pth)')
    p.add_argument('--out', required=True, help='output folder (mmseg layout)')
    n = p.add_mutually_exclusive_group(required=True)
    n.add_argument('--num-samples', type=int, help='number of pairs N')
    n.add_argument('--ratio', type=float,
                   help='pairs per real training sample (SatSynth resampling ratio, 1..5)')
    p.add_argument('--real-config', help='config whose train_dataloader.dataset is the real D '
                   '(needed by --ratio; also used by --report)')
    p.add_argument('--sampler', default='ddim', choices=sorted(SAMPLER_ALIASES))
    p.add_argument('--steps', type=int, default=None,
                   help='sampling steps (default: ddpm all T, ddim 50, dpm-solver++ 20)')
    p.add_argument('--batch-size', type=int, default=16)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--ema', action=argparse.BooleanOptionalAction, default=True,
                   help='use the EMA weights of the checkpoint (default) or the raw ones')
    p.add_argument('--device', default=None, help='default: cuda if available, else cpu')
    p.add_argument('--launcher', choices=['none', 'pytorch'], default='none')
    p.add_argument('--sr-config', help='super-resolution config (JointSuperRes): run the '
                   'cascade, writing pairs upsampled x2')
    p.add_argument('--sr-checkpoint', help='super-resolution checkpoint')
    p.add_argument('--sr-sampler', default='dpm-solver++', choices=sorted(SAMPLER_ALIASES))
    p.add_argument('--sr-steps', type=int, default=None,
                   help='super-resolution sampling steps (default: the sampler\'s)')
    p.add_argument('--interp-scale', type=int, default=None,
                   help='enlarge every sample this many times by interpolation (bilinear '
                   'image, nearest mask) instead of a super-resolution model')
    p.add_argument('--report', action='store_true',
                   help='also write class-distribution statistics (D vs D\') to DIR/report.*')
    p.add_argument('--no-progress', action='store_true')
    args = p.parse_args(argv)
    if args.num_samples is not None and args.num_samples < 1:
        p.error(f'--num-samples must be >= 1, got {args.num_samples}')
    if args.ratio is not None:
        if args.ratio <= 0:
            p.error(f'--ratio must be > 0, got {args.ratio}')
        if not args.real_config:
            p.error('--ratio needs --real-config (the real training set it multiplies)')
    if args.batch_size < 1:
        p.error('--batch-size must be >= 1')
    if bool(args.sr_config) != bool(args.sr_checkpoint):
        p.error('--sr-config and --sr-checkpoint go together')
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


def run(args):
    rank, world_size, device = init_distributed(args.launcher)
    device = args.device or device or ('cuda' if torch.cuda.is_available() else 'cpu')
    cfg = Config.fromfile(args.config)
    model, info = load_generator(cfg, args.checkpoint, ema=args.ema, device=device)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    meta = dict(info['dataset_meta'] or {})
    if not meta.get('classes'):
        ds_cls = DATASETS.get(cfg.train_dataloader.dataset.type)
        meta.update(getattr(ds_cls, 'METAINFO', {}))
    classes = list(meta['classes'])
    if len(classes) != model.num_classes:
        raise ValueError(f'{len(classes)} classes in the metainfo but num_classes='
                         f'{model.num_classes} in the config')
    real = None
    if args.real_config:
        real = build_train_dataset(args.real_config, pipeline=[])
        real_classes = list(real.metainfo['classes'])
        if real_classes != classes:
            raise ValueError(f'the real dataset has classes {real_classes}, the generator '
                             f'was trained on {classes}')
    reduce_zero_label = bool(real.reduce_zero_label if real is not None else
                             meta.get('reduce_zero_label', False))
    num_samples = args.num_samples
    if args.ratio is not None:
        num_samples = max(1, round(args.ratio * len(real)))
        if not 1 <= args.ratio <= 5:
            print_log(f'--ratio {args.ratio} is outside SatSynth\'s 1..5', logger='current',
                      level=logging.WARNING)
    _, steps = build_sampler(args.sampler, model.noise_scheduler, args.steps)  # validates
    size = list(model.sample_size)
    super_res, sr_identity = None, {}
    if args.sr_config:
        sr_model, sr_info = load_generator(args.sr_config, args.sr_checkpoint, ema=args.ema,
                                           device=device)
        check_cascade(model, sr_model, args.sr_checkpoint)
        _, sr_steps = build_sampler(args.sr_sampler, sr_model.noise_scheduler, args.sr_steps)
        super_res = dict(model=sr_model, sampler=args.sr_sampler, steps=sr_steps)
        sr_identity = dict(sr_checkpoint_sha256=sr_info['sha256'], sr_weights=sr_info['weights'],
                           sr_sampler=args.sr_sampler, sr_steps=sr_steps)
        size = list(sr_model.sample_size)
    elif args.interp_scale:
        super_res = dict(model=InterpolationUpsampler(args.interp_scale))
        sr_identity = dict(upsample='interpolation', upsample_scale=args.interp_scale)
        size = [v * args.interp_scale for v in size]
    identity = dict(
        format_version=FORMAT_VERSION, checkpoint_sha256=info['sha256'],
        weights=info['weights'], sampler=args.sampler, steps=steps, seed=args.seed,
        num_samples=num_samples, batch_size=args.batch_size, size=size,
        num_classes=model.num_classes, image_channels=model.image_channels,
        reduce_zero_label=reduce_zero_label, device_type=torch.device(device).type,
        **sr_identity)
    writer = SyntheticDatasetWriter(args.out, identity, rank=rank)
    if rank == 0:
        writer.prepare()
    barrier(world_size)
    if rank != 0:
        writer.prepare()
    if rank == 0:
        cascade = ''
        if args.sr_config:
            cascade = (f' (x{super_res["model"].scale} super-resolution: {args.sr_sampler} '
                       f'{super_res["steps"]} steps)')
        elif super_res:
            cascade = f' (x{args.interp_scale} by interpolation)'
        print(f'D\' -> {args.out}: {num_samples} pairs of {size[0]}x{size[1]}, '
              f'{args.sampler} {steps} steps{cascade}, seed {args.seed}, {info["weights"]} '
              f'weights, {world_size} process(es) on {device}')
    summary = generate_synthetic_dataset(
        model, writer, num_samples, seed=args.seed, sampler=args.sampler, steps=steps,
        batch_size=args.batch_size, size=list(model.sample_size),
        reduce_zero_label=reduce_zero_label,
        record_extra=dict(checkpoint_sha256=info['sha256'], sampler=args.sampler,
                          steps=steps, weights=info['weights'], **sr_identity),
        rank=rank, world_size=world_size, progress=not args.no_progress and rank == 0,
        super_res=super_res)
    barrier(world_size)
    if rank != 0:
        return summary
    out_meta = dict(classes=classes, palette=meta.get('palette'),
                    reduce_zero_label=reduce_zero_label, ignore_index=255,
                    img_dir='img_dir', ann_dir='ann_dir', img_suffix='.png',
                    seg_map_suffix='.png', num_samples=num_samples, generation=identity)
    records = writer.finalize(num_samples, out_meta)
    invalid = sum(r['invalid_pixels'] for r in records)
    pixels = sum(r['size'][0] * r['size'][1] for r in records)
    synth = DATASETS.build(dict(type='SyntheticPairsDataset', data_root=args.out, pipeline=[]))
    first = min(16, len(synth))
    preview = write_preview([synth.get_data_info(i)['img_path'] for i in range(first)],
                            list(itertools.islice(dataset_label_maps(synth), first)),
                            meta.get('palette') or [], osp.join(args.out, 'preview.png'))
    print(f'\nsummary: {summary["generated"]} generated now, {summary["skipped"]} already '
          f'complete, {num_samples} in {args.out}; '
          f'{summary["pairs_per_s"]:.2f} pairs/s this run; invalid codes (>= K): '
          f'{invalid} px ({100 * invalid / max(pixels, 1):.3f} %); preview: {preview}')
    if args.report:
        report_dataset(args.out, synth, real, classes, meta.get('palette'), invalid)
    return summary


def report_dataset(out, synth, real, classes, palette, invalid):
    """Class statistics of D' (and D when known) to DIR/report.{md,json,png}."""
    stats = {'D\' (generated)': label_statistics(dataset_label_maps(synth), len(classes))}
    if real is not None:
        stats = {'D (real)': label_statistics(dataset_label_maps(real), len(classes)),
                 **stats}
    paths = write_report(classes, stats, osp.join(out, 'report'), palette,
                         extra=dict(invalid_code_pixels=invalid))
    print(open(paths['markdown']).read())
    print(f'report: {paths}')


def main(argv=None):
    args = parse_args(argv)
    try:
        return run(args)
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT):
            raise SystemExit(
                f'error: cannot write to {args.out}: {e.strerror} ({e.filename or ""}). '
                'Samples already written are complete; nothing partial is left. '
                'Free space or fix permissions, then rerun the same command to resume.')
        raise SystemExit(f'error: {e}')
    except (ValueError, KeyError, FileExistsError, RuntimeError) as e:
        raise SystemExit(f'error: {e.args[0] if e.args else e}')


if __name__ == '__main__':
    main()
