from .hooks import (CheckpointIntegrityHook, DataSourceLoggerHook, GeneratorDataCheckHook,
                    RNGStateHook, SampleGridHook)
from .optimizers import MultiOptimWrapperConstructor

__all__ = [
    'SampleGridHook', 'GeneratorDataCheckHook', 'DataSourceLoggerHook', 'CheckpointIntegrityHook',
    'RNGStateHook', 'MultiOptimWrapperConstructor'
]
