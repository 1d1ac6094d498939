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
                   more_labels: Optional[np.ndarray] = None,
                   classes: Optional[Sequence[str]] = None) -> np.ndarray:
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
        classes: the K class names; when given, a legend (swatch and name per class, black =
            ignored / invalid) is added under the grid.

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
    return grid if classes is None else add_legend(grid, classes, palette)


def add_legend(picture: np.ndarray,
               classes: Sequence[str],
               palette: Sequence[Sequence[int]],
               ignored: Optional[str] = 'ignored',
               pad_value: int = 255) -> np.ndarray:
    """``picture`` with a class legend below it: a colour swatch and the name of each class,
    wrapped into as many lines as its width needs.

    Args:
        picture: uint8 (H, W, 3) RGB.
        classes: K class names, in label order.
        palette: K RGB triples (the colours :func:`colorize_labels` uses).
        ignored: the name shown for black (ignore index and invalid codes); ``None`` for none.
        pad_value: background grey level.

    Returns:
        uint8 (H + legend height, max(W, legend width), 3) RGB.
    """
    import cv2
    entries = [(str(c), tuple(int(v) for v in palette[i])) for i, c in enumerate(classes)
               if i < len(palette)]
    if ignored:
        entries.append((ignored, (0, 0, 0)))
    font, scale, thick = cv2.FONT_HERSHEY_SIMPLEX, 0.4, 1
    sw, gap, line_h = 12, 10, 18
    width = max(picture.shape[1], 160)
    placed, x, y = [], 4, 0
    for name, colour in entries:
        tw = cv2.getTextSize(name, font, scale, thick)[0][0]
        if x > 4 and x + sw + 4 + tw > width - 4:
            x, y = 4, y + line_h
        placed.append((x, y, name, colour))
        x += sw + 4 + tw + gap
    strip = np.full((y + line_h + 4, width, 3), pad_value, np.uint8)
    for x, y, name, colour in placed:
        strip[y + 3:y + 3 + sw, x:x + sw] = colour
        cv2.rectangle(strip, (x, y + 3), (x + sw - 1, y + 2 + sw), (128, 128, 128), 1)
        cv2.putText(strip, name, (x + sw + 4, y + 13), font, scale, (0, 0, 0), thick, cv2.LINE_AA)
    top = np.full((picture.shape[0], width, 3), pad_value, np.uint8)
    top[:, :picture.shape[1]] = picture
    return np.concatenate([top, strip], axis=0)


def overlay_labels(image: np.ndarray,
                   labels: np.ndarray,
                   palette: Sequence[Sequence[int]],
                   alpha: float = 0.45) -> np.ndarray:
    """An RGB image with its colourised mask blended over it (ignored pixels left clear).

    Args:
        image: uint8 (H, W, 3) RGB.
        labels: integer (H, W).
        palette: K RGB triples.
        alpha: opacity of the mask, in [0, 1].

    Returns:
        uint8 (H, W, 3) RGB.
    """
    colours = colorize_labels(labels, palette).astype(np.float32)
    valid = (labels < len(palette))[..., None]
    out = np.where(valid, (1 - alpha) * image.astype(np.float32) + alpha * colours,
                   image.astype(np.float32))
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def make_comparison_grid(real_images: np.ndarray,
                         real_labels: np.ndarray,
                         generated_images: np.ndarray,
                         generated_labels: np.ndarray,
                         palette: Sequence[Sequence[int]],
                         classes: Optional[Sequence[str]] = None,
                         scale: int = 3,
                         pad: int = 2,
                         gap: int = 12,
                         pad_value: int = 255) -> np.ndarray:
    """Real pairs beside generated ones: each row ``real image | real overlay`` then
    ``generated image | generated overlay`` (the mask blended over the image), one row per
    pair, with a class legend under it when ``classes`` is given.

    Args:
        real_images, generated_images: uint8 (N, 3, H, W) RGB, one size for both.
        real_labels, generated_labels: integer (N, H, W).
        palette: K RGB triples.
        classes: K class names for the legend.
        scale: nearest-neighbour magnification.
        pad: pixels between cells; gap: pixels between the real and the generated half.
        pad_value: background grey level.

    Returns:
        uint8 RGB picture.
    """
    if real_images.shape[1:] != generated_images.shape[1:]:
        raise ValueError(f'real images {tuple(real_images.shape[1:])} and generated images '
                         f'{tuple(generated_images.shape[1:])} differ in size')
    n = min(len(real_images), len(generated_images))
    rows = []
    for i in range(n):
        cells = []
        for imgs, labs in ((real_images, real_labels), (generated_images, generated_labels)):
            img = np.ascontiguousarray(imgs[i].transpose(1, 2, 0))
            cells.append([img, overlay_labels(img, labs[i], palette)])
        h, w = cells[0][0].shape[:2]
        row = np.full((h, 4 * w + 2 * pad + gap, 3), pad_value, np.uint8)
        x = 0
        for j, cell in enumerate(cells[0] + cells[1]):
            row[:, x:x + w] = cell
            x += w + (gap if j == 1 else pad)
        rows.append(row.repeat(scale, axis=0).repeat(scale, axis=1))
    sep = np.full((pad * scale, rows[0].shape[1], 3), pad_value, np.uint8)
    header = _header(rows[0].shape[1], ('real', (2 * w + pad) * scale),
                     ('generated', (2 * w + pad + gap) * scale), pad_value)
    grid = np.concatenate([header] + [r for row in rows for r in (row, sep)][:-1], axis=0)
    return grid if classes is None else add_legend(grid, classes, palette)


def _header(width: int, left: tuple, right: tuple, pad_value: int) -> np.ndarray:
    """A strip with ``left[0]`` at x = 0 and ``right[0]`` at x = ``right[1]``."""
    import cv2
    strip = np.full((18, width, 3), pad_value, np.uint8)
    cv2.putText(strip, left[0], (2, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(strip, right[0], (right[1], 13), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1,
                cv2.LINE_AA)
    return strip
