"""Analog bits: label maps <-> real-valued bit planes.

Following Chen et al., "Analog Bits: Generating Discrete Data using Diffusion Models with
Self-Conditioning" (ICLR 2023), a label map with ``K`` classes is written as
``B = num_bits(K) = max(1, ceil(log2 K))`` channels whose values are ``-1`` (bit 0) or ``+1``
(bit 1). A diffusion model then treats them as ordinary continuous image channels.

Decisions (explicit, tested in ``tests/test_analog_bits.py``):

* **Bit order: most significant bit first.** Channel ``0`` holds bit ``B-1`` of the class
  index and channel ``B-1`` holds bit ``0``, so reading the channels left to right spells the
  binary number. Example, ``K = 6`` (3 bits): class ``4`` -> ``(+1, -1, -1)``.
* **Decoding thresholds at 0:** a channel value ``> 0`` is bit 1, ``<= 0`` is bit 0.
* **Codes >= K** (possible when ``K`` is not a power of two, e.g. code 6 or 7 for ``K = 6``)
  are not classes. :func:`bits_to_labels` maps them to ``invalid_index`` (by default the ignore
  index, 255), so a segmentor trained on generated data ignores those pixels instead of
  learning a made-up class; :func:`count_invalid` reports how many there were.
* **The ignore index** (255 in mmseg) is not a class. :func:`labels_to_bits` writes ``0`` in
  *every* bit channel of an ignored pixel -- the midpoint between the two bit values, which no
  class encodes -- and :func:`valid_pixel_mask` recovers those pixels, so the training loss
  masks them out and the model is never taught a fake class there. The ignore index must be
  ``>= K``; with ``K = 256`` every 8-bit value is a class and ``ignore_index`` must be ``None``.
* Labels ``>= K`` that are not the ignore index are a data error and raise ``ValueError``.
"""
from __future__ import annotations
import math
from typing import Optional

import torch
from torch import Tensor

MAX_CLASSES = 256


def num_bits(num_classes: int) -> int:
    """Number of analog-bit channels for ``num_classes`` classes.

    Args:
        num_classes: ``K``, between 2 and 256.

    Returns:
        ``max(1, ceil(log2 K))``: 1 for K=2, 3 for K=5..8, 8 for K=129..256.
    """
    if not isinstance(num_classes, int) or not 2 <= num_classes <= MAX_CLASSES:
        raise ValueError(f'num_classes must be an int in [2, {MAX_CLASSES}], got {num_classes!r}')
    return max(1, math.ceil(math.log2(num_classes)))


def check_ignore_index(num_classes: int, ignore_index: Optional[int]) -> None:
    """Raise ``ValueError`` unless ``ignore_index`` is None or a value no class uses."""
    if ignore_index is None:
        return
    if ignore_index < 0:
        raise ValueError(
            f'ignore_index={ignore_index} is negative; label maps are read as unsigned values, '
            f'so the ignore index must be a value >= num_classes={num_classes} (mmseg uses '
            '255), or None when every value is a class.')
    if ignore_index < num_classes:
        hint = (' With 256 classes every 8-bit value is a class: set ignore_index=None.'
                if num_classes == MAX_CLASSES else '')
        raise ValueError(
            f'ignore_index={ignore_index} is a class index for num_classes={num_classes} '
            f'(classes are 0..{num_classes - 1}); it must be >= num_classes, or None when '
            f'every value is a class.{hint}')


def _bit_weights(n_bits: int, device: torch.device) -> Tensor:
    """Powers of two, most significant first: shape (B,), e.g. [4, 2, 1] for B=3."""
    return 2**torch.arange(n_bits - 1, -1, -1, device=device, dtype=torch.long)


def labels_to_bits(labels: Tensor,
                   num_classes: int,
                   ignore_index: Optional[int] = 255,
                   dtype: torch.dtype = torch.float32) -> Tensor:
    """Encode a label map as analog bits.

    Args:
        labels: integer label map, shape (N, H, W) or (N, 1, H, W), values in ``[0, K)`` or
            ``ignore_index``.
        num_classes: ``K`` in [2, 256].
        ignore_index: label value that marks "no label" (must be ``>= K``), or ``None``.
        dtype: floating dtype of the result.

    Returns:
        Tensor of shape (N, B, H, W), ``B = num_bits(K)``, values in {-1, +1}; ignored pixels
        are 0 in every channel. Channel 0 is the most significant bit.

    Raises:
        ValueError: if a label is negative or ``>= K`` and not the ignore index.
    """
    if labels.dtype.is_floating_point:
        raise TypeError(f'labels must be an integer tensor, got {labels.dtype}')
    if labels.dim() == 4:
        if labels.shape[1] != 1:
            raise ValueError(f'expected labels of shape (N, 1, H, W), got {tuple(labels.shape)}')
        labels = labels[:, 0]
    if labels.dim() != 3:
        raise ValueError(f'expected labels of shape (N, H, W), got {tuple(labels.shape)}')
    n_bits = num_bits(num_classes)  # checks K first
    check_ignore_index(num_classes, ignore_index)
    labels = labels.long()
    ignored = (labels == ignore_index) if ignore_index is not None else torch.zeros_like(
        labels, dtype=torch.bool)
    bad = ((labels < 0) | (labels >= num_classes)) & ~ignored
    if bool(bad.any()):
        values = torch.unique(labels[bad]).tolist()
        raise ValueError(
            f'label values {values[:10]} are outside [0, {num_classes}) and are not the ignore '
            f'index {ignore_index}; check num_classes and the dataset\'s label convention '
            '(e.g. reduce_zero_label).')
    codes = labels.masked_fill(ignored, 0)
    weights = _bit_weights(n_bits, labels.device).view(1, n_bits, 1, 1)
    bits = (codes.unsqueeze(1) // weights) % 2  # (N, B, H, W) in {0, 1}
    bits = bits.to(dtype) * 2 - 1
    return bits.masked_fill(ignored.unsqueeze(1), 0)


def bits_to_codes(bits: Tensor) -> Tensor:
    """Threshold analog bits at 0 and read the binary code, MSB first.

    Args:
        bits: shape (N, B, H, W), any real values.

    Returns:
        Long tensor (N, H, W) with codes in ``[0, 2**B)``.
    """
    if bits.dim() != 4:
        raise ValueError(f'expected bits of shape (N, B, H, W), got {tuple(bits.shape)}')
    weights = _bit_weights(bits.shape[1], bits.device).view(1, -1, 1, 1)
    return ((bits > 0).long() * weights).sum(dim=1)


def bits_to_labels(bits: Tensor, num_classes: int, invalid_index: int = 255) -> Tensor:
    """Decode analog bits into a label map.

    Args:
        bits: shape (N, B, H, W) with ``B == num_bits(num_classes)``, real values (thresholded
            at 0).
        num_classes: ``K``.
        invalid_index: value written where the decoded code is ``>= K`` (not a class).

    Returns:
        Long tensor (N, H, W), values in ``[0, K)`` or ``invalid_index``.
    """
    n_bits = num_bits(num_classes)
    if bits.shape[1] != n_bits:
        raise ValueError(
            f'{bits.shape[1]} bit channels given, num_classes={num_classes} needs {n_bits}')
    codes = bits_to_codes(bits)
    return codes.masked_fill(codes >= num_classes, invalid_index)


def count_invalid(bits: Tensor, num_classes: int) -> int:
    """Number of pixels whose decoded code is ``>= num_classes``."""
    return int((bits_to_codes(bits) >= num_classes).sum())


def valid_pixel_mask(bits: Tensor) -> Tensor:
    """Pixels that carry a label, as encoded by :func:`labels_to_bits`.

    Args:
        bits: encoded bits, shape (N, B, H, W), values in {-1, 0, +1}.

    Returns:
        Bool tensor (N, 1, H, W): False where every channel is 0 (the ignore index).
    """
    return bits.abs().amax(dim=1, keepdim=True) > 0
