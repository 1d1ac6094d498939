"""Denoising U-Net conditioned on a label map through SPADE normalisation.

The network of semantic diffusion (Wang et al. 2022, "Semantic Image Synthesis via Diffusion
Models", SDM): the encoder denoises the noisy image alone; the label map enters the middle
block and the decoder through spatially-adaptive normalisation (SPADE, Park et al. CVPR 2019),
which replaces the affine parameters of every group norm by per-pixel ones computed from the
map. Timestep embeddings are diffusers' (``Timesteps`` + ``TimestepEmbedding``).
"""
from __future__ import annotations
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from diffusers.models.embeddings import TimestepEmbedding, Timesteps
from torch import Tensor, nn

from mmseg.registry import MODELS


class SPADE(nn.Module):
    """Spatially-adaptive normalisation (Park et al. 2019, eq. 1).

    ``SPADE(h, m) = GroupNorm(h) * (1 + γ(m)) + β(m)``, with γ and β two 3x3 convolutions over
    a shared 3x3 convolution + SiLU of the label map ``m`` resized (nearest) to ``h``'s size.

    Args:
        channels: channels of the normalised features ``h``.
        cond_channels: channels of the label map (K one-hot classes).
        hidden: channels of the shared embedding of the map.
        groups: groups of the (affine-free) group norm.
    """

    def __init__(self, channels: int, cond_channels: int, hidden: int = 32, groups: int = 16):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels, affine=False, eps=1e-6)
        self.shared = nn.Sequential(nn.Conv2d(cond_channels, hidden, 3, padding=1), nn.SiLU())
        self.gamma = nn.Conv2d(hidden, channels, 3, padding=1)
        self.beta = nn.Conv2d(hidden, channels, 3, padding=1)

    def forward(self, h: Tensor, cond: Tensor) -> Tensor:
        """``h`` (N, C, H, W), ``cond`` (N, K, H', W') -> (N, C, H, W)."""
        if cond.shape[-2:] != h.shape[-2:]:
            cond = F.interpolate(cond, size=h.shape[-2:], mode='nearest')
        a = self.shared(cond.to(h.dtype))
        return self.norm(h) * (1 + self.gamma(a)) + self.beta(a)


class ResBlock(nn.Module):
    """Residual block: norm -> SiLU -> conv, + timestep embedding, norm -> SiLU -> conv.

    Both norms are SPADE when ``cond_channels`` > 0, else plain group norms.
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 temb_channels: int,
                 cond_channels: int = 0,
                 groups: int = 16,
                 spade_hidden: int = 32,
                 dropout: float = 0.0):
        super().__init__()
        self.spade = cond_channels > 0

        def norm(ch):
            return (SPADE(ch, cond_channels, spade_hidden, groups) if self.spade else nn.GroupNorm(
                groups, ch, eps=1e-6))

        self.norm1, self.norm2 = norm(in_channels), norm(out_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.temb = nn.Linear(temb_channels, out_channels)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)  # the block starts as the identity
        nn.init.zeros_(self.conv2.bias)
        self.skip = (
            nn.Identity() if in_channels == out_channels else nn.Conv2d(
                in_channels, out_channels, 1))

    def _norm(self, norm, h, cond):
        return norm(h, cond) if self.spade else norm(h)

    def forward(self, x: Tensor, temb: Tensor, cond: Optional[Tensor]) -> Tensor:
        h = self.conv1(F.silu(self._norm(self.norm1, x, cond)))
        h = h + self.temb(F.silu(temb))[:, :, None, None]
        h = self.conv2(self.dropout(F.silu(self._norm(self.norm2, h, cond))))
        return self.skip(x) + h


class SelfAttention(nn.Module):
    """Multi-head self-attention over the pixels of a feature map (residual)."""

    def __init__(self, channels: int, head_dim: int = 16, groups: int = 16):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels, eps=1e-6)
        self.attn = nn.MultiheadAttention(channels, max(1, channels // head_dim), batch_first=True)

    def forward(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        seq = self.norm(x).flatten(2).transpose(1, 2)  # (N, HW, C)
        out, _ = self.attn(seq, seq, seq, need_weights=False)
        return x + out.transpose(1, 2).reshape(n, c, h, w)


@MODELS.register_module()
class SPADEUNet(nn.Module):
    """U-Net denoiser with the label map injected by SPADE (SDM's network, small).

    ``forward(x, t, cond) -> out``: ``x`` (N, C_in, H, W) the noisy image, ``t`` (N,) or scalar
    timesteps, ``cond`` (N, K, H, W) the one-hot label map (all zeros: no condition, the
    classifier-free branch); output (N, C_out, H, W). H and W must be multiples of
    :attr:`size_multiple`.

    Args:
        in_channels: image bands (filled in by the generator).
        out_channels: predicted channels (filled in by the generator).
        cond_channels: label-map channels, K (filled in by the generator).
        block_out_channels: channels per resolution level; every level but the last halves
            the resolution.
        layers_per_block: residual blocks per level on the way down (one more on the way up).
        attention_levels: levels (0 = full resolution) with self-attention after each block.
        spade_encoder: also use SPADE in the encoder (SDM: decoder and middle only).
        norm_num_groups: groups of every group norm.
        spade_hidden: channels of SPADE's shared map embedding.
        attention_head_dim: channels per attention head.
        dropout: dropout inside the residual blocks.
        sample_size: unused (kept so configs can share the generator's fill-in).
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 cond_channels: int,
                 block_out_channels: Sequence[int] = (32, 64, 64),
                 layers_per_block: int = 1,
                 attention_levels: Sequence[int] = (1, ),
                 spade_encoder: bool = False,
                 norm_num_groups: int = 16,
                 spade_hidden: int = 32,
                 attention_head_dim: int = 16,
                 dropout: float = 0.0,
                 sample_size=None):
        super().__init__()
        chs = list(block_out_channels)
        if not chs or any(c % norm_num_groups for c in chs):
            raise ValueError(f'block_out_channels {tuple(chs)} must be multiples of '
                             f'norm_num_groups={norm_num_groups}')
        self.num_levels = len(chs)
        temb_ch = chs[0] * 4
        self.time_proj = Timesteps(chs[0], flip_sin_to_cos=True, downscale_freq_shift=0)
        self.time_embedding = TimestepEmbedding(chs[0], temb_ch)
        self.conv_in = nn.Conv2d(in_channels, chs[0], 3, padding=1)
        block = dict(
            temb_channels=temb_ch,
            groups=norm_num_groups,
            spade_hidden=spade_hidden,
            dropout=dropout)
        enc_cond = cond_channels if spade_encoder else 0

        def attn(level, ch):
            return (SelfAttention(ch, attention_head_dim, norm_num_groups)
                    if level in attention_levels else nn.Identity())

        self.down = nn.ModuleList()
        skips, ch = [chs[0]], chs[0]
        for level, out_ch in enumerate(chs):
            for _ in range(layers_per_block):
                self.down.append(
                    nn.ModuleList([
                        ResBlock(ch, out_ch, cond_channels=enc_cond, **block),
                        attn(level, out_ch)
                    ]))
                ch = out_ch
                skips.append(ch)
            if level < len(chs) - 1:
                self.down.append(nn.Conv2d(ch, ch, 3, stride=2, padding=1))
                skips.append(ch)
        self.mid = nn.ModuleList([
            ResBlock(ch, ch, cond_channels=cond_channels, **block),
            SelfAttention(ch, attention_head_dim, norm_num_groups),
            ResBlock(ch, ch, cond_channels=cond_channels, **block)
        ])
        self.up = nn.ModuleList()
        for level in reversed(range(len(chs))):
            out_ch = chs[level]
            for _ in range(layers_per_block + 1):
                self.up.append(
                    nn.ModuleList([
                        ResBlock(ch + skips.pop(), out_ch, cond_channels=cond_channels, **block),
                        attn(level, out_ch)
                    ]))
                ch = out_ch
            if level > 0:
                self.up.append(nn.Conv2d(ch, ch, 3, padding=1))  # after a 2x nearest upsample
        self.norm_out = nn.GroupNorm(norm_num_groups, ch, eps=1e-6)
        self.conv_out = nn.Conv2d(ch, out_channels, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    @property
    def size_multiple(self) -> int:
        """H and W must be multiples of this: ``2 ** (levels - 1)``."""
        return 2**(self.num_levels - 1)

    def forward(self, x: Tensor, timestep, cond: Tensor) -> Tensor:  # noqa: D102
        t = torch.as_tensor(timestep, device=x.device)
        if t.ndim == 0:
            t = t[None]
        t = t.expand(x.shape[0])
        temb = self.time_embedding(self.time_proj(t).to(x.dtype))
        h = self.conv_in(x)
        hs = [h]
        for layer in self.down:
            if isinstance(layer, nn.ModuleList):
                h = layer[1](layer[0](h, temb, cond))
            else:
                h = layer(h)
            hs.append(h)
        h = self.mid[0](h, temb, cond)
        h = self.mid[2](self.mid[1](h), temb, cond)
        for layer in self.up:
            if isinstance(layer, nn.ModuleList):
                h = layer[1](layer[0](torch.cat([h, hs.pop()], 1), temb, cond))
            else:
                h = layer(F.interpolate(h, scale_factor=2, mode='nearest'))
        return self.conv_out(F.silu(self.norm_out(h)))
