"""Bring unlabelled imagery to the labelled data's ground resolution."""
from __future__ import annotations

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RescaleUnlabelled(BaseTransform):
    """Resize an image by its item's ``scale_factor`` (set by ``UnlabelledImagesDataset``),
    area-averaged when shrinking, bilinear when enlarging; 1 leaves it as it is.

    Args:
        min_size: (H, W) or int: enlarge the factor just enough that the result is at least
            this large (e.g. the crop size: a 247-px UC Merced tile at 0.125 would be 31 px,
            smaller than a 32-px crop, and ``RandomCrop`` would then return a smaller image
            than the batch's others). None: no minimum.

    Required keys: ``img`` (H, W[, C]); ``scale_factor`` (float, default 1).
    Modified keys: ``img``, ``img_shape``.
    """

    def __init__(self, min_size=None):
        if isinstance(min_size, int):
            min_size = (min_size, min_size)
        self.min_size = None if min_size is None else tuple(int(v) for v in min_size)

    def transform(self, results: dict) -> dict:
        factor = float(results.get('scale_factor', 1.0) or 1.0)
        img = results['img']
        h, w = img.shape[:2]
        if self.min_size is not None:
            factor = max(factor, self.min_size[0] / h, self.min_size[1] / w)
        if factor == 1.0:
            return results
        size = (max(1, round(w * factor)), max(1, round(h * factor)))
        if self.min_size is not None:
            size = (max(size[0], self.min_size[1]), max(size[1], self.min_size[0]))
        interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
        out = cv2.resize(img, size, interpolation=interp)
        if img.ndim == 3 and out.ndim == 2:
            out = out[..., None]
        results['img'] = np.ascontiguousarray(out)
        results['img_shape'] = out.shape[:2]
        return results
