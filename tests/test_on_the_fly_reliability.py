"""On-the-fly D′ under the conditions users train with: dataloader workers (persistent too),
several ranks, a producer that dies, and the label convention recorded with the generator."""
import json
import os
import os.path as osp
import signal
import time

import pytest
import torch
from mmengine.registry import init_default_scope

from satsynth_mmseg.generation import OnTheFlySyntheticDataset
from tests.conftest import on_the_fly_source, run_torchrun
from tests.test_augmented_dataset import _tiny_seg_cfg, _train_two_iters


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmseg')


@pytest.mark.parametrize('persistent', [False, True])
def test_segmentor_trains_with_two_dataloader_workers(procedural_root, tiny_generator, tmp_path,
                                                      persistent):
    # used to die at once: "AssertionError: can only test a child process" (the worker asked
    # multiprocessing whether the producer, a child of the main process, was alive)
    cfg = _tiny_seg_cfg(procedural_root, on_the_fly_source(tiny_generator, tmp_path),
                        tmp_path / 'w')
    cfg.train_dataloader.update(num_workers=2, persistent_workers=persistent)
    cfg.train_dataloader.dataset.ratio = 2.0
    runner = _train_two_iters(cfg)
    runner.train_dataloader.dataset.synthetic.close()


def test_torchrun_two_ranks_with_an_on_the_fly_source(procedural_root, tiny_generator, tmp_path):
    cfg = _tiny_seg_cfg(procedural_root, on_the_fly_source(tiny_generator, tmp_path),
                        tmp_path / 'w')
    cfg.train_dataloader.dataset.ratio = 2.0
    path = str(tmp_path / 'ddp_otf.py')
    cfg.dump(path)
    proc = run_torchrun('train', path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert osp.exists(tmp_path / 'w' / 'iter_2.pth')
    for rank in (0, 1):  # each rank had its own producer and pool
        assert osp.exists(tmp_path / 'pool' / f'rank_{rank}' / 'pool.json')


def _wait_for(predicate, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError('timed out')


def _pool(tmp_path):
    try:
        with open(tmp_path / 'pool' / 'rank_0' / 'pool.json') as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _producer(tiny_generator, tmp_path, **kwargs):
    """A started on-the-fly source with a pool of 2 (the dataset object itself)."""
    cfg = on_the_fly_source(tiny_generator, tmp_path, pool_size=2, **kwargs)
    cfg.pop('type')
    return OnTheFlySyntheticDataset(**cfg)


def test_a_killed_producer_is_reported_not_ignored(tiny_generator, tmp_path):
    src = _producer(tiny_generator, tmp_path, max_restarts=0)
    try:
        src.get_data_info(0)  # the pool is full
        pid = _pool(tmp_path)['pid']
        os.kill(pid, signal.SIGKILL)

        # the next reads fail clearly (a dataloader worker would see the same pool.json)
        def failed():
            try:
                src.get_data_info(0)
            except RuntimeError as e:
                return str(e)

        message = _wait_for(failed, timeout=30)
        assert f'pid {pid}' in message and 'exited with code -9' in message
        assert 'max_restarts=0' in message
    finally:
        src.close()


def test_a_killed_producer_is_restarted_and_continues_the_sequence(tiny_generator, tmp_path):
    src = _producer(tiny_generator, tmp_path, max_restarts=1)
    try:
        src.get_data_info(0)
        first = _pool(tmp_path)
        os.kill(first['pid'], signal.SIGKILL)
        second = _wait_for(lambda: (lambda p: p if p and p['pid'] != first['pid'] and p['produced']
                                    > first['produced'] + 2 else None)(_pool(tmp_path)))
        assert src.restarts == 1 and second['error'] is None
        info = src.get_data_info(0)
        assert osp.exists(info['img_path']) and osp.exists(info['seg_map_path'])
    finally:
        src.close()


def test_reduce_zero_label_comes_from_the_generator_checkpoint(tiny_generator, tmp_path):
    from satsynth_mmseg.utils import content_sha256, read_checkpoint
    cfg_path, ckpt_path = tiny_generator
    ckpt = read_checkpoint(ckpt_path)
    ckpt['meta']['dataset_meta']['reduce_zero_label'] = True  # as a LoveDA generator's
    ckpt['meta']['content_sha256'] = content_sha256(ckpt)
    path = str(tmp_path / 'loveda_like.pth')
    torch.save(ckpt, path)
    src = OnTheFlySyntheticDataset(cfg_path, path, lazy_init=True)
    assert src.metainfo['reduce_zero_label'] is True
    assert src.cfg['reduce_zero_label'] is True
    src = OnTheFlySyntheticDataset(cfg_path, path, lazy_init=True, reduce_zero_label=False)
    assert src.metainfo['reduce_zero_label'] is False  # an explicit choice still wins
