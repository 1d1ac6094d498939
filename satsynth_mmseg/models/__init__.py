from .data_preprocessors import JointDataPreprocessor
from .denoisers import DiffusersUNet2D
from .generators import JointDDPM, JointSuperRes, NonFiniteLossError

__all__ = ['JointDataPreprocessor', 'DiffusersUNet2D', 'JointDDPM', 'JointSuperRes',
           'NonFiniteLossError']
