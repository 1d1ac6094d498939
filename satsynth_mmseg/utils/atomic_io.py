"""Write files so that a reader never sees a partial one."""
from __future__ import annotations
import io
import json
import os
from typing import Optional

import cv2
import numpy as np

from .errors import FolderMismatchError

#: Suffix of files being written; mmseg datasets list ``*.png`` and never match it.
TMP_SUFFIX = '.partial'


def atomic_write_bytes(path: str, data: bytes, fsync: bool = True) -> None:
    """Write ``data`` to ``path + TMP_SUFFIX``, flush it to disk, then rename onto ``path``.

    A crash (even ``kill -9``) leaves either the old state or the complete file, never a
    truncated ``path``; the temporary file is removed when the write itself fails (e.g. a
    full or read-only disk) and the error is re-raised.
    """
    tmp = path + TMP_SUFFIX
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise


def atomic_write_png(path: str, array: np.ndarray, fsync: bool = True) -> None:
    """Encode ``array`` as PNG (uint8 (H, W) labels or (H, W, 3) BGR image) and write it
    atomically with :func:`atomic_write_bytes`."""
    ok, buf = cv2.imencode('.png', array)
    if not ok:
        raise ValueError(f'could not encode an array of shape {array.shape} as PNG')
    atomic_write_bytes(path, buf.tobytes(), fsync=fsync)


def atomic_write_text(path: str, text: str, fsync: bool = True) -> None:
    """Write ``text`` (UTF-8) atomically with :func:`atomic_write_bytes`."""
    atomic_write_bytes(path, text.encode('utf-8'), fsync=fsync)


def atomic_write_json(path: str,
                      obj,
                      indent: Optional[int] = 1,
                      fsync: bool = True,
                      **kwargs) -> None:
    """``json.dumps(obj)`` written atomically (a reader never sees half a JSON file)."""
    atomic_write_text(path, json.dumps(obj, indent=indent, **kwargs) + '\n', fsync=fsync)


def atomic_save_figure(fig, path: str, **savefig_kwargs) -> None:
    """Render a matplotlib figure in memory (format from the file's extension) and write it
    atomically: a full disk leaves the old file or none, never a truncated picture."""
    buf = io.BytesIO()
    fmt = os.path.splitext(path)[1].lstrip('.') or 'png'
    fig.savefig(buf, format=fmt, **savefig_kwargs)
    atomic_write_bytes(path, buf.getvalue())


#: suffix of a folder being written until it is complete (see :func:`begin_folder`)
INCOMPLETE_SUFFIX = '.incomplete'


def begin_folder(out_dir: str, mark: str, subdirs=()) -> str:
    """Start writing a whole folder atomically: returns ``OUT_DIR.incomplete`` (emptied and
    created, with ``subdirs``); :func:`commit_folder` renames it onto ``out_dir`` when
    complete, so a failure never leaves a partial folder that a dataset would load.

    An existing ``out_dir`` holding the file ``mark`` (made by the same writer) will be
    replaced; any other non-empty one is refused.
    """
    import os.path as osp
    import shutil

    out_dir = out_dir.rstrip('/')
    if osp.exists(out_dir) and not osp.exists(osp.join(out_dir, mark)):
        if not osp.isdir(out_dir) or os.listdir(out_dir):
            raise FolderMismatchError(f'{out_dir} exists and was not made by this converter; '
                                      'choose another --out or remove it')
    work = out_dir + INCOMPLETE_SUFFIX
    if osp.exists(work):
        shutil.rmtree(work)  # a previous failed attempt: scratch
    for sub in subdirs:
        os.makedirs(osp.join(work, sub), exist_ok=True)
    os.makedirs(work, exist_ok=True)
    return work


def commit_folder(work: str, out_dir: str) -> None:
    """Replace ``out_dir`` with the finished ``work`` folder of :func:`begin_folder`."""
    import shutil
    out_dir = out_dir.rstrip('/')
    if os.path.exists(out_dir):
        shutil.rmtree(out_dir)
    os.replace(work, out_dir)
