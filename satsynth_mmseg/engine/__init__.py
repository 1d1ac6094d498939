from .hooks import GeneratorDataCheckHook, SampleGridHook

__all__ = ['SampleGridHook', 'GeneratorDataCheckHook']
