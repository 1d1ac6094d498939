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
    output (N, C_out, H, W). H and W must be multiples of :attr:`size_multiple`: every down
    block but the last halves the resolution, and the up path concatenates the skip
    connections, which only line up when no halving rounds.
    """

    @property
    def size_multiple(self) -> int:
        """H and W must be multiples of this: ``2 ** (number of down blocks - 1)``."""
        return 2**(len(self.config.down_block_types) - 1)

    def forward(self, sample: Tensor, timestep, class_labels=None) -> Tensor:  # noqa: D102
        return super().forward(sample, timestep, class_labels=class_labels, return_dict=False)[0]
