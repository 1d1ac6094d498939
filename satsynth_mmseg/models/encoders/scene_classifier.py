"""Supervised encoder pretraining on scene labels (as ImageNet pretraining is used elsewhere).

An unlabelled archive often carries a label per *tile* even when it has no masks: UC Merced's
21 scene classes (Yang & Newsam 2010) are its folder names. Training the segmentor's own
backbone to tell them apart gives it features of aerial imagery before it sees one mask; the
checkpoint's ``backbone.*`` weights are then what mmseg loads with
``init_cfg=dict(type='Pretrained', checkpoint=..., prefix='backbone.')``.

OpenMMLab's pretraining toolbox (mmpretrain 1.x) would be the natural home for this model, but
it cannot be imported next to the plugin's CPU stack (it imports torchvision, whose only torch
2.13 build on the package registry needs CUDA torch); see
``docs/en/user_guides/pretrain_encoder.md``.
This model keeps mmpretrain's layout (``ImageClassifier``: backbone, global pooling, linear
head; checkpoint keys ``backbone.*``), so a checkpoint trained with mmpretrain on a GPU machine
loads the same way.
"""
from __future__ import annotations
from typing import Dict, List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.structures import BaseDataElement
from torch import Tensor

from mmseg.registry import MODELS
from ...utils.errors import DataError


@MODELS.register_module()
class SceneClassifier(BaseModel):
    """An mmseg backbone, global average pooling and a linear head, trained with
    cross-entropy on the items' ``scene_label``.

    Args:
        backbone: config of any mmseg backbone (e.g. the segmentor's ``ResNetV1c``); its last
            output (N, D, h, w) is pooled.
        num_classes: number of scene classes (21 for UC Merced).
        in_channels: D, channels of the backbone's last output.
        dropout: dropout before the head.
        data_preprocessor: default ``ImgDataPreprocessor`` with the segmentor's ImageNet
            mean/std and BGR -> RGB, so the encoder sees its inputs as the segmentor will.
        init_cfg: mmengine init config.
    """

    def __init__(self,
                 backbone: dict,
                 num_classes: int,
                 in_channels: int,
                 dropout: float = 0.0,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        data_preprocessor = data_preprocessor or dict(
            type='ImgDataPreprocessor',
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            bgr_to_rgb=True)
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.num_classes = num_classes
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(in_channels, num_classes)

    def extract_feat(self, inputs: Tensor) -> Tensor:
        """Pooled features (N, D) of images (N, C, H, W) normalised by the preprocessor."""
        return self.backbone(inputs)[-1].mean(dim=(2, 3))

    def forward(self, inputs: Tensor, data_samples: Optional[List] = None, mode: str = 'tensor'):
        """``'loss'``: ``dict(loss_cls, acc)``; ``'predict'``: the samples with
        ``pred_score`` (K,) and ``pred_label``; ``'tensor'``: logits (N, K)."""
        logits = self.head(self.dropout(self.extract_feat(inputs)))
        if mode == 'tensor':
            return logits
        if mode == 'loss':
            target = self.targets(data_samples, logits.device)
            return dict(
                loss_cls=F.cross_entropy(logits, target),
                acc=(logits.argmax(1) == target).float().mean().detach())
        if mode == 'predict':
            out = []
            for i, score in enumerate(logits.softmax(1)):
                s = data_samples[i] if data_samples is not None else BaseDataElement()
                s.set_field(score, 'pred_score')
                s.set_field(int(score.argmax()), 'pred_label', field_type='metainfo')
                out.append(s)
            return out
        raise ValueError(f'invalid mode {mode!r}; use "loss", "predict" or "tensor"')

    def targets(self, data_samples, device) -> Tensor:
        """The scene labels (N,) of a batch, with the file of a sample without one named."""
        labels = []
        for s in data_samples or []:
            label = s.metainfo.get('scene_label')
            if label is None:
                raise DataError(f'{s.metainfo.get("img_path", "a training image")} has no scene '
                                'label: the pool needs one sub-folder per scene class, and '
                                "PackSegInputs needs meta_keys with 'scene_label'")
            labels.append(int(label))
        if not labels:
            raise DataError('SceneClassifier needs data samples with scene labels')
        return torch.tensor(labels, device=device)


def scene_accuracy(model: SceneClassifier, batches) -> Dict[str, float]:
    """Top-1 accuracy of ``model`` over ``(inputs, labels)`` batches (inputs as packed)."""
    correct = total = 0
    model.eval()
    with torch.no_grad():
        for inputs, labels in batches:
            data = model.data_preprocessor(dict(inputs=list(inputs)), False)
            pred = model(data['inputs']).argmax(1)
            correct += int((pred == labels).sum())
            total += len(labels)
    return dict(top1=correct / max(total, 1), num_images=total)
