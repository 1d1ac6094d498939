"""Checkpoints written like every other output of the plugin: atomically.

mmengine's ``CheckpointHook`` writes ``iter_N.pth`` with a plain ``open(path, 'wb')``: a full
disk leaves a truncated file that looks like a checkpoint. :class:`AtomicLocalBackend` is the
local file backend with ``put`` going through :func:`~satsynth_mmseg.utils.atomic_io.
atomic_write_bytes` (``*.partial``, fsync, rename): a failed save leaves no file and raises
an ``OSError`` naming the checkpoint. ``tools/train.py`` selects it for every config whose
checkpoint hook names no backend (:func:`use_atomic_checkpoints`); a config can name it
itself with ``default_hooks.checkpoint.backend_args=dict(backend='satsynth_atomic')``.
"""
from __future__ import annotations
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

from ...utils.atomic_io import atomic_write_bytes

ATOMIC_BACKEND = 'satsynth_atomic'


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """:class:`~mmengine.fileio.LocalBackend` whose writes are atomic."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        Path(filepath).parent.mkdir(parents=True, exist_ok=True)
        try:
            atomic_write_bytes(str(filepath), obj)
        except OSError as e:
            raise OSError(e.errno, f'cannot write the checkpoint {filepath}: {e.strerror}',
                          str(filepath)) from e

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        self.put(obj.encode(encoding), filepath)


def use_atomic_checkpoints(cfg) -> None:
    """Make the config's ``CheckpointHook`` write through :class:`AtomicLocalBackend` unless
    it already names a backend (a remote store keeps its own)."""
    hooks = cfg.get('default_hooks') or {}
    hook = hooks.get('checkpoint')
    if hook is None or hook.get('backend_args') or hook.get('file_client_args'):
        return
    out_dir = hook.get('out_dir')
    if out_dir and '://' in str(out_dir):
        return
    hook['backend_args'] = dict(backend=ATOMIC_BACKEND)
