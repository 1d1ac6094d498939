"""Generation quality of a generator checkpoint (or of a D′ folder) against the real data.

Real images come from the generator config's own training set and pipeline (its crops and
flips, seeded), so they are at the scale the generator learned. Each sampling seed draws
``num_samples`` pairs (sample ``i`` from ``sample_seed(seed, i)``, as ``tools/generate.py``),
and every metric of :mod:`~satsynth_mmseg.evaluation.generation_metrics` is computed per seed;
the report gives mean ± std over seeds, so a difference between two checkpoints can be told
from sampling noise.
"""
from __future__ import annotations
import dataclasses
import os
import os.path as osp
import random
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor

from ..datasets import train_dataset_config
from ..evaluation.feature_extractors import SegmentorFeatures, build_inception
from ..evaluation.generation_metrics import feature_distances, mask_statistics
from ..generation import load_generator
from ..generation.conditioning import layouts_for, set_guidance
from ..generation.generate import sample_seed
from ..models.generators.outputs import PairCondition
from ..utils.atomic_io import atomic_save_figure, atomic_write_json, atomic_write_text
from ..utils.errors import ConfigError
from ..utils.tool_config import read_config
from .runs import last_checkpoint, train_model

Batch = Tuple[Tensor, Tensor]  # images (N, C, H, W) as the pipeline packs them, labels (N, H, W)


def seeded_dataset_batches(dataset, num: int, batch_size: int, seed: int = 0) -> Iterator[Batch]:
    """``num`` samples of an mmseg dataset (cycling through it) with its pipeline run under a
    fixed seed, in batches."""
    state = (random.getstate(), np.random.get_state(), torch.random.get_rng_state())
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    try:
        imgs, labs = [], []
        for i in range(num):
            item = dataset[i % len(dataset)]
            imgs.append(item['inputs'])
            labs.append(item['data_samples'].gt_sem_seg.data[0].long())
            if len(imgs) == batch_size or i == num - 1:
                yield torch.stack(imgs), torch.stack(labs)
                imgs, labs = [], []
    finally:
        random.setstate(state[0])
        np.random.set_state(state[1])
        torch.random.set_rng_state(state[2])


def generated_batches(model,
                      num: int,
                      seed: int,
                      batch_size: int,
                      sampler=None,
                      steps: Optional[int] = None,
                      layouts: Optional[Callable] = None) -> Iterator[Batch]:
    """``num`` pairs sampled as ``tools/generate.py`` samples them, with images turned back
    into the pipeline's layout (BGR for 8-bit 3-band models that swap channels). A
    mask-conditioned model renders images for ``layouts(seeds)`` (``--masks-from``)."""
    flip = bool(getattr(model.data_preprocessor, 'bgr_to_rgb', False))
    for start in range(0, num, batch_size):
        idx = list(range(start, min(num, start + batch_size)))
        seeds = [sample_seed(seed, i) for i in idx]
        gens = [torch.Generator().manual_seed(s) for s in seeds]
        if layouts is not None:
            out = model.sample_from(
                PairCondition(labels=layouts(seeds)),
                num_steps=steps,
                sampler=sampler,
                generator=gens)
        else:
            out = model.sample(len(idx), num_steps=steps, sampler=sampler, generator=gens)
        images = out.images.cpu()
        yield (images.flip(1) if flip else images), out.labels.cpu()


@dataclasses.dataclass
class QualityReport:
    """What :func:`evaluate_quality` measured.

    Attributes:
        per_seed: one dict of metrics per sampling seed (``seed`` included).
        summary: metric -> ``(mean, std)`` over seeds.
        num_real, num_samples: feature-set sizes.
        classes: class names; ``real_class_share`` D's pixel shares (of the real crops).
    """
    per_seed: List[dict]
    summary: Dict[str, Tuple[float, float]]
    num_real: int
    num_samples: int
    classes: List[str]
    real_class_share: List[float]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _features(extract: Callable, batches) -> Tuple[Tensor, List[Tensor], List[Tensor]]:
    feats, preds, labels = [], [], []
    for images, labs in batches:
        f, p = extract(images)
        feats.append(f)
        preds.append(p)
        labels.append(labs)
    return torch.cat(feats), preds, labels


def evaluate_quality(real_batches: Callable[[], Iterator[Batch]],
                     fake_batches: Callable[[int], Iterator[Batch]],
                     seeds: Sequence[int],
                     segmentor,
                     classes: Sequence[str],
                     inception=None,
                     k: int = 3,
                     progress: Optional[Callable[[str], None]] = None) -> QualityReport:
    """Every generation metric per sampling seed.

    Args:
        real_batches: returns the real batches (called once).
        fake_batches: ``fake_batches(seed)`` returns the generated batches of one seed.
        seeds: sampling seeds (>= 3 for a meaningful std).
        segmentor: a :class:`~satsynth_mmseg.evaluation.SegmentorFeatures` (features and
            predictions).
        classes: class names (K).
        inception: optional second feature space (``TorchScriptFeatures``).
        k: neighbours of the precision/recall manifolds.
        progress: called with a line per finished stage.

    Returns:
        :class:`QualityReport`.
    """
    say = progress or (lambda s: None)
    K = len(classes)
    real_batches_list = list(real_batches())
    real_feats, _, real_labels = _features(segmentor, real_batches_list)
    real_lab = torch.cat([lab.flatten() for lab in real_labels])
    counts = torch.bincount(real_lab[real_lab < K], minlength=K).double()
    real_share = (counts / counts.sum().clamp_min(1)).tolist()
    real_inc = (
        torch.cat([inception(im)
                   for im, _ in real_batches_list]) if inception is not None else None)
    say(f'real: {len(real_feats)} samples')
    per_seed = []
    for seed in seeds:
        fake_list = list(fake_batches(seed))
        feats, preds, labels = _features(segmentor, fake_list)
        row = dict(seed=seed)
        row.update({
            f'seg_{k_}': v
            for k_, v in dataclasses.asdict(feature_distances(real_feats, feats, k=k)).items()
        })
        if inception is not None:
            inc = torch.cat([inception(im) for im, _ in fake_list])
            row.update({
                f'inception_{k_}': v
                for k_, v in dataclasses.asdict(feature_distances(real_inc, inc, k=k)).items()
            })
        masks = mask_statistics(torch.cat(labels), K, torch.cat(preds), real_share)
        row.update(dataclasses.asdict(masks))
        per_seed.append(row)
        say(f'seed {seed}: segmentor FD {row["seg_fd"]:.3f}, agreement mIoU '
            f'{row["agreement_miou"]:.1f}')
    numeric = [k_ for k_, v in per_seed[0].items() if isinstance(v, (int, float)) and k_ != 'seed']
    summary = {
        k_: (float(np.mean([r[k_] for r in per_seed])), float(np.std([r[k_] for r in per_seed])))
        for k_ in numeric
    }
    return QualityReport(
        per_seed=per_seed,
        summary=summary,
        num_real=len(real_feats),
        num_samples=len(feats),
        classes=list(classes),
        real_class_share=real_share)


#: rows of the report: (key, label, format)
REPORT_ROWS = [
    ('seg_fd', 'Fréchet distance (segmentor features) ↓', '{:.3f}'),
    ('seg_kid_mean', 'KID (segmentor features) ↓', '{:.4f}'),
    ('seg_precision', 'precision (k-NN, segmentor features) ↑', '{:.3f}'),
    ('seg_recall', 'recall (k-NN, segmentor features) ↑', '{:.3f}'),
    ('inception_fd', 'FID (InceptionV3) ↓', '{:.2f}'),
    ('inception_kid_mean', 'KID (InceptionV3) ↓', '{:.4f}'),
    ('inception_precision', 'precision (InceptionV3) ↑', '{:.3f}'),
    ('inception_recall', 'recall (InceptionV3) ↑', '{:.3f}'),
    ('agreement_miou', 'mask–image agreement mIoU (%) ↑', '{:.1f}'),
    ('agreement_acc', 'mask–image agreement pixel acc. (%) ↑', '{:.1f}'),
    ('class_share_js', 'class-share JS divergence from D ↓', '{:.4f}'),
    ('distinct_classes', 'distinct classes per sample', '{:.2f}'),
    ('invalid_rate', 'invalid-code rate', '{:.4f}'),
]


def report_markdown(report: QualityReport, header: str = '') -> str:
    """The report as a markdown table (mean ± std over seeds)."""
    lines = [header, ''] if header else []
    lines += ['| metric | mean ± std |', '|---|---|']
    for key, label, fmt in REPORT_ROWS:
        if key in report.summary:
            m, s = report.summary[key]
            lines.append(f'| {label} | {fmt.format(m)} ± {fmt.format(s)} |')
    lines += [
        '', f'Seeds {[r["seed"] for r in report.per_seed]}; {report.num_real} real crops, '
        f'{report.num_samples} generated pairs per seed.', '',
        '| class | D share (real crops) | generated share (mean over seeds) |', '|---|---|---|'
    ]
    gen_share = np.mean([r['class_share'] for r in report.per_seed], axis=0)
    for name, a, b in zip(report.classes, report.real_class_share, gen_share):
        lines.append(f'| {name} | {100 * a:.1f} % | {100 * b:.1f} % |')
    return '\n'.join(lines) + '\n'


def plot_report(report: QualityReport, path: str, title: str = '') -> None:
    """Class shares (D vs generated) and the per-seed metrics, as a PNG (atomic)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    keys = [('seg_fd', 'FD (segmentor) ↓'), ('seg_precision', 'precision ↑'),
            ('seg_recall', 'recall ↑'), ('agreement_miou', 'agreement mIoU % ↑')]
    fig, axes = plt.subplots(
        1, 1 + len(keys), figsize=(14, 3.6), gridspec_kw=dict(width_ratios=[3] + [1] * len(keys)))
    k = np.arange(len(report.classes))
    gen = np.mean([r['class_share'] for r in report.per_seed], axis=0)
    axes[0].bar(k - 0.2, report.real_class_share, 0.4, label='D (real)')
    axes[0].bar(k + 0.2, gen, 0.4, label='generated')
    axes[0].set_xticks(k, report.classes, rotation=30, ha='right')
    axes[0].set_ylabel('pixel share')
    axes[0].legend()
    for ax, (key, label) in zip(axes[1:], keys):
        vals = [r[key] for r in report.per_seed]
        ax.scatter(np.zeros(len(vals)), vals, color='tab:blue')
        ax.axhline(float(np.mean(vals)), color='tab:orange', lw=1)
        ax.set_xticks([])
        ax.set_title(label, fontsize=9)
    axes[1].set_xlabel('one point per seed')
    fig.suptitle(title)
    fig.tight_layout()
    atomic_save_figure(fig, path, dpi=100)
    plt.close(fig)


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
