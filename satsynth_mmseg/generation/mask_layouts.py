"""New label layouts from real masks, for mask-conditioned generators (``--masks-from``).

A mask-to-image generator renders images for given label maps; D′ then needs label maps that
are plausible but not the training set's own. :class:`MaskLayouts` makes one per sample from
the real masks by operations that keep every label value as it is (no interpolation): a
random crop of the generator's size, a random 90° rotation (square crops), random horizontal
/ vertical flips and, optionally, a CutMix-style box (Yun et al. 2019) pasted from a second
transformed mask. Each layout depends only on its seed, so D′ stays deterministic across
shards and resumes.
"""
from __future__ import annotations
from typing import Iterable, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..datasets.label_stats import dataset_label_maps
from ..utils.errors import ConfigError


class MaskLayouts:
    """Label layouts of ``size`` made from real label maps, one per seed.

    Args:
        label_maps: real label maps (H_i, W_i), class indices in [0, K) and the ignore index
            (as training reads them: ``reduce_zero_label`` / ``label_map`` applied).
        size: (H, W) of the layouts (the generator's sample size).
        rotate: random 90° rotations (only when H == W).
        flip: random horizontal and vertical flips.
        cutmix_prob: probability of pasting a box of a second layout into the first; the box
            covers a uniform 25–75 % of the area.
        ignore_index: value of "no label" pixels; a map smaller than ``size`` is padded with
            it (bottom / right).
        source: what the maps are, for error messages (e.g. the config path).
    """

    def __init__(self,
                 label_maps: Iterable[np.ndarray],
                 size: Sequence[int],
                 rotate: bool = True,
                 flip: bool = True,
                 cutmix_prob: float = 0.0,
                 ignore_index: int = 255,
                 source: str = 'the real training set'):
        self.maps: List[np.ndarray] = [np.asarray(m) for m in label_maps]
        if not self.maps:
            raise ConfigError(f'no label maps to draw layouts from: {source} is empty')
        self.size = (int(size[0]), int(size[1]))
        self.rotate = rotate and self.size[0] == self.size[1]
        self.flip = flip
        if not 0 <= cutmix_prob <= 1:
            raise ValueError(f'cutmix_prob must be in [0, 1], got {cutmix_prob}')
        self.cutmix_prob = float(cutmix_prob)
        self.ignore_index = ignore_index
        self.source = source

    def __len__(self) -> int:
        return len(self.maps)

    def _one(self, rng: np.random.Generator) -> Tuple[np.ndarray, int]:
        """A transformed crop of a random real map; ``(layout, map index)``."""
        idx = int(rng.integers(len(self.maps)))
        m = self.maps[idx]
        h, w = self.size
        if m.shape[0] < h or m.shape[1] < w:
            pad = np.full((max(h, m.shape[0]), max(w, m.shape[1])), self.ignore_index, m.dtype)
            pad[:m.shape[0], :m.shape[1]] = m
            m = pad
        y = int(rng.integers(m.shape[0] - h + 1))
        x = int(rng.integers(m.shape[1] - w + 1))
        m = m[y:y + h, x:x + w]
        if self.rotate:
            m = np.rot90(m, int(rng.integers(4)))
        if self.flip:
            if rng.random() < 0.5:
                m = m[:, ::-1]
            if rng.random() < 0.5:
                m = m[::-1]
        return np.ascontiguousarray(m), idx

    def layout(self, seed: int) -> np.ndarray:
        """The layout of ``seed``: int64 (H, W) holding only values of the real maps."""
        rng = np.random.default_rng([int(seed), 0x6c61796f])  # its own stream, not the noise's
        out, _ = self._one(rng)
        out = out.astype(np.int64)
        if self.cutmix_prob and rng.random() < self.cutmix_prob:
            other, _ = self._one(rng)
            h, w = self.size
            area = rng.uniform(0.25, 0.75)
            bh = max(1, min(h, int(round(h * np.sqrt(area)))))
            bw = max(1, min(w, int(round(area * h * w / bh))))
            y, x = int(rng.integers(h - bh + 1)), int(rng.integers(w - bw + 1))
            out[y:y + bh, x:x + bw] = other[y:y + bh, x:x + bw]
        return out

    def __call__(self, seeds: Sequence[int]) -> torch.Tensor:
        """Layouts of ``seeds``: long (N, H, W)."""
        return torch.from_numpy(np.stack([self.layout(s) for s in seeds]))

    @classmethod
    def from_dataset(cls, dataset, size: Sequence[int], source: Optional[str] = None, **kwargs):
        """Layouts from every label map of an mmseg dataset, read as training reads them."""
        return cls(
            list(dataset_label_maps(dataset)),
            size,
            source=source or type(dataset).__name__,
            **kwargs)
