"""Read checkpoint files safely and verify what the project wrote into them.

Checkpoints written while a ``CheckpointIntegrityHook`` is in the runner carry
``meta['content_sha256']``: the SHA-256 of the *sorted* SHA-256 digests of every tensor in the
checkpoint (weights, EMA weights, optimizer state; dtype, shape and bytes of each). Sorting
makes it independent of which dict holds which copy, so it survives mmengine's ``EMAHook``,
which swaps the raw and EMA weights between ``state_dict`` and ``ema_state_dict`` on save and
on load. A flipped byte in any tensor changes it.

Every load through :func:`read_checkpoint` turns the ways a file can be unreadable (empty,
truncated, random bytes, a pickle that would run code) into a one-line
:class:`CheckpointError` naming the file, and :func:`verify_checkpoint` refuses a hash
mismatch and non-finite weights.
"""
from __future__ import annotations
import hashlib
import logging
import os
import pickle
import re
from typing import Iterator, Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.logging import print_log

from .errors import CheckpointError

#: ``meta`` key of the content hash
HASH_KEY = 'content_sha256'
#: top-level checkpoint entries whose tensors the hash covers
HASHED_ENTRIES = ('state_dict', 'ema_state_dict', 'optimizer')


def _tensors(obj, path: str = '') -> Iterator[Tuple[str, torch.Tensor]]:
    """``(path, tensor)`` of every tensor nested in dicts / lists / tuples of ``obj``."""
    if isinstance(obj, torch.Tensor):
        yield path, obj
    elif isinstance(obj, dict):
        for k in obj:
            yield from _tensors(obj[k], f'{path}.{k}' if path else str(k))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            yield from _tensors(v, f'{path}[{i}]')


def _tensor_digest(t: torch.Tensor) -> bytes:
    t = t.detach().cpu().contiguous()
    h = hashlib.sha256(f'{t.dtype}{tuple(t.shape)}'.encode())
    if t.numel():
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.digest()


def content_sha256(checkpoint: dict) -> str:
    """The content hash of a checkpoint dict (see the module docstring)."""
    digests = sorted(
        _tensor_digest(t) for entry in HASHED_ENTRIES for _, t in _tensors(checkpoint.get(entry)))
    h = hashlib.sha256()
    for d in digests:
        h.update(d)
    return h.hexdigest()


def first_non_finite(checkpoint: dict, entries=('state_dict', 'ema_state_dict')) -> Optional[str]:
    """Name of the first floating-point weight holding NaN or inf, or None."""
    for entry in entries:
        for name, t in _tensors(checkpoint.get(entry), entry):
            if t.is_floating_point() and not bool(torch.isfinite(t).all()):
                return name
    return None


def read_checkpoint(path: str, map_location='cpu') -> dict:
    """``torch.load`` (weights-only) with one-line errors naming ``path``.

    Raises:
        CheckpointError: missing, empty, truncated or not a PyTorch checkpoint, or holding
            Python objects that weights-only loading refuses (it would run code).
    """
    if not os.path.isfile(path):
        raise CheckpointError(f'checkpoint {path} does not exist')
    if os.path.getsize(path) == 0:
        raise CheckpointError(f'checkpoint {path} is empty (0 bytes): an interrupted copy or '
                              'save? Use an earlier checkpoint')
    try:
        ckpt = torch.load(path, map_location=map_location)  # weights-only (allowlisted)
    except pickle.UnpicklingError as e:
        found = re.search(r'Unsupported global: (GLOBAL \S+|\S+)', str(e))
        if found is None:  # not a pickle at all: random bytes, a truncated legacy file
            raise CheckpointError(f'checkpoint {path} is not a readable PyTorch checkpoint '
                                  '(not a torch zip archive nor a pickle; truncated or another '
                                  'kind of file?)') from None
        raise CheckpointError(
            f'checkpoint {path} holds Python objects that safe (weights-only) loading refuses, '
            f'since loading them could run code ({found.group(1)}). It was not written by '
            'mmengine/satsynth-mmseg training, or is corrupted') from None
    except Exception as e:  # EOFError, zip errors, ...
        first = str(e).strip().splitlines()[0] if str(e).strip() else ''
        raise CheckpointError(
            f'checkpoint {path} is not a readable PyTorch checkpoint '
            f'(truncated or corrupted? {type(e).__name__}: {first[:200]})') from None
    if not isinstance(ckpt, dict):
        raise CheckpointError(f'checkpoint {path} holds a {type(ckpt).__name__}, not an '
                              'mmengine checkpoint dict')
    return ckpt


def verify_checkpoint(checkpoint: dict, path: str = 'the checkpoint') -> bool:
    """Check the content hash (when present) and that the weights are finite.

    Returns:
        True when a content hash was present and matched; False when the checkpoint has none
        (written without ``CheckpointIntegrityHook``: only the finite check ran, with a
        warning).

    Raises:
        CheckpointError: hash mismatch or a non-finite weight.
    """
    meta = checkpoint.get('meta') or {}
    expected = meta.get(HASH_KEY) if isinstance(meta, dict) else None
    verified = False
    if expected:
        actual = content_sha256(checkpoint)
        if actual != expected:
            raise CheckpointError(
                f'checkpoint {path} is corrupted: its tensors do not match the content hash '
                f'written with it ({expected[:12]}... expected, {actual[:12]}... found). Use an '
                'earlier checkpoint')
        verified = True
    else:
        print_log(
            f'{path} carries no content hash (written without CheckpointIntegrityHook); '
            'it cannot be checked for corruption',
            logger='current',
            level=logging.WARNING)
    bad = first_non_finite(checkpoint)
    if bad is not None:
        raise CheckpointError(f'checkpoint {path} has non-finite values (NaN/inf) in {bad}; '
                              'training diverged before it was saved, or the file is '
                              'corrupted. Use an earlier checkpoint')
    return verified


def checkpoint_model_config(meta: dict) -> Optional[dict]:
    """The ``model`` dict of the config a checkpoint was trained with (mmengine's runner
    stores the config text in ``meta['cfg']``), or None when it cannot be read."""
    text = (meta or {}).get('cfg')
    if not isinstance(text, str):
        return None
    try:
        model = Config.fromstring(text, '.py').get('model')
    except Exception:  # noqa: BLE001 -- a config text of another tool or version: no check
        return None
    return model if isinstance(model, dict) else None


def load_state_strictly(model: torch.nn.Module, checkpoint: dict, path: str) -> None:
    """Load ``checkpoint['state_dict']`` into ``model`` with every key matched, or refuse in
    one line naming ``path`` and the first keys that are missing, unexpected or of another
    shape (mmengine's non-strict loading would leave those weights random, silently)."""
    state = checkpoint.get('state_dict', checkpoint)
    state = {k[len('module.'):] if k.startswith('module.') else k: v for k, v in state.items()}
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [
        f'{k} {tuple(state[k].shape)} vs {tuple(own[k].shape)}' for k in own if k in state
        and hasattr(state[k], 'shape') and tuple(state[k].shape) != tuple(own[k].shape)
    ]
    problems = []
    if missing:
        problems.append(f'{len(missing)} weights missing (first: {", ".join(missing[:3])})')
    if unexpected:
        problems.append(f'{len(unexpected)} weights the model does not have (first: '
                        f'{", ".join(unexpected[:3])})')
    if shapes:
        problems.append(f'{len(shapes)} of another shape (first: {"; ".join(shapes[:3])})')
    if problems:
        raise CheckpointError(f'checkpoint {path} does not fit the model ({type(model).__name__}):'
                              f' {"; ".join(problems)}. Give the checkpoint of this config')
    model.load_state_dict(state, strict=True)


def load_verified_checkpoint(path: str, map_location='cpu') -> dict:
    """:func:`read_checkpoint` then :func:`verify_checkpoint`."""
    ckpt = read_checkpoint(path, map_location)
    verify_checkpoint(ckpt, path)
    return ckpt


__all__ = [
    'CheckpointError', 'HASH_KEY', 'content_sha256', 'first_non_finite', 'read_checkpoint',
    'verify_checkpoint', 'load_verified_checkpoint', 'checkpoint_model_config',
    'load_state_strictly'
]
