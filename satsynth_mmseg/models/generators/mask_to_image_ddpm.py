"""MaskToImageDDPM: a diffusion model of the image given its label map (semantic synthesis)."""
from __future__ import annotations
from typing import Dict, List, Optional, Union

import torch
from torch import Tensor

from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from ...utils.errors import ConfigError
from .diffusion_generator import DiffusionGenerator, Generator
from .mask_conditioned import MaskConditionedMixin
from .outputs import GeneratedPairs, PairCondition


@MODELS.register_module()
class MaskToImageDDPM(MaskConditionedMixin, DiffusionGenerator):
    """Image DDPM conditioned on a label map (SDM, Wang et al. 2022), with classifier-free
    guidance (Ho & Salimans 2022).

    The labels of D′ are given (real masks, transformed real masks, or a joint generator's
    masks) so they are right by construction; only the image is generated. The data
    preprocessor, datasets and configs are the joint model's: each training batch is the joint
    tensor (N, C + B, H, W) of :class:`JointDataPreprocessor`, from which the image x_0
    (N, C, H, W) and the label map are taken. The denoiser (e.g. :class:`SPADEUNet`) sees the
    noisy image and the one-hot map (N, K, H, W) (ignored pixels: all zeros). Training drops
    the map (all zeros) with probability ``cond_drop_prob``, so the same network also learns
    the unconditional model; sampling combines the two (Ho & Salimans 2022, eq. 6)::

        out = out(x_t, ∅) + s · (out(x_t, m) − out(x_t, ∅))

    s = 1 is the plain conditional model, s = 0 the unconditional one, s > 1 trades variety
    for fidelity to the map. The loss is the joint model's objective on the image channels
    only (``loss_image``; ε, v or x_0 prediction, optional Min-SNR-γ weighting).

    Args:
        denoiser: the network config; ``in_channels``, ``out_channels`` (C) and
            ``cond_channels`` (K) are filled in.
        num_classes: K.
        cond_drop_prob: probability of training a sample without its map (SDM: 0.2).
        guidance_scale: default s of :meth:`sample_from`.
        **kwargs: as :class:`DiffusionGenerator` (``image_channels``, ``ignore_index``,
            ``noise_scheduler``, ``sampler``, ``sample_size``, ``snr_gamma``,
            ``data_preprocessor``).
    """

    supports_guidance = True
    #: an image without a mask trains the unconditional (null-map) branch of the guidance
    unlabelled_use = 'null-map branch'

    def __init__(self, *args, cond_drop_prob: float = 0.2, guidance_scale: float = 1.5, **kwargs):
        if not 0 <= cond_drop_prob < 1:
            raise ConfigError(f'cond_drop_prob must be in [0, 1), got {cond_drop_prob}')
        if guidance_scale < 0:
            raise ConfigError(f'guidance_scale must be >= 0, got {guidance_scale}')
        self.cond_drop_prob = float(cond_drop_prob)
        self.guidance_scale = float(guidance_scale)
        if kwargs.pop('mask_loss_weight', None) not in (None, 1.0):
            raise ConfigError('MaskToImageDDPM denoises only the image: mask_loss_weight does '
                              'not apply (remove it from the model config)')
        if kwargs.get('self_condition'):
            raise ConfigError('self_condition is implemented for the joint models; '
                              'MaskToImageDDPM is conditioned on the label map instead')
        super().__init__(*args, **kwargs)

    def denoiser_fill_in(self) -> dict:
        return dict(
            in_channels=self.image_channels,
            out_channels=self.output_channels(self.image_channels),
            cond_channels=self.num_classes)

    # ----------------------------------------------------------------------------- condition
    def predict_model_output(self,
                             x_t: Tensor,
                             t: Tensor,
                             cond: Optional[Tensor] = None,
                             self_cond: Optional[Tensor] = None) -> Tensor:
        """The denoiser's output for the noisy image ``x_t`` given the one-hot map ``cond``
        (None: the unconditional branch, an all-zero map)."""
        if cond is None:
            cond = x_t.new_zeros((x_t.shape[0], self.num_classes, *x_t.shape[-2:]))
        return self.denoiser_fn(x_t, t, cond.to(x_t.dtype))

    def guided_output(self, x_t: Tensor, t: Tensor, cond: Tensor, scale: float) -> Tensor:
        """Classifier-free guided output (see the class docstring); one batched pass for
        s ∉ {0, 1}. With ``learn_sigma`` the guidance combines the mean outputs and the
        variance output is the conditional branch's (as GLIDE does)."""
        if scale == 1:
            return self.predict_model_output(x_t, t, cond)
        if scale == 0:
            return self.predict_model_output(x_t, t, None)
        out = self.predict_model_output(
            torch.cat([x_t, x_t]), torch.cat([t, t]), torch.cat([cond, torch.zeros_like(cond)]))
        (cond_mean, cond_var), (uncond_mean, _) = map(self.split_output, out.chunk(2))
        guided = uncond_mean + scale * (cond_mean - uncond_mean)
        return guided if cond_var is None else torch.cat([guided, cond_var], 1)

    # ----------------------------------------------------------------------------- training
    def loss(self, inputs: Tensor, data_samples=None) -> Dict[str, Tensor]:
        """Denoising loss of the image given its map, the map dropped with
        ``cond_drop_prob``; an unlabelled image (no ``gt_sem_seg``) always trains the null
        map (its bits are zero, so its one-hot map is all zeros anyway).

        Args:
            inputs: the joint tensor (N, C + B, H, W) in [-1, 1] of the data preprocessor.

        Returns:
            ``dict(loss_image=scalar)``, plus ``loss_vlb`` with ``learn_sigma``.
        """
        self.check_size(inputs.shape[-2:], 'a training batch of size')
        labelled = self.labelled_samples(inputs, data_samples)
        x0 = inputs[:, :self.image_channels]
        cond = self.one_hot(self.labels_of(inputs))
        keep = (torch.rand(x0.shape[0], device=x0.device) >= self.cond_drop_prob)
        keep = (keep & labelled).to(cond.dtype)  # an unlabelled image: the null map
        cond = cond * keep[:, None, None, None]
        noise = torch.randn_like(x0)
        t = torch.randint(0, self.num_train_timesteps, (x0.shape[0], ), device=x0.device)
        x_t = self.noise_scheduler.add_noise(x0, noise, t)
        pred, v = self.split_output(self.predict_model_output(x_t, t, cond))
        err = (pred.float() - self._target(x0, noise, t).float()).pow(2).mean(dim=(1, 2, 3))
        losses = dict(loss_image=(err * self.loss_weights(t)).mean())
        if v is not None:
            losses['loss_vlb'] = self.vlb_loss(x0, x_t, t, pred, v)
        self._check_finite(losses)
        return losses

    # ----------------------------------------------------------------------------- sampling
    @torch.inference_mode()
    def sample_from(self,
                    condition: PairCondition,
                    num_steps: Optional[int] = None,
                    generator: Generator = None,
                    sampler: Union[str, dict, None] = None,
                    progress: bool = False,
                    invalid_index: Optional[int] = None,
                    guidance_scale: Optional[float] = None) -> GeneratedPairs:
        """Render one image per label map.

        Args:
            condition: ``labels`` integer (N, H, W); values >= K are "no label" (an all-zero
                condition there, written back as ``invalid_index``). ``images`` is ignored.
            num_steps, generator, sampler, progress: as :meth:`JointDDPM.sample`.
            invalid_index: label of "no label" pixels in the output (default: the model's).
            guidance_scale: s (default: the model's ``guidance_scale``).

        Returns:
            :class:`GeneratedPairs`: ``images`` uint8 (N, C, H, W) (float with
            ``float_images``), ``labels`` the given maps (long, >= K -> ``invalid_index``),
            ``invalid_pixels`` the number of such pixels, ``joint`` the image sample.
        """
        scale = self.guidance_scale if guidance_scale is None else float(guidance_scale)
        if scale < 0:
            raise ValueError(f'guidance_scale must be >= 0, got {scale}')
        device = next(self.denoiser.parameters()).device
        labels = self.condition_labels(condition, device, invalid_index)
        cond = self.one_hot(labels)

        def guided(x_t, t, c, **_):
            return self.guided_output(x_t, t, c, scale)

        x = self.run_sampler((labels.shape[0], self.image_channels, *labels.shape[-2:]),
                             num_steps=num_steps,
                             generator=generator,
                             sampler=sampler,
                             progress=progress,
                             cond=cond,
                             model_output=guided)
        return self.rendered_pairs(x, labels)

    def predict(self, inputs: Tensor, data_samples=None) -> List[SegDataSample]:
        """Render a new image for the label map of each input pair."""
        out = self.sample_from(PairCondition(labels=self.labels_of(inputs)))
        return self.pack_samples(out, data_samples, inputs.shape[0])
