"""The networks of the generators (``forward`` only, registered in ``MODELS``): the denoisers of
the diffusion models (diffusers' U-Net, ``SPADEUNet``) and pix2pix's generator and critic."""
from .pix2pix import PatchDiscriminator, UNetImageGenerator
from .spade_unet import SPADE, SPADEUNet
from .unet2d import DiffusersUNet2D

__all__ = ['DiffusersUNet2D', 'SPADE', 'SPADEUNet', 'UNetImageGenerator', 'PatchDiscriminator']
