from .joint_ddpm import JointDDPM, NonFiniteLossError
from .joint_super_res import JointSuperRes
from .outputs import GeneratedPairs, PairCondition

__all__ = ['JointDDPM', 'JointSuperRes', 'NonFiniteLossError', 'GeneratedPairs', 'PairCondition']
