"""Learned reverse-process variance and the variational-bound term of the hybrid loss.

No weights live here: functions of the training schedule (a diffusers ``DDPMScheduler``) and
of tensors. Notation of Ho et al. 2020 / Nichol & Dhariwal 2021 ("Improved DDPM"):

* posterior ``q(x_{t-1} | x_t, x_0) = N(mu~_t, beta~_t I)`` with (Ho et al. eq. 6-7)
  ``mu~_t = sqrt(abar_{t-1}) beta_t / (1 - abar_t) x_0 + sqrt(alpha_t) (1 - abar_{t-1}) /
  (1 - abar_t) x_t`` and ``beta~_t = (1 - abar_{t-1}) / (1 - abar_t) beta_t``;
* learned variance by interpolation (Nichol & Dhariwal eq. 15): the network's extra output
  ``v`` in [-1, 1] gives ``log Sigma = frac log beta_t + (1 - frac) log beta~_t``,
  ``frac = (v + 1) / 2`` -- diffusers' ``variance_type='learned_range'``, which samples it;
* the variational bound's term at t (eq. 4-5): ``L_t = KL(q(x_{t-1} | x_t, x_0) ||
  p(x_{t-1} | x_t))`` for t > 0 and the decoder NLL ``-log p(x_0 | x_1)`` (discretised
  Gaussian over 256 bins in [-1, 1]) at t = 0, in bits per dimension;
* the hybrid loss ``L_simple + lambda L_vlb`` (eq. 16, lambda = 0.001) where ``L_vlb`` sums
  ``L_t`` over the T steps, estimated from one uniform t as ``T L_t``; the mean of the
  ``p`` used in ``L_t`` is computed from a *detached* network output, so ``L_vlb`` trains
  only the variance (section 3.1).
"""
from __future__ import annotations
import math

import torch
from torch import Tensor

from .prediction import _at, x0_from_model_output

__all__ = [
    'x0_from_model_output', 'posterior_mean_log_variance', 'learned_log_variance', 'normal_kl',
    'discretized_gaussian_nll', 'vlb_term'
]


def _abar_prev(scheduler) -> Tensor:
    abar = scheduler.alphas_cumprod.float()
    return torch.cat([abar.new_ones(1), abar[:-1]])


def posterior_mean_log_variance(scheduler, x0: Tensor, x_t: Tensor, t: Tensor):
    """``mu~_t`` and ``log beta~_t`` of ``q(x_{t-1} | x_t, x_0)`` (Ho et al. eq. 7).

    ``log beta~_0`` (beta~_0 = 0) is replaced by ``log beta~_1``, as improved-diffusion does,
    so that the learned-range interpolation stays finite at t = 0.

    Returns:
        ``(mean (N, C, H, W), log_variance (N, 1, 1, 1))``.
    """
    betas = scheduler.betas.float()
    abar = scheduler.alphas_cumprod.float()
    abar_prev = _abar_prev(scheduler)
    var = betas * (1 - abar_prev) / (1 - abar)
    log_var = torch.log(torch.cat([var[1:2], var[1:]]))
    coef0 = betas * abar_prev.sqrt() / (1 - abar)
    coeft = (1 - abar_prev) * (1 - betas).sqrt() / (1 - abar)
    mean = _at(coef0, t, x0) * x0.float() + _at(coeft, t, x_t) * x_t.float()
    return mean, _at(log_var, t, x_t)


def learned_log_variance(scheduler, v: Tensor, t: Tensor) -> Tensor:
    """``log Sigma_theta`` from the network's variance output ``v`` in [-1, 1] (N, C, H, W)
    (Nichol & Dhariwal eq. 15), elementwise."""
    _, min_log = posterior_mean_log_variance(scheduler, v, v, t)
    max_log = _at(torch.log(scheduler.betas.float()), t, v)
    frac = (v.float() + 1) / 2
    return frac * max_log + (1 - frac) * min_log


def normal_kl(mean1: Tensor, logvar1: Tensor, mean2: Tensor, logvar2: Tensor) -> Tensor:
    """KL(N(mean1, e^logvar1) || N(mean2, e^logvar2)) per element, in nats."""
    return 0.5 * (-1.0 + logvar2 - logvar1 + torch.exp(logvar1 - logvar2) +
                  (mean1 - mean2).pow(2) * torch.exp(-logvar2))


def discretized_gaussian_nll(x: Tensor, mean: Tensor, log_scale: Tensor) -> Tensor:
    """``-log P(x)`` in nats per element of data in [-1, 1] quantised to 256 levels, under a
    Gaussian of ``mean`` and std ``exp(log_scale)`` integrated over each level's bin (the
    edge bins reach to -inf / +inf; Ho et al. 2020, eq. 13)."""
    inv = torch.exp(-log_scale)
    upper = torch.special.ndtr(inv * (x - mean + 1.0 / 255))
    lower = torch.special.ndtr(inv * (x - mean - 1.0 / 255))
    prob = torch.where(x < -0.999, upper, torch.where(x > 0.999, 1.0 - lower, upper - lower))
    return -torch.log(prob.clamp_min(1e-12))


def vlb_term(scheduler, x0: Tensor, x_t: Tensor, t: Tensor, model_output: Tensor,
             v: Tensor) -> Tensor:
    """``L_t`` per element (N, C, H, W) in bits: the KL of the posterior from the model's
    ``p(x_{t-1} | x_t)`` where t > 0, the decoder NLL where t = 0.

    Args:
        scheduler: the training schedule (``prediction_type`` says what ``model_output`` is).
        x0, x_t: clean and noised data (N, C, H, W).
        t: integer timesteps (N,).
        model_output: the network's mean output (epsilon, v or x_0); pass it detached for the
            hybrid loss.
        v: the network's variance output in [-1, 1].
    """
    x0_pred = x0_from_model_output(scheduler, x_t, model_output, t)
    true_mean, true_log_var = posterior_mean_log_variance(scheduler, x0, x_t, t)
    model_mean, _ = posterior_mean_log_variance(scheduler, x0_pred, x_t, t)
    model_log_var = learned_log_variance(scheduler, v, t)
    kl = normal_kl(true_mean, true_log_var.expand_as(true_mean), model_mean, model_log_var)
    nll = discretized_gaussian_nll(x0.float(), model_mean, 0.5 * model_log_var)
    first = (t == 0).reshape(-1, *([1] * (x0.dim() - 1)))
    return torch.where(first, nll, kl) / math.log(2.0)
