from .joint_ddpm import JointDDPM, NonFiniteLossError
from .joint_super_res import JointSuperRes
from .mask_to_image_ddpm import MaskToImageDDPM
from .outputs import GeneratedPairs, PairCondition
from .pix2pix_gan import Pix2PixGAN

__all__ = [
    'JointDDPM', 'JointSuperRes', 'MaskToImageDDPM', 'Pix2PixGAN', 'NonFiniteLossError',
    'GeneratedPairs', 'PairCondition'
]
