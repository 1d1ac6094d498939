from .schedulers import SAMPLER_ALIASES, build_noise_scheduler, build_sampler

__all__ = ['build_noise_scheduler', 'build_sampler', 'SAMPLER_ALIASES']
