"""Per-band normalisation of physical raster values to the models' [-1, 1], and back.

Diffusion models and the analog bits live in [-1, 1]; satellite bands come in their own units
(SAR backscatter in dB, reflectance as 0..10000 integers, 8-bit RGB). A :class:`BandNorm` says
explicitly, per band, how one maps to the other, so that generated images can be written back
in physical units and read again by the same loading transform.

Two kinds (``type``):

* ``'range'``: ``x' = 2 (clip(x, low, high) - low) / (high - low) - 1``. ``low``/``high`` are
  per band; take them from percentiles of the training set (``tools/analyze_bands.py``
  prints them) or from the sensor's valid range. Inverse: ``low + (x' + 1) / 2 (high - low)``,
  exact for values inside ``[low, high]``.
* ``'mean_std'``: ``x' = clip((x - mean) / (k std), -1, 1)`` with ``k = num_std`` (default 3:
  values within three standard deviations keep their order and scale). Inverse:
  ``mean + k std x'``.

Both clip: a generated value outside [-1, 1] maps to the edge of the range it was trained on.
"""
from __future__ import annotations
import dataclasses
from typing import Iterable, List, Optional, Sequence

import numpy as np

from ..utils.errors import ConfigError

NORM_TYPES = ('range', 'mean_std')


def _floats(values, name: str) -> List[float]:
    if values is None:
        raise ConfigError(f'band normalisation needs {name}')
    values = [float(v) for v in np.atleast_1d(np.asarray(values, dtype=np.float64))]
    if not all(np.isfinite(values)):
        raise ConfigError(f'band normalisation {name}={values} has non-finite values')
    return values


@dataclasses.dataclass
class BandNorm:
    """Per-band mapping between physical values and [-1, 1].

    Attributes:
        type: ``'range'`` or ``'mean_std'``.
        low, high: per-band clip range (``'range'``).
        mean, std: per-band statistics (``'mean_std'``).
        num_std: half-width of the mapped interval in standard deviations (``'mean_std'``).
    """
    type: str = 'range'
    low: Optional[Sequence[float]] = None
    high: Optional[Sequence[float]] = None
    mean: Optional[Sequence[float]] = None
    std: Optional[Sequence[float]] = None
    num_std: float = 3.0

    def __post_init__(self):
        if self.type not in NORM_TYPES:
            raise ConfigError(f'unknown band normalisation type {self.type!r}; use one of '
                              f'{NORM_TYPES}')
        if self.type == 'range':
            self.low, self.high = _floats(self.low, 'low'), _floats(self.high, 'high')
            if len(self.low) != len(self.high):
                raise ConfigError(f'low has {len(self.low)} values but high {len(self.high)}')
            if any(h <= lo for lo, h in zip(self.low, self.high)):
                raise ConfigError(f'every band needs high > low, got low={self.low} '
                                  f'high={self.high}')
        else:
            self.mean, self.std = _floats(self.mean, 'mean'), _floats(self.std, 'std')
            if len(self.mean) != len(self.std):
                raise ConfigError(f'mean has {len(self.mean)} values but std {len(self.std)}')
            if any(s <= 0 for s in self.std) or self.num_std <= 0:
                raise ConfigError(f'std and num_std must be > 0, got std={self.std} '
                                  f'num_std={self.num_std}')

    @classmethod
    def build(cls, cfg) -> Optional['BandNorm']:
        """From a config dict (or an instance, or None for no normalisation)."""
        if cfg is None or isinstance(cfg, BandNorm):
            return cfg
        cfg = dict(cfg)
        unknown = set(cfg) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ConfigError(f'unknown band normalisation keys {sorted(unknown)}')
        return cls(**cfg)

    def to_dict(self) -> dict:
        keys = ('low', 'high') if self.type == 'range' else ('mean', 'std', 'num_std')
        return dict(type=self.type, **{k: getattr(self, k) for k in keys})

    @property
    def num_bands(self) -> int:
        return len(self.low if self.type == 'range' else self.mean)

    def _params(self, bands: int, path: str = ''):
        """(offset, scale), each (C, 1, 1): x' = (x - offset) / scale - 1 or similar."""
        n = self.num_bands
        if n not in (1, bands):
            where = f' ({path})' if path else ''
            raise ConfigError(f'band normalisation has {n} bands, the raster {bands}{where}')
        if self.type == 'range':
            lo = np.broadcast_to(np.asarray(self.low), (bands, ))
            hi = np.broadcast_to(np.asarray(self.high), (bands, ))
            return lo.reshape(-1, 1, 1), hi.reshape(-1, 1, 1)
        mean = np.broadcast_to(np.asarray(self.mean), (bands, ))
        half = np.broadcast_to(np.asarray(self.std) * self.num_std, (bands, ))
        return (mean - half).reshape(-1, 1, 1), (mean + half).reshape(-1, 1, 1)

    def normalize(self, data: np.ndarray, path: str = '') -> np.ndarray:
        """Physical (C, H, W) -> float32 in [-1, 1] (NaN stays NaN)."""
        lo, hi = self._params(data.shape[0], path)
        x = (data.astype(np.float64) - lo) / (hi - lo) * 2 - 1
        return np.clip(x, -1, 1).astype(np.float32)

    def denormalize(self, data: np.ndarray) -> np.ndarray:
        """[-1, 1] (C, H, W) -> float32 physical values (clipped to [-1, 1] first)."""
        lo, hi = self._params(data.shape[0])
        x = np.clip(data.astype(np.float64), -1, 1)
        return (lo + (x + 1) / 2 * (hi - lo)).astype(np.float32)


def find_raster_loader(pipeline: Iterable) -> Optional[dict]:
    """The config dict of the first ``LoadRasterFromFile`` in a pipeline config, or None."""
    for t in pipeline or []:
        if isinstance(t, dict) and t.get('type') == 'LoadRasterFromFile':
            return t
    return None


def find_band_norm(pipeline: Iterable) -> Optional[BandNorm]:
    """The ``norm`` of the first ``LoadRasterFromFile`` in a pipeline config, or None when
    there is none or it does not normalise."""
    loader = find_raster_loader(pipeline)
    return None if loader is None else BandNorm.build(loader.get('norm'))
