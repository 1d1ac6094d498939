"""Write files so that a reader never sees a partial one."""
from __future__ import annotations
import io
import json
import os
from typing import Optional

import cv2
import numpy as np

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


def atomic_write_raster(path: str,
                        data: np.ndarray,
                        nodata: Optional[float] = None,
                        fsync: bool = True,
                        crs=None,
                        transform=None) -> None:
    """Write a (C, H, W) array as GeoTIFF (``.tif``/``.tiff``, georeferenced when
    ``crs``/``transform`` are given) or ``.npy`` by the suffix of ``path``, atomically with
    :func:`atomic_write_bytes` (any dtype and band count)."""
    from ..datasets.raster_io import encode_raster, raster_kind
    kind = raster_kind(path)
    atomic_write_bytes(
        path, encode_raster(data, kind, nodata=nodata, crs=crs, transform=transform), fsync=fsync)
