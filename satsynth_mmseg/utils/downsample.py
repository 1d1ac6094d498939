"""Downsample image / label pairs by an integer factor without inventing labels."""
from __future__ import annotations

from typing import Tuple

import cv2
import numpy as np


def downsample_labels_majority(labels: np.ndarray, factor: int) -> np.ndarray:
    """Each ``factor`` x ``factor`` block becomes its most frequent label value.

    Label-safe: the result only holds values present in the block (no interpolation between
    class ids); the ignore value (e.g. 255) takes part like any other value. Ties go to the
    smaller value.

    Args:
        labels: uint8 (H, W), H and W divisible by ``factor``.
        factor: integer >= 1.

    Returns:
        uint8 (H // factor, W // factor).
    """
    if factor == 1:
        return labels.copy()
    h, w = labels.shape
    if h % factor or w % factor:
        raise ValueError(f'label map {w}x{h} is not divisible by {factor}')
    blocks = labels.reshape(h // factor, factor, w // factor, factor)
    values = np.unique(labels)
    counts = np.stack([(blocks == v).sum(axis=(1, 3)) for v in values])  # (V, h', w')
    return values[counts.argmax(0)].astype(labels.dtype)


def downsample_pair(image: np.ndarray, labels: np.ndarray,
                    factor: int) -> Tuple[np.ndarray, np.ndarray]:
    """Image by area averaging, labels by majority; both cropped to a multiple of ``factor``.

    Args:
        image: uint8 (H, W) or (H, W, C).
        labels: uint8 (H, W).
        factor: integer >= 1.

    Returns:
        ``(image, labels)`` of size (H // factor, W // factor).
    """
    if factor < 1 or int(factor) != factor:
        raise ValueError(f'factor must be a positive integer, got {factor}')
    h, w = labels.shape
    h, w = h - h % factor, w - w % factor
    image, labels = image[:h, :w], labels[:h, :w]
    if factor == 1:
        return image.copy(), labels.copy()
    small = cv2.resize(image, (w // factor, h // factor), interpolation=cv2.INTER_AREA)
    return small, downsample_labels_majority(labels, factor)
