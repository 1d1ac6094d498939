from .data_check_hook import GeneratorDataCheckHook
from .data_source_hook import DataSourceLoggerHook
from .sample_grid_hook import SampleGridHook

__all__ = ['SampleGridHook', 'GeneratorDataCheckHook', 'DataSourceLoggerHook']
