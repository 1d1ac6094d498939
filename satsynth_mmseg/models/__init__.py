from .averaging import WarmupExponentialMovingAverage
from .data_preprocessors import JointDataPreprocessor
from .denoisers import DiffusersUNet2D, SPADEUNet
from .generators import (GeneratedPairs, JointDDPM, JointSuperRes, MaskToImageDDPM,
                         NonFiniteLossError, PairCondition, Pix2PixGAN)
from .networks import PatchDiscriminator, UNetImageGenerator

__all__ = [
    'JointDataPreprocessor', 'DiffusersUNet2D', 'SPADEUNet', 'JointDDPM', 'JointSuperRes',
    'MaskToImageDDPM', 'Pix2PixGAN', 'UNetImageGenerator', 'PatchDiscriminator',
    'NonFiniteLossError', 'GeneratedPairs', 'PairCondition', 'WarmupExponentialMovingAverage'
]
