from .spade_unet import SPADE, SPADEUNet
from .unet2d import DiffusersUNet2D

__all__ = ['DiffusersUNet2D', 'SPADE', 'SPADEUNet']
