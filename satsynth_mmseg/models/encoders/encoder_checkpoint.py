"""The pretrained encoder as a small checkpoint that an mmseg backbone loads, checked.

mmseg loads a pretrained backbone with ``init_cfg=dict(type='Pretrained', checkpoint=...,
prefix='backbone.')``, which is lenient: a key the checkpoint lacks stays random with only a
log line. :func:`check_encoder_fits` makes that an error naming the keys, and
:func:`export_encoder` writes only the ``backbone.*`` weights after checking they fit.
"""
from __future__ import annotations
import copy
import io
import os
import os.path as osp
from typing import Dict

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmseg.registry import MODELS
from ...utils.atomic_io import atomic_write_bytes
from ...utils.checkpoint_io import load_state_strictly, read_checkpoint
from ...utils.errors import CheckpointError, ConfigError


def backbone_state(checkpoint: dict, prefix: str = 'backbone.') -> Dict[str, torch.Tensor]:
    """The weights under ``prefix`` of a checkpoint's ``state_dict``, prefix removed."""
    state = checkpoint.get('state_dict', checkpoint)
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def check_encoder_fits(segmentor_config: str, encoder: str, prefix: str = 'backbone.') -> int:
    """Load the encoder checkpoint into the segmentor config's backbone with every key
    matched; returns the number of tensors loaded.

    Raises:
        ConfigError: the config has no ``model.backbone``.
        CheckpointError: no weights under ``prefix``, or weights missing, unexpected or of
            another shape (the first keys named).
    """
    cfg = Config.fromfile(segmentor_config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if 'backbone' not in cfg.get('model', {}):
        raise ConfigError(f'{segmentor_config} has no model.backbone to load an encoder into')
    bb_cfg = copy.deepcopy(cfg.model.backbone)
    bb_cfg.pop('init_cfg', None)
    backbone = MODELS.build(bb_cfg)
    state = backbone_state(read_checkpoint(encoder), prefix)
    if not state:
        raise CheckpointError(f'{encoder} has no weights under {prefix!r}: is it an encoder '
                              'checkpoint (tools/train.py with a configs/pretrain config)?')
    load_state_strictly(backbone, dict(state_dict=state), encoder)
    return len(state)


def export_encoder(checkpoint: str,
                   out: str,
                   segmentor_config: str,
                   prefix: str = 'backbone.') -> int:
    """Write the ``backbone.*`` weights of a pretraining checkpoint to ``out`` (atomically),
    after checking that they fit the segmentor's backbone; returns the number of tensors."""
    n = check_encoder_fits(segmentor_config, checkpoint, prefix)
    state = backbone_state(read_checkpoint(checkpoint), prefix)
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    buf = io.BytesIO()
    torch.save(
        dict(state_dict={
            prefix + k: v.contiguous()
            for k, v in state.items()
        }, meta={}), buf)
    atomic_write_bytes(out, buf.getvalue())
    return n
