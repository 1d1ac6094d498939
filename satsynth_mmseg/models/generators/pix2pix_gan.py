"""Pix2PixGAN: a conditional GAN that renders an image for a label map (Isola et al. 2017)."""
from __future__ import annotations
import copy
from typing import Dict, List, Optional

import torch
import torch.nn.functional as F
from mmengine.optim import OptimWrapperDict
from torch import Tensor

from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from ...utils.errors import ConfigError
from .base_generator import BaseGenerator, check_size_fits, fill_or_check
from .mask_conditioned import MaskConditionedMixin
from .outputs import GeneratedPairs, PairCondition


@MODELS.register_module()
class Pix2PixGAN(MaskConditionedMixin, BaseGenerator):
    """pix2pix for label map -> image, trained through mmengine with two optimizers.

    The generator G (e.g. :class:`UNetImageGenerator`) maps the one-hot label map m
    (N, K, H, W) to an image in [-1, 1]; the discriminator D (e.g. :class:`PatchDiscriminator`)
    scores (m, image) pairs per patch. Objective (Isola et al. 2017, eq. 4)::

        G* = arg min_G max_D  L_cGAN(G, D) + λ L_L1(G),   λ = 100

    with the non-saturating GAN loss on logits, D's loss halved (as in the paper), and
    optionally a perceptual loss ``perceptual_weight * |φ(G(m)) − φ(x)|₁`` where φ is a
    TorchScript feature network the user provides as a local file (e.g. VGG features: no
    weights are downloaded here).

    ``train_step`` runs one D update then one G update with the two optimizers of an
    ``OptimWrapperDict`` named ``generator`` and ``discriminator`` (configs write
    ``optim_wrapper = dict(generator=dict(...), discriminator=dict(...))``).

    It shares the entry points of the mask-conditioned diffusion model: the joint data
    preprocessor (same dataset configs), ``sample_from(PairCondition(labels=...))``,
    ``mask_conditioned``, ``sample_size``, ``num_classes``; in eval mode (generation) G is
    deterministic, so the image depends on the label map only.

    Args:
        generator: config of G; ``in_channels`` (K) and ``out_channels`` (C) are filled in.
        discriminator: config of D; ``in_channels`` (K + C) is filled in.
        num_classes: K.
        image_channels: C.
        ignore_index: "no label" value (>= K): an all-zero map there.
        sample_size: (H, W) of the training tiles.
        l1_weight: λ.
        perceptual_weight: weight of the perceptual loss (needs ``perceptual_network``).
        perceptual_network: path of a TorchScript module image (N, C, H, W) in [-1, 1] ->
            features, e.g. VGG-16 up to relu3_3 scripted by the user.
        data_preprocessor: config of :class:`JointDataPreprocessor` (filled in as for
            ``JointDDPM``).
    """

    has_sampler = False

    def __init__(self,
                 generator: dict,
                 discriminator: dict,
                 num_classes: int,
                 image_channels: int = 3,
                 ignore_index: Optional[int] = 255,
                 sample_size=32,
                 l1_weight: float = 100.0,
                 perceptual_weight: float = 0.0,
                 perceptual_network: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(num_classes, image_channels, ignore_index, sample_size, data_preprocessor,
                         init_cfg)
        self.l1_weight = float(l1_weight)
        self.perceptual_weight = float(perceptual_weight)
        g, d = copy.deepcopy(dict(generator)), copy.deepcopy(dict(discriminator))
        fill_or_check(g, 'in_channels', num_classes, 'generator')
        fill_or_check(g, 'out_channels', image_channels, 'generator')
        fill_or_check(d, 'in_channels', num_classes + image_channels, 'discriminator')
        self.generator = MODELS.build(g)
        self.discriminator = MODELS.build(d)
        self.perceptual = None
        if perceptual_weight > 0:
            if not perceptual_network:
                raise ConfigError('perceptual_weight > 0 needs perceptual_network: the path of '
                                  'a local TorchScript feature network (e.g. VGG features); '
                                  'weights cannot be downloaded here')
            try:
                self.perceptual = torch.jit.load(perceptual_network, map_location='cpu').eval()
            except (OSError, RuntimeError, ValueError) as e:
                raise ConfigError(f'perceptual_network {perceptual_network}: not a readable '
                                  f'TorchScript file ({type(e).__name__}: {e})') from e
            for p in self.perceptual.parameters():
                p.requires_grad_(False)
        self.check_size(self.sample_size, 'sample_size')

    def check_size(self, size, what: str = 'size') -> None:
        """Raise a clear error when G cannot take (H, W) = ``size``."""
        check_size_fits(size, getattr(self.generator, 'size_multiple', 1), what)

    # ----------------------------------------------------------------------------- training
    @staticmethod
    def _gan_loss(logits: Tensor, real: bool) -> Tensor:
        target = torch.ones_like(logits) if real else torch.zeros_like(logits)
        return F.binary_cross_entropy_with_logits(logits, target)

    def split_batch(self, inputs: Tensor):
        """Joint tensor (N, C + B, H, W) -> (one-hot map, image in [-1, 1])."""
        return self.one_hot(self.labels_of(inputs)), inputs[:, :self.image_channels]

    def loss_discriminator(self, cond: Tensor, real: Tensor, fake: Tensor) -> Dict[str, Tensor]:
        """D's loss: real pairs -> 1, generated pairs -> 0, halved."""
        loss = 0.5 * (
            self._gan_loss(self.discriminator(cond, real), True) +
            self._gan_loss(self.discriminator(cond, fake.detach()), False))
        return dict(loss_d=loss)

    def loss_generator(self, cond: Tensor, real: Tensor, fake: Tensor) -> Dict[str, Tensor]:
        """G's losses: fool D, stay close to the real image (L1, optional perceptual)."""
        losses = dict(
            loss_g_gan=self._gan_loss(self.discriminator(cond, fake), True),
            loss_g_l1=self.l1_weight * (fake - real).abs().mean())
        if self.perceptual is not None:
            self.perceptual.to(fake.device)
            losses['loss_g_perceptual'] = self.perceptual_weight * (
                self.perceptual(fake) - self.perceptual(real)).abs().mean()
        return losses

    def train_step(self, data, optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        """One discriminator update, then one generator update."""
        if not isinstance(optim_wrapper, OptimWrapperDict):
            raise ConfigError('Pix2PixGAN trains with two optimizers: write optim_wrapper = '
                              'dict(generator=dict(...), discriminator=dict(...))')
        data = self.data_preprocessor(data, True)
        self.labelled_samples(data['inputs'], data.get('data_samples'))  # refuses unlabelled
        cond, real = self.split_batch(data['inputs'])
        self.check_size(real.shape[-2:], 'a training batch of size')
        g_opt, d_opt = optim_wrapper['generator'], optim_wrapper['discriminator']
        with g_opt.optim_context(self.generator):
            fake = self.generator(cond)
        with d_opt.optim_context(self.discriminator):
            d_losses = self.loss_discriminator(cond, real, fake)
            d_loss, d_log = self.parse_losses(d_losses)
        d_opt.update_params(d_loss)
        for p in self.discriminator.parameters():
            p.requires_grad_(False)
        try:
            with g_opt.optim_context(self.generator):
                g_losses = self.loss_generator(cond, real, fake)
                g_loss, g_log = self.parse_losses(g_losses)
            g_opt.update_params(g_loss)
        finally:
            for p in self.discriminator.parameters():
                p.requires_grad_(True)
        self._check_finite({**d_losses, **g_losses})
        return {**d_log, **g_log}

    def forward(self, inputs: Tensor, data_samples=None, mode: str = 'tensor'):
        """``'loss'``: G's and D's losses on a batch (no update); ``'predict'``: an image for
        each input's label map; ``'tensor'``: G's output for the inputs' maps."""
        if mode == 'predict':
            out = self.sample_from(PairCondition(labels=self.labels_of(inputs)))
            return self.pack_samples(out, data_samples, inputs.shape[0])
        cond, real = self.split_batch(inputs)
        if mode == 'loss':
            fake = self.generator(cond)
            return {
                **self.loss_discriminator(cond, real, fake),
                **self.loss_generator(cond, real, fake)
            }
        if mode == 'tensor':
            return self.generator(cond)
        raise ValueError(f'invalid mode {mode!r}; use "loss", "predict" or "tensor"')

    # ----------------------------------------------------------------------------- sampling
    @torch.inference_mode()
    def sample_from(self,
                    condition: PairCondition,
                    invalid_index: Optional[int] = None,
                    **unused) -> GeneratedPairs:
        """Render one image per label map (G in eval mode: deterministic; the diffusion
        models' ``num_steps`` / ``generator`` / ``sampler`` arguments are accepted and
        ignored).

        Returns:
            :class:`GeneratedPairs` as :meth:`MaskToImageDDPM.sample_from`.
        """
        device = next(self.generator.parameters()).device
        labels = self.condition_labels(condition, device, invalid_index)
        was_training = self.generator.training
        self.generator.eval()
        try:
            image = self.generator(self.one_hot(labels))
        finally:
            self.generator.train(was_training)
        return self.rendered_pairs(image, labels)

    def predict(self, inputs: Tensor, data_samples=None) -> List[SegDataSample]:
        return self.forward(inputs, data_samples, mode='predict')
