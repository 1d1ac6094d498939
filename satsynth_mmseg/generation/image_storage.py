"""How generated images are stored in D′: PNG for 8-bit RGB/grey, GeoTIFF/.npy otherwise.

A generator's decoded images are uint8 (8-bit models) or float32 in the pipeline's normalised
units (``float_images`` models: SAR, multispectral). :class:`ImageStorage` turns them into the
array a file holds and writes it atomically:

* ``'png'``: uint8 with 1 or 3 bands (BGR on disk, as mmcv reads it): today's D′;
* ``'tiff'`` / ``'npy'``: any band count, (C, H, W); uint8 images stay uint8, float images are
  mapped back to physical units with the loading transform's :class:`BandNorm` (SAR in dB)
  and stored as float32, so the same ``LoadRasterFromFile`` reads real and generated data.
"""
from __future__ import annotations
import dataclasses
from typing import Optional

import numpy as np

from ..datasets.band_norm import BandNorm, find_band_norm
from ..datasets.dprime_format import image_file_name
from ..datasets.raster_io import atomic_write_raster
from ..utils.atomic_io import atomic_write_png
from ..utils.errors import ConfigError

SUFFIXES = {'png': '.png', 'tiff': '.tif', 'npy': '.npy'}


def to_storage_image(image: np.ndarray) -> np.ndarray:
    """(C, H, W) RGB(-like) uint8 -> what cv2 writes: (H, W, 3) BGR, or (H, W) for 1 band."""
    c = image.shape[0]
    if c == 1:
        return image[0]
    if c == 3:
        return np.ascontiguousarray(image[::-1].transpose(1, 2, 0))
    raise ConfigError(f'{c}-band images cannot be stored as PNG; use --image-format tiff or npy')


@dataclasses.dataclass
class ImageStorage:
    """The file format of D′ images.

    Attributes:
        format: ``'png'``, ``'tiff'`` or ``'npy'``.
        float_images: the model's images are float (normalised) rather than uint8.
        norm: maps float images back to physical units (None: stored as the model gives them).
    """
    format: str = 'png'
    float_images: bool = False
    norm: Optional[BandNorm] = None

    def __post_init__(self):
        if self.format not in SUFFIXES:
            raise ConfigError(f'unknown image format {self.format!r}; use one of '
                              f'{sorted(SUFFIXES)}')
        if self.format == 'png' and self.float_images:
            raise ConfigError('float images (a float_images generator) cannot be stored as '
                              'PNG; use --image-format tiff or npy')

    @classmethod
    def for_model(cls,
                  model,
                  norm: Optional[BandNorm] = None,
                  image_format: Optional[str] = None) -> 'ImageStorage':
        """The default storage of a generator's images: PNG for uint8 1/3-band images, else
        GeoTIFF; ``image_format`` overrides it."""
        float_images = bool(getattr(model.data_preprocessor, 'float_images', False))
        if image_format is None:
            image_format = ('png'
                            if model.image_channels in (1, 3) and not float_images else 'tiff')
        if image_format == 'png' and model.image_channels not in (1, 3):
            raise ConfigError(f'{model.image_channels}-band images cannot be stored as PNG; use '
                              '--image-format tiff or npy')
        return cls(image_format, float_images, norm if float_images else None)

    @property
    def suffix(self) -> str:
        return SUFFIXES[self.format]

    @property
    def dtype(self) -> str:
        return 'float32' if self.float_images else 'uint8'

    def encode(self, image: np.ndarray) -> np.ndarray:
        """A decoded image (C, H, W) -> the array written to the file."""
        if self.format == 'png':
            return to_storage_image(image)
        if not self.float_images:
            return np.ascontiguousarray(image.astype(np.uint8))
        if self.norm is not None:
            return self.norm.denormalize(image)
        return np.ascontiguousarray(image.astype(np.float32))

    def write(self, path: str, array: np.ndarray, fsync: bool = True) -> None:
        """Write :meth:`encode`'s array to ``path`` atomically."""
        if self.format == 'png':
            atomic_write_png(path, array, fsync=fsync)
        else:
            atomic_write_raster(path, array, fsync=fsync)

    def meta(self) -> dict:
        """What ``meta.json`` records about the images."""
        return dict(
            img_suffix=self.suffix,
            image_format=self.format,
            image_dtype=self.dtype,
            band_norm=None if self.norm is None else self.norm.to_dict())

    @classmethod
    def from_meta(cls, meta: dict) -> 'ImageStorage':
        """The storage a finished D′ folder's ``meta.json`` describes."""
        fmt = meta.get('image_format', 'png')
        return cls(fmt,
                   meta.get('image_dtype', 'uint8') != 'uint8',
                   BandNorm.build(meta.get('band_norm')))


def image_name(mask_name: str, storage: Optional[ImageStorage]) -> str:
    """The image file name that goes with a mask file name (``gen_0000007.png``)."""
    return mask_name if storage is None else image_file_name(mask_name, storage.suffix)


def generator_pipeline(cfg) -> list:
    """A generator config's training pipeline (where ``LoadRasterFromFile`` and its norm
    are)."""
    dataset = cfg.get('train_dataloader', {}).get('dataset', {})
    return list(dataset.get('pipeline') or cfg.get('train_pipeline') or [])


def storage_for_generator(cfg, model, image_format: Optional[str] = None) -> ImageStorage:
    """The storage of a generator's D′: its config's band normalisation (float images are
    written in physical units) and the default or given format."""
    return ImageStorage.for_model(model, find_band_norm(generator_pipeline(cfg)), image_format)
