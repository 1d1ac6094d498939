"""JointDDPM: one diffusion model over (image, analog-bit mask) pairs."""
from __future__ import annotations
from typing import List, Optional, Tuple, Union

import torch
from torch import Tensor

from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from ...utils.errors import ConfigError
from .base_generator import NonFiniteLossError
from .diffusion_generator import DiffusionGenerator, Generator
from .outputs import GeneratedPairs

__all__ = ['JointDDPM', 'NonFiniteLossError']


@MODELS.register_module()
class JointDDPM(DiffusionGenerator):
    """Joint image + mask DDPM with analog bits (SatSynth, Toker et al. CVPR 2024).

    The data preprocessor turns each (image, label map) pair into ``x_0`` of shape
    (N, C + B, H, W) in [-1, 1] (C image channels, B = ceil(log2 K) bit channels). Training
    minimises the epsilon-prediction objective of Ho et al. 2020 (eq. 14),
    ``|| eps - eps_theta(sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, t) ||^2``, reported as two
    terms: ``loss_image`` over the image channels and ``loss_mask`` over the bit channels, the
    latter masked at ignored pixels (see :mod:`satsynth_mmseg.bits`) and weighted by
    ``mask_loss_weight``. A non-finite loss raises :class:`NonFiniteLossError` before any
    backward pass or optimizer step.

    Args: those of :class:`~satsynth_mmseg.models.generators.DiffusionGenerator`.
    """
    conditioning = 'none'

    @torch.inference_mode()
    def sample(self,
               num_samples: int,
               num_steps: Optional[int] = None,
               generator: Generator = None,
               sampler: Union[str, dict, None] = None,
               size: Union[int, Tuple[int, int], None] = None,
               progress: bool = False,
               invalid_index: Optional[int] = None) -> GeneratedPairs:
        """Generate image + label-map pairs.

        Args:
            num_samples: N.
            num_steps: sampler steps (default: the sampler config's).
            generator: a ``torch.Generator`` for the whole batch, or a list of N generators
                (sample i then depends only on generator i).
            sampler: overrides the model's sampler (name or config).
            size: (H, W) or int; default ``sample_size``.
            progress: show a progress bar over the steps.
            invalid_index: label for decoded codes >= K (default :attr:`invalid_index`).

        Returns:
            :class:`GeneratedPairs`: ``images`` uint8 (N, C, H, W) in RGB order (model order),
            ``labels`` long (N, H, W) in [0, K) or ``invalid_index``, ``invalid_pixels``
            (decoded codes >= K) and ``joint`` (N, C + B, H, W) float, the final sample.
        """
        if num_samples < 1:
            raise ValueError(f'num_samples must be >= 1, got {num_samples}')
        invalid_index = self.invalid_index if invalid_index is None else invalid_index
        if invalid_index < self.num_classes:
            raise ConfigError(f'invalid_index={invalid_index} is a class index (K='
                              f'{self.num_classes}); it must be >= K')
        size = self.sample_size if size is None else ((
            size, size) if isinstance(size, int) else tuple(size))
        self.check_size(size, 'sample size')
        x = self.run_sampler((num_samples, self.data_preprocessor.joint_channels, *size),
                             num_steps=num_steps,
                             generator=generator,
                             sampler=sampler,
                             progress=progress)
        images, labels = self.data_preprocessor.decode(x, invalid_index=invalid_index)
        invalid = int((labels == invalid_index).sum())
        return GeneratedPairs(images=images, labels=labels, invalid_pixels=invalid, joint=x)

    def predict(self, inputs: Tensor, data_samples=None) -> List[SegDataSample]:
        """Generate one pair per input, of the input's size (the inputs are not used)."""
        out = self.sample(inputs.shape[0], size=tuple(inputs.shape[-2:]))
        return self.pack_samples(out, data_samples, inputs.shape[0])
