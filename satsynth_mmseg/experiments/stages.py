"""Resumable stages: wall-time bookkeeping and running a plugin command in its own process."""
from __future__ import annotations
import json
import os.path as osp
import subprocess
import sys
import time
from typing import Callable, Optional, Tuple

from ..utils.atomic_io import atomic_write_json


def log(msg: str, name: str = 'benchmark') -> None:
    """A time-stamped progress line."""
    print(f'[{name} {time.strftime("%H:%M:%S")}] {msg}', flush=True)


class StageTimer:
    """Wall time of every stage, kept in ``stages.json`` across (resumed) invocations.

    Args:
        path: the JSON file (written atomically after every stage that did work).
    """

    def __init__(self, path: str):
        self.path = path
        self.data = {}
        if osp.exists(path):
            with open(path) as f:
                self.data = json.load(f)

    def run(self, name: str, fn: Callable[[], Tuple[object, bool]]):
        """Run ``fn() -> (value, did_work)``; its time counts only when it did work. A line
        says when a stage starts (with the time it took before, when known) and ends."""
        before = self.data.get(name)
        log(
            f'stage {name}: started' +
            (f' (it took {before / 60:.1f} min when last run)' if before else ''), 'stage')
        t0 = time.perf_counter()
        out, did_work = fn()
        took = time.perf_counter() - t0
        if did_work:
            self.data[name] = round(self.data.get(name, 0.0) + took, 1)
            atomic_write_json(self.path, self.data)
        log(
            f'stage {name}: ' + (f'done in {took / 60:.1f} min' if did_work else 'already done') +
            f' (work so far {self.total / 60:.1f} min)', 'stage')
        return out

    @property
    def total(self) -> float:
        return sum(self.data.values())

    def describe(self) -> str:
        """``'data 0.1 min, generator 3.0 min (total 3.1 min)'``."""
        return (', '.join(f'{k} {v / 60:.1f} min'
                          for k, v in self.data.items()) + f' (total {self.total / 60:.1f} min)')


def run_cli(module: str, *args: str, log_file: Optional[str] = None) -> None:
    """Run ``python -m satsynth_mmseg.cli.<module> ARGS`` (or any ``-m`` module given with
    dots) in the working directory, where relative config and data paths resolve; raise
    ``SystemExit`` naming the command when it fails.

    With ``log_file`` its output goes there and the tail is shown on failure.
    """
    target = module if '.' in module else f'satsynth_mmseg.cli.{module}'
    full = [sys.executable, '-m', target, *args]
    log(' '.join(full) + (f'  > {log_file}' if log_file else ''))
    if log_file is None:
        subprocess.run(full, check=True)
        return
    with open(log_file, 'w') as f:
        proc = subprocess.run(full, stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode:
        with open(log_file) as f:
            print(f.read()[-4000:])
        raise SystemExit(f'failed ({proc.returncode}): {" ".join(full)}; log: {log_file}')
