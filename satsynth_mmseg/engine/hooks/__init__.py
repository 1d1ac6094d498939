from .data_check_hook import GeneratorDataCheckHook
from .sample_grid_hook import SampleGridHook

__all__ = ['SampleGridHook', 'GeneratorDataCheckHook']
