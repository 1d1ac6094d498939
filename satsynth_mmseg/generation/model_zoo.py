"""Small release checkpoints of trained generators (EMA weights only) for the model zoo."""
from __future__ import annotations
import glob
import io
import os
import os.path as osp
from dataclasses import dataclass
from typing import Optional, Sequence

import torch
from mmengine.config import Config

from ..utils.atomic_io import atomic_write_bytes, atomic_write_text
from ..utils.checkpoint_io import (HASH_KEY, checkpoint_model_config, content_sha256,
                                   load_verified_checkpoint)
from ..utils.errors import ConfigError
from .checkpoint import EXPORTED_KEY, file_sha256, generator_class


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
        log: the training log written beside it (mmengine's ``vis_data/scalars.json`` of
            every run in the checkpoint's work dir, in order), or None when there was none.
    """
    checkpoint: str
    config: str
    sha256: str
    size_bytes: int
    iter: Optional[int]
    weights: str
    log: Optional[str] = None


def copy_training_log(work_dir: str, out_path: str) -> Optional[str]:
    """Concatenate the scalar logs (``<timestamp>/vis_data/scalars.json``, one JSON record per
    line) of every run in ``work_dir`` (resumed runs included) into ``out_path``."""
    runs = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not runs:
        return None
    lines = []
    for run in runs:
        with open(run) as f:
            lines += [line for line in f.read().splitlines() if line.strip()]
    atomic_write_text(out_path, '\n'.join(lines) + '\n')
    return out_path


def _relative_paths(obj, roots: Sequence[str]):
    if isinstance(obj, str):
        for root in roots:
            if obj.startswith(root + os.sep):
                return osp.relpath(obj, root)
        return obj
    if isinstance(obj, dict):
        return type(obj)({k: _relative_paths(v, roots) for k, v in obj.items()})
    if isinstance(obj, (list, tuple)):
        return type(obj)(_relative_paths(v, roots) for v in obj)
    return obj


def portable_config(text: str) -> Config:
    """The training config of a checkpoint without the machine it ran on: ``work_dir``
    dropped, absolute paths under the project it was trained in (the part of ``work_dir``
    before ``/work_dirs/``) or under the current directory made relative."""
    cfg = Config.fromstring(text, '.py')
    roots = [osp.abspath(os.getcwd())]
    work_dir = cfg.get('work_dir')
    if isinstance(work_dir, str) and f'{os.sep}work_dirs{os.sep}' in work_dir:
        roots.insert(0, work_dir.split(f'{os.sep}work_dirs{os.sep}')[0])
    data = {k: _relative_paths(v, roots) for k, v in cfg.to_dict().items() if k != 'work_dir'}
    return Config(data)


def export_generator(checkpoint_path: str,
                     out_path: str,
                     config_path: Optional[str] = None,
                     half: bool = False) -> ExportedCheckpoint:
    """Write a release copy of a training checkpoint: the EMA weights (the raw ones when it
    has none) as ``state_dict``, no optimizer / EMA copy / scheduler state, with ``meta``
    (config text, dataset meta, iteration, a fresh content hash and ``exported_weights``)
    kept, so that :func:`~satsynth_mmseg.generation.load_generator` and ``tools/generate.py``
    load it like the original. The config is written next to it (``out_path`` with ``.py``)
    unless ``config_path`` names where, and the training log of the checkpoint's work dir
    as ``out_path`` with ``.log.json``.

    Args:
        checkpoint_path: an mmengine checkpoint of a generator (verified on read).
        out_path: the ``.pth`` to write (atomically).
        config_path: where to write the config (default: beside ``out_path``).
        half: store floating-point weights as float16 (half the size; loading casts them
            back to the model's float32 parameters). ``meta['exported_dtype']`` records it.

    Raises:
        ConfigError: the checkpoint carries no config text (not written by mmengine's Runner),
            or it is not a generator's (e.g. a segmentor checkpoint).
    """
    ckpt = load_verified_checkpoint(checkpoint_path)
    meta = dict(ckpt.get('meta') or {})
    if not isinstance(meta.get('cfg'), str):
        raise ConfigError(f'{checkpoint_path} has no config text in meta.cfg (was it written '
                          "by mmengine's Runner?); the release needs it")
    generator_class(checkpoint_model_config(meta) or {}, f'{checkpoint_path} (its config)')
    if meta.get(EXPORTED_KEY):
        weights = meta[EXPORTED_KEY]
    else:
        weights = 'ema' if 'ema_state_dict' in ckpt else 'raw'
    state = {k: v.detach().clone().contiguous() for k, v in ckpt['state_dict'].items()}
    if half:
        state = {k: v.half() if v.is_floating_point() else v for k, v in state.items()}
    keep = ('cfg', 'dataset_meta', 'iter', 'epoch', 'seed', 'experiment_name', 'mmengine')
    release = dict(meta={k: meta[k] for k in keep if k in meta}, state_dict=state)
    release['meta'][EXPORTED_KEY] = weights
    release['meta']['exported_dtype'] = 'float16' if half else 'float32'
    release['meta']['exported_from'] = dict(
        file=osp.basename(checkpoint_path), sha256=file_sha256(checkpoint_path))
    release['meta'][HASH_KEY] = content_sha256(release)
    buf = io.BytesIO()
    torch.save(release, buf)
    os.makedirs(osp.dirname(osp.abspath(out_path)), exist_ok=True)
    atomic_write_bytes(out_path, buf.getvalue())
    config_path = config_path or osp.splitext(out_path)[0] + '.py'
    atomic_write_text(config_path, portable_config(meta['cfg']).pretty_text)
    return ExportedCheckpoint(
        checkpoint=out_path,
        config=config_path,
        sha256=file_sha256(out_path),
        size_bytes=osp.getsize(out_path),
        iter=meta.get('iter'),
        weights=weights,
        log=copy_training_log(
            osp.dirname(osp.abspath(checkpoint_path)),
            osp.splitext(out_path)[0] + '.log.json'))
