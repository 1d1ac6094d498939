from .data_preprocessors import JointDataPreprocessor
from .denoisers import DiffusersUNet2D
from .generators import GeneratedPairs, JointDDPM, JointSuperRes, NonFiniteLossError, PairCondition

__all__ = [
    'JointDataPreprocessor', 'DiffusersUNet2D', 'JointDDPM', 'JointSuperRes', 'NonFiniteLossError',
    'GeneratedPairs', 'PairCondition'
]
