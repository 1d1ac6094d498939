"""tools/train.py and tools/test.py with a plain mmseg segmentor config."""
import os.path as osp

from mmengine.config import Config

from satsynth_mmseg.cli import test as test_tool
from satsynth_mmseg.cli import train as train_tool
from tests.conftest import REPO

SEG_CONFIG = osp.join(REPO, 'configs', 'segmentors', 'fcn_unet-tiny_1xb8-1k_procedural-32x32.py')


def test_train_then_test_a_segmentor(procedural_root, tmp_path):
    cfg = Config.fromfile(SEG_CONFIG)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].update(num_workers=0, persistent_workers=False)
        cfg[loader].dataset.data_root = procedural_root
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=2)
    cfg.default_hooks.checkpoint.interval = 2
    cfg.log_level = 'WARNING'
    path = str(tmp_path / 'seg.py')
    cfg.dump(path)
    train_tool.main([path, '--work-dir', str(tmp_path / 'w')])
    ckpt = tmp_path / 'w' / 'iter_2.pth'
    assert ckpt.exists()
    metrics = test_tool.main(
        [path, str(ckpt), '--work-dir',
         str(tmp_path / 't'), '--out',
         str(tmp_path / 'pred')])
    assert set(metrics) >= {'aAcc', 'mIoU', 'mAcc'}
    assert 0 <= metrics['mIoU'] <= 100
    assert len(list((tmp_path / 'pred').glob('*.png'))) == 4  # one map per val scene
