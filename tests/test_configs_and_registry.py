"""Every config builds from mmseg's registries; every registered class is reachable."""
import glob
import os.path as osp
import re

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
    hooks = [h for h in cfg.default_hooks.values() if h is not None] + cfg.get('custom_hooks', [])
    hook_types = {h['type'] for h in hooks}
    assert {
        'EMAHook', 'SampleGridHook', 'GeneratorDataCheckHook', 'CheckpointIntegrityHook',
        'RNGStateHook'
    } <= hook_types
    for h in hooks:
        if h['type'] in ('SampleGridHook', 'GeneratorDataCheckHook', 'CheckpointIntegrityHook',
                         'RNGStateHook'):  # the plugin's (the others are mmengine's)
            HOOKS.build(h)
    # the dataset class knows as many classes as the model (the labelled part of a pool mix)
    ds = cfg.train_dataloader.dataset
    if ds.type == 'LabelledUnlabelledDataset':
        assert cfg.model.mask_timestep_embedding  # a JointDDPM that can learn from the pool
        assert ds.unlabelled.type == 'UnlabelledImagesDataset'
        assert cfg.train_dataloader.batch_sampler.type == 'LabelledUnlabelledBatchSampler'
        ds = ds.labelled
    ds_cls = DATASETS.get(ds.type)
    assert len(ds_cls.METAINFO['classes']) == cfg.model.num_classes


@pytest.mark.parametrize('name', ['DDPMScheduler', 'DDIMScheduler', 'DPMSolverMultistepScheduler'])
def test_schedulers_registered(name):
    sched = TASK_UTILS.build(dict(type=name, num_train_timesteps=50))
    assert sched.config.num_train_timesteps == 50


def test_procedural_dataset_builds_with_stock_pipeline(tmp_path):
    make_procedural_dataset(str(tmp_path), num_train=3, num_val=1, size=32, seed=1)
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'joint_ddpm', 'jointddpm_unet-tiny_1xb8-2k_procedural-32x32.py'))
    init_default_scope('mmseg')
    ds = DATASETS.build(dict(cfg.train_dataloader.dataset, data_root=str(tmp_path)))
    assert len(ds) == 3
    item = ds[0]
    assert tuple(item['inputs'].shape) == (3, 32, 32)
    seg = item['data_samples'].gt_sem_seg.data
    assert seg.dtype.is_floating_point is False and seg.shape == (1, 32, 32)
    assert ds.metainfo['classes'][0] == 'bare_soil'


SEG_CONFIGS = sorted(glob.glob(osp.join(REPO, 'configs', 'satsynth', '*.py')))


@pytest.mark.parametrize(
    'path', SEG_CONFIGS + [osp.join(REPO, 'configs', 'satsynth_deeplab.py')], ids=osp.basename)
def test_segmentor_configs_build(path):
    cfg = Config.fromfile(path)
    assert cfg.custom_imports['imports'] == ['satsynth_mmseg']
    init_default_scope('mmseg')
    model = MODELS.build(cfg.model)
    assert type(model).__name__ == 'EncoderDecoder'
    assert type(model.decode_head).__name__ == 'DepthwiseSeparableASPPHead'  # DeepLabV3+
    ds = cfg.train_dataloader.dataset
    real = ds.real if ds.type == 'AugmentedDataset' else ds
    classes = (
        DATASETS.get(real.type).METAINFO['classes']
        if 'data_root' in real and real.type != 'SyntheticPairsDataset' else None)
    if classes is not None:
        assert len(classes) == cfg.model.decode_head.num_classes
    assert {'DataSourceLoggerHook'} <= {h['type'] for h in cfg.custom_hooks}
    for h in cfg.custom_hooks:
        HOOKS.build(h)


TRIPLET = re.compile(r'^(.*_(?:dubai|procedural|sen1floods11))-(d|d\+dprime|dprime)-(.*)\.py$')


def _family(path):
    m = TRIPLET.match(osp.basename(path))
    return m and '{}-*-{}'.format(*m.group(1, 3))


#: families with a D, a D ∪ D′ and a D′-only config (the D config of the pretrained-encoder
#: family and the pseudo-label config are checked against theirs below)
FAMILIES = sorted(
    {f
     for f in map(_family, SEG_CONFIGS) if f and sum(_family(p) == f for p in SEG_CONFIGS) == 3})

#: the variables of ``configs/_base_/datasets/dprime_training_sets.py``
DPRIME_BLOCKS = ('d_union_dprime', 'dprime_only')


@pytest.mark.parametrize('family', FAMILIES)
def test_d_dunion_dprime_configs_differ_only_in_the_training_set(family):
    variants = {}
    for path in SEG_CONFIGS:
        m = TRIPLET.match(osp.basename(path))
        if m and '{}-*-{}'.format(*m.group(1, 3)) == family:
            variants[m.group(2)] = Config.fromfile(path)
    assert set(variants) == {'d', 'd+dprime', 'dprime'}
    flat = {}
    for key, cfg in variants.items():
        d = cfg.to_dict()
        d['train_dataloader'].pop('dataset')
        d.pop('dprime_root', None)
        for block in DPRIME_BLOCKS:  # the shared block's variables (only in D u D', D')
            assert (block in d) == (key != 'd'), (key, block)
            d.pop(block, None)
        flat[key] = d
    assert flat['d'] == flat['d+dprime'] == flat['dprime']
    # the two training sets come from the one shared block, not a copy of it
    assert variants['d+dprime'].train_dataloader.dataset.type == \
        variants['d+dprime'].d_union_dprime.type
    assert variants['dprime'].train_dataloader.dataset.type == variants['dprime'].dprime_only.type
    assert variants['d+dprime'].train_dataloader.dataset.real == \
        variants['d'].train_dataloader.dataset
    assert variants['dprime'].train_dataloader.dataset.pipeline == \
        variants['d'].train_dataloader.dataset.pipeline


def _seg(name):
    return Config.fromfile(osp.join(REPO, 'configs', 'satsynth', name)).to_dict()


def test_the_pretrained_encoder_and_pseudo_label_configs_change_only_their_part():
    d = _seg('deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py')
    pre = _seg('deeplabv3plus_r18-tiny-d8-scenecls-pre_1xb8-1k_dubai-d-32x32.py')
    init = pre['model']['backbone'].pop('init_cfg')
    assert init == dict(
        type='Pretrained', checkpoint=pre.pop('encoder_checkpoint'), prefix='backbone.')
    assert pre == d
    dd = _seg('deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d+dprime-32x32.py')
    pseudo = _seg('deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d+pseudo-32x32.py')
    assert pseudo['train_dataloader']['dataset'].pop('synthetic') == pseudo.pop('pseudo_root')
    dd['train_dataloader']['dataset'].pop('synthetic')
    assert pseudo == dd
