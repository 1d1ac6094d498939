from .pix2pix import PatchDiscriminator, UNetImageGenerator

__all__ = ['UNetImageGenerator', 'PatchDiscriminator']
