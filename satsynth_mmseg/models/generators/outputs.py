"""What generators take and return, as small dataclasses (diffusers' ``BaseOutput`` style)."""
from __future__ import annotations
import dataclasses
from typing import Optional

from diffusers.utils import BaseOutput
from torch import Tensor


@dataclasses.dataclass
class GeneratedPairs(BaseOutput):
    """Generated (image, label map) pairs; also readable as a dict (``out['images']``).

    Attributes:
        images: uint8 (N, C, H, W) in the model's channel order (RGB for 3 bands).
        labels: long (N, H, W) in [0, K), or the model's ``invalid_index`` where the analog
            bits decode to a code >= K.
        invalid_pixels: number of such pixels.
        joint: float (N, C + B, H, W), the final sample of the reverse process (None for
            generators without one, e.g. interpolation).
    """
    images: Tensor
    labels: Tensor
    invalid_pixels: int
    joint: Optional[Tensor] = None


@dataclasses.dataclass
class PairCondition:
    """What a conditional generator is given (``sample_from``).

    Attributes:
        images: uint8 (N, C, h, w) in the model's channel order, or None (a mask-to-image
            model needs no image).
        labels: integer (N, h, w) in [0, K); values >= K are "no label".
    """
    images: Optional[Tensor] = None
    labels: Optional[Tensor] = None
