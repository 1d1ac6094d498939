"""Per-band statistics of a raster training set, for ``LoadRasterFromFile(norm=...)``."""
from __future__ import annotations
import dataclasses
from typing import Iterable, List, Optional, Sequence

import numpy as np

from ..utils.errors import DataError

#: values per band kept for the percentiles (a seeded random subset beyond that)
MAX_PERCENTILE_VALUES = 2_000_000


@dataclasses.dataclass
class BandStats:
    """Statistics of each band over the valid (finite, not no-data) pixels.

    Attributes:
        bands: band names (or ``band0``, ``band1``, ...).
        mean, std, min, max: per band.
        percentiles: the two percentiles computed, e.g. ``(1.0, 99.0)``.
        low, high: the values at those percentiles, per band.
        valid_fraction: share of pixels that were valid in every band.
        num_images: how many rasters were read.
    """
    bands: List[str]
    mean: List[float]
    std: List[float]
    min: List[float]
    max: List[float]
    percentiles: List[float]
    low: List[float]
    high: List[float]
    valid_fraction: float
    num_images: int

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def norm(self, kind: str = 'range', num_std: float = 3.0) -> dict:
        """The ``norm`` config of ``LoadRasterFromFile`` from these statistics: ``'range'``
        clips to the percentiles, ``'mean_std'`` uses mean ± ``num_std`` std."""
        r = lambda vs: [round(float(v), 4) for v in vs]  # noqa: E731
        if kind == 'range':
            return dict(type='range', low=r(self.low), high=r(self.high))
        if kind == 'mean_std':
            return dict(type='mean_std', mean=r(self.mean), std=r(self.std), num_std=num_std)
        raise ValueError(f'unknown kind {kind!r}')


def band_statistics(images: Iterable[np.ndarray],
                    band_names: Optional[Sequence[str]] = None,
                    percentiles: Sequence[float] = (1.0, 99.0),
                    nodata: Optional[float] = None,
                    seed: int = 0) -> BandStats:
    """Mean, std, extremes and percentiles of every band.

    Args:
        images: (C, H, W) arrays with the same C; NaN/inf (and ``nodata``) pixels are skipped.
        band_names: C names.
        percentiles: two percentiles in [0, 100] for the clip range.
        nodata: a value that also marks no-data.
        seed: seed of the subsample used for the percentiles of very large sets.

    Returns:
        :class:`BandStats`.
    """
    rng = np.random.default_rng(seed)
    c = None
    total = valid = n_img = 0
    s1 = s2 = mn = mx = None
    kept: List[List[np.ndarray]] = []
    for img in images:
        img = np.asarray(img)
        if c is None:
            c = img.shape[0]
            s1, s2 = np.zeros(c), np.zeros(c)
            mn, mx = np.full(c, np.inf), np.full(c, -np.inf)
            kept = [[] for _ in range(c)]
        elif img.shape[0] != c:
            raise DataError(f'rasters have {c} and {img.shape[0]} bands')
        n_img += 1
        x = img.reshape(c, -1).astype(np.float64)
        ok = np.isfinite(x).all(0)
        if nodata is not None:
            ok &= ~(x == nodata).any(0)
        total += ok.size
        valid += int(ok.sum())
        v = x[:, ok]
        if not v.size:
            continue
        s1 += v.sum(1)
        s2 += (v * v).sum(1)
        mn, mx = np.minimum(mn, v.min(1)), np.maximum(mx, v.max(1))
        for b in range(c):
            kept[b].append(v[b].astype(np.float32))
    if c is None or valid == 0:
        raise DataError('no valid pixel in the rasters: cannot compute band statistics')
    mean = s1 / valid
    std = np.sqrt(np.maximum(s2 / valid - mean**2, 0))
    low, high = [], []
    for b in range(c):
        vals = np.concatenate(kept[b])
        if vals.size > MAX_PERCENTILE_VALUES:
            vals = rng.choice(vals, MAX_PERCENTILE_VALUES, replace=False)
        lo, hi = np.percentile(vals, list(percentiles))
        low.append(float(lo))
        high.append(float(hi))
    names = list(band_names) if band_names is not None else [f'band{b}' for b in range(c)]
    return BandStats(
        bands=names,
        mean=mean.tolist(),
        std=std.tolist(),
        min=mn.tolist(),
        max=mx.tolist(),
        percentiles=[float(p) for p in percentiles],
        low=low,
        high=high,
        valid_fraction=valid / max(total, 1),
        num_images=n_img)
