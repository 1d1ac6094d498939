"""Denoising network: diffusers' ``UNet2DModel`` returning a plain tensor."""
from __future__ import annotations

from diffusers import UNet2DModel
from torch import Tensor

from mmseg.registry import MODELS


@MODELS.register_module()
class DiffusersUNet2D(UNet2DModel):
    """diffusers' ``UNet2DModel`` (the DDPM / improved-diffusion U-Net) with ``forward(x, t)``.

    Every constructor argument is ``UNet2DModel``'s; ``in_channels`` and ``out_channels`` are
    filled in by the generator from the data (image channels + analog-bit channels).

    ``forward(x, t) -> eps``: ``x`` (N, C_in, H, W), ``t`` (N,) or scalar timesteps,
    output (N, C_out, H, W).
    """

    def forward(self, sample: Tensor, timestep, class_labels=None) -> Tensor:  # noqa: D102
        return super().forward(sample, timestep, class_labels=class_labels,
                               return_dict=False)[0]
