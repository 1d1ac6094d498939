"""Paint procedural aerial-like scenes with their exact label maps (no download needed).

Top-down "aerial" scenes: sandy ground, roads, buildings with shadows, vegetation patches,
water bodies and the occasional no-data strip. Scene ``i`` of split ``s`` depends only on
``(seed, s, i)``. :mod:`.procedural_scenes` writes them as a dataset.
"""
from __future__ import annotations
from typing import Tuple

import cv2
import numpy as np

PROCEDURAL_CLASSES = ('bare_soil', 'building', 'road', 'vegetation', 'water')
PROCEDURAL_PALETTE = [[210, 180, 120], [200, 40, 40], [100, 100, 110], [40, 160, 60], [40, 90, 200]]
SOIL, BUILDING, ROAD, VEGETATION, WATER = range(5)
IGNORE_INDEX = 255
_SPLIT_IDS = {'train': 0, 'val': 1}


def _smooth_field(rng: np.random.Generator, size: int, cells: int) -> np.ndarray:
    """Smooth random field in [0, 1], shape (size, size), about ``cells`` blobs across."""
    low = rng.random((cells + 1, cells + 1)).astype(np.float32)
    field = cv2.resize(low, (size, size), interpolation=cv2.INTER_CUBIC)
    field -= field.min()
    return field / max(float(field.max()), 1e-6)


def make_scene(seed: int, split: str, index: int, size: int = 64) -> Tuple[np.ndarray, np.ndarray]:
    """Paint one scene.

    Args:
        seed: dataset seed.
        split: ``'train'`` or ``'val'``.
        index: scene number within the split.
        size: side length in pixels (>= 32).

    Returns:
        ``(image, mask)``: uint8 RGB (size, size, 3) and uint8 labels (size, size) in
        {0..4, 255}.
    """
    if size < 32:
        raise ValueError(f'size must be >= 32, got {size}')
    rng = np.random.default_rng([seed, _SPLIT_IDS[split], index])
    s = size / 64.0
    mask = np.full((size, size), SOIL, np.uint8)

    if rng.random() < 0.6:  # a water body
        water = _smooth_field(rng, size, 3) > rng.uniform(0.6, 0.8)
        mask[water] = WATER
    veg = (_smooth_field(rng, size, 6) > rng.uniform(0.55, 0.75)) & (mask == SOIL)
    mask[veg] = VEGETATION

    roads = np.zeros((size, size), bool)
    for axis in range(2):
        for _ in range(rng.integers(0, 3)):
            pos, width = int(rng.integers(0, size)), max(2, int(round(rng.uniform(2, 4) * s)))
            sl = slice(max(0, pos - width // 2), pos + (width + 1) // 2)
            if axis == 0:
                roads[sl, :] = True
            else:
                roads[:, sl] = True
    mask[roads] = ROAD

    buildings = np.zeros((size, size), bool)
    for _ in range(rng.integers(0, int(8 * s * s) + 2)):
        h, w = (int(rng.integers(int(4 * s), int(12 * s) + 1)) for _ in range(2))
        y, x = int(rng.integers(0, size - h)), int(rng.integers(0, size - w))
        if (mask[y:y + h, x:x + w] == SOIL).mean() > 0.9:
            buildings[y:y + h, x:x + w] = True
    mask[buildings] = BUILDING

    # colours (RGB), per scene jitter, plus texture
    base = {
        SOIL: np.array([196, 176, 128]) + rng.normal(0, 8, 3),
        ROAD: np.array([92, 92, 98]) + rng.normal(0, 5, 3),
        VEGETATION: np.array([62, 112, 50]) + rng.normal(0, 6, 3),
        WATER: np.array([38, 78, 126]) + rng.normal(0, 6, 3),
    }
    img = np.zeros((size, size, 3), np.float32)
    for cls, colour in base.items():
        img[mask == cls] = colour
    # roofs: each building a colour of its own
    n_lab, lab = cv2.connectedComponents(buildings.astype(np.uint8))
    roofs = np.array([[150, 60, 50], [200, 200, 205], [120, 120, 130], [170, 90, 60]])
    for k in range(1, n_lab):
        img[lab == k] = roofs[rng.integers(len(roofs))] + rng.normal(0, 6, 3)
    # shadows south-east of buildings, on ground only
    shift = max(1, int(round(2 * s)))
    shadow = np.zeros_like(buildings)
    shadow[shift:, shift:] = buildings[:-shift, :-shift]
    shadow &= ~buildings & (mask != WATER)
    img[shadow] *= 0.6
    texture = _smooth_field(rng, size, 16)[..., None] - 0.5
    img += texture * np.where(mask == VEGETATION, 50, 20)[..., None]
    img += rng.normal(0, 4, img.shape)
    img = cv2.GaussianBlur(img, (3, 3), 0.6)

    if rng.random() < 0.1:  # a no-data strip at an edge, as in real imagery
        width = int(rng.integers(2, int(8 * s) + 3))
        edge = [np.s_[:width, :], np.s_[-width:, :], np.s_[:, :width], np.s_[:, -width:]]
        sl = edge[rng.integers(4)]
        img[sl] = 0
        mask[sl] = IGNORE_INDEX
    return np.clip(img, 0, 255).round().astype(np.uint8), mask
