"""Loading transforms for N-band rasters (SAR, multispectral) and their label rasters."""
from __future__ import annotations
from typing import Dict, Optional, Sequence

import numpy as np
from mmcv.transforms import BaseTransform

from mmseg.registry import TRANSFORMS
from ...utils.errors import DataError
from ..band_norm import BandNorm
from ..raster_io import read_raster


@TRANSFORMS.register_module()
class LoadRasterFromFile(BaseTransform):
    """Load an N-band image (GeoTIFF, HDF5, ``.npy``, PNG) and normalise it per band.

    Use it in place of mmseg's ``LoadImageFromFile`` for rasters that are not 8-bit RGB:
    Sentinel-1 SAR (2 float bands in dB), Sentinel-2 (13 bands), RGB+NIR tiles. Pixels that are
    NaN/inf in any band, or equal the file's no-data value, are marked in ``nodata_mask``
    and get ``fill_value``; :class:`LoadRasterAnnotations` then makes them ignored (255).

    Required keys: ``img_path``.
    Added keys: ``img`` (H, W, C), ``img_shape``, ``ori_shape``, ``nodata_mask`` (bool (H, W)).

    Args:
        norm: per-band normalisation to [-1, 1] (:class:`~..band_norm.BandNorm` config, e.g.
            ``dict(type='range', low=[-30, -38], high=[5, -5])``); with it ``img`` is float32
            in [-1, 1]. None keeps the file's values (e.g. 8-bit bands for a model that scales
            them itself).
        bands: 0-based band indices to keep, in this order (default: all).
        num_bands: bands the model expects; a file with another count is an error naming it.
        band_axis: axis of the bands in HDF5/``.npy`` arrays (0 or -1).
        hdf5_key: dataset inside HDF5 files (default: the only one).
        fill_value: value of no-data pixels in ``img`` (after normalisation; 0 is mid-range).
        to_float32: with ``norm=None``, convert to float32 anyway.
    """

    def __init__(self,
                 norm: Optional[dict] = None,
                 bands: Optional[Sequence[int]] = None,
                 num_bands: Optional[int] = None,
                 band_axis: int = 0,
                 hdf5_key: Optional[str] = None,
                 fill_value: float = 0.0,
                 to_float32: bool = False):
        self.norm = BandNorm.build(norm)
        self.bands = None if bands is None else [int(b) for b in bands]
        self.num_bands = num_bands
        self.band_axis = band_axis
        self.hdf5_key = hdf5_key
        self.fill_value = fill_value
        self.to_float32 = to_float32

    def transform(self, results: dict) -> dict:
        path = results['img_path']
        raster = read_raster(path, band_axis=self.band_axis, hdf5_key=self.hdf5_key)
        data, invalid = raster.data, raster.invalid
        if self.bands is not None:
            if max(self.bands) >= data.shape[0] or min(self.bands) < -data.shape[0]:
                raise DataError(f'{path} has {data.shape[0]} bands; bands={self.bands} asks '
                                'for others')
            data = data[self.bands]
        if self.num_bands is not None and data.shape[0] != self.num_bands:
            raise DataError(f'{path} has {data.shape[0]} bands, the model expects '
                            f'{self.num_bands}')
        if self.norm is not None:
            data = self.norm.normalize(data, path)
        elif self.to_float32:
            data = data.astype(np.float32)
        if invalid.any():
            data = data.copy()
            data[:, invalid] = self.fill_value
        img = np.ascontiguousarray(data.transpose(1, 2, 0))
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        results['nodata_mask'] = invalid
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(norm={self.norm}, bands={self.bands}, '
                f'num_bands={self.num_bands}, fill_value={self.fill_value})')


@TRANSFORMS.register_module()
class LoadRasterAnnotations(BaseTransform):
    """Load a label raster (GeoTIFF, ``.npy``, HDF5 or PNG) as ``gt_seg_map``, mmseg-style.

    Raw values are mapped by ``value_map`` first (e.g. Sen1Floods11's ``{-1: 255}``), then by the
    dataset's ``label_map`` and ``reduce_zero_label`` exactly as mmseg's ``LoadAnnotations``
    does; pixels that :class:`LoadRasterFromFile` marked as no-data become ``ignore_index``.

    Required keys: ``seg_map_path``; optional ``nodata_mask``, ``img``, ``label_map``,
    ``reduce_zero_label``.
    Added keys: ``gt_seg_map`` (uint8 (H, W)), ``seg_fields``.

    Args:
        value_map: raw value -> label applied first.
        ignore_index: label of no-data pixels.
        reduce_zero_label: overrides the dataset's setting when not None.
        hdf5_key: dataset inside HDF5 label files.
    """

    def __init__(self,
                 value_map: Optional[Dict[int, int]] = None,
                 ignore_index: int = 255,
                 reduce_zero_label: Optional[bool] = None,
                 hdf5_key: Optional[str] = None):
        self.value_map = {int(k): int(v) for k, v in (value_map or {}).items()}
        self.ignore_index = ignore_index
        self.reduce_zero_label = reduce_zero_label
        self.hdf5_key = hdf5_key

    def transform(self, results: dict) -> dict:
        path = results['seg_map_path']
        raster = read_raster(path, hdf5_key=self.hdf5_key)
        if raster.data.shape[0] != 1:
            raise DataError(f'label raster {path} has {raster.data.shape[0]} bands; labels must '
                            'be a single band of class indices (an RGB colour mask?)')
        raw = raster.data[0]
        if raw.dtype.kind == 'f':
            if not np.isfinite(raw).all() or (raw != np.round(raw)).any():
                raise DataError(f'label raster {path} holds non-integer values')
        gt = raw.astype(np.int64)
        for src, dst in self.value_map.items():
            gt[raw == src] = dst
        label_map = results.get('label_map')
        if label_map:
            mapped = gt.copy()
            for old, new in label_map.items():
                mapped[gt == old] = new
            gt = mapped
        reduce = self.reduce_zero_label
        if reduce is None:
            reduce = results.get('reduce_zero_label', False)
        if reduce:
            gt[gt == 0] = 255
            gt = gt - 1
            gt[gt == 254] = 255
        if gt.min() < 0 or gt.max() > 255:
            values = np.unique(gt[(gt < 0) | (gt > 255)])[:10].tolist()
            raise DataError(f'label raster {path} has values {values} outside 0..255 after '
                            'mapping; map them with value_map (e.g. {-1: 255} for no data)')
        img = results.get('img')
        if img is not None and img.shape[:2] != gt.shape:
            raise DataError(f'image and label sizes differ: {results.get("img_path")} is '
                            f'{img.shape[1]}x{img.shape[0]} but {path} is {gt.shape[1]}x'
                            f'{gt.shape[0]}')
        nodata = results.get('nodata_mask')
        if nodata is not None and nodata.shape == gt.shape:
            gt[nodata] = self.ignore_index
        results['gt_seg_map'] = gt.astype(np.uint8)
        results.setdefault('seg_fields', [])
        if 'gt_seg_map' not in results['seg_fields']:
            results['seg_fields'].append('gt_seg_map')
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(value_map={self.value_map}, '
                f'ignore_index={self.ignore_index}, reduce_zero_label={self.reduce_zero_label})')
