from .unet2d import DiffusersUNet2D

__all__ = ['DiffusersUNet2D']
