"""Let torch's weights-only ``torch.load`` read mmengine checkpoints (for ``--resume``).

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True`` and refuses to unpickle any
global not on an allowlist. mmengine 0.10.7 calls ``torch.load`` without ``weights_only``, and
its checkpoints carry the ``MessageHub`` state: ``HistoryBuffer`` objects holding numpy arrays,
plus each buffer's statistics methods, which pickle as ``getattr(HistoryBuffer, 'mean')``.
Resuming therefore fails with "Weights only load failed ... Unsupported global".

Turning weights-only loading off would let any checkpoint file execute code, and allowlisting
the builtin ``getattr`` would be nearly as bad (it reaches any attribute of any allowed object).
Instead this module allowlists *exactly* what an mmengine training checkpoint contains:

* ``mmengine.logging.HistoryBuffer``;
* the numpy pieces that pickled arrays, scalars and dtypes reference;
* under the pickled name ``__builtin__.getattr`` / ``builtins.getattr``, a *restricted*
  stand-in, :func:`history_buffer_statistic`, that only returns a registered statistics method
  of ``HistoryBuffer`` and refuses anything else.

Everything else is still refused by weights-only loading.
"""
from __future__ import annotations
import pickle

import numpy as np
import torch
from mmengine.logging import HistoryBuffer


def history_buffer_statistic(owner, name: str):
    """Stand-in for ``getattr`` during weights-only loading: HistoryBuffer methods only.

    Args:
        owner: must be the ``HistoryBuffer`` class.
        name: a statistics method registered on it (``min``, ``max``, ``mean``, ``current``
            or a custom one registered with ``HistoryBuffer.register_statistics``).

    Raises:
        pickle.UnpicklingError: for any other object or attribute.
    """
    if owner is HistoryBuffer and isinstance(
            name, str) and (name in HistoryBuffer._statistics_methods
                            or name in ('min', 'max', 'mean', 'current')):
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'refusing getattr({owner!r}, {name!r}) in a weights-only checkpoint load: only '
        'HistoryBuffer statistics methods are allowed')


def _numpy_globals() -> list:
    """What pickling numpy arrays/scalars/dtypes references (numpy >= 2 module layout)."""
    from numpy._core.multiarray import _reconstruct, scalar
    dtype_classes = [
        type(np.dtype(t))
        for t in (np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8,
                  np.uint8, np.uint16, np.uint32, np.uint64, np.bool_)
    ]
    return [_reconstruct, scalar, np.ndarray, np.dtype, *dtype_classes]


#: The allowlist, in one place so tests can check it is sufficient and narrow.
CHECKPOINT_SAFE_GLOBALS = [
    HistoryBuffer,
    *_numpy_globals(),
    (history_buffer_statistic, '__builtin__.getattr'),
    (history_buffer_statistic, 'builtins.getattr'),
]


def register_checkpoint_safe_globals() -> None:
    """Add :data:`CHECKPOINT_SAFE_GLOBALS` to torch's weights-only allowlist (idempotent)."""
    torch.serialization.add_safe_globals(CHECKPOINT_SAFE_GLOBALS)
