"""Analog-bit encoding as pipeline transforms (the per-sample twin of the batch encoder).

``JointDataPreprocessor`` encodes whole batches on the model's device, which is the fast path
for training. These transforms do the same for one sample inside a data pipeline (for
inspection, caching encoded pairs, or models that take the bits as an input), with the code of
:mod:`satsynth_mmseg.bits`, so the two give equal results.
"""
from __future__ import annotations
from typing import Optional

import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmseg.registry import TRANSFORMS
from ...bits import bits_to_labels, check_ignore_index, labels_to_bits, num_bits


@TRANSFORMS.register_module()
class EncodeAnalogBits(BaseTransform):
    """Encode ``gt_seg_map`` as analog bits (:func:`~satsynth_mmseg.bits.labels_to_bits`).

    Required keys: ``gt_seg_map`` (integer (H, W)).
    Added keys: ``gt_bits`` (float32 (B, H, W), values in {-1, 0, +1}; 0 at the ignore index;
    channel 0 is the most significant bit).

    Args:
        num_classes: K.
        ignore_index: label that means "not labelled" (>= K), or None.
    """

    def __init__(self, num_classes: int, ignore_index: Optional[int] = 255):
        num_bits(num_classes)
        check_ignore_index(num_classes, ignore_index)
        self.num_classes = num_classes
        self.ignore_index = ignore_index

    def transform(self, results: dict) -> dict:
        labels = torch.from_numpy(np.asarray(results['gt_seg_map']).astype(np.int64))[None]
        bits = labels_to_bits(labels, self.num_classes, self.ignore_index)
        results['gt_bits'] = bits[0].numpy()
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_classes={self.num_classes}, '
                f'ignore_index={self.ignore_index})')


@TRANSFORMS.register_module()
class DecodeAnalogBits(BaseTransform):
    """Decode ``gt_bits`` back to a label map (:func:`~satsynth_mmseg.bits.bits_to_labels`).

    Pixels whose bits are all 0 (encoded ignore) and codes >= K both become ``invalid_index``.

    Required keys: ``gt_bits`` (real (B, H, W)).
    Modified keys: ``gt_seg_map`` (uint8 (H, W)), ``seg_fields``.

    Args:
        num_classes: K.
        invalid_index: label of codes >= K and of ignored pixels.
    """

    def __init__(self, num_classes: int, invalid_index: int = 255):
        num_bits(num_classes)
        self.num_classes = num_classes
        self.invalid_index = invalid_index

    def transform(self, results: dict) -> dict:
        bits = torch.as_tensor(np.asarray(results['gt_bits'], np.float32))[None]
        labels = bits_to_labels(bits, self.num_classes, self.invalid_index)[0]
        ignored = bits[0].abs().amax(0) == 0
        labels[ignored] = self.invalid_index
        results['gt_seg_map'] = labels.numpy().astype(np.uint8)
        results.setdefault('seg_fields', [])
        if 'gt_seg_map' not in results['seg_fields']:
            results['seg_fields'].append('gt_seg_map')
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(num_classes={self.num_classes}, '
                f'invalid_index={self.invalid_index})')
