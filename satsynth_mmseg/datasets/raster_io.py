"""Read N-band rasters (GeoTIFF, HDF5, ``.npy``, ordinary images) as ``(C, H, W)`` arrays.

One reader for every raster the plugin loads: the real data (``LoadRasterFromFile``), D′
written by ``tools/generate.py`` in physical units, the band-statistics tool and the
previews. Formats, by file suffix:

* ``.tif`` / ``.tiff``: GeoTIFF through rasterio; bands first, as rasterio reads them. The
  file's ``nodata`` value, when it has one, is reported as no-data.
* ``.h5`` / ``.hdf5`` / ``.he5``: HDF5 through h5py; the dataset ``key`` (default: the only
  dataset in the file) holds ``(C, H, W)`` or ``(H, W)``, or ``(H, W, C)`` with
  ``band_axis=-1``.
* ``.npy``: NumPy arrays with the same layout rules as HDF5.
* anything else (``.png``, ``.jpg``): through mmcv as 8-bit images, turned to ``(C, H, W)``
  (BGR band order as mmcv reads it).

GeoTIFF and HDF5 need the optional packages rasterio and h5py (both in ``install_requires``);
they are imported only when such a file is read.
"""
from __future__ import annotations
import dataclasses
import io
import os.path as osp
import warnings
from typing import Any, Optional, Tuple

import numpy as np

from ..utils.atomic_io import atomic_write_bytes
from ..utils.errors import DataError

TIFF_SUFFIXES = ('.tif', '.tiff')
HDF5_SUFFIXES = ('.h5', '.hdf5', '.he5')
NPY_SUFFIXES = ('.npy', )
#: dtypes a raster may have; anything else (complex, bool, object, 64-bit integers) is refused
SUPPORTED_DTYPES = ('uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float16', 'float32',
                    'float64')


@dataclasses.dataclass
class Raster:
    """A raster read from a file.

    Attributes:
        data: (C, H, W) array in the file's dtype (one of :data:`SUPPORTED_DTYPES`).
        nodata: the file's no-data value, or None (NaN is always no-data for floats).
        path: where it was read from.
        crs, transform: the GeoTIFF's georeference (rasterio objects), or None.
    """
    data: np.ndarray
    nodata: Optional[float]
    path: str
    crs: Any = None
    transform: Any = None

    @property
    def invalid(self) -> np.ndarray:
        """Bool (H, W): pixels where any band is NaN/inf or equals the no-data value."""
        bad = np.zeros(self.data.shape[1:], bool)
        if self.data.dtype.kind == 'f':
            bad |= ~np.isfinite(self.data).all(axis=0)
        if self.nodata is not None and not np.isnan(self.nodata):
            bad |= (self.data == self.nodata).any(axis=0)
        return bad


def raster_kind(path: str) -> str:
    """``'tiff'``, ``'hdf5'``, ``'npy'`` or ``'image'`` from the file suffix."""
    suffix = osp.splitext(path)[1].lower()
    if suffix in TIFF_SUFFIXES:
        return 'tiff'
    if suffix in HDF5_SUFFIXES:
        return 'hdf5'
    if suffix in NPY_SUFFIXES:
        return 'npy'
    return 'image'


def _check_dtype(array: np.ndarray, path: str) -> None:
    if array.dtype.name not in SUPPORTED_DTYPES:
        raise DataError(f'{path}: unsupported raster dtype {array.dtype.name!r}; supported: '
                        f'{", ".join(SUPPORTED_DTYPES)}')


def _to_chw(array: np.ndarray, band_axis: int, path: str) -> np.ndarray:
    if array.ndim == 2:
        return array[None]
    if array.ndim != 3:
        raise DataError(f'{path}: expected a (C, H, W) or (H, W) raster, got shape '
                        f'{array.shape}')
    return np.moveaxis(array, band_axis, 0)


def _hdf5_dataset(f, key: Optional[str], path: str):
    import h5py
    if key is not None:
        if key not in f:
            raise DataError(f'{path}: no HDF5 dataset {key!r} (has: {sorted(f.keys())})')
        return f[key]
    found = []
    f.visititems(lambda name, obj: found.append(name) if isinstance(obj, h5py.Dataset) else None)
    if len(found) != 1:
        raise DataError(f'{path}: {len(found)} HDF5 datasets ({found[:10]}); name the image '
                        'with hdf5_key=...')
    return f[found[0]]


def read_raster(path: str, band_axis: int = 0, hdf5_key: Optional[str] = None) -> Raster:
    """Read a raster file as ``(C, H, W)``.

    Args:
        path: the file; its suffix picks the reader (see the module docstring).
        band_axis: axis of the bands in HDF5 / ``.npy`` arrays (0 or -1); GeoTIFF is always
            bands first.
        hdf5_key: dataset name inside an HDF5 file (default: its only dataset).

    Returns:
        :class:`Raster`.

    Raises:
        DataError: unreadable file, unsupported dtype or layout (the message names the file).
    """
    kind = raster_kind(path)
    nodata = crs = transform = None
    try:
        if kind == 'tiff':
            import rasterio
            from rasterio.errors import NotGeoreferencedWarning
            with warnings.catch_warnings():
                warnings.simplefilter('ignore', NotGeoreferencedWarning)
                with rasterio.open(path) as src:
                    data = src.read()
                    nodata = src.nodata
                    if src.crs is not None:
                        crs, transform = src.crs, src.transform
        elif kind == 'hdf5':
            import h5py
            with h5py.File(path, 'r') as f:
                ds = _hdf5_dataset(f, hdf5_key, path)
                data = _to_chw(ds[()], band_axis, path)
                nodata = ds.attrs.get('nodata', ds.attrs.get('_FillValue'))
        elif kind == 'npy':
            data = _to_chw(np.load(path, allow_pickle=False), band_axis, path)
        else:
            import mmcv
            img = mmcv.imread(path, flag='unchanged')
            if img is None:
                raise DataError(f'{path}: not a readable image')
            data = img[None] if img.ndim == 2 else img.transpose(2, 0, 1)
    except DataError:
        raise
    except FileNotFoundError:
        raise DataError(f'{path}: file not found') from None
    except Exception as e:  # rasterio/h5py/numpy errors on corrupt files
        raise DataError(f'{path}: cannot read it as a {kind} raster ({type(e).__name__}: '
                        f'{e})') from e
    _check_dtype(data, path)
    if nodata is not None:
        nodata = float(np.asarray(nodata).reshape(-1)[0])
    return Raster(np.ascontiguousarray(data), nodata, path, crs, transform)


def raster_size(path: str) -> Optional[Tuple[int, int, int]]:
    """``(bands, height, width)`` from the header of a GeoTIFF / HDF5 / ``.npy`` file without
    reading the pixels, or None for other formats or unreadable files."""
    kind = raster_kind(path)
    try:
        if kind == 'tiff':
            import rasterio
            from rasterio.errors import NotGeoreferencedWarning
            with warnings.catch_warnings():
                warnings.simplefilter('ignore', NotGeoreferencedWarning)
                with rasterio.open(path) as src:
                    return src.count, src.height, src.width
        if kind == 'npy':
            shape = np.load(path, mmap_mode='r', allow_pickle=False).shape
        elif kind == 'hdf5':
            import h5py
            with h5py.File(path, 'r') as f:
                shape = _hdf5_dataset(f, None, path).shape
        else:
            return None
    except Exception:
        return None
    if len(shape) == 2:
        return (1, *shape)
    return tuple(shape) if len(shape) == 3 else None


def encode_raster(data: np.ndarray,
                  kind: str = 'tiff',
                  nodata: Optional[float] = None,
                  crs: Any = None,
                  transform: Any = None) -> bytes:
    """A (C, H, W) array as the bytes of a file of ``kind`` ``'tiff'`` (GeoTIFF,
    deflate-compressed, georeferenced when ``crs``/``transform`` are given) or ``'npy'``;
    written atomically by :func:`atomic_write_raster`."""
    if data.ndim != 3:
        raise ValueError(f'expected (C, H, W), got shape {data.shape}')
    _check_dtype(data, '<array>')
    if kind == 'npy':
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(data), allow_pickle=False)
        return buf.getvalue()
    if kind != 'tiff':
        raise ValueError(f'cannot encode a raster as {kind!r}; use tiff or npy')
    from rasterio.errors import NotGeoreferencedWarning
    from rasterio.io import MemoryFile
    c, h, w = data.shape
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', NotGeoreferencedWarning)
        with MemoryFile() as mem:
            with mem.open(
                    driver='GTiff',
                    width=w,
                    height=h,
                    count=c,
                    dtype=data.dtype.name,
                    nodata=nodata,
                    crs=crs,
                    transform=transform,
                    compress='deflate') as dst:
                dst.write(data)
            return mem.read()


def atomic_write_raster(path: str,
                        data: np.ndarray,
                        nodata: Optional[float] = None,
                        fsync: bool = True,
                        crs=None,
                        transform=None) -> None:
    """Write a (C, H, W) array as GeoTIFF (``.tif``/``.tiff``, georeferenced when
    ``crs``/``transform`` are given) or ``.npy`` by the suffix of ``path``, atomically with
    :func:`atomic_write_bytes` (any dtype and band count)."""
    kind = raster_kind(path)
    atomic_write_bytes(
        path, encode_raster(data, kind, nodata=nodata, crs=crs, transform=transform), fsync=fsync)
