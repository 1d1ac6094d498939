"""What every mask → image generator shares: label maps in, rendered pairs out."""
from __future__ import annotations
from typing import Optional, Tuple

import torch
from torch import Tensor

from ...bits import labels_to_bits, labels_to_one_hot
from ...utils.errors import ConfigError
from .outputs import GeneratedPairs, PairCondition


class MaskConditionedMixin:
    """Label-map handling of ``MaskToImageDDPM`` and ``Pix2PixGAN`` (both use the joint data
    preprocessor; need ``num_classes``, ``ignore_index``, ``invalid_index``, ``labels_of``,
    ``check_size`` and ``data_preprocessor``)."""

    #: tools and hooks render images for label maps with these generators
    conditioning = 'label_map'

    def one_hot(self, labels: Tensor) -> Tensor:
        """Label map (N, H, W) -> one-hot (N, K, H, W) float; values >= K -> all zeros."""
        return labels_to_one_hot(labels, self.num_classes)

    def condition_labels(self,
                         condition: PairCondition,
                         device,
                         invalid_index: Optional[int] = None) -> Tensor:
        """The checked label maps (N, H, W) of ``condition`` on ``device``, values >= K set to
        ``invalid_index`` (default: the model's)."""
        if condition.labels is None:
            raise ConfigError(f'{type(self).__name__} needs label maps to render')
        labels = condition.labels
        if labels.ndim != 3:
            raise ValueError(f'label maps must be (N, H, W), got shape {tuple(labels.shape)}')
        self.check_size(labels.shape[-2:], 'label maps of size')
        invalid_index = self.invalid_index if invalid_index is None else invalid_index
        labels = labels.to(device).long()
        return labels.masked_fill(labels >= self.num_classes, invalid_index)

    def rendered_pairs(self, image: Tensor, labels: Tensor) -> GeneratedPairs:
        """Rendered images (N, C, H, W) in the model's units ([-1, 1]) and their maps ->
        :class:`GeneratedPairs` (uint8 images, or float with ``float_images``)."""
        ignore = self.ignore_index if self.ignore_index is not None else 255
        bits = labels_to_bits(
            labels.masked_fill(labels >= self.num_classes, ignore),
            self.num_classes,
            ignore,
            dtype=image.dtype)
        images, _ = self.data_preprocessor.decode(torch.cat([image, bits], 1))
        return GeneratedPairs(
            images=images,
            labels=labels,
            invalid_pixels=int((labels >= self.num_classes).sum()),
            joint=image)

    def real_of_batch(self, inputs: Tensor) -> Tuple[Tensor, Tensor]:
        """Decoded images (N, C, H, W) and labels (N, H, W) of an encoded batch."""
        images, _ = self.data_preprocessor.decode(inputs)
        return images, self.labels_of(inputs)
