"""The diffusion machinery shared by the plugin's diffusion generators: one class holds the
whole training step (targets, weights, the hybrid loss, self-conditioning) and the whole
sampling loop (any diffusers sampler, learned variance, fast GPU sampling), so that each family
only says what it is conditioned on. Just over 400 lines: the training step and the sampling
loop share the schedule, the output split and ``prediction_type`` state, which is the point of
having one class."""
from __future__ import annotations
import copy
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from diffusers import DDPMScheduler
from diffusers.utils.torch_utils import randn_tensor
from torch import Tensor

from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from ...bits import valid_pixel_mask
from ...diffusion import (build_noise_scheduler, build_sampler, min_snr_weight, training_target,
                          x0_from_model_output)
from ...diffusion.variational_bound import vlb_term
from ...utils.errors import ConfigError
from .base_generator import BaseGenerator, check_size_fits, fill_or_check

Generator = Union[None, torch.Generator, List[torch.Generator]]


class DiffusionGenerator(BaseGenerator):
    """The diffusion machinery the plugin's diffusion generators share (``JointDDPM``,
    ``JointSuperRes``, ``MaskToImageDDPM``): the training schedule and its loss, the denoiser
    call, sampling by any diffusers sampler, fast GPU sampling.

    Training minimises ``|| target - f_theta(x_t, t) ||^2`` with ``x_t = sqrt(abar_t) x_0 +
    sqrt(1 - abar_t) eps`` and the target of the schedule's ``prediction_type``
    (:mod:`satsynth_mmseg.diffusion.prediction`), reported as ``loss_image`` over the image
    channels and ``loss_mask`` over the bit channels (masked at ignored pixels, weighted by
    ``mask_loss_weight``). A non-finite loss raises :class:`NonFiniteLossError` before any
    backward pass or optimizer step. Not registered: a family subclasses it, says what it is
    conditioned on (:meth:`condition`, :attr:`condition_channels`) and how it samples.

    Args:
        denoiser: config of the network, e.g. ``dict(type='DiffusersUNet2D', ...)``;
            ``in_channels``, ``out_channels`` and ``sample_size`` are filled in.
        num_classes: K, classes of the label maps (2..256).
        image_channels: C, image bands (3 RGB, 1 SAR, N multispectral).
        ignore_index: "no label" value of the masks (>= K), or None.
        noise_scheduler: training schedule, a ``TASK_UTILS`` config
            (default: ``DDPMScheduler`` with 1000 linear-beta steps).
        sampler: default sampler for :meth:`sample`, a ``TASK_UTILS`` config or a name
            (``'ddpm'``, ``'ddim'``, ``'dpm-solver++'``), with optional ``num_inference_steps``.
        sample_size: (H, W) or int, the size :meth:`sample` generates by default.
        mask_loss_weight: weight of ``loss_mask``.
        snr_gamma: Min-SNR-γ loss weighting (Hang et al., ICCV 2023): each sample's loss is
            weighted by ``min(SNR(t), γ) / SNR(t)`` for ε-prediction (``/ (SNR(t) + 1)`` for
            v-prediction, ``min(SNR(t), γ)`` for x₀-prediction), SNR from diffusers'
            ``compute_snr``; the paper uses γ = 5. None: the plain (unweighted) loss.
        learn_sigma: learn the reverse-process variance (Nichol & Dhariwal 2021, eq. 15): the
            denoiser gets twice the output channels, the second half interpolating between
            beta~_t and beta_t; trained with the hybrid loss ``L_simple + vlb_weight L_vlb``
            (``loss_vlb``, :mod:`satsynth_mmseg.diffusion.variational_bound`) and sampled
            with it by the DDPM sampler (diffusers' ``learned_range``); DDIM / DPM-Solver++
            use only the mean output.
        vlb_weight: λ of the hybrid loss (the paper: 0.001).
        self_condition: condition the denoiser on its own previous x_0 estimate (Chen et al.
            2022, Analog Bits, section 3.3): the denoiser gets the joint channels twice more
            as input; in training, half of the batches first estimate x_0 with a zero
            estimate (no gradient) and feed that back; in sampling, each step feeds the x_0
            estimate of the previous step (clipped to [-1, 1]).
        data_preprocessor: config of :class:`JointDataPreprocessor`; ``num_classes``,
            ``image_channels`` and ``ignore_index`` are filled in.
        init_cfg: mmengine init config.
    """

    def __init__(self,
                 denoiser: dict,
                 num_classes: int,
                 image_channels: int = 3,
                 ignore_index: Optional[int] = 255,
                 noise_scheduler: Optional[dict] = None,
                 sampler: Union[str, dict, None] = None,
                 sample_size: Union[int, Sequence[int]] = 64,
                 mask_loss_weight: float = 1.0,
                 snr_gamma: Optional[float] = None,
                 learn_sigma: bool = False,
                 vlb_weight: float = 0.001,
                 self_condition: bool = False,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(num_classes, image_channels, ignore_index, sample_size, data_preprocessor,
                         init_cfg)
        self.num_bits = self.data_preprocessor.num_bits
        self.mask_loss_weight = mask_loss_weight
        if snr_gamma is not None and not snr_gamma > 0:
            raise ConfigError(f'snr_gamma must be > 0 (Min-SNR uses 5), got {snr_gamma}')
        self.snr_gamma = snr_gamma
        if not vlb_weight >= 0:
            raise ConfigError(f'vlb_weight must be >= 0 (Improved DDPM uses 0.001), got '
                              f'{vlb_weight}')
        self.learn_sigma = bool(learn_sigma)
        self.vlb_weight = float(vlb_weight)
        self.self_condition = bool(self_condition)

        denoiser = copy.deepcopy(dict(denoiser))
        for key, value in self.denoiser_fill_in().items():
            fill_or_check(denoiser, key, value, 'denoiser')
        denoiser.setdefault('sample_size', self.sample_size)
        self.denoiser = MODELS.build(denoiser)
        self.check_size(self.sample_size, 'sample_size')

        self.noise_scheduler = build_noise_scheduler(
            noise_scheduler
            or dict(type='DDPMScheduler', num_train_timesteps=1000, beta_schedule='linear'))
        self.sampler_cfg = sampler or dict(type='DDIMScheduler', num_inference_steps=50)
        build_sampler(self.sampler_cfg, self.noise_scheduler)  # fail early on a bad config

    #: channels concatenated to x_t as the denoiser's condition (0: unconditional)
    condition_channels = 0
    #: the denoiser sees the mask channels' own timestep (set by :class:`JointDDPM`)
    mask_timestep_embedding = False

    # ------------------------------------------------------------------- fast sampling (GPU)
    def enable_fast_sampling(self,
                             dtype: Optional[torch.dtype] = None,
                             channels_last: bool = False,
                             compile_mode: Optional[str] = None,
                             compile_backend: str = 'inductor') -> 'DiffusionGenerator':
        """Opt-in speed-ups of :meth:`run_sampler` for GPUs (results change in the last bits).

        Args:
            dtype: autocast dtype of the denoiser's forward passes (``torch.bfloat16`` on
                Ampere and later; None: float32). Its output is cast back to float32 before
                the scheduler step, so the sampler math and x_t stay float32.
            channels_last: store the denoiser's weights channels-last (NHWC convolutions,
                what tensor cores want).
            compile_mode: ``torch.compile`` the denoiser with this mode: ``'default'``,
                ``'reduce-overhead'`` (CUDA graphs: the launch overhead of a small U-Net's
                hundreds of kernels per step is what bounds sampling at 64 px) or
                ``'max-autotune'``; None keeps it eager. The compiled module is kept outside
                the module tree, so ``state_dict`` and checkpoints are unchanged.
            compile_backend: ``torch.compile``'s backend (``'eager'`` for tests).

        Returns:
            self.
        """
        self._sample_dtype = dtype
        if channels_last:
            self.denoiser.to(memory_format=torch.channels_last)
        compiled = None
        if compile_mode is not None:
            compiled = torch.compile(self.denoiser, mode=compile_mode, backend=compile_backend)
        # plain attribute, not a registered submodule: no '_orig_mod.' keys in state_dict
        object.__setattr__(self, '_compiled_denoiser', compiled)
        return self

    @property
    def denoiser_fn(self):
        """What to call for a denoiser forward pass: the compiled denoiser after
        :meth:`enable_fast_sampling` with a ``compile_mode``, else :attr:`denoiser`."""
        compiled = self.__dict__.get('_compiled_denoiser')
        return self.denoiser if compiled is None else compiled

    def _sampling_autocast(self, device: torch.device):
        dtype = self.__dict__.get('_sample_dtype')
        return torch.autocast(device.type, dtype=dtype, enabled=dtype is not None)

    def denoiser_fill_in(self) -> dict:
        """Denoiser arguments the generator fills in from the data: here the joint tensor
        (plus any concatenated condition) in, the joint tensor out."""
        joint = self.data_preprocessor.joint_channels
        return dict(
            in_channels=joint * (2 if self.self_condition else 1) + self.condition_channels,
            out_channels=self.output_channels(joint))

    def output_channels(self, data_channels: int) -> int:
        """The denoiser's output channels for data of ``data_channels``: twice as many when
        it also predicts the variance."""
        return data_channels * (2 if self.learn_sigma else 1)

    def split_output(self, out: Tensor) -> Tuple[Tensor, Optional[Tensor]]:
        """The denoiser's output -> ``(mean output, variance output or None)``: epsilon / v /
        x_0 as the schedule says, and with ``learn_sigma`` the variance interpolation in
        [-1, 1] (its second half of the channels)."""
        if not self.learn_sigma:
            return out, None
        mean, v = out.chunk(2, dim=1)
        return mean, v

    def x0_estimate(self, x_t: Tensor, mean_output: Tensor, t: Tensor) -> Tensor:
        """x_0 implied by a mean output at timesteps ``t``, clipped to [-1, 1]."""
        return x0_from_model_output(self.noise_scheduler, x_t, mean_output,
                                    t).clamp(-1, 1).to(x_t.dtype)

    def check_size(self, size: Sequence[int], what: str = 'size') -> None:
        """Raise a clear error when the denoiser cannot take (H, W) = ``size``."""
        multiple = getattr(self.denoiser, 'size_multiple', 1)
        check_size_fits(size, multiple, what)

    @property
    def num_train_timesteps(self) -> int:
        """T, the length of the training schedule."""
        return self.noise_scheduler.config.num_train_timesteps

    # ----------------------------------------------------------------------------- training
    def forward(self,
                inputs: Tensor,
                data_samples: Optional[List[SegDataSample]] = None,
                mode: str = 'tensor',
                timesteps: Optional[Tensor] = None,
                condition: Optional[Tensor] = None):
        """mmengine entry point.

        Args:
            inputs: joint tensor (N, C + B, H, W) from the data preprocessor.
            data_samples: the batch's ``SegDataSample`` list.
            mode: ``'loss'`` -> dict of losses; ``'predict'`` -> one generated pair per input,
                as ``SegDataSample`` with ``pred_sem_seg`` and a ``gen_img`` field;
                ``'tensor'`` -> the raw model output for ``inputs`` taken as ``x_t``.
            timesteps: (N,) timesteps for ``'tensor'`` mode (default 0).
            condition: for a conditional model in ``'tensor'`` mode, the (N, C_cond, H, W)
                condition; default: :meth:`condition` of ``inputs`` taken as the clean pair.
        """
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            if timesteps is None:
                timesteps = torch.zeros(inputs.shape[0], dtype=torch.long, device=inputs.device)
            if condition is None and self.condition_channels:
                condition = self.condition(inputs)
            return self.predict_model_output(inputs, timesteps, condition)
        raise ValueError(f'invalid mode {mode!r}; use "loss", "predict" or "tensor"')

    def loss(self, inputs: Tensor, data_samples=None) -> Dict[str, Tensor]:
        """Epsilon-prediction losses for a batch.

        Args:
            inputs: x_0, (N, C + B, H, W) in [-1, 1]; ignored pixels have 0 in all bit channels.
            data_samples: the batch's samples; one without ``gt_sem_seg`` is an unlabelled
                image (see :meth:`labelled_samples` and :meth:`mask_timesteps`).

        Returns:
            ``dict(loss_image=scalar, loss_mask=scalar)``.
        """
        self.check_size(inputs.shape[-2:], 'a training batch of size')
        labelled = self.labelled_samples(inputs, data_samples)
        n = inputs.shape[0]
        cond = self.condition(inputs)
        x0 = self.to_diffusion_space(inputs, cond)
        noise = torch.randn_like(x0)
        t = torch.randint(0, self.num_train_timesteps, (n, ), device=x0.device)
        t_mask = self.mask_timesteps(t, labelled)
        x_t = self.per_modality(self.noise_scheduler.add_noise, t, t_mask, x0, noise)
        pred, v = self.split_output(self.training_output(x_t, t, cond, t_mask))
        target = self.per_modality(self._target, t, t_mask, x0, noise)
        err = (pred.float() - target.float()).pow(2)
        c = self.image_channels
        w = self.loss_weights(t)  # (N,)
        w_mask = w if t_mask is None else self.loss_weights(t_mask)
        # unlabelled samples have all-zero bits, so no valid pixel: no mask loss, no gradient
        valid = valid_pixel_mask(inputs[:, c:]).to(err.dtype)  # (N, 1, H, W)
        valid = valid * labelled.to(err.dtype)[:, None, None, None]
        loss_mask = ((err[:, c:] * valid).sum(dim=(1, 2, 3)) *
                     w_mask).sum() / (valid.sum() * self.num_bits).clamp_min(1.0)
        loss_image = (err[:, :c].mean(dim=(1, 2, 3)) * w).mean()
        losses = dict(loss_image=loss_image, loss_mask=self.mask_loss_weight * loss_mask)
        if v is not None:
            weight = torch.cat([torch.ones_like(x0[:, :c]), valid.expand_as(x0[:, c:])], 1)
            losses['loss_vlb'] = self.vlb_loss(x0, x_t, t, pred, v, weight, t_mask)
        self._check_finite(losses)
        return losses

    def mask_timesteps(self, t: Tensor, labelled: Tensor) -> Optional[Tensor]:
        """The mask channels' timesteps (N,) for image timesteps ``t``, or None when the
        mask is noised with ``t`` too (here: always; :class:`JointDDPM` with
        ``mask_timestep_embedding`` draws its own)."""
        return None

    def per_modality(self, fn, t: Tensor, t_mask: Optional[Tensor], *tensors: Tensor) -> Tensor:
        """``fn(*tensors, t)`` with the image channels at ``t`` and the mask channels at
        ``t_mask`` (the UniDiffuser split, Bao et al. 2023); all channels at ``t`` when
        ``t_mask`` is None."""
        if t_mask is None:
            return fn(*tensors, t)
        c = self.image_channels
        image = fn(*[x[:, :c] for x in tensors], t)
        mask = fn(*[x[:, c:] for x in tensors], t_mask)
        return torch.cat([image, mask], 1)

    def vlb_loss(self,
                 x0: Tensor,
                 x_t: Tensor,
                 t: Tensor,
                 pred: Tensor,
                 v: Tensor,
                 weight: Optional[Tensor] = None,
                 t_mask: Optional[Tensor] = None) -> Tensor:
        """``λ T mean(L_t)`` of the hybrid loss (Nichol & Dhariwal 2021, eq. 16), the mean
        over the elements with ``weight`` 1 (all by default); the mean output is detached,
        so the term trains only the variance. ``t_mask``: the mask channels' timesteps."""
        term = self.per_modality(
            lambda a, b, p, w, tt: vlb_term(self.noise_scheduler, a, b, tt, p, w), t, t_mask, x0,
            x_t, pred.detach(), v)
        if weight is None:
            mean = term.mean()
        else:
            mean = (term * weight).sum() / weight.sum().clamp_min(1.0)
        return self.vlb_weight * self.num_train_timesteps * mean

    def training_output(self,
                        x_t: Tensor,
                        t: Tensor,
                        cond: Optional[Tensor],
                        t_mask: Optional[Tensor] = None) -> Tensor:
        """The denoiser's output while training; with ``self_condition``, half of the batches
        first estimate x_0 without gradient and condition on that estimate (Chen et al.
        2022, Algorithm 1)."""
        self_cond = None
        if self.self_condition and bool(torch.rand(()) < 0.5):
            with torch.no_grad():
                first, _ = self.split_output(self.predict_model_output(x_t, t, cond, t_mask=t_mask))
                self_cond = self.per_modality(lambda a, b, tt: self.x0_estimate(a, b, tt), t,
                                              t_mask, x_t, first)
        return self.predict_model_output(x_t, t, cond, self_cond=self_cond, t_mask=t_mask)

    def to_diffusion_space(self, x0: Tensor, cond: Optional[Tensor]) -> Tensor:
        """The data the diffusion runs on, from the encoded pair and the condition (here the
        pair itself; a residual super-resolution model subtracts its interpolation)."""
        return x0

    def from_diffusion_space(self, x: Tensor, cond: Optional[Tensor]) -> Tensor:
        """Inverse of :meth:`to_diffusion_space` for a sample."""
        return x

    def loss_weights(self, t: Tensor) -> Tensor:
        """Per-sample loss weights (N,): ones, or Min-SNR-γ's (see ``snr_gamma``)."""
        if self.snr_gamma is None:
            return torch.ones(t.shape[0], device=t.device)
        return min_snr_weight(self.noise_scheduler, t, self.snr_gamma)

    def condition(self, x0: Tensor) -> Optional[Tensor]:
        """What the denoiser is conditioned on while training on ``x0`` (here: nothing)."""
        return None

    def predict_model_output(self,
                             x_t: Tensor,
                             t: Tensor,
                             cond: Optional[Tensor] = None,
                             self_cond: Optional[Tensor] = None,
                             t_mask: Optional[Tensor] = None) -> Tensor:
        """The network's output for ``x_t`` at timesteps ``t``, given the condition (if any)
        and, with ``self_condition``, the previous x_0 estimate (zeros when None), all
        concatenated along the channels: epsilon, v or x_0 as the schedule's
        ``prediction_type`` says (diffusers calls it the model output), followed by the
        variance output with ``learn_sigma``. With ``mask_timestep_embedding`` the denoiser
        also sees the mask channels' timesteps ``t_mask`` (default: ``t``, as in sampling)."""
        parts = [x_t]
        if self.self_condition:
            parts.append(torch.zeros_like(x_t) if self_cond is None else self_cond.to(x_t))
        if cond is not None:
            parts.append(cond.to(x_t))
        x = parts[0] if len(parts) == 1 else torch.cat(parts, 1)
        if self.mask_timestep_embedding:
            t_mask = t if t_mask is None else t_mask
            return self.denoiser_fn(x, t,
                                    t_mask.expand(x.shape[0]) if t_mask.dim() == 0 else t_mask)
        return self.denoiser_fn(x, t)

    def _target(self, x0: Tensor, noise: Tensor, t: Tensor) -> Tensor:
        return training_target(self.noise_scheduler, x0, noise, t)

    # ----------------------------------------------------------------------------- sampling
    def run_sampler(self,
                    shape: Tuple[int, ...],
                    num_steps: Optional[int] = None,
                    generator: Generator = None,
                    sampler: Union[str, dict, None] = None,
                    progress: bool = False,
                    cond: Optional[Tensor] = None,
                    model_output=None) -> Tensor:
        """The reverse process from pure noise of ``shape`` to x_0 (a float tensor).

        Noise is drawn with ``generator`` (one per sample keeps samples independent of the
        batch); every step the denoiser sees ``cond`` (if any) next to x_t.
        ``model_output(x_t, t, cond)`` replaces :meth:`predict_model_output` (e.g.
        classifier-free guidance).
        """
        model_output = model_output or self.predict_model_output
        sched, steps = build_sampler(
            sampler or self.sampler_cfg, self.noise_scheduler, num_inference_steps=num_steps)
        learned_range = self.learn_sigma and isinstance(sched, DDPMScheduler)
        if learned_range:  # diffusers' DDPM step samples the learned variance
            sched = DDPMScheduler.from_config(sched.config, variance_type='learned_range')
        device = next(self.denoiser.parameters()).device
        dtype = next(self.denoiser.parameters()).dtype
        sched.set_timesteps(steps, device=device)
        x = randn_tensor(shape, generator=generator, device=device, dtype=dtype)
        x = x * sched.init_noise_sigma
        timesteps = sched.timesteps
        if progress:
            from tqdm.auto import tqdm
            timesteps = tqdm(timesteps, desc=f'sampling ({type(sched).__name__}, {steps} steps)')
        x0_prev = None
        compiled = self.__dict__.get('_compiled_denoiser') is not None
        for t in timesteps:
            x_in = sched.scale_model_input(x, t)
            tt = t.expand(shape[0])
            extra = dict(self_cond=x0_prev) if self.self_condition else {}
            if compiled:
                # a fresh tensor, not a view into `timesteps` at a new offset every step
                # (which a compiled graph may treat as a new input layout), and a new CUDA
                # graph step: reduce-overhead may reuse the memory of the last step's outputs
                tt = tt.clone()
                torch.compiler.cudagraph_mark_step_begin()
            with self._sampling_autocast(x.device):
                out = model_output(x_in, tt, cond, **extra)
            out = out.to(x.dtype)
            mean, _ = self.split_output(out)
            if self.self_condition:
                x0_prev = self.x0_estimate(x_in, mean, tt)
            x = sched.step(out if learned_range else mean, t, x, generator=generator).prev_sample
        return x
