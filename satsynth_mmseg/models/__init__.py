from .data_preprocessors import JointDataPreprocessor
from .denoisers import DiffusersUNet2D, SPADEUNet
from .generators import (GeneratedPairs, JointDDPM, JointSuperRes, MaskToImageDDPM,
                         NonFiniteLossError, PairCondition)

__all__ = [
    'JointDataPreprocessor', 'DiffusersUNet2D', 'SPADEUNet', 'JointDDPM', 'JointSuperRes',
    'MaskToImageDDPM', 'NonFiniteLossError', 'GeneratedPairs', 'PairCondition'
]
