"""Noise schedules and samplers: diffusers' schedulers, registered in mmseg's ``TASK_UTILS``.

No weights live here. The training schedule (forward process ``q(x_t | x_0)``, Ho et al. 2020,
eq. 4: ``x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps``) is a ``DDPMScheduler``; samplers are
built *from the training schedule's config* so they share its betas, and only their own options
(and the number of respaced inference steps) differ:

* ``DDPMScheduler``: ancestral sampling, Ho et al. 2020, eq. 11 (respaced when steps < T;
  ``ddpm-respaced``: 300 steps from T - 1 to 0, the semantic-diffusion scarce-data preset).
* ``DDIMScheduler``: Song et al. 2021, eq. 12 with eta = 0 (deterministic).
* ``DPMSolverMultistepScheduler`` with ``algorithm_type='dpmsolver++'``: Lu et al. 2022b.

Pixel-space data lives in [-1, 1]: DDPM/DDIM clip their x_0 prediction there
(``clip_sample``); DPM-Solver++ needs ``thresholding=True, sample_max_value=1.0`` for the same
effect (Saharia et al. 2022 dynamic thresholding), otherwise its x_0 = (x_t - sigma_t eps) /
alpha_t blows up at high noise where alpha_t ~ 0.006 and the samples diverge. Even so, DDIM
is the default: after clipping x_0 it re-derives eps from the clipped x_0, while DPM-Solver++
keeps the network's eps, so a model whose early x_0 estimates need heavy clipping ends with
over-saturated images and more invalid mask codes (measured in
``benchmarks/sampling_throughput.py``).

A sampler config is a dict like ``dict(type='DDIMScheduler', num_inference_steps=50)``;
``num_inference_steps`` is popped and the rest overrides the training config.
"""
from __future__ import annotations
import copy
from typing import Optional, Tuple, Union

from diffusers import (DDIMScheduler, DDPMScheduler, DPMSolverMultistepScheduler,
                       EulerAncestralDiscreteScheduler, UniPCMultistepScheduler)
from diffusers.schedulers.scheduling_utils import SchedulerMixin

from mmseg.registry import TASK_UTILS
from ..utils.errors import ConfigError, UnknownNameError

for _cls in (DDPMScheduler, DDIMScheduler, DPMSolverMultistepScheduler,
             EulerAncestralDiscreteScheduler, UniPCMultistepScheduler):
    if _cls.__name__ not in TASK_UTILS.module_dict:
        TASK_UTILS.register_module(module=_cls)

#: Short names accepted wherever a sampler is named (CLI flags, hooks).
#: Without ``num_inference_steps`` a sampler runs every step of the training schedule (T).
SAMPLER_ALIASES = {
    'ddpm':
    dict(type='DDPMScheduler'),
    'ddim':
    dict(type='DDIMScheduler', num_inference_steps=50),
    # improved-diffusion's respaced ancestral sampling (Nichol & Dhariwal 2021, sec. 4): 300
    # of the T steps, evenly spaced from T - 1 down to 0 and rounded ('linspace', as its
    # space_timesteps; diffusers' default 'leading' would start at t = 897 of 1000, from noise
    # the model never saw there); each step's beta is re-derived from abar of the kept steps,
    # and a learned variance interpolates between that beta and the posterior variance
    'ddpm-respaced':
    dict(type='DDPMScheduler', timestep_spacing='linspace', num_inference_steps=300),
    'dpm-solver++':
    dict(
        type='DPMSolverMultistepScheduler',
        algorithm_type='dpmsolver++',
        solver_order=2,
        thresholding=True,
        sample_max_value=1.0,
        num_inference_steps=20),
}


def build_noise_scheduler(cfg: Union[dict, SchedulerMixin]) -> SchedulerMixin:
    """Build the training noise schedule from a config dict (or pass an instance through)."""
    if isinstance(cfg, SchedulerMixin):
        return cfg
    return TASK_UTILS.build(cfg)


def build_sampler(cfg: Union[str, dict],
                  train_scheduler: SchedulerMixin,
                  num_inference_steps: Optional[int] = None) -> Tuple[SchedulerMixin, int]:
    """Build a fresh (stateful) sampler that shares the training schedule's betas.

    Args:
        cfg: a name from :data:`SAMPLER_ALIASES` or a ``TASK_UTILS`` config dict, optionally
            with ``num_inference_steps``.
        train_scheduler: the schedule the model was trained with.
        num_inference_steps: overrides the config's steps when given; when neither names
            any, every step of the training schedule is used.

    Returns:
        ``(scheduler, num_inference_steps)``; call ``scheduler.set_timesteps`` before use.

    Raises:
        KeyError: unknown sampler name; ValueError: steps outside [1, T].
    """
    if isinstance(cfg, str):
        if cfg not in SAMPLER_ALIASES:
            raise UnknownNameError(
                f'unknown sampler {cfg!r}; choose one of {sorted(SAMPLER_ALIASES)} '
                'or give a config dict naming a diffusers scheduler')
        cfg = SAMPLER_ALIASES[cfg]
    cfg = copy.deepcopy(dict(cfg))
    steps = cfg.pop('num_inference_steps', None)
    if num_inference_steps is not None:
        steps = num_inference_steps
    name = cfg.pop('type')
    cls = TASK_UTILS.get(name) if isinstance(name, str) else name
    if cls is None:
        raise UnknownNameError(f'sampler type {name!r} is not registered in mmseg TASK_UTILS')
    total = train_scheduler.config.num_train_timesteps
    steps = total if steps is None else int(steps)
    if not 1 <= steps <= total:
        raise ConfigError(f'sampling steps must be in [1, {total}] (the training schedule has '
                          f'{total} timesteps), got {steps}')
    return cls.from_config(train_scheduler.config, **cfg), steps
