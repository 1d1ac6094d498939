from .hooks import (CheckpointIntegrityHook, DataSourceLoggerHook, GeneratorDataCheckHook,
                    RNGStateHook, SampleGridHook, TrainTimeBudgetHook)
from .optimizers import MultiOptimWrapperConstructor

__all__ = [
    'SampleGridHook', 'GeneratorDataCheckHook', 'DataSourceLoggerHook', 'CheckpointIntegrityHook',
    'RNGStateHook', 'MultiOptimWrapperConstructor', 'TrainTimeBudgetHook'
]
