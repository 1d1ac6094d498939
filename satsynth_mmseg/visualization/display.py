"""Turn images of any band count and dtype into RGB panels people can look at.

* 8-bit images are shown as they are (1 band grey, 3 bands RGB, more: the chosen bands);
* float images in the models' normalised range [-1, 1] are mapped linearly to 0..255;
  other float images (physical units, e.g. dB) are stretched per band between their 2nd and
  98th percentiles;
* ``display`` picks what to show for non-RGB data:

  - ``dict(type='bands', bands=(3, 2, 1))``: three bands as R, G, B (one band: grey), e.g.
    Sentinel-2 true colour B4/B3/B2 or a NIR false colour;
  - ``dict(type='sar', vv=0, vh=1)``: three panels, VV, VH (grey) and the usual SAR false
    colour R = VV, G = VH, B = VV - VH (the ratio in dB);
  - None: RGB for 3 bands, grey for 1, ``'sar'`` for 2, the first three bands otherwise.
"""
from __future__ import annotations
from typing import List, Optional

import numpy as np

DISPLAY_TYPES = ('bands', 'sar')


def to_unit(image: np.ndarray) -> np.ndarray:
    """(C, H, W) any dtype -> float32 in [0, 1] per the rules above (NaN -> 0)."""
    x = np.asarray(image)
    if x.dtype == np.uint8:
        return x.astype(np.float32) / 255
    x = x.astype(np.float32)
    finite = np.isfinite(x)
    if finite.all() and x.min() >= -1 and x.max() <= 1:
        out = (x + 1) / 2
    else:
        out = np.zeros_like(x)
        for b in range(x.shape[0]):
            v = x[b][finite[b]]
            if v.size:
                lo, hi = np.percentile(v, [2, 98])
                out[b] = (x[b] - lo) / max(hi - lo, 1e-6)
    out[~finite] = 0
    return np.clip(out, 0, 1)


def _u8(x: np.ndarray) -> np.ndarray:
    return (np.clip(x, 0, 1) * 255).round().astype(np.uint8)


def _grey(band: np.ndarray) -> np.ndarray:
    return np.repeat(_u8(band)[..., None], 3, axis=2)


def default_display(num_bands: int) -> Optional[dict]:
    return dict(type='sar', vv=0, vh=1) if num_bands == 2 else None


def display_panels(image: np.ndarray, display: Optional[dict] = None) -> List[np.ndarray]:
    """RGB panels of one image.

    Args:
        image: (C, H, W), uint8 (RGB order for 3 bands) or float.
        display: see the module docstring.

    Returns:
        list of uint8 (H, W, 3) RGB pictures.
    """
    c = image.shape[0]
    display = display if display is not None else default_display(c)
    unit = to_unit(image)
    if display is None:
        if c == 1:
            return [_grey(unit[0])]
        return [_u8(unit[:3].transpose(1, 2, 0))]
    kind = display.get('type')
    if kind == 'bands':
        bands = list(display.get('bands', (0, 1, 2)))
        if any(not -c <= b < c for b in bands):
            raise ValueError(f'display bands {bands} do not exist in a {c}-band image')
        if len(bands) == 1:
            return [_grey(unit[bands[0]])]
        return [_u8(unit[bands].transpose(1, 2, 0))]
    if kind == 'sar':
        vv, vh = unit[display.get('vv', 0)], unit[display.get('vh', 1)]
        ratio = np.clip(0.5 + (vv - vh), 0, 1)
        return [_grey(vv), _grey(vh), _u8(np.stack([vv, vh, ratio], axis=-1))]
    raise ValueError(f'unknown display type {kind!r}; use one of {DISPLAY_TYPES}')
