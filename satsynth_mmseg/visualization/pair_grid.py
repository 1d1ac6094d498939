"""Pictures of (image, mask) pairs: colourised masks and image | mask grids."""
from __future__ import annotations
from typing import Optional, Sequence, Tuple

import numpy as np

from .display import display_panels


def colorize_labels(
    labels: np.ndarray,
    palette: Sequence[Sequence[int]],
    invalid_colour: Tuple[int, int, int] = (0, 0, 0)) -> np.ndarray:
    """Map a label map to RGB colours.

    Args:
        labels: integer array (H, W); values outside the palette (ignore index, decoded
            codes >= K) get ``invalid_colour``.
        palette: K RGB triples.
        invalid_colour: RGB colour for values >= K.

    Returns:
        uint8 array (H, W, 3), RGB.
    """
    lut = np.tile(np.asarray(invalid_colour, np.uint8), (256, 1))
    lut[:len(palette)] = np.asarray(palette, np.uint8)
    return lut[np.clip(labels, 0, 255).astype(np.int64)]


def make_pair_grid(images: np.ndarray,
                   labels: np.ndarray,
                   palette: Sequence[Sequence[int]],
                   ncols: int = 4,
                   scale: int = 1,
                   pad: int = 2,
                   pad_value: int = 255,
                   max_side: Optional[int] = 2048,
                   display: Optional[dict] = None,
                   more_labels: Optional[np.ndarray] = None) -> np.ndarray:
    """Lay out generated pairs as ``image | colourised mask`` cells on a grid.

    Args:
        images: (N, C, H, W), uint8 (RGB order for C == 3) or float (normalised [-1, 1] or
            physical units); any band count (see :mod:`.display`).
        labels: integer (N, H, W).
        palette: K RGB triples.
        ncols: pairs per row.
        scale: integer nearest-neighbour magnification (small samples are easier to see).
        pad: pixels between cells.
        pad_value: grey level of the padding.
        max_side: reduce ``scale`` so the picture stays below this many pixels, if set.
        display: how non-RGB images are shown (:func:`~.display.display_panels`): e.g.
            ``dict(type='sar')`` gives VV | VH | false colour | mask cells.
        more_labels: a second set of label maps (N, H, W) shown after the first, e.g. the
            filtered masks next to the generated ones.

    Returns:
        uint8 (H', W', 3) RGB picture.
    """
    n, _, h, w = images.shape
    panels = [display_panels(images[i], display) for i in range(n)]
    width = len(panels[0]) + 1 + (more_labels is not None)  # image panels + mask(s)
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    if max_side:
        while scale > 1 and max(nrows * h, ncols * width * w) * scale > max_side:
            scale -= 1
    ch, cw = h * scale, width * w * scale
    grid = np.full((nrows * (ch + pad) + pad, ncols * (cw + pad) + pad, 3), pad_value, np.uint8)
    for i in range(n):
        masks = [colorize_labels(labels[i], palette)]
        if more_labels is not None:
            masks.append(colorize_labels(more_labels[i], palette))
        pair = np.concatenate([*panels[i], *masks], axis=1)
        if scale > 1:
            pair = pair.repeat(scale, axis=0).repeat(scale, axis=1)
        r, c = divmod(i, ncols)
        y, x = pad + r * (ch + pad), pad + c * (cw + pad)
        grid[y:y + ch, x:x + cw] = pair
    return grid
