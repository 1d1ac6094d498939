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

    Required keys: ``img`` (H, W[, C]); ``scale_factor`` (float, default 1).
    Modified keys: ``img``, ``img_shape``.
    """

    def transform(self, results: dict) -> dict:
        factor = float(results.get('scale_factor', 1.0) or 1.0)
        if factor == 1.0:
            return results
        img = results['img']
        h, w = img.shape[:2]
        size = (max(1, round(w * factor)), max(1, round(h * factor)))
        interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
        out = cv2.resize(img, size, interpolation=interp)
        if img.ndim == 3 and out.ndim == 2:
            out = out[..., None]
        results['img'] = np.ascontiguousarray(out)
        results['img_shape'] = out.shape[:2]
        return results
