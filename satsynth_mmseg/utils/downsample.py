"""Downsample image / label pairs by an integer factor without inventing labels."""
from __future__ import annotations
from typing import Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F


def majority_downsample(labels: torch.Tensor, factor: int) -> torch.Tensor:
    """Each ``factor`` x ``factor`` block becomes its most frequent label value (torch).

    Label-safe: the result only holds values present in the block (no interpolation between
    class ids); the ignore value (e.g. 255) takes part like any other value. Ties go to the
    smaller value.

    Args:
        labels: integer (N, H, W), H and W divisible by ``factor``.
        factor: integer >= 1.

    Returns:
        Same dtype, (N, H // factor, W // factor).
    """
    if factor == 1:
        return labels.clone()
    h, w = labels.shape[-2:]
    if h % factor or w % factor:
        raise ValueError(f'label map {w}x{h} is not divisible by {factor}')
    values = torch.unique(labels)  # sorted: argmax's first maximum is the smaller value
    onehot = (labels.unsqueeze(1) == values.view(1, -1, 1, 1)).float()  # (N, V, H, W)
    counts = F.avg_pool2d(onehot, factor)
    return values[counts.argmax(1)].to(labels.dtype)


def downsample_labels_majority(labels: np.ndarray, factor: int) -> np.ndarray:
    """:func:`majority_downsample` for one uint8 (H, W) array."""
    return majority_downsample(torch.from_numpy(np.ascontiguousarray(labels))[None],
                               factor)[0].numpy()


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
