from .joint_ddpm import JointDDPM, NonFiniteLossError

__all__ = ['JointDDPM', 'NonFiniteLossError']
