"""Generator checkpoint -> D′ folder: the library side of ``tools/generate.py``.

:class:`GenerateSpec` says what to make; :func:`generate_dprime` makes it, with every check
the command line has ever done (classes, label convention and bands against the real data,
the cascade's and the mask generator's fit, the output folder's identity), and returns a
:class:`GenerateResult`. The command line parses its arguments into a spec and calls it;
experiments and recipes build the spec themselves and call it in-process.

Sample ``i`` depends only on ``(seed, i)`` (and the batch it belongs to, which ``batch_size``
fixes): one process, several ``torchrun`` shards, or an interrupted and rerun call give the
same files. A rerun into the same folder resumes; other arguments are refused.
"""
from __future__ import annotations
import dataclasses
import itertools
import logging
import math
import os.path as osp
from typing import Optional, Sequence

import numpy as np
import torch
from mmengine.logging import print_log
from mmengine.registry import init_default_scope

from mmseg.registry import DATASETS
from ..datasets.dprime_format import FORMAT_VERSION, DPrimeMeta, mask_ignore_index
from ..datasets.label_stats import dataset_label_maps, label_statistics
from ..diffusion import SAMPLER_ALIASES, build_sampler
from ..utils.dist import barrier, init_distributed
from ..utils.errors import ConfigError
from ..utils.tool_config import read_config
from .analysis import write_comparison, write_preview, write_report
from .checkpoint import load_generator
from .conditioning import (build_class_target, build_mask_conditioning, build_upsampler,
                           image_storage)
from .generate import generate_synthetic_dataset
from .real_data import check_real_bands, load_masks_dataset, load_real_dataset, resolve_classes
from .writer import SyntheticDatasetWriter

IMAGE_FORMATS = ('png', 'tiff', 'npy')


@dataclasses.dataclass
class GenerateSpec:
    """What D′ to make (the arguments of ``tools/generate.py``, which documents each).

    Attributes:
        config, checkpoint: the generator.
        out: the D′ folder.
        num_samples: N pairs; or ``ratio`` x the real training set of ``real_config``.
        real_config: config whose ``train_dataloader.dataset`` is D (classes, convention and
            bands are checked against it; needed by ``ratio``, used by ``report``).
        sampler, steps: how to sample (steps default: the sampler's).
        batch_size, seed: fix every sample (see the module docstring).
        ema: the checkpoint's EMA weights (default) or the raw ones.
        device: default cuda if available, else cpu. launcher: ``'none'`` or ``'pytorch'``.
        sr_config, sr_checkpoint, sr_sampler, sr_steps: the x2 super-resolution cascade.
        interp_scale: enlarge by interpolation instead.
        masks_from: a mask-conditioned generator renders images for new layouts of the masks
            of this config's training set (``cutmix_prob``, ``rotate``, ``flip``).
        mask_generator: ``(config, checkpoint)`` of a joint generator whose masks it renders.
        guidance_scale: classifier-free guidance (default: the config's).
        class_target, max_candidates, class_target_pilot: class-targeted candidates.
        report: class statistics D vs D′ in ``out/report.*``.
        image_format: ``png`` / ``tiff`` / ``npy`` (default by band count and dtype).
        progress: progress bars.
    """
    config: str
    checkpoint: str
    out: str
    num_samples: Optional[int] = None
    ratio: Optional[float] = None
    real_config: Optional[str] = None
    sampler: str = 'ddim'
    steps: Optional[int] = None
    batch_size: int = 16
    seed: int = 0
    ema: bool = True
    device: Optional[str] = None
    launcher: str = 'none'
    sr_config: Optional[str] = None
    sr_checkpoint: Optional[str] = None
    sr_sampler: str = 'dpm-solver++'
    sr_steps: Optional[int] = None
    interp_scale: Optional[int] = None
    masks_from: Optional[str] = None
    mask_generator: Optional[Sequence[str]] = None
    cutmix_prob: float = 0.0
    rotate: bool = True
    flip: bool = True
    guidance_scale: Optional[float] = None
    class_target: Optional[str] = None
    max_candidates: int = 8
    class_target_pilot: int = 64
    report: bool = False
    image_format: Optional[str] = None
    progress: bool = True

    def validate(self) -> 'GenerateSpec':
        """Refuse values and combinations that cannot work, before anything is written.

        Raises:
            ConfigError: naming the option (as ``--option``) and the value at fault.
        """
        if (self.num_samples is None) == (self.ratio is None):
            raise ConfigError('give exactly one of --num-samples and --ratio')
        if self.num_samples is not None and self.num_samples < 1:
            raise ConfigError(f'--num-samples must be >= 1, got {self.num_samples}')
        if self.ratio is not None:
            if not (self.ratio > 0 and math.isfinite(self.ratio)):
                raise ConfigError(f'--ratio must be a finite number > 0, got {self.ratio}')
            if not (self.real_config or self.masks_from):
                raise ConfigError('--ratio needs --real-config (the real training set it '
                                  'multiplies)')
        if self.seed < 0:
            raise ConfigError(f'--seed must be >= 0, got {self.seed}')
        for name in ('sampler', 'sr_sampler'):
            if getattr(self, name) not in SAMPLER_ALIASES:
                raise ConfigError(f'--{name.replace("_", "-")} {getattr(self, name)!r} is not '
                                  f'one of {sorted(SAMPLER_ALIASES)}')
        if self.image_format is not None and self.image_format not in IMAGE_FORMATS:
            raise ConfigError(f'--image-format must be one of {IMAGE_FORMATS}')
        if self.batch_size < 1:
            raise ConfigError('--batch-size must be >= 1')
        if bool(self.sr_config) != bool(self.sr_checkpoint):
            raise ConfigError('--sr-config and --sr-checkpoint go together')
        if self.max_candidates < 1 or self.class_target_pilot < 1:
            raise ConfigError('--max-candidates and --class-target-pilot must be >= 1')
        if self.masks_from and self.mask_generator:
            raise ConfigError('--masks-from and --mask-generator exclude each other')
        if not 0 <= self.cutmix_prob <= 1:
            raise ConfigError(f'--cutmix-prob must be in [0, 1], got {self.cutmix_prob}')
        if self.guidance_scale is not None and self.guidance_scale < 0:
            raise ConfigError(f'--guidance-scale must be >= 0, got {self.guidance_scale}')
        if (self.masks_from or self.mask_generator) and self.sr_config:
            raise ConfigError('--sr-config works with joint generators only (--interp-scale '
                              'enlarges rendered pairs too)')
        if self.interp_scale is not None:
            if self.sr_config:
                raise ConfigError('--interp-scale and --sr-config exclude each other')
            if self.interp_scale < 1:
                raise ConfigError(f'--interp-scale must be >= 1, got {self.interp_scale}')
        return self


@dataclasses.dataclass
class GenerateResult:
    """What :func:`generate_dprime` did (this process's share with several ranks).

    Attributes:
        out: the D′ folder. num_samples: pairs it holds when finished.
        generated, skipped: pairs written now / found complete.
        seconds, pairs_per_s: wall time of the sampling and its rate.
        invalid_pixels, pixels: invalid codes (>= K) among the pixels generated now.
    """
    out: str
    num_samples: int
    generated: int
    skipped: int
    seconds: float
    pairs_per_s: float
    invalid_pixels: int
    pixels: int

    def __getitem__(self, key):  # the dict the command line returned before
        return getattr(self, key)


def prepare_writer(out, identity, rank, world_size, storage=None) -> SyntheticDatasetWriter:
    """The output folder, checked against ``identity`` and locked (rank 0 creates it)."""
    writer = SyntheticDatasetWriter(out, identity, rank=rank, storage=storage)
    if rank == 0:
        writer.prepare()
    barrier(world_size)
    if rank != 0:
        writer.prepare()
    return writer


def describe(spec, num_samples, size, steps, super_res, info, world_size, device) -> str:
    cascade = ''
    if spec.sr_config:
        cascade = (f' (x{super_res["model"].scale} super-resolution: {spec.sr_sampler} '
                   f'{super_res["steps"]} steps)')
    else:
        if spec.masks_from:
            cascade = f' (images rendered for new layouts of the masks of {spec.masks_from})'
        elif spec.mask_generator:
            cascade = f' (masks of {spec.mask_generator[0]}, images rendered again)'
        if super_res:
            cascade += f' (x{spec.interp_scale} by interpolation)'
    return (f'D\' -> {spec.out}: {num_samples} pairs of {size[0]}x{size[1]}, '
            f'{spec.sampler} {steps} steps{cascade}, seed {spec.seed}, {info["weights"]} '
            f'weights, {world_size} process(es) on {device}')


def finish(spec,
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
        ignore_index=mask_ignore_index(len(meta['classes'])),
        num_samples=num_samples,
        generation=identity,
        **writer.storage.meta())
    records = writer.finalize(num_samples, out_meta)
    invalid = sum(r['invalid_pixels'] for r in records)
    pixels = sum(r['size'][0] * r['size'][1] for r in records)
    synth = DATASETS.build(dict(type='SyntheticPairsDataset', data_root=spec.out, pipeline=[]))
    first = min(16, len(synth))
    preview = write_preview([synth.get_data_info(i)['img_path'] for i in range(first)],
                            list(itertools.islice(dataset_label_maps(synth), first)),
                            meta.get('palette') or [],
                            osp.join(spec.out, 'preview.png'),
                            display=display,
                            norm=writer.storage.norm,
                            classes=meta.get('classes'))
    if real is not None and synth.metainfo.get('palette'):
        # real | generated with the masks overlaid, where the real data is known (8-bit RGB)
        try:
            preview += ', ' + write_comparison(real, synth,
                                               osp.join(spec.out, 'real_vs_generated.png'))
        except ValueError as e:
            print(f'no real | generated picture: {e}')
    # given masks (--masks-from) carry their own "no label" pixels; generated ones invalid codes
    what = ('unlabelled pixels of the given masks'
            if identity.get('masks_from') else 'invalid codes (>= K)')
    print(f'\nsummary: {summary["generated"]} generated now, {summary["skipped"]} already '
          f'complete, {num_samples} in {spec.out}; '
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
    if spec.report:
        report_dataset(spec.out, synth, real, meta['classes'], meta.get('palette'), invalid)


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


def generate_dprime(spec: GenerateSpec) -> GenerateResult:
    """Make (or resume, or check) the D′ folder ``spec.out`` (see the module docstring).

    Raises:
        ConfigError, DataError, CheckpointError, FolderMismatchError, FolderLockedError: one
            line naming the file or option at fault; nothing is written before the checks.
    """
    spec.validate()
    rank, world_size, device = init_distributed(spec.launcher)
    device = spec.device or device or ('cuda' if torch.cuda.is_available() else 'cpu')
    cfg = read_config(spec.config, 'generator config')
    model, info = load_generator(cfg, spec.checkpoint, ema=spec.ema, device=device)
    if model.conditioning == 'low_res_pair':
        raise ConfigError(f'{spec.config} builds a {type(model).__name__}, which enlarges the '
                          'pairs of another generator: give that joint generator as CONFIG '
                          'CHECKPOINT and this one as --sr-config / --sr-checkpoint')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    meta = resolve_classes(cfg, model, info)
    real = load_real_dataset(spec.real_config, meta)
    masks_real = None
    if spec.masks_from:
        same = real is not None and osp.abspath(spec.masks_from) == osp.abspath(spec.real_config)
        masks_real = real if same else load_masks_dataset(spec.masks_from, meta)
        real = real if real is not None else masks_real
    check_real_bands(spec.real_config, model)
    reduce_zero_label = bool(
        real.reduce_zero_label if real is not None else meta.get('reduce_zero_label', False))
    num_samples = spec.num_samples
    if spec.ratio is not None:
        num_samples = max(1, round(spec.ratio * len(real)))
        if not 1 <= spec.ratio <= 5:
            print_log(
                f'--ratio {spec.ratio} is outside SatSynth\'s 1..5',
                logger='current',
                level=logging.WARNING)
    layouts, mask_generator, mask_identity = build_mask_conditioning(spec, model, masks_real,
                                                                     device)
    steps = None  # a GAN has no sampler; in the hybrid mode the joint model has one
    sampled = model if model.has_sampler else mask_generator
    if sampled is not None:
        _, steps = build_sampler(spec.sampler, sampled.noise_scheduler, spec.steps)  # validates
    if mask_generator is not None:
        size = list(mask_generator.sample_size)
        super_res, sr_identity = None, {}
    else:
        super_res, sr_identity, size = build_upsampler(spec, model, device)
    storage = image_storage(spec, cfg, model)
    if super_res is not None and storage.float_images:
        raise ConfigError('--sr-config/--interp-scale work on 8-bit images only; this '
                          'generator makes float images')
    # PNG (today's D') leaves the identity as it was, so older folders still resume
    fmt = {} if storage.format == 'png' else dict(image_format=storage.format)
    identity = dict(
        format_version=FORMAT_VERSION,
        checkpoint_sha256=info['sha256'],
        weights=info['weights'],
        sampler=spec.sampler,
        steps=steps,
        seed=spec.seed,
        num_samples=num_samples,
        batch_size=spec.batch_size,
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
        render = dict(model=model, sampler=spec.sampler, steps=steps)
    sampled = mask_generator or model
    class_target = None
    if spec.class_target:
        class_target = build_class_target(spec, sampled, meta, real, steps, super_res, layouts,
                                          render, rank)
        identity['class_target'] = class_target.to_dict()
    writer = prepare_writer(spec.out, identity, rank, world_size, storage)
    try:
        if rank == 0:
            print(describe(spec, num_samples, size, steps, super_res, info, world_size, device))
        summary = generate_synthetic_dataset(
            sampled,
            writer,
            num_samples,
            seed=spec.seed,
            sampler=spec.sampler,
            steps=steps,
            batch_size=spec.batch_size,
            size=list(sampled.sample_size),
            reduce_zero_label=reduce_zero_label,
            record_extra=dict(
                checkpoint_sha256=info['sha256'],
                sampler=spec.sampler,
                steps=steps,
                weights=info['weights'],
                **sr_identity,
                **mask_identity),
            rank=rank,
            world_size=world_size,
            progress=spec.progress and rank == 0,
            super_res=super_res,
            layouts=layouts,
            render=render,
            class_target=class_target)
        barrier(world_size)
        if rank == 0:
            display = cfg.get('default_hooks', {}).get('sample_grid', {}).get('display')
            finish(spec, writer, num_samples, identity, meta, reduce_zero_label, summary, real,
                   display)
    finally:
        writer.release()
    return GenerateResult(out=spec.out, num_samples=num_samples, **summary)
