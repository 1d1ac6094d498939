"""Small release checkpoints of trained generators (EMA weights only) for the model zoo."""
from __future__ import annotations
import io
import os
import os.path as osp
from dataclasses import dataclass
from typing import Optional

import torch
from mmengine.config import Config

from ..utils.atomic_io import atomic_write_bytes, atomic_write_text
from ..utils.checkpoint_io import HASH_KEY, content_sha256, load_verified_checkpoint
from ..utils.errors import ConfigError
from .checkpoint import file_sha256

#: ``meta`` key of an exported checkpoint: which weights its ``state_dict`` holds
EXPORTED_KEY = 'exported_weights'


@dataclass
class ExportedCheckpoint:
    """What :func:`export_generator` wrote.

    Attributes:
        checkpoint: path of the release checkpoint (``state_dict`` + ``meta``).
        config: path of the config it was trained with (from the checkpoint's ``meta.cfg``).
        sha256: SHA-256 of the checkpoint file (the model-zoo table's checksum).
        size_bytes: its size.
        iter: training iterations of the weights.
        weights: 'ema' or 'raw'.
    """
    checkpoint: str
    config: str
    sha256: str
    size_bytes: int
    iter: Optional[int]
    weights: str


def export_generator(checkpoint_path: str,
                     out_path: str,
                     config_path: Optional[str] = None) -> ExportedCheckpoint:
    """Write a release copy of a training checkpoint: the EMA weights (the raw ones when it
    has none) as ``state_dict``, no optimizer / EMA copy / scheduler state, with ``meta``
    (config text, dataset meta, iteration, a fresh content hash and ``exported_weights``)
    kept, so that :func:`~satsynth_mmseg.generation.load_generator` and ``tools/generate.py``
    load it like the original. The config is written next to it (``out_path`` with ``.py``)
    unless ``config_path`` names where.

    Args:
        checkpoint_path: an mmengine checkpoint of a generator (verified on read).
        out_path: the ``.pth`` to write (atomically).
        config_path: where to write the config (default: beside ``out_path``).

    Raises:
        ConfigError: the checkpoint carries no config text (not written by mmengine's Runner).
    """
    ckpt = load_verified_checkpoint(checkpoint_path)
    meta = dict(ckpt.get('meta') or {})
    if not isinstance(meta.get('cfg'), str):
        raise ConfigError(f'{checkpoint_path} has no config text in meta.cfg (was it written '
                          "by mmengine's Runner?); the release needs it")
    if meta.get(EXPORTED_KEY):
        weights = meta[EXPORTED_KEY]
    else:
        weights = 'ema' if 'ema_state_dict' in ckpt else 'raw'
    state = {k: v.detach().clone().contiguous() for k, v in ckpt['state_dict'].items()}
    keep = ('cfg', 'dataset_meta', 'iter', 'epoch', 'seed', 'experiment_name', 'mmengine')
    release = dict(meta={k: meta[k] for k in keep if k in meta}, state_dict=state)
    release['meta'][EXPORTED_KEY] = weights
    release['meta']['exported_from'] = dict(
        file=osp.basename(checkpoint_path), sha256=file_sha256(checkpoint_path))
    release['meta'][HASH_KEY] = content_sha256(release)
    buf = io.BytesIO()
    torch.save(release, buf)
    os.makedirs(osp.dirname(osp.abspath(out_path)), exist_ok=True)
    atomic_write_bytes(out_path, buf.getvalue())
    config_path = config_path or osp.splitext(out_path)[0] + '.py'
    atomic_write_text(config_path, Config.fromstring(meta['cfg'], '.py').pretty_text)
    return ExportedCheckpoint(
        checkpoint=out_path,
        config=config_path,
        sha256=file_sha256(out_path),
        size_bytes=osp.getsize(out_path),
        iter=meta.get('iter'),
        weights=weights)
