"""Feature spaces for comparing real and generated images.

* :class:`SegmentorFeatures`: an mmseg segmentor trained on the real data -- the pooled last
  stage of its backbone as features, and its predicted label map (for mask–image agreement).
  Nothing to download; it knows the classes and the sensor (any band count).
* :class:`SegmentorEnsemble`: several such segmentors (e.g. one per seed) as one, their
  softmax outputs averaged.
* :class:`TorchScriptFeatures`: a feature network the user has as a local TorchScript file,
  e.g. the standard FID InceptionV3 (NVIDIA's ``inception-2015-12-05.pt``, called with
  ``return_features=True``). No weights can be downloaded at run time here, and torchvision's
  Inception does not import beside the pinned torch, so the file must be given.

Both take images the way an mmseg pipeline packs them: (N, C, H, W), uint8 in the file's band
order (BGR for 3-band PNGs) or float (``LoadRasterFromFile`` with a norm).
"""
from __future__ import annotations
import os.path as osp
from typing import Optional, Sequence, Tuple

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from torch import Tensor

from mmseg.models.segmentors import BaseSegmentor
from mmseg.registry import MODELS
from ..utils.checkpoint_io import checkpoint_model_config, load_state_strictly, read_checkpoint
from ..utils.errors import ConfigError


def load_segmentor(config: str, checkpoint: str, device: str = 'cpu'):
    """The mmseg segmentor of ``config`` with the weights of ``checkpoint``, in eval mode.

    Raises:
        ConfigError: the config does not exist or builds no segmentor (e.g. a generator
            config), or the checkpoint was trained with another model type.
        CheckpointError: the checkpoint is unreadable or does not fit the model (keys
            missing, unexpected or of another shape: the file and the first keys named).
    """
    if not osp.isfile(config):
        raise ConfigError(f'segmentor config {config} does not exist')
    if not osp.exists(checkpoint):
        raise ConfigError(f'segmentor checkpoint {checkpoint} does not exist')
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    name = cfg.get('model', {}).get('type')
    cls = MODELS.get(name) if isinstance(name, str) else None
    if not (isinstance(cls, type) and issubclass(cls, BaseSegmentor)):
        raise ConfigError(f'{config} builds a {name}, not a segmentor: give the config of a '
                          'segmentor trained on D (e.g. configs/satsynth/*-d-*.py)')
    ckpt = read_checkpoint(checkpoint)
    trained = (checkpoint_model_config(ckpt.get('meta')) or {}).get('type')
    if isinstance(trained, str) and trained.split('.')[-1] != name.split('.')[-1]:
        raise ConfigError(f'{checkpoint} is a {trained} checkpoint but {config} builds a '
                          f'{name}: give the segmentor checkpoint of this config')
    model = MODELS.build(cfg.model)
    load_state_strictly(model, ckpt, checkpoint)
    return model.to(device).eval()


class SegmentorFeatures:
    """Pooled backbone features and predictions of an mmseg segmentor.

    Args:
        segmentor: an mmseg ``EncoderDecoder`` (or any model with ``data_preprocessor``,
            ``extract_feat``, ``decode_head`` and ``test_cfg``), in eval mode.
    """

    def __init__(self, segmentor):
        self.model = segmentor.eval()

    @classmethod
    def from_config(cls, config: str, checkpoint: str, device: str = 'cpu') -> 'SegmentorFeatures':
        """Build the segmentor of ``config`` with the weights of ``checkpoint``, every key
        matched (:func:`load_segmentor`)."""
        return cls(load_segmentor(config, checkpoint, device))

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    @torch.no_grad()
    def features_and_logits(self, images: Tensor) -> Tuple[Tensor, Tensor]:
        """Pooled features (N, D) and class logits (N, K, H, W) of a batch (as packed)."""
        data = self.model.data_preprocessor(dict(inputs=list(images.to(self.device))), False)
        x = data['inputs']
        feats = self.model.extract_feat(x)
        pooled = feats[-1].float().mean(dim=(2, 3))
        h, w = x.shape[-2:]
        metas = [dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w))] * len(x)
        logits = self.model.decode_head.predict(feats, metas, self.model.test_cfg)
        return pooled.cpu(), logits.float().cpu()

    def __call__(self, images: Tensor) -> Tuple[Tensor, Tensor]:
        """Features and predicted labels of a batch.

        Args:
            images: (N, C, H, W) as the pipeline packs them.

        Returns:
            ``(features (N, D) float, labels (N, H, W) long)``.
        """
        pooled, logits = self.features_and_logits(images)
        return pooled, logits.argmax(dim=1)


class SegmentorEnsemble:
    """Several segmentors of one config read as one (e.g. the D segmentors of several seeds):
    their predictive distribution is the mean of their softmax outputs, so a pixel's loss
    ``-log p(y)`` is the ensemble's, less dependent on one training run.

    Args:
        members: :class:`SegmentorFeatures` with the same classes.
    """

    def __init__(self, members: Sequence[SegmentorFeatures]):
        if not members:
            raise ValueError('SegmentorEnsemble needs at least one segmentor')
        self.members = list(members)

    @classmethod
    def from_config(cls,
                    config: str,
                    checkpoints: Sequence[str],
                    device: str = 'cpu') -> 'SegmentorEnsemble':
        """One member per checkpoint, each built from ``config``."""
        return cls([SegmentorFeatures.from_config(config, c, device) for c in checkpoints])

    @property
    def device(self) -> torch.device:
        return self.members[0].device

    @torch.no_grad()
    def features_and_logits(self, images: Tensor) -> Tuple[Tensor, Tensor]:
        """Mean pooled features (N, D) and the log of the mean class probabilities
        (N, K, H, W): logits whose softmax is the ensemble's prediction."""
        feats, probs = [], []
        for m in self.members:
            f, logits = m.features_and_logits(images)
            feats.append(f)
            probs.append(logits.softmax(dim=1))
        mean = torch.stack(probs).mean(dim=0)
        return torch.stack(feats).mean(dim=0), mean.clamp_min(1e-12).log()

    def __call__(self, images: Tensor) -> Tuple[Tensor, Tensor]:
        """Features and predicted labels of a batch, as :class:`SegmentorFeatures`."""
        pooled, logits = self.features_and_logits(images)
        return pooled, logits.argmax(dim=1)


class TorchScriptFeatures:
    """Features from a local TorchScript network (e.g. the FID InceptionV3).

    Args:
        path: the ``.pt`` file (``torch.jit.save``); it maps uint8 RGB images (N, 3, H, W) to
            (N, D) features and resizes them itself, as NVIDIA's ``inception-2015-12-05.pt``
            does.
        bgr: the images come in BGR order (3-band PNG data as mmcv loads it) and are flipped.
    """

    def __init__(self, path: str, device: str = 'cpu', bgr: bool = True):
        if not osp.exists(path):
            raise ConfigError(
                f'feature network {path} does not exist. The InceptionV3 weights for the '
                'standard FID cannot be downloaded here: give a local TorchScript file (e.g. '
                'inception-2015-12-05.pt) with --inception-weights, or use the segmentor '
                'features alone')
        try:
            self.net = torch.jit.load(path, map_location=device).eval()
        except Exception as e:
            raise ConfigError(f'{path} is not a TorchScript module ({type(e).__name__}: {e})')
        self.device, self.bgr = device, bgr

    @torch.no_grad()
    def __call__(self, images: Tensor) -> Tensor:
        if images.shape[1] != 3:
            raise ConfigError(f'the Inception features need 3-band images, got {images.shape[1]}')
        x = images.to(self.device)
        if x.dtype != torch.uint8:
            raise ConfigError('the Inception features need 8-bit images')
        if self.bgr:
            x = x.flip(1)
        try:
            out = self.net(x, return_features=True)
        except (RuntimeError, TypeError):
            out = self.net(x)
        return out.float().flatten(1).cpu()


def build_inception(path: Optional[str], device: str = 'cpu') -> Optional[TorchScriptFeatures]:
    return None if path is None else TorchScriptFeatures(path, device)
