"""JointDDPM: one diffusion model over (image, analog-bit mask) pairs."""
from __future__ import annotations
from typing import List, Optional, Tuple, Union

import torch
from torch import Tensor

from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from ...utils.errors import ConfigError
from ..networks.unet2d import DiffusersUNet2D
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

    **Learning from unlabelled images** (``mask_timestep_embedding=True``): each modality has
    its own noise level, as in UniDiffuser (Bao et al., ICML 2023): the image channels are
    noised to t and the mask bits to t_mask, and the U-Net sees t_mask as a second timestep
    embedding (diffusers' ``UNet2DModel(class_embed_type='timestep')``, which adds
    ``TimestepEmbedding(proj(t_mask))`` to the time embedding). A labelled pair has
    t_mask = t — so sampling pairs is unchanged — or, with probability
    ``independent_timestep_prob``, an independent t_mask, which teaches the model to denoise a
    mask for a less noisy (down to clean) image. An unlabelled image (no ``gt_sem_seg``) has
    t_mask = T - 1, pure noise: its all-zero bits are then noise alone, it carries no mask loss
    and trains the image channels only.

    Args:
        mask_timestep_embedding: give the mask its own timestep (above); needs the
            ``DiffusersUNet2D`` denoiser, whose ``class_embed_type`` is filled in.
        independent_timestep_prob: probability that a labelled pair draws t_mask
            independently of t (0: never).
        **kwargs: those of :class:`~satsynth_mmseg.models.generators.DiffusionGenerator`.
    """
    conditioning = 'none'

    def __init__(self,
                 *args,
                 mask_timestep_embedding: bool = False,
                 independent_timestep_prob: float = 0.0,
                 **kwargs):
        if not 0 <= independent_timestep_prob <= 1:
            raise ConfigError(f'independent_timestep_prob must be in [0, 1], got '
                              f'{independent_timestep_prob}')
        if independent_timestep_prob and not mask_timestep_embedding:
            raise ConfigError('independent_timestep_prob needs mask_timestep_embedding=True: '
                              'without it the network cannot tell the mask\'s noise level')
        self.mask_timestep_embedding = bool(mask_timestep_embedding)
        self.independent_timestep_prob = float(independent_timestep_prob)
        denoiser = kwargs.get('denoiser') or (args[0] if args else None)
        kind = (denoiser or {}).get('type')
        if self.mask_timestep_embedding and not (kind is DiffusersUNet2D
                                                 or str(kind).split('.')[-1] == 'DiffusersUNet2D'):
            raise ConfigError(
                'mask_timestep_embedding needs the DiffusersUNet2D denoiser (its '
                f'class_embed_type=\'timestep\' embeds the mask timestep), got {kind!r}')
        super().__init__(*args, **kwargs)

    @property
    def unlabelled_use(self) -> Optional[str]:
        """Unlabelled images train the image channels, with the mask at pure noise (with
        ``mask_timestep_embedding``); None otherwise."""
        return 'image channels, mask at t = T' if self.mask_timestep_embedding else None

    def unlabelled_refusal(self) -> str:
        return ('set mask_timestep_embedding=True in the model config, so the mask of an '
                'unlabelled image can sit at pure noise with its own timestep (UniDiffuser)')

    def denoiser_fill_in(self) -> dict:
        fill = super().denoiser_fill_in()
        if self.mask_timestep_embedding:
            fill['class_embed_type'] = 'timestep'
        return fill

    def mask_timesteps(self, t: Tensor, labelled: Tensor) -> Optional[Tensor]:
        """t_mask (N,): t for labelled pairs (an independent draw with probability
        ``independent_timestep_prob``), T - 1 for unlabelled images; None without
        ``mask_timestep_embedding``."""
        if not self.mask_timestep_embedding:
            return None
        t_mask = t.clone()
        if self.independent_timestep_prob > 0:
            draw = torch.randint_like(t, 0, self.num_train_timesteps)
            indep = torch.rand(t.shape[0], device=t.device) < self.independent_timestep_prob
            t_mask = torch.where(indep & labelled, draw, t_mask)
        return t_mask.masked_fill(~labelled, self.num_train_timesteps - 1)

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

    @torch.inference_mode()
    def sample_masks_for(self,
                         images: Tensor,
                         num_steps: Optional[int] = None,
                         generator: Generator = None,
                         sampler: Union[str, dict, None] = None,
                         invalid_index: Optional[int] = None) -> Tensor:
        """Denoise a mask for each given real image (the image channels held clean, t = 0,
        the mask bits sampled from noise with their own timestep).

        Needs ``mask_timestep_embedding``; the model has seen clean-image / noisy-mask inputs
        only when trained with ``independent_timestep_prob > 0``.

        Args:
            images: (N, C, H, W) as the pipeline packs them (uint8, BGR for 3-band models that
                swap channels), or already encoded to [-1, 1] when float.
            num_steps, generator, sampler, invalid_index: as :meth:`sample`.

        Returns:
            long (N, H, W) labels in [0, K) or ``invalid_index``.
        """
        if not self.mask_timestep_embedding:
            raise ConfigError('sample_masks_for needs mask_timestep_embedding=True (the mask '
                              'has to be denoised at its own timestep while the image is clean)')
        if self.self_condition:
            raise ConfigError('sample_masks_for does not support self_condition')
        invalid_index = self.invalid_index if invalid_index is None else invalid_index
        self.check_size(images.shape[-2:], 'images of size')
        device = next(self.denoiser.parameters()).device
        if images.dtype == torch.uint8:
            dummy = torch.zeros((images.shape[0], *images.shape[-2:]), dtype=torch.long)
            clean = self.data_preprocessor.encode(images.float(), dummy)[:, :self.image_channels]
        else:
            clean = images.float()
        clean = clean.to(device)
        c = self.image_channels

        def mask_output(x_t, t, cond=None, **_):
            joint = torch.cat([clean.to(x_t.dtype), x_t], 1)
            out = self.predict_model_output(joint, torch.zeros_like(t), t_mask=t)
            mean, v = self.split_output(out)
            return mean[:, c:] if v is None else torch.cat([mean[:, c:], v[:, c:]], 1)

        bits = self.run_sampler((images.shape[0], self.num_bits, *images.shape[-2:]),
                                num_steps=num_steps,
                                generator=generator,
                                sampler=sampler,
                                model_output=mask_output)
        _, labels = self.data_preprocessor.decode(
            torch.cat([clean.to(bits.dtype), bits], 1), invalid_index=invalid_index)
        return labels

    def predict(self, inputs: Tensor, data_samples=None) -> List[SegDataSample]:
        """Generate one pair per input, of the input's size (the inputs are not used)."""
        out = self.sample(inputs.shape[0], size=tuple(inputs.shape[-2:]))
        return self.pack_samples(out, data_samples, inputs.shape[0])
