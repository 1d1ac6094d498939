"""Every file the project writes goes through one atomic write: a full disk in the middle of
a preview, a report, stages.json, metrics.json or a plot leaves the previous file (or none),
never a truncated one."""
import errno
import io
import json
import os
import os.path as osp

import numpy as np
import pytest

import satsynth_mmseg.utils.atomic_io as aio
from satsynth_mmseg.experiments import StageTimer
from satsynth_mmseg.experiments.report import write_report_files
from satsynth_mmseg.generation import write_preview, write_report


class _DiskFillsUp(io.BytesIO):
    """A file that takes a few bytes and then fails as a full disk does."""

    def write(self, data):
        super().write(data[:7])
        raise OSError(errno.ENOSPC, 'No space left on device')


def _full_disk(monkeypatch):
    real_open = open

    def fake_open(path, mode='r', *args, **kwargs):
        if 'w' in mode:
            real_open(path, mode).close()  # the temporary file exists, as on a real disk
            return _DiskFillsUp()
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(aio, 'open', fake_open, raising=False)


def _writers(tmp_path):
    img = tmp_path / 'img.png'
    import cv2
    cv2.imwrite(str(img), np.zeros((8, 8, 3), np.uint8))
    stats = {
        'D': dict(class_share=[0.5, 0.5], samples=1, distinct_classes_mean=2.0, ignored_pixels=0)
    }
    return {
        'preview.png':
        lambda p: write_preview([str(img)], [np.zeros(
            (8, 8), np.uint8)], [[0, 0, 0], [255, 255, 255]], p),
        'report.md':
        lambda p: write_report(['a', 'b'], stats, p[:-3]),
        'stages.json':
        lambda p: StageTimer(p).run('x', lambda: (None, True)),
        'gain.json':
        lambda p: write_report_files(
            osp.dirname(p), 'gain', '# t\n', dict(a=1), lambda q: aio.atomic_write_bytes(q, b'png')
        ),
    }


@pytest.mark.parametrize('name', ['preview.png', 'report.md', 'stages.json', 'gain.json'])
def test_full_disk_leaves_the_previous_file_intact(tmp_path, monkeypatch, name):
    path = str(tmp_path / name)
    write = _writers(tmp_path)[name]
    write(path)  # a complete file from an earlier run
    with open(path, 'rb') as f:
        before = f.read()
    _full_disk(monkeypatch)
    with pytest.raises(OSError, match='No space left'):
        write(path)
    monkeypatch.undo()
    with open(path, 'rb') as f:
        assert f.read() == before
    assert not [f for f in os.listdir(tmp_path) if f.endswith(aio.TMP_SUFFIX)]
    if name.endswith('.json'):
        with open(path) as f:
            json.load(f)
