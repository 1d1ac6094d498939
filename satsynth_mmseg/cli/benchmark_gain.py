# SatSynth's experiment: does training on D u D' beat training on D alone?
"""Usage::

    python tools/benchmark_gain.py [--preset PRESET]   (dubai-cpu, dubai-cpu-64, dubai-gpu,
        procedural-cpu, sen1floods11-cpu)
        [--work-dir DIR] [--seeds 0 1 2] [--ratios 1 2] [--sampler ddim --steps 25]
        [--generator-checkpoint CKPT] [--seg-iters N] [--results NAME]
        [--generator joint mask2img pix2pix hybrid] [--mask2img-config CFG]
        [--mask2img-checkpoint C] [--pix2pix-config CFG] [--pix2pix-checkpoint C]
        [--guidance-scale S]

Stages (each resumable: rerunning the command skips what is finished):

1. data: convert the real data (Dubai from ``--raw-dir``) or paint the procedural scenes;
2. generator: train it with ``tools/train.py`` (``--resume``), unless a checkpoint is given;
3. D': ``tools/generate.py`` writes ``ceil(max(R) * |D|)`` pairs (deterministic, resumable);
4. segmentors: the same config, schedule and seeds trained on D (R = 0), on D u D' for every
   R in ``--ratios`` (``AugmentedDataset``) and on D' alone, each in its own process, then
   tested on the real val split with per-class IoU; with ``--generator`` also (or instead)
   D' of a mask-to-image generator: ``mask2img`` renders images for new layouts of the real
   masks (``tools/generate.py --masks-from``), ``hybrid`` for the joint generator's masks
   (``--mask-generator``); one row per generator, same segmentor and seeds;
5. report: ``DIR/gain.md`` (mean +- std over seeds of mIoU and per-class IoU),
   ``DIR/gain.json`` (every run, stage timings) and ``DIR/gain.png`` (mIoU against R).

The stages are :mod:`satsynth_mmseg.experiments`; this is their command line.
"""
import argparse
import sys

from satsynth_mmseg.experiments.augmentation import AUGMENTATIONS
from satsynth_mmseg.experiments.gain import DEFAULT_RAW_DIR, GENERATORS, PRESETS, GainExperiment


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Downstream mIoU of a segmentor trained on D, '
                                'D u D\' (per ratio R) and D\' only, over several seeds')
    p.add_argument('--preset', choices=sorted(PRESETS), default='dubai-cpu')
    p.add_argument('--work-dir', help='default: work_dirs/gain_<preset>')
    p.add_argument(
        '--raw-dir',
        default=None,
        help=f'raw data to convert (default: the preset\'s; {DEFAULT_RAW_DIR} for dubai-*)')
    p.add_argument('--data-root', help='converted real data (default: the preset\'s)')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument(
        '--ratios',
        type=float,
        nargs='+',
        default=[1.0, 2.0],
        help='generated pairs per real sample for the D u D\' runs')
    p.add_argument(
        '--dprime-pairs',
        type=int,
        help='pairs in each D\' (default: ceil(max R x |D|)); a larger D\' than a run\'s '
        'R x |D| synthetic slots is drawn from at random, e.g. --ratios 0.5 with the D\' of R = 1')
    p.add_argument('--generator-config', help='default: the preset\'s')
    p.add_argument('--generator-checkpoint', help='skip generator training, use this')
    p.add_argument('--generator-iters', type=int, help='override the generator\'s max_iters')
    p.add_argument('--sampler', help='D\' sampler (default: the preset\'s)')
    p.add_argument('--steps', type=int, help='D\' sampling steps (default: the preset\'s)')
    p.add_argument('--seg-iters', type=int, help='override the segmentors\' max_iters')
    p.add_argument('--no-dprime-only', action='store_true', help='skip the D\'-only runs')
    p.add_argument(
        '--augmentations',
        nargs='+',
        default=[],
        choices=sorted(AUGMENTATIONS),
        help='also train D with each classical augmentation, with the two best '
        'combined, and D u D\' (first R) with the strongest (SatSynth Table 5)')
    p.add_argument(
        '--filter-alpha',
        type=float,
        help='also filter every generator\'s D\' (FreeMask, tools/filter_synthetic.py, with the D '
        'segmentor of the first seed) and train on D u D\'(filtered) for every R')
    p.add_argument(
        '--synthetic-sampler',
        nargs='+',
        default=[],
        choices=['rare_class', 'hardness'],
        help='also train on D u D\' with each generator\'s D\' resampled (AugmentedDataset '
        'synthetic_sampler): '
        'rare_class weights pairs by D\'s rare classes, hardness by the D segmentor\'s loss '
        '(needs --filter-alpha; FreeMask\'s filtered + resampled)')
    p.add_argument(
        '--class-target',
        help='also draw D\' with tools/generate.py --class-target (real, balanced or a JSON '
        'file) and train on D u D\' of it')
    p.add_argument(
        '--filter-ensemble',
        action='store_true',
        help='with --filter-alpha: filter with the ensemble of the D segmentors of every seed '
        '(mean softmax) instead of the first seed\'s alone')
    p.add_argument(
        '--filter-checkpoint',
        nargs='+',
        default=[],
        metavar='CKPT',
        help='with --filter-alpha: filter with these segmentor checkpoints (of D\'s segmentor '
        'config, e.g. trained longer or with augmentation; several: their ensemble) instead of '
        'the first seed\'s D run')
    p.add_argument(
        '--filter-min-agreement', type=float, help='with --filter-alpha: drop pairs below it')
    p.add_argument(
        '--filter-rule',
        choices=['dprime-means', 'freemask'],
        default='dprime-means',
        help='with --filter-alpha: where the class-mean losses come from: dprime-means (over '
        'D\', the rule of every results file so far) or freemask (FreeMask\'s: the real '
        'training images)')
    p.add_argument(
        '--filter-rounds',
        type=int,
        default=1,
        help='with --filter-alpha: filter the same D\' again N - 1 times, each round with the '
        'segmentor(s) of the previous round\'s D u D\'(filtered) runs, and train on each')
    p.add_argument(
        '--generator',
        nargs='+',
        default=['joint'],
        choices=list(GENERATORS),
        help='how D\' is made: joint (image + mask pairs), mask2img / pix2pix (images by the '
        'SDM-style diffusion model / the GAN for new layouts of the real masks), hybrid '
        '(images by the diffusion model for the joint generator\'s masks); several compare them')
    p.add_argument(
        '--filter-generators',
        nargs='+',
        choices=list(GENERATORS),
        help='with --filter-alpha: filter and resample the D\' of these --generator kinds only '
        '(default: of every one)')
    p.add_argument(
        '--skip-variants',
        nargs='+',
        default=[],
        metavar='VARIANT',
        help='D u D\' variants not to train, named as in the table\'s JSON (e.g. "D u D\' '
        'pix2pix filtered"); their D\' is still made when another variant reads it')
    p.add_argument(
        '--combine',
        action='store_true',
        help='also train on D u D\' with the D\' of all --generator kinds together (the '
        'filtered ones with --filter-alpha): R |D| slots drawn from all their pairs')
    p.add_argument(
        '--conditional-scale',
        choices=['generator', 'data'],
        default='generator',
        help='where the mask2img / pix2pix generators work at a preset whose generator data has '
        'another scale than D (dubai-cpu-64): generator (default: trained on the generator data, '
        'layouts of its masks, D\' enlarged like the joint one) or data (trained on D, layouts '
        'of D\'s masks, D\' as rendered; give a config of D\'s crop size)')
    p.add_argument(
        '--layout-cutmix-prob',
        type=float,
        default=0.0,
        help='mask2img / pix2pix layouts: probability of pasting a box of a second real mask '
        '(tools/generate.py --cutmix-prob): new label geometry, not only new images')
    p.add_argument('--mask2img-config', help='mask-to-image config (default: the preset\'s)')
    p.add_argument('--mask2img-checkpoint', help='skip its training, use this checkpoint')
    p.add_argument('--pix2pix-config', help='pix2pix config (default: the preset\'s)')
    p.add_argument('--pix2pix-checkpoint', help='skip its training, use this checkpoint')
    p.add_argument(
        '--guidance-scale', type=float, help='classifier-free guidance of the mask-to-image model')
    p.add_argument(
        '--pretrain-finetune',
        action='store_true',
        help='also pretrain each seed\'s segmentor on the first generator\'s D\' alone '
        '(filtered when filtering) and fine-tune it (D\' as pretraining)')
    p.add_argument(
        '--finetune-on',
        nargs='+',
        choices=('d', 'mix'),
        default=['d'],
        help='with --pretrain-finetune, what the pretrained segmentor is fine-tuned on: d (D '
        'alone, default), mix (D u that D\' at the first R, uniform and each '
        '--synthetic-sampler), or both')
    p.add_argument(
        '--results', help='also copy gain.{md,json,png} to '
        'benchmarks/results/<RESULTS>.*')
    args = p.parse_args(argv)
    if any(r <= 0 for r in args.ratios):
        p.error('--ratios must be > 0 (R = 0 is the D baseline, always run)')
    if args.dprime_pairs is not None and args.dprime_pairs <= 0:
        p.error('--dprime-pairs must be > 0')
    if len(set(args.seeds)) < len(args.seeds):
        p.error('--seeds must be distinct')
    return args


def main(argv=None):
    args = parse_args(argv)
    experiment = GainExperiment(
        preset=args.preset,
        work_dir=args.work_dir,
        raw_dir=args.raw_dir,
        data_root=args.data_root,
        seeds=args.seeds,
        ratios=args.ratios,
        dprime_pairs=args.dprime_pairs,
        generator_config=args.generator_config,
        generator_checkpoint=args.generator_checkpoint,
        generator_iters=args.generator_iters,
        sampler=args.sampler,
        steps=args.steps,
        seg_iters=args.seg_iters,
        dprime_only=not args.no_dprime_only,
        augmentations=args.augmentations,
        filter_alpha=args.filter_alpha,
        filter_min_agreement=args.filter_min_agreement,
        filter_rule=args.filter_rule,
        filter_ensemble=args.filter_ensemble,
        filter_rounds=args.filter_rounds,
        filter_checkpoints=args.filter_checkpoint,
        generators=list(dict.fromkeys(args.generator)),
        filter_generators=args.filter_generators,
        skip_variants=args.skip_variants,
        mask2img_config=args.mask2img_config,
        mask2img_checkpoint=args.mask2img_checkpoint,
        pix2pix_config=args.pix2pix_config,
        pix2pix_checkpoint=args.pix2pix_checkpoint,
        guidance_scale=args.guidance_scale,
        synthetic_samplers=args.synthetic_sampler,
        class_target=args.class_target,
        combine=args.combine,
        conditional_scale=args.conditional_scale,
        layout_cutmix_prob=args.layout_cutmix_prob,
        pretrain_finetune=args.pretrain_finetune,
        finetune_on=args.finetune_on,
        results=args.results,
        command=' '.join(sys.argv))
    return experiment.run()


if __name__ == '__main__':
    main()
