"""Write a filtered copy of a D′ folder (FreeMask pixel filtering, pair rejection)."""
from __future__ import annotations
import dataclasses
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch

from ..datasets.dprime_format import FORMAT_VERSION, MANIFEST_FILE, read_manifest, sample_name
from ..datasets.raster_io import read_raster
from ..utils.errors import ConfigError
from .checkpoint import file_sha256
from .filtering import ClassLossMeans, filter_labels, filtered_fraction, keep_pair, score_pairs
from .generate import labels_to_raw
from .image_storage import ImageStorage
from .writer import SyntheticDatasetWriter, iter_batches

#: transforms of a segmentor pipeline that only load (kept to read D′ for scoring)
LOADERS = ('LoadImageFromFile', 'LoadAnnotations', 'LoadRasterFromFile', 'LoadRasterAnnotations')


@dataclasses.dataclass
class FilterSummary:
    """What filtering did.

    Attributes:
        kept, rejected: pairs written / dropped by ``min_agreement``.
        class_mean_loss: per-class mean pixel loss (over the real images with FreeMask's
            rule, else over the source D′).
        class_pixels: per-class pixels of the kept pairs before filtering.
        class_filtered: per-class pixels made ignored.
        seconds: wall time of this run.
    """
    kept: int
    rejected: int
    class_mean_loss: List[float]
    class_pixels: List[int]
    class_filtered: List[int]
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def load_pipeline(segmentor_cfg) -> list:
    """The loading part of the segmentor's training pipeline, then ``PackSegInputs``."""
    pipe = segmentor_cfg.train_dataloader.dataset.get('pipeline') or segmentor_cfg.get(
        'train_pipeline', [])
    return [dict(t) for t in pipe if t['type'] in LOADERS] + [dict(type='PackSegInputs')]


def _batch(dataset, indices: Sequence[int]):
    items = [dataset[i] for i in indices]
    images = torch.stack([it['inputs'] for it in items])
    labels = torch.stack([it['data_samples'].gt_sem_seg.data[0] for it in items]).long()
    return images, labels


def size_groups(items: Sequence[dict]) -> List[List[int]]:
    """Positions of loaded ``items`` grouped by image size (one forward pass needs one)."""
    by: Dict[tuple, List[int]] = {}
    for j, it in enumerate(items):
        by.setdefault(tuple(it['inputs'].shape), []).append(j)
    return list(by.values())


def real_class_means(segmentor,
                     real,
                     num_classes: int,
                     batch_size: int = 32,
                     progress: bool = True) -> torch.Tensor:
    """FreeMask's per-class mean loss (K,) of ``segmentor`` on the real images of ``real``
    under their true labels (NaN for a class absent from D)."""
    from tqdm.auto import tqdm
    means = ClassLossMeans(num_classes)
    for idx in tqdm(
            list(iter_batches(len(real), batch_size)),
            desc='class means on D',
            unit='batch',
            disable=not progress):
        items = [real[i] for i in idx]
        for group in size_groups(items):
            images = torch.stack([items[j]['inputs'] for j in group])
            labels = torch.stack([items[j]['data_samples'].gt_sem_seg.data[0]
                                  for j in group]).long()
            _, logits = segmentor.features_and_logits(images)
            losses, _ = score_pairs(logits, labels)
            means.update(losses.nan_to_num(0.0), labels)
    return means.means


def _stored_image(path: str, storage: ImageStorage) -> np.ndarray:
    """The image file's array as :meth:`ImageStorage.write` takes it (no re-encoding of
    values: PNG BGR (H, W[, C]) as cv2 reads it, rasters (C, H, W) as stored)."""
    if storage.format == 'png':
        import cv2
        return cv2.imread(path, cv2.IMREAD_UNCHANGED)
    return read_raster(path).data


def filter_synthetic_dataset(source: str,
                             out: str,
                             segmentor,
                             segmentor_checkpoint: Union[str, Sequence[str]],
                             pipeline: list,
                             alpha: float = 1.25,
                             min_agreement: Optional[float] = None,
                             batch_size: int = 32,
                             progress: bool = True,
                             real_dataset=None) -> Dict:
    """Score every pair of ``source`` with ``segmentor`` and write the filtered D′ to ``out``.

    Same guarantees as ``tools/generate.py``: every file written atomically, a manifest line
    per complete pair, a rerun resumes (and refuses other arguments), a folder lock. Pair ``j``
    of ``out`` is the ``j``-th kept pair of ``source`` (``source_index`` in its manifest line,
    with the per-class filtered fraction, the agreement and the mean loss).

    Args:
        source: a finished D′ folder.
        out: the filtered folder.
        segmentor: a :class:`~satsynth_mmseg.evaluation.SegmentorFeatures` trained on D (or a
            :class:`~satsynth_mmseg.evaluation.SegmentorEnsemble` of several).
        segmentor_checkpoint: its file, or the ensemble's files (hashed into the folder's
            identity).
        pipeline: loads a source pair as the segmentor sees it (:func:`load_pipeline`).
        alpha: FreeMask's threshold factor.
        min_agreement: drop pairs whose pixel accuracy (segmentor vs mask) is below it.
        batch_size: pairs per forward pass.
        progress: progress bars.
        real_dataset: FreeMask's reference rule: the class-mean losses are measured on these
            real training images (read through ``pipeline``), not over D′. None: over D′
            (the rule of earlier versions, ``--rule dprime-means``).

    Returns:
        ``dict(summary=FilterSummary, records=[...], class_names=[...])``.
    """
    import time

    from tqdm.auto import tqdm

    from mmseg.registry import DATASETS
    t0 = time.perf_counter()
    src = DATASETS.build(dict(type='SyntheticPairsDataset', data_root=source, pipeline=pipeline))
    meta = src.generation_meta
    classes = list(meta['classes'])
    k = len(classes)
    records = read_manifest(source)
    n = len(src)
    # pass 1: the per-class mean loss over the whole source, and each pair's score
    means = ClassLossMeans(k)
    scores = []
    for idx in tqdm(
            list(iter_batches(n, batch_size)), desc='scoring', unit='batch', disable=not progress):
        images, labels = _batch(src, idx)
        _, logits = segmentor.features_and_logits(images)
        losses, s = score_pairs(logits, labels)
        means.update(losses.nan_to_num(0.0), labels)
        scores.extend(s)
    class_means = means.means
    if real_dataset is not None:  # FreeMask's rule: the class means of the real images
        class_means = real_class_means(segmentor, real_dataset, k, batch_size, progress)
    kept = [i for i in range(n) if keep_pair(scores[i], min_agreement)]
    if not kept:
        best = max((sc.agreement for sc in scores if np.isfinite(sc.agreement)), default=0)
        raise ConfigError(f'--min-agreement {min_agreement} rejects every pair of {source} '
                          f'(the best agreement is {best:.3f}); lower it')
    storage = ImageStorage.from_meta(meta)
    identity = dict(
        format_version=FORMAT_VERSION,
        filter='freemask',
        source=osp.abspath(source),
        source_manifest_sha256=file_sha256(osp.join(source, MANIFEST_FILE)),
        segmentor_sha256=(file_sha256(segmentor_checkpoint) if isinstance(
            segmentor_checkpoint, str) else [file_sha256(c) for c in segmentor_checkpoint]),
        alpha=alpha,
        min_agreement=min_agreement)
    if real_dataset is not None:  # (the D′-means identity stays as it was: old folders resume)
        identity.update(class_means='real', real_pairs=len(real_dataset))
    writer = SyntheticDatasetWriter(out, identity, storage=storage)
    writer.prepare()
    pixels = np.zeros(k, np.int64)
    filtered = np.zeros(k, np.int64)
    out_records = []
    try:
        done = writer.completed()
        for jdx in tqdm(
                list(iter_batches(len(kept), batch_size)),
                desc='filtering',
                unit='batch',
                disable=not progress):
            idx = [kept[j] for j in jdx]
            images, labels = _batch(src, idx)
            _, logits = segmentor.features_and_logits(images)
            losses, _ = score_pairs(logits, labels)
            new = filter_labels(labels, losses, class_means, alpha)
            raw = labels_to_raw(new, k, bool(meta.get('reduce_zero_label', False))).numpy()
            for b, (j, i) in enumerate(zip(jdx, idx)):
                before, after = labels[b], new[b]
                hist = torch.bincount(before[before < k], minlength=k).numpy()
                lost = np.array([int(((before == c) & (after != c)).sum()) for c in range(k)])
                pixels += hist
                filtered += lost
                rec = dict(
                    records[i],
                    source_index=i,
                    source_class_histogram=hist.tolist(),
                    class_histogram=torch.bincount(after[after < k], minlength=k).tolist(),
                    filtered_fraction=filtered_fraction(before, after, k),
                    agreement=scores[i].agreement,
                    pair_loss=scores[i].mean_loss)
                rec.pop('index', None)
                rec.pop('file', None)
                out_records.append(rec)
                if j in done:
                    continue
                info = src.get_data_info(i)
                writer.write(j, _stored_image(info['img_path'], storage), raw[b],
                             dict(rec, file=sample_name(j), source_file=records[i].get('file')))
        summary = FilterSummary(
            kept=len(kept),
            rejected=n - len(kept),
            class_mean_loss=[float(v) for v in class_means],
            class_pixels=pixels.tolist(),
            class_filtered=filtered.tolist(),
            seconds=round(time.perf_counter() - t0, 1))
        out_meta = dataclasses.replace(
            src.dprime_meta,
            num_samples=len(kept),
            format_version=FORMAT_VERSION,
            filtering=dict(identity, **summary.to_dict()))
        writer.finalize(len(kept), out_meta)
    finally:
        writer.release()
    return dict(summary=summary, records=out_records, class_names=classes)
