# How good are a generator's pairs? Fréchet distance, KID, precision/recall, mask agreement.
"""Usage::

    python tools/evaluate_generator.py GEN_CFG CKPT --real-config REAL_CFG
        [--segmentor-checkpoint SEG_CKPT] [--num-samples 256] [--seeds 0 1 2]
        [--sampler ddim --steps 50] [--inception-weights inception-2015-12-05.pt]
        [--out work_dirs/quality/NAME] [--guidance-scale S]
    python tools/evaluate_generator.py GEN_CFG --dprime DIR --real-config REAL_CFG ...

``REAL_CFG`` is an mmseg segmentor config trained on the real data D (e.g.
``configs/satsynth/*-d-*.py``): its backbone's pooled features are the feature space of the
Fréchet distance, KID and k-NN precision/recall, and its predictions on generated images,
compared with the generated masks, give the mask–image agreement. Give its weights with
``--segmentor-checkpoint``, or the tool trains it first with ``tools/train.py`` (into
``--segmentor-work-dir``; rerunning reuses it). ``--inception-weights`` adds the standard FID
feature space from a local TorchScript InceptionV3 file (it cannot be downloaded here).

Real images are drawn from the generator config's training set through its own pipeline
(crops, flips; seeded), so both sides are at the generator's scale. Every metric is computed
for each sampling seed; ``OUT.md`` has mean ± std, ``OUT.json`` every seed, ``OUT.png`` the
class shares and the per-seed numbers.

A mask-conditioned generator (``MaskToImageDDPM``, ``Pix2PixGAN``) renders images for new
layouts of the generator config's training masks, exactly as ``tools/generate.py
--masks-from`` does for that set; ``--guidance-scale`` sets the diffusion model's
classifier-free guidance.
"""
import argparse
import os
import os.path as osp

from mmengine.registry import init_default_scope

from satsynth_mmseg.datasets import train_dataset_config
from satsynth_mmseg.evaluation.feature_extractors import SegmentorFeatures, build_inception
from satsynth_mmseg.experiments.generator_quality import (evaluate_quality, generated_batches,
                                                          plot_report, report_markdown,
                                                          seeded_dataset_batches)
from satsynth_mmseg.experiments.runs import last_checkpoint, train_model
from satsynth_mmseg.generation import load_generator
from satsynth_mmseg.generation.conditioning import layouts_for, set_guidance
from satsynth_mmseg.utils import ConfigError, SatSynthError, atomic_write_json, atomic_write_text
from satsynth_mmseg.utils.tool_config import read_config


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Generation-quality metrics of a generator')
    p.add_argument('config', help='generator config (its training set is the real reference)')
    p.add_argument('checkpoint', nargs='?', help='generator checkpoint')
    p.add_argument('--dprime', help='evaluate an existing D\' folder instead of sampling')
    p.add_argument('--real-config', required=True, help='segmentor config trained on D')
    p.add_argument('--segmentor-checkpoint', help='its weights (default: train it)')
    p.add_argument('--segmentor-work-dir', help='where to train it (default: work_dirs/NAME)')
    p.add_argument('--num-samples', type=int, default=256, help='generated pairs per seed')
    p.add_argument('--num-real', type=int, help='real crops (default: --num-samples)')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--sampler', default='ddim')
    p.add_argument('--steps', type=int, default=None)
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--k', type=int, default=3, help='neighbours of the precision/recall balls')
    p.add_argument('--inception-weights', help='local TorchScript InceptionV3 (.pt)')
    p.add_argument('--ema', action=argparse.BooleanOptionalAction, default=True)
    p.add_argument(
        '--guidance-scale', type=float, help='classifier-free guidance of a mask-to-image model')
    p.add_argument('--device', default='cpu')
    p.add_argument('--out', help='output prefix (default: work_dirs/quality/<config name>)')
    args = p.parse_args(argv)
    if bool(args.checkpoint) == bool(args.dprime):
        p.error('give a generator CHECKPOINT or --dprime DIR')
    if args.num_samples <= args.k:
        p.error(f'--num-samples must be > --k ({args.k})')
    return args


def segmentor_checkpoint(args) -> str:
    """The given checkpoint, or the last one of training ``--real-config`` (trained now when
    missing)."""
    if args.segmentor_checkpoint:
        return args.segmentor_checkpoint
    work = args.segmentor_work_dir or osp.join('work_dirs',
                                               osp.splitext(osp.basename(args.real_config))[0])
    if train_model(args.real_config, None, work):
        print(f'trained the real-data segmentor {args.real_config} in {work}')
    ckpt = last_checkpoint(work)
    if not ckpt:
        raise ConfigError(f'no segmentor checkpoint in {work}')
    return ckpt


def mask_layouts(args, real_ds, model):
    """``(layouts, description)`` for a mask-conditioned generator (``(None, '')`` for a
    joint one); sets the guidance scale."""
    if model.conditioning != 'label_map':
        if args.guidance_scale is not None:
            raise ConfigError('--guidance-scale is for mask-to-image diffusion models')
        return None, ''
    scale = set_guidance(model, args.guidance_scale, args.config).get('guidance_scale')
    guided = '' if scale is None else f', guidance s = {scale:g}'
    layouts = layouts_for(model, real_ds, source=args.config)
    return layouts, guided + ', images for new layouts of the training masks'


def run(args):
    from mmseg.registry import DATASETS
    cfg = read_config(args.config, 'generator config')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    real_cfg = train_dataset_config(args.config)  # the labelled pairs, without a pool
    real_ds = DATASETS.build(real_cfg)
    classes = list(real_ds.metainfo['classes'])
    seg = SegmentorFeatures.from_config(args.real_config, segmentor_checkpoint(args), args.device)
    inception = build_inception(args.inception_weights, args.device)
    n_real = args.num_real or args.num_samples

    def real():
        return seeded_dataset_batches(real_ds, n_real, args.batch_size, seed=12345)

    if args.dprime:
        loaders = [
            t for t in real_cfg['pipeline']
            if t['type'] in ('LoadImageFromFile', 'LoadAnnotations', 'LoadRasterFromFile',
                             'LoadRasterAnnotations')
        ]
        synth = DATASETS.build(
            dict(
                type='SyntheticPairsDataset',
                data_root=args.dprime,
                pipeline=loaders + [dict(type='PackSegInputs')]))
        n = min(args.num_samples, len(synth))
        seeds = [0]
        fake = lambda seed: seeded_dataset_batches(synth, n, args.batch_size)  # noqa: E731
        what = f'D\' folder {args.dprime} ({n} pairs)'
    else:
        model, info = load_generator(cfg, args.checkpoint, ema=args.ema, device=args.device)
        seeds = args.seeds
        layouts, guided = mask_layouts(args, real_ds, model)
        fake = lambda seed: generated_batches(  # noqa: E731
            model, args.num_samples, seed, args.batch_size, args.sampler, args.steps, layouts)
        what = (f'{args.checkpoint} ({info["weights"]} weights, {args.sampler}'
                f'{f" {args.steps} steps" if args.steps else ""}{guided})')
    report = evaluate_quality(
        real, fake, seeds, seg, classes, inception=inception, k=args.k, progress=print)
    out = args.out or osp.join('work_dirs', 'quality', osp.splitext(osp.basename(args.config))[0])
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    header = (f'Generation quality of {what} against {report.num_real} real crops of '
              f'`{osp.basename(args.config)}`\'s training set; feature space: the real-data '
              f'segmentor `{osp.basename(args.real_config)}`'
              f'{" and InceptionV3" if inception else ""}; mean ± std over seeds {seeds}.')
    md = report_markdown(report, header)
    atomic_write_text(out + '.md', md)
    atomic_write_json(out + '.json', dict(report.to_dict(), generator=what, command=vars(args)))
    plot_report(report, out + '.png', osp.basename(args.config))
    print(md)
    print(f'written: {out}.md, {out}.json, {out}.png')
    return report


def main(argv=None):
    args = parse_args(argv)
    try:
        return run(args)
    except SatSynthError as e:
        raise SystemExit(f'error: {e}')


if __name__ == '__main__':
    main()
