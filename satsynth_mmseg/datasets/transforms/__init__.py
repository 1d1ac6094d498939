from .mix import ClassAwareCopyPaste, RandomCutMix

__all__ = ['RandomCutMix', 'ClassAwareCopyPaste']
