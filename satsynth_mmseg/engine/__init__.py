from .hooks import (CheckpointIntegrityHook, DataSourceLoggerHook, GeneratorDataCheckHook,
                    RNGStateHook, SampleGridHook)

__all__ = [
    'SampleGridHook', 'GeneratorDataCheckHook', 'DataSourceLoggerHook', 'CheckpointIntegrityHook',
    'RNGStateHook'
]
