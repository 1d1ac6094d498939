"""A D′ folder -> its FreeMask-filtered copy: the library side of ``tools/filter_synthetic.py``.

:class:`FilterSpec` says what to filter and how; :func:`filter_dprime` builds the scoring
segmentor (one checkpoint, or the ensemble of several), writes the filtered D′ with the
writer's guarantees (:func:`~.filter_dataset.filter_synthetic_dataset`), then its report
(``filter_report.md/json``) and preview (image | generated mask | filtered mask). The command
line parses into a spec; experiments build one and call it in-process.
"""
from __future__ import annotations
import dataclasses
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmengine.registry import init_default_scope

from mmseg.registry import DATASETS
from ..datasets import build_train_dataset
from ..datasets.dprime_format import read_manifest
from ..evaluation import SegmentorEnsemble, SegmentorFeatures
from ..utils.atomic_io import atomic_write_json, atomic_write_png, atomic_write_text
from ..utils.errors import ConfigError
from ..utils.tool_config import read_config
from ..visualization import make_pair_grid
from .filter_dataset import filter_synthetic_dataset, load_pipeline

#: ``--rule``: where the class-mean losses come from (see :mod:`~.filtering`)
FILTER_RULES = ('freemask', 'dprime-means')


@dataclasses.dataclass
class FilterSpec:
    """What to filter (the arguments of ``tools/filter_synthetic.py``).

    Attributes:
        source: a finished D′ folder. out: the filtered folder (another one).
        segmentor_config: a segmentor config trained on D.
        checkpoints: its checkpoint, or several (their ensemble's mean softmax scores).
        alpha: FreeMask's loss threshold factor (> 0).
        min_agreement: drop pairs whose pixel accuracy is below it (0..1), or None.
        rule: ``'freemask'`` (FreeMask's: class-mean losses measured on the real training
            images of ``segmentor_config``) or ``'dprime-means'`` (measured over D′ itself,
            the rule of earlier versions); see :mod:`~.filtering`.
        batch_size, device, progress: how to run.
    """
    source: str
    out: str
    segmentor_config: str
    checkpoints: Sequence[str]
    alpha: float = 1.25
    min_agreement: Optional[float] = None
    batch_size: int = 32
    device: str = 'cpu'
    progress: bool = True
    rule: str = 'freemask'

    def validate(self) -> 'FilterSpec':
        if isinstance(self.checkpoints, str):
            self.checkpoints = [self.checkpoints]
        if not self.checkpoints:
            raise ConfigError('--checkpoint: give at least one segmentor checkpoint')
        if not self.alpha > 0:
            raise ConfigError(f'--alpha must be > 0, got {self.alpha}')
        if self.min_agreement is not None and not 0 <= self.min_agreement <= 1:
            raise ConfigError(f'--min-agreement must be in [0, 1], got {self.min_agreement}')
        if osp.abspath(self.out) == osp.abspath(self.source):
            raise ConfigError('--out must differ from the source folder')
        if self.batch_size < 1:
            raise ConfigError('--batch-size must be >= 1')
        if self.rule not in FILTER_RULES:
            raise ConfigError(f'--rule must be one of {FILTER_RULES}, got {self.rule!r}')
        return self


def filter_dprime(spec: FilterSpec) -> dict:
    """Filter ``spec.source`` into ``spec.out`` (resumes; refuses other settings there).

    Returns:
        ``dict(summary=FilterSummary, records=[...], class_names=[...], report=markdown,
        preview=path)``.
    """
    spec.validate()
    cfg = read_config(spec.segmentor_config, '--segmentor-config')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if len(spec.checkpoints) == 1:
        seg = SegmentorFeatures.from_config(spec.segmentor_config, spec.checkpoints[0], spec.device)
        ckpt = spec.checkpoints[0]
    else:
        seg = SegmentorEnsemble.from_config(spec.segmentor_config, list(spec.checkpoints),
                                            spec.device)
        ckpt = list(spec.checkpoints)
    pipeline = load_pipeline(cfg)
    real = None
    if spec.rule == 'freemask':
        real = build_train_dataset(spec.segmentor_config, pipeline=pipeline)
    result = filter_synthetic_dataset(
        spec.source,
        spec.out,
        seg,
        ckpt,
        pipeline,
        alpha=spec.alpha,
        min_agreement=spec.min_agreement,
        batch_size=spec.batch_size,
        progress=spec.progress,
        real_dataset=real)
    result['report'] = write_filter_report(spec, result)
    result['preview'] = write_filter_preview(spec.out, pipeline)
    return result


def write_filter_report(spec: FilterSpec, result: dict) -> str:
    """``filter_report.md/json`` in ``spec.out``; returns the markdown."""
    s, names = result['summary'], result['class_names']
    lines = [
        f'FreeMask filtering of `{spec.source}` with `{osp.basename(spec.segmentor_config)}` '
        f'(rule {spec.rule}: class means on '
        f'{"the real images" if spec.rule == "freemask" else "D′"}; alpha = {spec.alpha}, '
        f'min agreement = {spec.min_agreement}): {s.kept} pairs kept, '
        f'{s.rejected} rejected.', '', '| class | mean loss | pixels | filtered |',
        '|---|---|---|---|'
    ]
    for c, name in enumerate(names):
        px, lost = s.class_pixels[c], s.class_filtered[c]
        lines.append(f'| {name} | {s.class_mean_loss[c]:.3f} | {px} | '
                     f'{100 * lost / max(px, 1):.1f} % |')
    tot, lost = sum(s.class_pixels), sum(s.class_filtered)
    lines.append(f'| *all* | | {tot} | {100 * lost / max(tot, 1):.1f} % |')
    md = '\n'.join(lines) + '\n'
    atomic_write_text(osp.join(spec.out, 'filter_report.md'), md)
    atomic_write_json(
        osp.join(spec.out, 'filter_report.json'),
        dict(
            s.to_dict(),
            classes=names,
            alpha=spec.alpha,
            min_agreement=spec.min_agreement,
            rule=spec.rule))
    return md


def write_filter_preview(out: str, pipeline: list, num: int = 8) -> str:
    """image | generated mask | filtered mask of the first pairs of a filtered folder."""
    filt = DATASETS.build(dict(type='SyntheticPairsDataset', data_root=out, pipeline=pipeline))
    src = DATASETS.build(
        dict(
            type='SyntheticPairsDataset',
            data_root=filt.generation_meta['filtering']['source'],
            pipeline=pipeline))
    recs = read_manifest(out)[:num]
    imgs, gen, new = [], [], []
    for j, rec in enumerate(recs):
        a, b = src[rec['source_index']], filt[j]
        img = a['inputs'].numpy()
        imgs.append(img[::-1] if img.shape[0] == 3 and img.dtype == np.uint8 else img)
        gen.append(a['data_samples'].gt_sem_seg.data[0].numpy())
        new.append(b['data_samples'].gt_sem_seg.data[0].numpy())
    palette = filt.metainfo.get('palette') or []
    grid = make_pair_grid(
        np.stack(imgs),
        np.stack(gen),
        palette,
        ncols=4,
        scale=max(1, 128 // imgs[0].shape[-1]),
        more_labels=np.stack(new),
        classes=filt.metainfo.get('classes'))
    path = osp.join(out, 'filter_preview.png')
    atomic_write_png(path, np.ascontiguousarray(grid[..., ::-1]))
    return path
