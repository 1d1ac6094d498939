"""Every config builds from mmseg's registries; every registered class is reachable."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmseg.registry import DATASETS, HOOKS, MODELS, TASK_UTILS
from satsynth_mmseg.datasets import make_procedural_dataset
from tests.conftest import REPO

CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'joint_ddpm', '*.py')))


def test_there_are_configs():
    names = [osp.basename(c) for c in CONFIGS]
    assert any('dubai-64x64' in n for n in names)
    assert any('dubai-128x128' in n for n in names)
    assert any('procedural-32x32' in n for n in names)


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_model_and_hooks_build(path):
    cfg = Config.fromfile(path)
    assert cfg.custom_imports['imports'] == ['satsynth_mmseg']
    assert cfg.default_scope == 'mmseg'
    init_default_scope('mmseg')
    model = MODELS.build(cfg.model)
    size = cfg.model.sample_size
    assert model.sample_size == tuple(size)
    assert model.denoiser.config.in_channels == model.image_channels + model.num_bits
    hook_types = {h['type'] for h in cfg.custom_hooks}
    assert {'EMAHook', 'SampleGridHook', 'GeneratorDataCheckHook'} <= hook_types
    for h in cfg.custom_hooks:
        if h['type'] != 'EMAHook':  # EMAHook is mmengine's (root registry)
            HOOKS.build(h)
    # the dataset class knows as many classes as the model
    ds_cls = DATASETS.get(cfg.train_dataloader.dataset.type)
    assert len(ds_cls.METAINFO['classes']) == cfg.model.num_classes


@pytest.mark.parametrize('name', ['DDPMScheduler', 'DDIMScheduler',
                                  'DPMSolverMultistepScheduler'])
def test_schedulers_registered(name):
    sched = TASK_UTILS.build(dict(type=name, num_train_timesteps=50))
    assert sched.config.num_train_timesteps == 50


def test_procedural_dataset_builds_with_stock_pipeline(tmp_path):
    make_procedural_dataset(str(tmp_path), num_train=3, num_val=1, size=32, seed=1)
    cfg = Config.fromfile(CONFIGS[-1])
    init_default_scope('mmseg')
    ds = DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=str(tmp_path)))
    assert len(ds) == 3
    item = ds[0]
    assert tuple(item['inputs'].shape) == (3, 32, 32)
    seg = item['data_samples'].gt_sem_seg.data
    assert seg.dtype.is_floating_point is False and seg.shape == (1, 32, 32)
    assert ds.metainfo['classes'][0] == 'bare_soil'
