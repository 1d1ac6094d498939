from .data_preprocessors import JointDataPreprocessor
from .denoisers import DiffusersUNet2D
from .generators import JointDDPM, NonFiniteLossError

__all__ = ['JointDataPreprocessor', 'DiffusersUNet2D', 'JointDDPM', 'NonFiniteLossError']
