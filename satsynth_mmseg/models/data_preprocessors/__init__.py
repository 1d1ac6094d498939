from .joint_data_preprocessor import JointDataPreprocessor

__all__ = ['JointDataPreprocessor']
