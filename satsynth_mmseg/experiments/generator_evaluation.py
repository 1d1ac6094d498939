"""``tools/evaluate_generator.py`` as a library call: a generator checkpoint (or a D′ folder)
against its config's real training crops, in the features of a segmentor trained on D
(trained first when no checkpoint is given), per sampling seed; the metrics themselves are
:mod:`.generator_quality`."""
from __future__ import annotations
import dataclasses
import os
import os.path as osp
from typing import List, Optional

from ..datasets import train_dataset_config
from ..evaluation.feature_extractors import SegmentorFeatures, build_inception
from ..generation import load_generator
from ..generation.conditioning import layouts_for, set_guidance
from ..utils.atomic_io import atomic_write_json, atomic_write_text
from ..utils.errors import ConfigError
from ..utils.tool_config import read_config
from .generator_quality import (QualityReport, evaluate_quality, generated_batches, plot_report,
                                report_markdown, seeded_dataset_batches)
from .runs import last_checkpoint, train_model


@dataclasses.dataclass
class GeneratorEvalSpec:
    """What ``tools/evaluate_generator.py`` measures (its flags; see its ``--help``).

    Attributes:
        config: the generator config (its training set is the real reference).
        checkpoint: the generator checkpoint, or None with ``dprime``.
        dprime: evaluate this D′ folder instead of sampling.
        real_config: a segmentor config trained on D (its features and predictions).
        segmentor_checkpoint: its weights (None: train it into ``segmentor_work_dir``).
        num_samples, num_real: generated pairs per seed, real crops (None: ``num_samples``).
        seeds: sampling seeds; sampler, steps, batch_size, ema: how pairs are drawn.
        k: neighbours of the precision/recall balls.
        inception_weights: a local TorchScript InceptionV3 file for the FID feature space.
        guidance_scale: classifier-free guidance of a mask-to-image model.
        device: where the networks run; out: output prefix (default
            ``work_dirs/quality/<config name>``).
    """
    config: str
    real_config: str
    checkpoint: Optional[str] = None
    dprime: Optional[str] = None
    segmentor_checkpoint: Optional[str] = None
    segmentor_work_dir: Optional[str] = None
    num_samples: int = 256
    num_real: Optional[int] = None
    seeds: List[int] = dataclasses.field(default_factory=lambda: [0, 1, 2])
    sampler: str = 'ddim'
    steps: Optional[int] = None
    batch_size: int = 32
    k: int = 3
    inception_weights: Optional[str] = None
    ema: bool = True
    guidance_scale: Optional[float] = None
    device: str = 'cpu'
    out: Optional[str] = None

    def __post_init__(self):
        if bool(self.checkpoint) == bool(self.dprime):
            raise ConfigError('give a generator CHECKPOINT or --dprime DIR')
        if self.num_samples <= self.k:
            raise ConfigError(f'--num-samples must be > --k ({self.k})')


def segmentor_checkpoint(spec: GeneratorEvalSpec) -> str:
    """The given checkpoint, or the last one of training ``--real-config`` (trained now when
    missing)."""
    if spec.segmentor_checkpoint:
        return spec.segmentor_checkpoint
    work = spec.segmentor_work_dir or osp.join('work_dirs',
                                               osp.splitext(osp.basename(spec.real_config))[0])
    if train_model(spec.real_config, None, work):
        print(f'trained the real-data segmentor {spec.real_config} in {work}')
    ckpt = last_checkpoint(work)
    if not ckpt:
        raise ConfigError(f'no segmentor checkpoint in {work}')
    return ckpt


def mask_layouts(spec: GeneratorEvalSpec, real_ds, model):
    """``(layouts, description)`` for a mask-conditioned generator (``(None, '')`` for a
    joint one); sets the guidance scale."""
    if model.conditioning != 'label_map':
        if spec.guidance_scale is not None:
            raise ConfigError('--guidance-scale is for mask-to-image diffusion models')
        return None, ''
    scale = set_guidance(model, spec.guidance_scale, spec.config).get('guidance_scale')
    guided = '' if scale is None else f', guidance s = {scale:g}'
    layouts = layouts_for(model, real_ds, source=spec.config)
    return layouts, guided + ', images for new layouts of the training masks'


def evaluate_generator(spec: GeneratorEvalSpec) -> QualityReport:
    """Every generation metric of a generator checkpoint (or a D′ folder) against its
    config's real training crops, per sampling seed; writes ``OUT.{md,json,png}``."""
    from mmengine.registry import init_default_scope

    from mmseg.registry import DATASETS
    cfg = read_config(spec.config, 'generator config')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    real_cfg = train_dataset_config(spec.config)  # the labelled pairs, without a pool
    real_ds = DATASETS.build(real_cfg)
    classes = list(real_ds.metainfo['classes'])
    seg = SegmentorFeatures.from_config(spec.real_config, segmentor_checkpoint(spec), spec.device)
    inception = build_inception(spec.inception_weights, spec.device)
    n_real = spec.num_real or spec.num_samples

    def real():
        return seeded_dataset_batches(real_ds, n_real, spec.batch_size, seed=12345)

    if spec.dprime:
        loaders = [
            t for t in real_cfg['pipeline']
            if t['type'] in ('LoadImageFromFile', 'LoadAnnotations', 'LoadRasterFromFile',
                             'LoadRasterAnnotations')
        ]
        synth = DATASETS.build(
            dict(
                type='SyntheticPairsDataset',
                data_root=spec.dprime,
                pipeline=loaders + [dict(type='PackSegInputs')]))
        n = min(spec.num_samples, len(synth))
        seeds = [0]
        fake = lambda seed: seeded_dataset_batches(synth, n, spec.batch_size)  # noqa: E731
        what = f'D\' folder {spec.dprime} ({n} pairs)'
    else:
        model, info = load_generator(cfg, spec.checkpoint, ema=spec.ema, device=spec.device)
        seeds = spec.seeds
        layouts, guided = mask_layouts(spec, real_ds, model)
        fake = lambda seed: generated_batches(  # noqa: E731
            model, spec.num_samples, seed, spec.batch_size, spec.sampler, spec.steps, layouts)
        what = (f'{spec.checkpoint} ({info["weights"]} weights, {spec.sampler}'
                f'{f" {spec.steps} steps" if spec.steps else ""}{guided})')
    report = evaluate_quality(
        real, fake, seeds, seg, classes, inception=inception, k=spec.k, progress=print)
    out = spec.out or osp.join('work_dirs', 'quality', osp.splitext(osp.basename(spec.config))[0])
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    header = (f'Generation quality of {what} against {report.num_real} real crops of '
              f'`{osp.basename(spec.config)}`\'s training set; feature space: the real-data '
              f'segmentor `{osp.basename(spec.real_config)}`'
              f'{" and InceptionV3" if inception else ""}; mean ± std over seeds {seeds}.')
    md = report_markdown(report, header)
    atomic_write_text(out + '.md', md)
    atomic_write_json(out + '.json',
                      dict(report.to_dict(), generator=what, command=dataclasses.asdict(spec)))
    plot_report(report, out + '.png', osp.basename(spec.config))
    print(md)
    print(f'written: {out}.md, {out}.json, {out}.png')
    return report
