"""Pseudo-labels for unlabelled images, written as a D′ folder (offline self-training).

The baseline a user with an unlabelled archive tries first (ST++, Yang et al., CVPR 2022, and
the self-training line before it): a segmentor trained on the labelled set D predicts every
unlabelled image; the pixels it is unsure of become "no label" (255); the images and their
pseudo masks are written in the D′ format (``source = 'pseudo'`` in every manifest line), with
the D′ writer's guarantees (atomic files, a manifest line per complete pair, a rerun resumes
byte-identically and refuses other settings), so ``AugmentedDataset`` reads the folder
unchanged and can mix it with generated D′. Further rounds: train on D ∪ pseudo, then label
again with that checkpoint and ``round=2``.

Which pixels are kept (:func:`keep_pixels`), for the predicted class ``c = argmax p`` of a
pixel with class probabilities ``p``:

* ``rule='confidence'``: ``max p >= threshold`` (the fixed confidence threshold of
  FixMatch-style self-training);
* ``rule='freemask'``: the pixel's loss against its own prediction, ``-log max p``, is at
  most ``alpha`` times the mean loss of class ``c`` on the *real* training images under
  their true labels (FreeMask's rule, Yang et al. NeurIPS 2023, applied to pseudo masks).
"""
from __future__ import annotations
import dataclasses
import hashlib
import os.path as osp
import time
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.registry import init_default_scope
from torch import Tensor

from mmseg.registry import DATASETS
from ..datasets import build_train_dataset
from ..datasets.dprime_format import FORMAT_VERSION, DPrimeMeta, read_manifest, sample_name
from ..evaluation import SegmentorEnsemble, SegmentorFeatures
from ..utils.atomic_io import atomic_write_json, atomic_write_png, atomic_write_text
from ..utils.errors import ConfigError
from ..utils.tool_config import read_config
from ..visualization import make_pair_grid
from .checkpoint import file_sha256
from .filter_dataset import LOADERS, load_pipeline, real_class_means, size_groups
from .filtering import IGNORE
from .sampling import labels_to_raw
from .writer import SyntheticDatasetWriter, iter_batches

#: the values of :attr:`PseudoLabelSpec.rule`
PSEUDO_RULES = ('confidence', 'freemask')


def keep_pixels(logits: Tensor,
                rule: str = 'confidence',
                threshold: float = 0.9,
                class_means: Optional[Tensor] = None,
                alpha: float = 1.25) -> Tuple[Tensor, Tensor]:
    """The pseudo mask of a batch and which of its pixels are kept.

    Args:
        logits: (N, K, H, W) class scores (an ensemble's: log mean probabilities).
        rule: ``'confidence'`` or ``'freemask'`` (see the module docstring).
        threshold: the confidence threshold of ``'confidence'``, in (0, 1].
        class_means: (K,) FreeMask's per-class mean loss on the real images
            (``'freemask'``); a class with NaN (absent from D) keeps no pixel.
        alpha: FreeMask's factor.

    Returns:
        ``(pred, kept)``: long (N, H, W) in [0, K) and bool (N, H, W).
    """
    logp = logits.float().log_softmax(dim=1)
    best, pred = logp.max(dim=1)
    if rule == 'confidence':
        return pred, best.exp() >= threshold
    if rule == 'freemask':
        if class_means is None:
            raise ConfigError("rule 'freemask' needs the class-mean losses of the real images")
        limit = alpha * class_means.to(logp.dtype)[pred]
        return pred, (-best <= limit) & torch.isfinite(limit)
    raise ConfigError(f'rule must be one of {PSEUDO_RULES}, got {rule!r}')


@dataclasses.dataclass
class PseudoLabelSpec:
    """What to pseudo-label (the arguments of ``tools/pseudo_label.py``).

    Attributes:
        segmentor_config: a segmentor config trained on D (its training set gives the classes,
            palette, label convention, image loading and, for ``'freemask'``, the real images).
        checkpoints: its checkpoint, or several (their ensemble's mean probabilities).
        pool: a folder of unlabelled images (searched recursively) or an
            ``UnlabelledImagesDataset`` config.
        out: the D′ folder to write.
        rule, threshold, alpha: which pixels are kept (:func:`keep_pixels`).
        scale_factor: resize the pool's images by it first (towards D's ground resolution),
            for a folder ``pool``.
        max_items: label only the first N images (sorted).
        round: the self-training round (recorded; 1 for the segmentor trained on D alone).
        batch_size, device, progress: how to run.
    """
    segmentor_config: str
    checkpoints: Sequence[str]
    pool: Union[str, dict]
    out: str
    rule: str = 'confidence'
    threshold: float = 0.9
    alpha: float = 1.25
    scale_factor: float = 1.0
    max_items: Optional[int] = None
    round: int = 1
    batch_size: int = 16
    device: str = 'cpu'
    progress: bool = True

    def validate(self) -> 'PseudoLabelSpec':
        if isinstance(self.checkpoints, str):
            self.checkpoints = [self.checkpoints]
        if not self.checkpoints:
            raise ConfigError('--checkpoint: give at least one segmentor checkpoint')
        for c in self.checkpoints:
            if not osp.isfile(c):
                raise ConfigError(f'segmentor checkpoint {c} does not exist')
        if self.rule not in PSEUDO_RULES:
            raise ConfigError(f'--rule must be one of {PSEUDO_RULES}, got {self.rule!r}')
        if not 0 < self.threshold <= 1:
            raise ConfigError(f'--threshold must be in (0, 1], got {self.threshold}')
        if not self.alpha > 0:
            raise ConfigError(f'--alpha must be > 0, got {self.alpha}')
        if self.round < 1:
            raise ConfigError(f'--round must be >= 1, got {self.round}')
        if self.batch_size < 1:
            raise ConfigError('--batch-size must be >= 1')
        return self


def _pool_dataset(spec: PseudoLabelSpec, seg_cfg):
    """The pool, read with the segmentor's image loader and the rescale."""
    loaders = [
        dict(t) for t in load_pipeline(seg_cfg)
        if t['type'] in LOADERS and 'Annotations' not in t['type']
    ]
    pipeline = loaders + [dict(type='RescaleUnlabelled'), dict(type='PackSegInputs')]
    if isinstance(spec.pool, str):
        cfg = dict(
            type='UnlabelledImagesDataset',
            data_root=spec.pool,
            scale_factor=spec.scale_factor,
            max_items=spec.max_items)
    else:
        cfg = dict(spec.pool)
        if spec.max_items:
            cfg['max_items'] = spec.max_items
    return DATASETS.build(dict(cfg, pipeline=pipeline))


def _listing_sha256(pool) -> str:
    """Hash of the pool's file list (path, size, mtime): a changed pool is another input."""
    h = hashlib.sha256()
    for i in range(len(pool)):
        p = pool.get_data_info(i)['img_path']
        st = osp.getsize(p)
        h.update(f'{osp.abspath(p)}\0{st}\n'.encode())
    return h.hexdigest()


def pseudo_label(spec: PseudoLabelSpec) -> dict:
    """Label ``spec.pool`` into the D′ folder ``spec.out`` (resumes; refuses other settings).

    Returns:
        ``dict(summary=dict, report=markdown, preview=path)``; the summary has, per class,
        the predicted pixels and the share kept.
    """
    from tqdm.auto import tqdm
    spec.validate()
    t0 = time.perf_counter()
    cfg = read_config(spec.segmentor_config, '--segmentor-config')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if len(spec.checkpoints) == 1:
        seg = SegmentorFeatures.from_config(spec.segmentor_config, spec.checkpoints[0], spec.device)
    else:
        seg = SegmentorEnsemble.from_config(spec.segmentor_config, list(spec.checkpoints),
                                            spec.device)
    real = build_train_dataset(spec.segmentor_config, pipeline=load_pipeline(cfg))
    classes = list(real.metainfo['classes'])
    k = len(classes)
    reduce_zero = bool(real.reduce_zero_label) if hasattr(real, 'reduce_zero_label') else False
    pool = _pool_dataset(spec, cfg)
    class_means = None
    if spec.rule == 'freemask':
        class_means = real_class_means(seg, real, k, spec.batch_size, spec.progress)
    identity = dict(
        format_version=FORMAT_VERSION,
        source='pseudo',
        segmentor_sha256=[file_sha256(c) for c in spec.checkpoints],
        pool_listing_sha256=_listing_sha256(pool),
        num_images=len(pool),
        rule=spec.rule,
        threshold=spec.threshold if spec.rule == 'confidence' else None,
        alpha=spec.alpha if spec.rule == 'freemask' else None,
        scale_factor=spec.scale_factor if isinstance(spec.pool, str) else None,
        round=spec.round)
    writer = SyntheticDatasetWriter(spec.out, identity)
    writer.prepare()
    predicted = np.zeros(k, np.int64)
    kept_px = np.zeros(k, np.int64)
    try:
        done = writer.completed()
        for idx in tqdm(
                list(iter_batches(len(pool), spec.batch_size)),
                desc='pseudo-labelling',
                unit='batch',
                disable=not spec.progress):
            items = [pool[i] for i in idx]
            for group in size_groups(items):
                images = torch.stack([items[j]['inputs'] for j in group])
                _, logits = seg.features_and_logits(images)
                pred, kept = keep_pixels(logits, spec.rule, spec.threshold, class_means, spec.alpha)
                labels = pred.masked_fill(~kept, IGNORE)
                raw = labels_to_raw(labels, k, reduce_zero).numpy()
                for b, j in enumerate(group):
                    i = idx[j]
                    p_hist = torch.bincount(pred[b].flatten(), minlength=k).numpy()
                    k_hist = torch.bincount(pred[b][kept[b]], minlength=k).numpy()
                    predicted += p_hist
                    kept_px += k_hist
                    if i in done:
                        continue
                    info = pool.get_data_info(i)
                    rec = dict(
                        file=sample_name(i),
                        source='pseudo',
                        source_file=info['img_path'],
                        round=spec.round,
                        kept_fraction=round(float(kept[b].float().mean()), 6),
                        class_histogram=k_hist.tolist())
                    image = images[b].numpy().transpose(1, 2, 0)  # (H, W, C) as loaded
                    writer.write(i, np.ascontiguousarray(image), raw[b], rec)
        meta = DPrimeMeta(
            classes=classes,
            num_samples=len(pool),
            palette=[list(c) for c in real.metainfo.get('palette') or []] or None,
            reduce_zero_label=reduce_zero,
            ignore_index=IGNORE,
            generation=identity)
        writer.finalize(len(pool), meta)
    finally:
        writer.release()
    summary = dict(
        classes=classes,
        images=len(pool),
        predicted_pixels=predicted.tolist(),
        kept_pixels=kept_px.tolist(),
        kept_fraction=[float(kp / p) if p else None for kp, p in zip(kept_px, predicted)],
        class_mean_loss=None if class_means is None else [float(v) for v in class_means],
        seconds=round(time.perf_counter() - t0, 1))
    report = write_pseudo_report(spec, summary)
    preview = write_pseudo_preview(spec, pool, seg, class_means, real.metainfo)
    return dict(summary=summary, report=report, preview=preview)


def write_pseudo_report(spec: PseudoLabelSpec, summary: dict) -> str:
    """``pseudo_label_report.md/json`` in ``spec.out``: the share of kept pixels per class."""
    how = (f'confidence >= {spec.threshold}' if spec.rule == 'confidence' else
           f'FreeMask rule, alpha = {spec.alpha} (class means on the real images)')
    lines = [
        f'Pseudo-labels of {summary["images"]} unlabelled images by '
        f'`{osp.basename(spec.segmentor_config)}` (round {spec.round}; kept: {how}).', '',
        '| class | predicted pixels | kept |', '|---|---|---|'
    ]
    for name, p, f in zip(summary['classes'], summary['predicted_pixels'],
                          summary['kept_fraction']):
        lines.append(f'| {name} | {p} | {"–" if f is None else f"{100 * f:.1f} %"} |')
    tot, kept = sum(summary['predicted_pixels']), sum(summary['kept_pixels'])
    lines.append(f'| *all* | {tot} | {100 * kept / max(tot, 1):.1f} % |')
    md = '\n'.join(lines) + '\n'
    atomic_write_text(osp.join(spec.out, 'pseudo_label_report.md'), md)
    atomic_write_json(osp.join(spec.out, 'pseudo_label_report.json'), summary)
    return md


def write_pseudo_preview(spec: PseudoLabelSpec,
                         pool,
                         seg,
                         class_means,
                         metainfo: dict,
                         num: int = 8) -> str:
    """image | pseudo mask (every pixel) | kept mask, for the first images of the pool."""
    recs = read_manifest(spec.out)[:num]
    items = [pool[r['index']] for r in recs]
    h = min(it['inputs'].shape[-2] for it in items)
    w = min(it['inputs'].shape[-1] for it in items)
    images = torch.stack([it['inputs'][:, :h, :w] for it in items])
    _, logits = seg.features_and_logits(images)
    pred, kept = keep_pixels(logits, spec.rule, spec.threshold, class_means, spec.alpha)
    imgs = images.numpy()
    if imgs.shape[1] == 3 and imgs.dtype == np.uint8:
        imgs = imgs[:, ::-1]  # BGR as loaded -> RGB
    grid = make_pair_grid(
        np.ascontiguousarray(imgs),
        pred.numpy(),
        metainfo.get('palette') or [],
        ncols=4,
        scale=max(1, 128 // w),
        more_labels=pred.masked_fill(~kept, IGNORE).numpy(),
        classes=metainfo.get('classes'))
    path = osp.join(spec.out, 'pseudo_label_preview.png')
    atomic_write_png(path, np.ascontiguousarray(grid[..., ::-1]))
    return path
