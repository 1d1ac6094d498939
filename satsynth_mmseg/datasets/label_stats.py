"""Class pixel statistics of label maps, read the way training reads them."""
from __future__ import annotations
from typing import Dict

import numpy as np

from mmseg.datasets.transforms import LoadAnnotations


def label_statistics(label_maps, num_classes: int) -> Dict:
    """Pixel statistics of label maps (class indices as mmseg's ``LoadAnnotations`` yields).

    Args:
        label_maps: iterable of integer (H, W) arrays, values in [0, K) or ignore (>= K).
        num_classes: K.

    Returns:
        ``dict(samples, pixels, class_pixels[K], class_share[K] (of labelled pixels),
        ignored_pixels, distinct_classes_mean, distinct_classes_hist[K + 1])``.
    """
    counts = np.zeros(num_classes, np.int64)
    distinct_hist = np.zeros(num_classes + 1, np.int64)
    samples = pixels = ignored = 0
    for lab in label_maps:
        lab = np.asarray(lab).ravel()
        c = np.bincount(lab[lab < num_classes].astype(np.int64), minlength=num_classes)
        counts += c
        distinct_hist[int((c > 0).sum())] += 1
        samples += 1
        pixels += lab.size
        ignored += int((lab >= num_classes).sum())
    labelled = max(int(counts.sum()), 1)
    return dict(
        samples=samples,
        pixels=pixels,
        class_pixels=counts.tolist(),
        class_share=(counts / labelled).tolist(),
        ignored_pixels=ignored,
        distinct_classes_mean=float(
            (np.arange(num_classes + 1) * distinct_hist).sum() / max(samples, 1)),
        distinct_classes_hist=distinct_hist.tolist())


def dataset_label_maps(dataset):
    """Yield every label map of an mmseg dataset, read the way training reads it.

    Uses mmseg's own ``LoadAnnotations`` with the dataset's ``reduce_zero_label`` and
    ``label_map``, so the classes counted are the classes a segmentor is trained on.
    """
    for i in range(len(dataset)):
        yield read_label_map(dataset.get_data_info(i))


def read_label_map(info: dict) -> np.ndarray:
    """The label map of one sample's data info, read by mmseg's ``LoadAnnotations`` (its
    ``reduce_zero_label`` / ``label_map`` applied): class indices and the ignore index."""
    info = dict(info)
    info.setdefault('seg_fields', [])
    return LoadAnnotations()(info)['gt_seg_map']
