"""Enlarging generated pairs without a model: the baseline the super-resolution cascade is
compared with."""
from __future__ import annotations
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

from ..models.generators.outputs import GeneratedPairs


def interpolate_pair(images: Tensor, labels: Tensor, scale: int) -> Tuple[Tensor, Tensor]:
    """Enlarge pairs by ``scale``: bilinear image, nearest-neighbour mask.

    The mask is only repeated, never blended, so it stays a valid label map (values >= K, e.g.
    the ignore index, are kept where they were).

    Args:
        images: uint8 (N, C, h, w).
        labels: integer (N, h, w).
        scale: integer >= 1.

    Returns:
        ``(images, labels)``: uint8 (N, C, h * scale, w * scale) and labels of the input dtype
        (N, h * scale, w * scale).
    """
    if scale < 1 or int(scale) != scale:
        raise ValueError(f'scale must be a positive integer, got {scale}')
    size = (images.shape[-2] * scale, images.shape[-1] * scale)
    big = F.interpolate(images.float(), size=size, mode='bilinear', align_corners=False)
    return (big.round().clamp(0, 255).to(torch.uint8),
            labels.repeat_interleave(scale, -2).repeat_interleave(scale, -1))


class InterpolationUpsampler:
    """Second stage of a cascade that interpolates instead of sampling (SatSynth's Table 4
    baseline): the same ``sample_from`` call as ``JointSuperRes``, so ``generate_synthetic_dataset``
    and ``tools/generate.py --interp-scale`` treat both alike.

    Args:
        scale: integer enlargement factor.
    """

    def __init__(self, scale: int = 2):
        self.scale = int(scale)
        if self.scale < 1 or self.scale != scale:
            raise ValueError(f'scale must be a positive integer, got {scale}')

    def sample_from(self,
                    condition,
                    num_steps: Optional[int] = None,
                    generator=None,
                    sampler=None,
                    invalid_index: int = 255,
                    **kwargs):
        """Enlarge generated pairs (the sampling arguments are accepted and unused).

        Args:
            condition: a :class:`~satsynth_mmseg.models.PairCondition`: ``images`` uint8
                (N, C, h, w), ``labels`` integer (N, h, w).

        Returns:
            :class:`~satsynth_mmseg.models.GeneratedPairs`: ``images`` uint8
            (N, C, h * scale, w * scale), ``labels`` long, ``invalid_pixels``.
        """
        images, labels = interpolate_pair(condition.images, condition.labels.long(), self.scale)
        return GeneratedPairs(
            images=images, labels=labels, invalid_pixels=int((labels == invalid_index).sum()))
