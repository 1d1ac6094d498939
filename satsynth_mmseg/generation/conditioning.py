"""How a D′ is drawn beyond a plain generator's samples: super-resolution or interpolation
after sampling, label maps for a mask-conditioned generator (new layouts of real masks, or a
joint generator's masks), class-targeted candidates, and the image storage. Used by
:func:`~satsynth_mmseg.generation.pipeline.generate_dprime`.
"""
from __future__ import annotations
import logging
import os.path as osp
from typing import Optional

from mmengine.logging import print_log

from ..datasets.label_stats import dataset_label_maps, label_statistics
from ..diffusion import build_sampler
from ..utils.errors import ConfigError
from .checkpoint import check_cascade, load_generator
from .class_target import ClassTarget, measure_generator_share, pilot_bound, resolve_target
from .image_storage import ImageStorage, storage_for_generator
from .mask_layouts import MaskLayouts
from .sampling import draw_pairs
from .upsample import InterpolationUpsampler


def build_upsampler(spec, model, device):
    """``(super_res, identity fields, output size)`` for the cascade or interpolation."""
    size = list(model.sample_size)
    if spec.sr_config:
        sr_model, sr_info = load_generator(
            spec.sr_config, spec.sr_checkpoint, ema=spec.ema, device=device)
        check_cascade(model, sr_model, spec.sr_checkpoint)
        _, sr_steps = build_sampler(spec.sr_sampler, sr_model.noise_scheduler, spec.sr_steps)
        return (dict(model=sr_model, sampler=spec.sr_sampler, steps=sr_steps),
                dict(
                    sr_checkpoint_sha256=sr_info['sha256'],
                    sr_weights=sr_info['weights'],
                    sr_sampler=spec.sr_sampler,
                    sr_steps=sr_steps), list(sr_model.sample_size))
    if spec.interp_scale:
        return (dict(model=InterpolationUpsampler(spec.interp_scale)),
                dict(upsample='interpolation',
                     upsample_scale=spec.interp_scale), [v * spec.interp_scale for v in size])
    return None, {}, size


def set_guidance(model, scale: Optional[float], config: str) -> dict:
    """Set a guided generator's classifier-free guidance scale (None: keep the config's);
    the identity fields it adds (none for a model without guidance, which refuses a scale)."""
    if not model.supports_guidance:
        if scale is not None:
            raise ConfigError(f'{config} builds a {type(model).__name__}, which has no '
                              'classifier-free guidance: leave out --guidance-scale')
        return {}
    if scale is not None:
        model.guidance_scale = scale
    return dict(guidance_scale=model.guidance_scale)


def layouts_for(model,
                dataset,
                source: str,
                rotate: bool = True,
                flip: bool = True,
                cutmix_prob: float = 0.0) -> MaskLayouts:
    """New label layouts of ``dataset``'s masks at a mask-conditioned ``model``'s size (the
    one set-up ``tools/generate.py --masks-from`` and ``tools/evaluate_generator.py`` share)."""
    return MaskLayouts.from_dataset(
        dataset,
        model.sample_size,
        source=source,
        rotate=rotate,
        flip=flip,
        cutmix_prob=cutmix_prob,
        ignore_index=model.ignore_index if model.ignore_index is not None else 255)


def build_mask_conditioning(spec, model, masks_real, device):
    """``(layouts, mask_generator, identity fields)`` for a mask-conditioned generator;
    clear errors when the generator and the options do not go together."""
    name = type(model).__name__
    if model.conditioning != 'label_map':
        if spec.masks_from or spec.mask_generator or spec.guidance_scale is not None:
            raise ConfigError(
                f'{spec.config} builds a {name}, which makes its own masks: --masks-from, '
                '--mask-generator and --guidance-scale are for mask-conditioned generators '
                '(e.g. MaskToImageDDPM)')
        return None, None, {}
    if not (spec.masks_from or spec.mask_generator):
        raise ConfigError(
            f'{spec.config} builds a {name}, which renders images for given label maps: '
            'give --masks-from REAL_CFG (new layouts of the real masks) or --mask-generator '
            'CONFIG CHECKPOINT (a joint generator\'s masks)')
    fields = set_guidance(model, spec.guidance_scale, spec.config)
    if spec.masks_from:
        layouts = layouts_for(model, masks_real, f'the train set of {spec.masks_from}', spec.rotate,
                              spec.flip, spec.cutmix_prob)
        fields.update(
            masks_from=osp.abspath(spec.masks_from),
            layout_maps=len(layouts),
            layout_rotate=layouts.rotate,
            layout_flip=layouts.flip,
            layout_cutmix_prob=layouts.cutmix_prob)
        return layouts, None, fields
    cfg_path, ckpt = spec.mask_generator
    joint, info = load_generator(cfg_path, ckpt, ema=spec.ema, device=device)
    if joint.conditioning != 'none':
        raise ConfigError(f'--mask-generator {cfg_path} builds a {type(joint).__name__}: the '
                          'hybrid mode needs a joint generator (e.g. JointDDPM) for the masks')
    for key in ('num_classes', 'image_channels'):
        if getattr(joint, key) != getattr(model, key):
            raise ConfigError(f'--mask-generator {ckpt} has {key}={getattr(joint, key)} but the '
                              f'mask-conditioned generator {getattr(model, key)}')
    model.check_size(joint.sample_size, 'the mask generator\'s sample size')
    fields.update(mask_generator_sha256=info['sha256'], mask_generator_weights=info['weights'])
    return None, joint, fields


def build_class_target(spec, sampled, meta, real, steps, super_res, layouts, render, rank):
    """The :class:`ClassTarget` of ``--class-target``: the target shares and the
    generator's own, measured on a seeded pilot drawn exactly as D′ is (``sampled`` then
    ``render`` / ``super_res``; the same on every rank, so shards agree)."""
    k = sampled.num_classes
    real_share = None
    if real is not None:
        real_share = label_statistics(dataset_label_maps(real), k)['class_share']
    target = resolve_target(spec.class_target, meta['classes'], real_share)

    def draw(seeds):
        return draw_pairs(sampled, seeds, spec.sampler, steps, list(sampled.sample_size), super_res,
                          layouts, render)

    pilot = []
    share = measure_generator_share(
        draw,
        spec.seed,
        spec.class_target_pilot,
        spec.batch_size,
        k,
        progress=spec.progress and rank == 0,
        histograms=pilot)
    ct = ClassTarget(target, share, max_candidates=spec.max_candidates)
    ct.bound = pilot_bound(ct, pilot)
    if rank == 0:
        print('class target: ' + ', '.join(f'{c} {100 * g:.1f} -> {100 * t:.1f} %'
                                           for c, g, t in zip(meta['classes'], share, target)) +
              f' (generator\'s pilot shares -> target; class weights '
              f'{[round(float(w), 2) for w in ct.class_weights]}, acceptance bound '
              f'{ct.bound:.2f})')
    return ct


def image_storage(spec, cfg, model) -> ImageStorage:
    """How D' images are written; float images need the pipeline's band normalisation to
    go back to physical units."""
    storage = storage_for_generator(cfg, model, spec.image_format)
    if storage.float_images and storage.norm is None:
        print_log(
            'the generator makes float images but its pipeline has no LoadRasterFromFile '
            'norm: images are written in the model\'s normalised units [-1, 1]',
            logger='current',
            level=logging.WARNING)
    return storage
