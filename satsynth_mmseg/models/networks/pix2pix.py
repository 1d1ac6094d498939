"""The networks of pix2pix (Isola et al. CVPR 2017): a U-Net generator and a PatchGAN
discriminator, sized by arguments so the same code serves 32 x 32 CPU tiles and 256 x 256 ones.
"""
from __future__ import annotations

import torch
from torch import Tensor, nn

from mmseg.registry import MODELS


def _norm(ch: int) -> nn.Module:
    # instance norm instead of pix2pix's batch norm: batch statistics of a batch of 1..8
    # tiles are noisy, and generation (eval mode) then needs no running statistics
    return nn.InstanceNorm2d(ch, affine=True)


@MODELS.register_module()
class UNetImageGenerator(nn.Module):
    """pix2pix's U-Net generator: label map -> image.

    ``num_downs`` stride-2 4x4 convolutions (LeakyReLU 0.2, norm) down to
    ``H / 2**num_downs``, then as many transposed convolutions up (ReLU, norm), each
    concatenated with the mirrored encoder feature (skip connections), ``tanh`` output in
    [-1, 1]. Dropout (p = 0.5) in the innermost decoder layers as in the paper; in eval mode
    the generator is deterministic.

    ``forward(cond) -> image``: ``cond`` (N, K, H, W) one-hot map, output (N, C, H, W).
    H and W must be multiples of ``2 ** num_downs``.

    Args:
        in_channels: K (filled in by the GAN).
        out_channels: C (filled in by the GAN).
        base_channels: channels of the first layer (64 in the paper).
        num_downs: downsampling steps (8 for 256 x 256 in the paper).
        max_channels: cap of the channels (512 in the paper).
        dropout_layers: innermost decoder layers with dropout (3 in the paper).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 base_channels: int = 64,
                 num_downs: int = 5,
                 max_channels: int = 512,
                 dropout_layers: int = 3):
        super().__init__()
        chs = [min(base_channels * 2**i, max_channels) for i in range(num_downs)]
        self.num_downs = num_downs
        self.down = nn.ModuleList()
        prev = in_channels
        for i, ch in enumerate(chs):
            layers = [] if i == 0 else [nn.LeakyReLU(0.2)]
            layers.append(nn.Conv2d(prev, ch, 4, stride=2, padding=1))
            if 0 < i < num_downs - 1:
                layers.append(_norm(ch))
            self.down.append(nn.Sequential(*layers))
            prev = ch
        self.up = nn.ModuleList()
        for i in reversed(range(num_downs)):
            out = chs[i - 1] if i > 0 else out_channels
            inner = i == num_downs - 1
            layers = [
                nn.ReLU(),
                nn.ConvTranspose2d(prev if inner else prev * 2, out, 4, stride=2, padding=1)
            ]
            if i > 0:
                layers.append(_norm(out))
                if num_downs - 1 - i < dropout_layers and not inner:
                    layers.append(nn.Dropout(0.5))
            else:
                layers.append(nn.Tanh())
            self.up.append(nn.Sequential(*layers))
            prev = out

    @property
    def size_multiple(self) -> int:
        return 2**self.num_downs

    def forward(self, cond: Tensor) -> Tensor:  # noqa: D102
        feats = []
        h = cond
        for layer in self.down:
            h = layer(h)
            feats.append(h)
        feats.pop()  # the innermost feature is the decoder's input, not a skip
        for j, layer in enumerate(self.up):
            h = layer(h if j == 0 else torch.cat([h, feats.pop()], 1))
        return h


@MODELS.register_module()
class PatchDiscriminator(nn.Module):
    """PatchGAN discriminator: a logit per overlapping patch of the (map, image) pair.

    ``num_layers`` stride-2 4x4 convolutions then two stride-1 ones; with 3 layers the
    receptive field is 70 x 70 (the paper's), with 2 layers 34 x 34 (32 x 32 tiles).

    ``forward(cond, image) -> logits``: (N, K, H, W) and (N, C, H, W) -> (N, 1, h, w).

    Args:
        in_channels: K + C (filled in by the GAN).
        base_channels: channels of the first layer (64).
        num_layers: stride-2 layers.
    """

    def __init__(self, in_channels: int, base_channels: int = 64, num_layers: int = 3):
        super().__init__()
        layers = [nn.Conv2d(in_channels, base_channels, 4, 2, 1), nn.LeakyReLU(0.2)]
        ch = base_channels
        for i in range(1, num_layers + 1):
            out = base_channels * min(2**i, 8)
            stride = 2 if i < num_layers else 1
            layers += [nn.Conv2d(ch, out, 4, stride, 1), _norm(out), nn.LeakyReLU(0.2)]
            ch = out
        layers.append(nn.Conv2d(ch, 1, 4, 1, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, cond: Tensor, image: Tensor) -> Tensor:  # noqa: D102
        return self.net(torch.cat([cond, image.to(cond.dtype)], 1))
