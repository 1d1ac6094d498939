from .analog_bits import DecodeAnalogBits, EncodeAnalogBits
from .loading import LoadRasterAnnotations, LoadRasterFromFile
from .mix import ClassAwareCopyPaste, RandomCutMix
from .rescale import RescaleUnlabelled

__all__ = [
    'RandomCutMix', 'ClassAwareCopyPaste', 'LoadRasterFromFile', 'LoadRasterAnnotations',
    'EncodeAnalogBits', 'DecodeAnalogBits', 'RescaleUnlabelled'
]
