"""Batch-level encoding of (image, label map) pairs into one joint diffusion tensor."""
from __future__ import annotations
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmengine.model import BaseDataPreprocessor
from torch import Tensor

from mmseg.registry import MODELS
from ...bits import bits_to_labels, check_ignore_index, labels_to_bits, num_bits
from ...utils.errors import DataError


@MODELS.register_module()
class JointDataPreprocessor(BaseDataPreprocessor):
    """Turn a batch from a stock mmseg pipeline into the joint tensor a diffusion model learns.

    The pipeline stays untouched (``LoadImageFromFile``, ``LoadAnnotations``, ``RandomCrop``,
    ``RandomFlip``, ``PackSegInputs``): each sample arrives as a uint8 image (C, H, W) and a
    ``SegDataSample`` whose ``gt_sem_seg.data`` is the (1, H, W) label map. On the model's
    device this preprocessor

    1. checks that every image and its mask have the same size, and that the batch agrees;
    2. converts BGR to RGB (mmcv loads BGR) when ``bgr_to_rgb`` and C == 3;
    3. scales the image to [-1, 1] with ``(x - mean) / std`` (defaults 127.5 / 127.5);
    4. encodes the label map as analog bits (see :mod:`satsynth_mmseg.bits`): B channels in
       {-1, +1}, 0 at the ignore index;
    5. concatenates them: ``inputs`` of shape (N, C + B, H, W).

    A sample without ``gt_sem_seg`` (an image of an unlabelled pool, see
    :class:`~satsynth_mmseg.datasets.UnlabelledImagesDataset`) gets all-zero bits, the code of
    "no label"; the generator's ``labelled_samples`` tells it from a labelled one and
    refuses it when the model cannot learn from it.

    Args:
        num_classes: K, number of classes of the label maps (2..256).
        image_channels: C, bands of the image (3 for RGB, 1 for SAR, more for multispectral).
        ignore_index: label value that means "not labelled" (>= K), or None.
        mean: per-channel value mapped to 0. Default 127.5 for every channel.
        std: per-channel scale. Default 127.5, so uint8 maps to [-1, 1].
        bgr_to_rgb: swap the first and last channel of 3-channel images.
        float_images: the images are float rasters that the pipeline has already normalised
            (``LoadRasterFromFile(norm=...)``: SAR in dB, multispectral reflectance); mean/std
            then default to 0 / 1, no channel swap, and :meth:`decode` returns float32 values
            in the pipeline's units (clamped to [-1, 1] before mean/std are undone) instead of
            rounding to uint8.
        non_blocking: forwarded to :meth:`cast_data`.
    """

    def __init__(self,
                 num_classes: int,
                 image_channels: int = 3,
                 ignore_index: Optional[int] = 255,
                 mean: Optional[Sequence[float]] = None,
                 std: Optional[Sequence[float]] = None,
                 bgr_to_rgb: bool = True,
                 float_images: bool = False,
                 non_blocking: bool = False):
        super().__init__(non_blocking)
        self.num_classes = num_classes
        self.num_bits = num_bits(num_classes)
        check_ignore_index(num_classes, ignore_index)
        self.image_channels = image_channels
        self.ignore_index = ignore_index
        self.float_images = float_images
        self.bgr_to_rgb = bgr_to_rgb and image_channels == 3 and not float_images
        default_mean, default_std = (0.0, 1.0) if float_images else (127.5, 127.5)
        mean = [default_mean] * image_channels if mean is None else list(mean)
        std = [default_std] * image_channels if std is None else list(std)
        if len(mean) != image_channels or len(std) != image_channels:
            raise ValueError(f'mean/std need {image_channels} values, got {mean} / {std}')
        self.register_buffer('mean', torch.tensor(mean).view(1, -1, 1, 1), persistent=False)
        self.register_buffer('std', torch.tensor(std).view(1, -1, 1, 1), persistent=False)

    @property
    def joint_channels(self) -> int:
        """C + B, the channel count of the joint tensor."""
        return self.image_channels + self.num_bits

    def forward(self, data: dict, training: bool = False) -> Dict:
        """Encode a collated batch.

        Args:
            data: ``dict(inputs=list of uint8 (C, H, W), data_samples=list of SegDataSample)``.
            training: unused; kept for the mmengine interface.

        Returns:
            ``dict(inputs=Tensor (N, C + B, H, W) float32 in [-1, 1], data_samples=...)``.
        """
        data = self.cast_data(data)
        inputs: List[Tensor] = list(data['inputs'])
        data_samples = data.get('data_samples')
        if not inputs:
            raise ValueError('empty batch')
        if data_samples is None or len(data_samples) != len(inputs):
            raise ValueError('the joint generator needs a gt_sem_seg for every image; use '
                             'LoadAnnotations and PackSegInputs in the pipeline')
        labelled = ['gt_sem_seg' in s for s in data_samples]
        for img, sample, has_mask in zip(inputs, data_samples, labelled):
            self._check_image(img, sample)
            if has_mask:
                self._check_pair(img, sample)
        for sample, has_mask in zip(data_samples, labelled):
            if has_mask:
                self._check_labels(sample)
        sizes = {tuple(img.shape[-2:]) for img in inputs}
        if len(sizes) > 1:
            raise ValueError(f'images of one batch differ in size {sorted(sizes)}; add '
                             'RandomCrop/Resize to the pipeline so they share one size')
        images = torch.stack(inputs).float()
        labels = torch.stack([
            s.gt_sem_seg.data if has_mask else img.new_zeros((1, *img.shape[-2:]))
            for s, img, has_mask in zip(data_samples, inputs, labelled)
        ]).long()
        joint = self.encode(images, labels)
        if not all(labelled):
            unlabelled = ~torch.tensor(labelled, device=joint.device)
            joint[unlabelled, self.image_channels:] = 0
        return dict(inputs=joint, data_samples=data_samples)

    def _check_image(self, img: Tensor, sample) -> None:
        """The band count of one image, with its file name in the error."""
        if img.shape[0] != self.image_channels:
            raise DataError(f'image has {img.shape[0]} channels, the model expects '
                            f'{self.image_channels} ({sample.metainfo.get("img_path", "?")})')

    def _check_pair(self, img: Tensor, sample) -> None:
        """Mask channels and sizes of one pair, with its file names in the error."""
        img_path = sample.metainfo.get('img_path', '?')
        seg_path = sample.metainfo.get('seg_map_path', '?')
        seg = sample.gt_sem_seg.data
        if seg.dim() != 3 or seg.shape[0] != 1:
            # PackSegInputs keeps an (H, W, C) colour mask as it is
            channels = seg.shape[-1] if seg.dim() >= 3 else '?'
            raise DataError(
                f'mask {seg_path} has {channels} channels (shape {tuple(seg.shape)}): an RGB '
                'colour mask? Masks must be single-channel index images (one class index per '
                'pixel). Convert colour masks first (tools/dataset_converters/dubai_aerial.py '
                'does it for the Dubai data; for other data map each palette colour to its '
                'class index)')
        if tuple(seg.shape[-2:]) != tuple(img.shape[-2:]):
            raise DataError(f'image and mask sizes differ: image {tuple(img.shape[-2:])} vs mask '
                            f'{tuple(seg.shape[-2:])} ({img_path}, {seg_path})')

    def _check_labels(self, sample) -> None:
        """Label values outside [0, K) that are not the ignore index, naming the mask file."""
        seg = sample.gt_sem_seg.data
        seg_path = sample.metainfo.get('seg_map_path', '?')
        bad = (seg < 0) | (seg >= self.num_classes)
        if self.ignore_index is not None:
            bad &= seg != self.ignore_index
        if bool(bad.any()):
            values = torch.unique(seg[bad]).tolist()[:10]
            raise DataError(
                f'mask {seg_path} has label values {values} outside [0, {self.num_classes}) '
                f'that are not the ignore index {self.ignore_index}; check num_classes and the '
                'dataset\'s label convention (reduce_zero_label, label_map)')

    def encode(self, images: Tensor, labels: Tensor) -> Tensor:
        """Images (N, C, H, W) in [0, 255] and labels (N, [1,] H, W) -> (N, C + B, H, W)."""
        if self.bgr_to_rgb:
            images = images.flip(1)
        images = (images - self.mean) / self.std
        bits = labels_to_bits(labels, self.num_classes, self.ignore_index, dtype=images.dtype)
        return torch.cat([images, bits], dim=1)

    def decode(self, joint: Tensor, invalid_index: int = 255) -> Tuple[Tensor, Tensor]:
        """Inverse of :meth:`encode` for generated samples.

        Args:
            joint: (N, C + B, H, W) real values.
            invalid_index: label written where the bits decode to a code >= K.

        Returns:
            ``(images, labels)``: uint8 (N, C, H, W) in the *model's* channel order (RGB when
            ``bgr_to_rgb``) -- float32 in the pipeline's units with ``float_images`` -- and
            long (N, H, W) in [0, K) or ``invalid_index``.
        """
        images = joint[:, :self.image_channels].float()
        if self.float_images:
            images = images.clamp(-1, 1) * self.std + self.mean
        else:
            images = (images * self.std + self.mean).round().clamp(0, 255).to(torch.uint8)
        labels = bits_to_labels(joint[:, self.image_channels:], self.num_classes, invalid_index)
        return images, labels
