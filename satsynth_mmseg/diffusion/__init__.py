from .prediction import (PREDICTION_TYPES, min_snr_weight, prediction_type, training_target,
                         x0_from_model_output)
from .schedulers import SAMPLER_ALIASES, build_noise_scheduler, build_sampler

__all__ = [
    'build_noise_scheduler', 'build_sampler', 'SAMPLER_ALIASES', 'PREDICTION_TYPES',
    'prediction_type', 'training_target', 'x0_from_model_output', 'min_snr_weight'
]
