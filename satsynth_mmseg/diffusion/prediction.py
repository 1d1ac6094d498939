"""What a diffusion network's output means: diffusers' ``prediction_type``, in one place.

A schedule's ``prediction_type`` fixes three things, all here:

* the training target (:func:`training_target`): ε (Ho et al. 2020, eq. 14), the velocity
  ``v = sqrt(abar) eps - sqrt(1 - abar) x_0`` (Salimans & Ho 2022, eq. 13) or x₀ itself;
* the x₀ an output implies (:func:`x0_from_model_output`), eq. 13 inverted for v;
* the Min-SNR-γ loss weight (Hang et al., ICCV 2023) of each timestep
  (:func:`min_snr_weight`): ``min(SNR, γ) / SNR`` for ε, ``min(SNR, γ) / (SNR + 1)`` for v,
  ``min(SNR, γ)`` for x₀.
"""
from __future__ import annotations

import torch
from torch import Tensor

PREDICTION_TYPES = ('epsilon', 'v_prediction', 'sample')


def prediction_type(scheduler) -> str:
    """The schedule's ``prediction_type``, checked."""
    kind = scheduler.config.prediction_type
    if kind not in PREDICTION_TYPES:
        raise ValueError(f'unsupported prediction_type {kind!r}; use one of {PREDICTION_TYPES}')
    return kind


def _at(values: Tensor, t: Tensor, like: Tensor) -> Tensor:
    """``values[t]`` shaped to broadcast over ``like`` (N, ...)."""
    out = values.to(device=like.device, dtype=torch.float32)[t.long()]
    return out.reshape(-1, *([1] * (like.dim() - 1)))


def training_target(scheduler, x0: Tensor, noise: Tensor, t: Tensor) -> Tensor:
    """What the network learns to output for ``x_t = add_noise(x0, noise, t)``."""
    kind = prediction_type(scheduler)
    if kind == 'epsilon':
        return noise
    if kind == 'v_prediction':
        return scheduler.get_velocity(x0, noise, t)
    return x0


def x0_from_model_output(scheduler, x_t: Tensor, model_output: Tensor, t: Tensor) -> Tensor:
    """The x_0 estimate of a network output (N, C, H, W) at integer timesteps ``t`` (N,):
    ``(x_t - sqrt(1 - abar) eps) / sqrt(abar)`` for epsilon, ``sqrt(abar) x_t - sqrt(1 - abar)
    v`` for v-prediction, the output for ``sample``."""
    kind = prediction_type(scheduler)
    if kind == 'sample':
        return model_output
    abar = _at(scheduler.alphas_cumprod, t, x_t)
    x_t, out = x_t.float(), model_output.float()
    if kind == 'epsilon':
        return (x_t - (1 - abar).sqrt() * out) / abar.sqrt()
    return abar.sqrt() * x_t - (1 - abar).sqrt() * out


def min_snr_weight(scheduler, t: Tensor, gamma: float) -> Tensor:
    """Min-SNR-γ weights (N,) of timesteps ``t`` for the schedule's output (SNR from
    diffusers' ``compute_snr``)."""
    from diffusers.training_utils import compute_snr
    snr = compute_snr(scheduler, t).float()
    clipped = snr.clamp(max=gamma)
    kind = prediction_type(scheduler)
    if kind == 'epsilon':
        return clipped / snr
    if kind == 'v_prediction':
        return clipped / (snr + 1)
    return clipped
