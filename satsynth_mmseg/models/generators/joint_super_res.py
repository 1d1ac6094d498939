"""JointSuperRes: x2 super-resolution of (image, analog-bit mask) pairs by conditional DDPM."""
from __future__ import annotations
from typing import List, Optional, Tuple, Union

import torch
import torch.nn.functional as F
from torch import Tensor

from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from ...bits import labels_to_bits
from ...utils.downsample import majority_downsample
from ...utils.errors import ConfigError
from .diffusion_generator import DiffusionGenerator, Generator
from .outputs import GeneratedPairs, PairCondition


@MODELS.register_module()
class JointSuperRes(DiffusionGenerator):
    """Conditional joint DDPM that upsamples a generated (image, mask) pair by ``scale``.

    The second stage of SatSynth's cascade. The denoiser sees the noisy high-resolution joint
    tensor x_t (N, C + B, H, W) concatenated with the *low-resolution pair upsampled to H x W*
    (the conditioning of improved-diffusion's super-resolution model, Nichol & Dhariwal 2021):
    the image bilinearly, the analog bits by nearest neighbour (they stay in {-1, 0, +1}). It
    is trained like :class:`JointDDPM` (epsilon-prediction, ``loss_image`` / ``loss_mask``)
    on real high-resolution pairs whose low-resolution version is made on the batch: image by
    area averaging, labels by majority vote (:func:`majority_downsample`, ties to the smaller
    value; the ignore index votes too), so the model learns to add detail consistent with a
    mask it is given.

    With ``residual=True`` the image channels are diffused as the *residual* over the
    bilinear interpolation of the low-resolution image (SR3 / improved-diffusion practice:
    the network only adds detail; the colours come from the condition by construction); the
    bit channels stay absolute (they encode labels, not intensities).

    Args:
        scale: upsampling factor (2).
        residual: diffuse the image as the residual over the interpolated condition.
        sample_size: the *high* resolution (H, W); the low resolution is H / scale x W / scale.
            Low-resolution inputs of another size are refused (the model was trained for one).
        **kwargs: as :class:`DiffusionGenerator` (``denoiser``, ``num_classes``, ``image_channels``,
            ``noise_scheduler``, ``sampler`` -- DPM-Solver++ by default here ...).
    """

    conditioning = 'low_res_pair'

    def __init__(self, *args, scale: int = 2, sampler=None, residual: bool = False, **kwargs):
        if scale < 2 or int(scale) != scale:
            raise ValueError(f'scale must be an integer >= 2, got {scale}')
        self.scale = int(scale)
        self.residual = bool(residual)
        super().__init__(*args, sampler=sampler or 'dpm-solver++', **kwargs)
        h, w = self.sample_size
        if h % self.scale or w % self.scale:
            raise ValueError(f'sample_size {self.sample_size} is not divisible by scale '
                             f'{self.scale}')

    @property
    def condition_channels(self) -> int:
        return self.data_preprocessor.joint_channels

    @property
    def low_res_size(self) -> Tuple[int, int]:
        """(h, w) of the low-resolution pairs the model upsamples."""
        return self.sample_size[0] // self.scale, self.sample_size[1] // self.scale

    # ----------------------------------------------------------------------------- helpers
    def downsample(self, x0: Tensor) -> Tensor:
        """High-resolution joint x_0 -> the low-resolution joint tensor (label-safe)."""
        image = F.avg_pool2d(x0[:, :self.image_channels], self.scale)
        labels = majority_downsample(self.labels_of(x0), self.scale)
        bits = labels_to_bits(labels, self.num_classes, self.ignore_index, dtype=image.dtype)
        return torch.cat([image, bits], 1)

    def upsample_condition(self, low: Tensor) -> Tensor:
        """Low-resolution joint (N, C + B, h, w) -> the condition (N, C + B, h*s, w*s)."""
        c = self.image_channels
        size = (low.shape[-2] * self.scale, low.shape[-1] * self.scale)
        image = F.interpolate(low[:, :c], size=size, mode='bilinear', align_corners=False)
        bits = F.interpolate(low[:, c:], size=size, mode='nearest')
        return torch.cat([image, bits], 1)

    def condition(self, x0: Tensor) -> Tensor:
        return self.upsample_condition(self.downsample(x0))

    def to_diffusion_space(self, x0: Tensor, cond: Optional[Tensor]) -> Tensor:
        """With ``residual``: the image channels minus the interpolated condition's."""
        if not self.residual:
            return x0
        c = self.image_channels
        return torch.cat([x0[:, :c] - cond[:, :c].to(x0), x0[:, c:]], 1)

    def from_diffusion_space(self, x: Tensor, cond: Optional[Tensor]) -> Tensor:
        """With ``residual``: the sampled residual plus the interpolated condition, clipped
        to [-1, 1]."""
        if not self.residual:
            return x
        c = self.image_channels
        return torch.cat([(x[:, :c] + cond[:, :c].to(x)).clamp(-1, 1), x[:, c:]], 1)

    def encode_low_res(self, images: Tensor, labels: Tensor) -> Tensor:
        """Generated low-resolution pairs -> the low-resolution joint tensor.

        Args:
            images: uint8 (N, C, h, w) in the model's channel order (what
                ``JointDDPM.sample`` returns, RGB).
            labels: integer (N, h, w) in [0, K) or 255 (ignore / invalid codes).
        """
        if images.shape[-2:] != labels.shape[-2:]:
            raise ValueError(f'low-resolution images {tuple(images.shape[-2:])} and labels '
                             f'{tuple(labels.shape[-2:])} differ in size')
        if tuple(images.shape[-2:]) != self.low_res_size:
            raise ValueError(
                f'this super-resolution model was trained for {self.low_res_size[0]}x'
                f'{self.low_res_size[1]} -> {self.sample_size[0]}x{self.sample_size[1]}; '
                f'got low-resolution input of {images.shape[-2]}x{images.shape[-1]} (resize '
                'it, or use a model trained for that size)')
        if images.shape[1] != self.image_channels:
            raise ValueError(f'low-resolution images have {images.shape[1]} channels, the '
                             f'model {self.image_channels}')
        pre = self.data_preprocessor
        img = (images.to(pre.mean.device).float() - pre.mean) / pre.std
        labels = labels.to(img.device).long()
        ignore = self.ignore_index if self.ignore_index is not None else 255
        labels = labels.masked_fill(labels >= self.num_classes, ignore)
        bits = labels_to_bits(labels, self.num_classes, ignore, dtype=img.dtype)
        return torch.cat([img, bits], 1)

    # ----------------------------------------------------------------------------- sampling
    @torch.inference_mode()
    def sample_from(self,
                    condition: PairCondition,
                    num_steps: Optional[int] = None,
                    generator: Generator = None,
                    sampler: Union[str, dict, None] = None,
                    progress: bool = False,
                    invalid_index: Optional[int] = None) -> GeneratedPairs:
        """Upsample generated pairs by ``scale`` (the conditional entry point, shared with
        :class:`~satsynth_mmseg.generation.InterpolationUpsampler`).

        Args:
            condition: ``images`` uint8 (N, C, h, w) in the model's channel order and
                ``labels`` integer (N, h, w); values >= K (invalid codes, ignore) are "no
                label" in the condition.
            num_steps: sampler steps (default: the sampler config's).
            generator: a ``torch.Generator`` or one per sample.
            sampler: overrides the model's sampler.
            progress: show a progress bar over the steps.
            invalid_index: label for decoded codes >= K.

        Returns:
            :class:`GeneratedPairs` at (h * scale, w * scale); labels decoded from the bits
            again (codes >= K -> ``invalid_index``).
        """
        if condition.images is None or condition.labels is None:
            raise ConfigError('JointSuperRes needs both images and labels to upsample')
        invalid_index = self.invalid_index if invalid_index is None else invalid_index
        device = next(self.denoiser.parameters()).device
        cond = self.upsample_condition(
            self.encode_low_res(condition.images, condition.labels).to(device))
        x = self.run_sampler(
            (cond.shape[0], self.data_preprocessor.joint_channels, *cond.shape[-2:]),
            num_steps=num_steps,
            generator=generator,
            sampler=sampler,
            progress=progress,
            cond=cond)
        x = self.from_diffusion_space(x, cond)
        images, labels = self.data_preprocessor.decode(x, invalid_index=invalid_index)
        return GeneratedPairs(
            images=images,
            labels=labels,
            invalid_pixels=int((labels == invalid_index).sum()),
            joint=x)

    def low_res_of_batch(self, inputs: Tensor) -> Tuple[Tensor, Tensor]:
        """Decoded low-resolution pairs of an encoded high-resolution batch (for pictures,
        evaluation): uint8 images (N, C, h, w) and labels (N, h, w)."""
        low = self.downsample(inputs)
        images, _ = self.data_preprocessor.decode(low)
        return images, self.labels_of(low)

    def real_and_low_res_of_batch(self, inputs: Tensor) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
        """Decoded pairs of an encoded high-resolution batch and of its low-resolution
        version: ``(images, labels, low_images, low_labels)``, uint8 images (N, C, ., .) and
        label maps (N, ., .)."""
        images, _ = self.data_preprocessor.decode(inputs)
        return (images, self.labels_of(inputs), *self.low_res_of_batch(inputs))

    def enlarge(self, x: Tensor) -> Tensor:
        """Nearest-neighbour enlargement by ``scale`` of images (N, C, h, w) or labels
        (N, h, w), e.g. to show low-resolution pairs next to high-resolution ones."""
        return x.repeat_interleave(self.scale, -2).repeat_interleave(self.scale, -1)

    def unlabelled_refusal(self) -> str:
        return ('it enlarges a low-resolution *pair*, which an image without a mask does not '
                'give; pretrain the joint base model on the pool instead and train this one on '
                'labelled pairs')

    def predict(self, inputs: Tensor, data_samples=None) -> List[SegDataSample]:
        """Super-resolve the ``scale``-times downsampled version of each input pair."""
        images, labels = self.low_res_of_batch(inputs)
        out = self.sample_from(PairCondition(images=images, labels=labels))
        return self.pack_samples(out, data_samples, inputs.shape[0])
