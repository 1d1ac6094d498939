from .fileio import ATOMIC_BACKEND, AtomicLocalBackend, use_atomic_checkpoints
from .hooks import (CheckpointIntegrityHook, DataSourceLoggerHook, GeneratorDataCheckHook,
                    RNGStateHook, SampleGridHook, TrainTimeBudgetHook)
from .optimizers import MultiOptimWrapperConstructor

__all__ = [
    'SampleGridHook', 'GeneratorDataCheckHook', 'DataSourceLoggerHook', 'CheckpointIntegrityHook',
    'RNGStateHook', 'MultiOptimWrapperConstructor', 'TrainTimeBudgetHook', 'ATOMIC_BACKEND',
    'AtomicLocalBackend', 'use_atomic_checkpoints'
]
