from .joint_ddpm import JointDDPM, NonFiniteLossError
from .joint_super_res import JointSuperRes
from .mask_to_image_ddpm import MaskToImageDDPM
from .outputs import GeneratedPairs, PairCondition

__all__ = [
    'JointDDPM', 'JointSuperRes', 'MaskToImageDDPM', 'NonFiniteLossError', 'GeneratedPairs',
    'PairCondition'
]
