from .joint_ddpm import JointDDPM, NonFiniteLossError
from .joint_super_res import JointSuperRes

__all__ = ['JointDDPM', 'JointSuperRes', 'NonFiniteLossError']
