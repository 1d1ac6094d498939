from .base_generator import CONDITIONINGS, BaseGenerator, GeneratorCapabilities, NonFiniteLossError
from .diffusion_generator import DiffusionGenerator
from .joint_ddpm import JointDDPM
from .joint_super_res import JointSuperRes
from .mask_to_image_ddpm import MaskToImageDDPM
from .outputs import GeneratedPairs, PairCondition
from .pix2pix_gan import Pix2PixGAN

__all__ = [
    'BaseGenerator', 'GeneratorCapabilities', 'CONDITIONINGS', 'DiffusionGenerator', 'JointDDPM',
    'JointSuperRes', 'MaskToImageDDPM', 'Pix2PixGAN', 'NonFiniteLossError', 'GeneratedPairs',
    'PairCondition'
]
