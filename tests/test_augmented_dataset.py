"""AugmentedDataset (D u D'): layout, ratio, metainfo checks, sources, samplers, training."""
import json
import os
import os.path as osp
import shutil

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import DefaultSampler, InfiniteSampler, pseudo_collate
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from torch.utils.data import DataLoader

from mmseg.registry import DATASETS
from satsynth_mmseg.datasets import PROCEDURAL_CLASSES, PROCEDURAL_PALETTE, AugmentedDataset
from satsynth_mmseg.generation import OnTheFlySyntheticDataset
from tests.conftest import REPO, load_json, on_the_fly_source, run_torchrun

SEG_CONFIG = osp.join(REPO, 'configs', 'satsynth',
                      'deeplabv3plus_r18-tiny-d8_1xb8-1k_procedural-d+dprime-32x32.py')
PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='Resize', scale=(32, 32), keep_ratio=False),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmseg')


def make_dprime(root,
                real_root,
                n,
                classes=PROCEDURAL_CLASSES,
                palette=PROCEDURAL_PALETTE,
                reduce_zero_label=False):
    """A D' folder as tools/generate.py lays it out, filled with copies of real pairs."""
    for sub in ('img_dir', 'ann_dir'):
        os.makedirs(osp.join(root, sub), exist_ok=True)
    for i in range(n):
        src = f'scene_{i:05d}.png'
        for sub in ('img_dir', 'ann_dir'):
            shutil.copy(
                osp.join(real_root, sub, 'train', src), osp.join(root, sub, f'gen_{i:07d}.png'))
    with open(osp.join(root, 'meta.json'), 'w') as f:
        json.dump(
            dict(
                classes=list(classes),
                palette=palette,
                reduce_zero_label=reduce_zero_label,
                img_dir='img_dir',
                ann_dir='ann_dir',
                num_samples=n), f)
    return str(root)


def real_cfg(root, pipeline=PIPELINE, **kwargs):
    return dict(
        type='ProceduralScenesDataset',
        data_root=root,
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=pipeline,
        **kwargs)


@pytest.fixture
def dprime(procedural_root, tmp_path):
    return make_dprime(tmp_path / 'dprime', procedural_root, 6)


def build(procedural_root, synthetic, ratio=1.0, **kwargs):
    return DATASETS.build(
        dict(
            type='AugmentedDataset',
            real=real_cfg(procedural_root),
            synthetic=synthetic,
            ratio=ratio,
            **kwargs))


def test_layout_len_and_data_info(procedural_root, dprime):
    ds = build(procedural_root, dprime, ratio=0.5)
    assert isinstance(ds, AugmentedDataset)
    assert (ds.num_real, ds.num_synthetic, len(ds)) == (12, 6, 18)
    assert ds.metainfo['classes'] == PROCEDURAL_CLASSES
    infos = [ds.get_data_info(i) for i in range(len(ds))]
    assert [i['data_source'] for i in infos] == ['real'] * 12 + ['synthetic'] * 6
    assert infos[0]['img_path'].endswith('scene_00000.png')
    # D' no larger than the synthetic slots: every generated pair once per epoch, in order
    assert [osp.basename(i['img_path'])
            for i in infos[12:]] == [f'gen_{j:07d}.png' for j in range(6)]
    assert ds.get_data_info(-1)['data_source'] == 'synthetic'
    with pytest.raises(IndexError):
        ds.get_data_info(18)
    # ratio 2 over 6 generated pairs: 24 slots cycle through D' four times
    ds2 = build(procedural_root, dprime, ratio=2)
    names = [osp.basename(ds2.get_data_info(i)['img_path']) for i in range(12, 36)]
    assert names == [f'gen_{j % 6:07d}.png' for j in range(24)]
    # ratio 0: D alone
    assert len(build(procedural_root, dprime, ratio=0)) == 12


def test_lazy_init_and_full_init(procedural_root, dprime):
    ds = build(procedural_root, dprime, ratio=1, lazy_init=True)
    assert not ds._fully_initialized
    assert len(ds) == 24  # force_full_init, like mmengine's wrappers
    assert ds._fully_initialized
    ds.full_init()  # idempotent
    assert len(ds) == 24


def test_samples_share_one_pipeline_and_carry_their_source(procedural_root, dprime):
    ds = build(procedural_root, dprime, ratio=1)
    for idx, source in ((0, 'real'), (12, 'synthetic')):
        out = ds[idx]
        assert out['inputs'].shape == (3, 32, 32) and out['inputs'].dtype == torch.uint8
        seg = out['data_samples'].gt_sem_seg.data
        assert seg.shape == (1, 32, 32)
        assert set(seg.unique().tolist()) <= set(range(5)) | {255}
        assert out['data_samples'].metainfo['data_source'] == source
        assert out['data_samples'].metainfo['img_shape'] == (32, 32)


def test_real_pipeline_is_used_for_both_unless_given(procedural_root, dprime):
    ds = build(procedural_root, dprime)
    assert [type(t).__name__ for t in ds.pipeline.transforms
            ] == ['LoadImageFromFile', 'LoadAnnotations', 'Resize', 'RandomFlip', 'PackSegInputs']
    # the wrapped datasets run no pipeline of their own
    assert not ds.real.pipeline.transforms and not ds.synthetic.pipeline.transforms
    own = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='Resize', scale=(16, 16), keep_ratio=False),
        dict(type='PackSegInputs')
    ]
    ds = build(procedural_root, dprime, pipeline=own)
    for idx in (0, 12):  # the given pipeline ran on both sources
        assert ds[idx]['inputs'].shape == (3, 16, 16)


@pytest.mark.parametrize('ratio', [0.5, 2.0])
def test_mixing_ratio_holds_statistically(procedural_root, dprime, ratio):
    ds = build(procedural_root, dprime, ratio=ratio)
    p = ratio / (1 + ratio)
    # InfiniteSampler (iteration-based training): Bernoulli(p) per draw, within 4 sigma
    it = iter(InfiniteSampler(ds, shuffle=True, seed=3))
    n = 4000
    frac = np.mean([next(it) >= ds.num_real for _ in range(n)])
    assert abs(frac - p) < 4 * np.sqrt(p * (1 - p) / n), frac
    # DefaultSampler (epochs): exactly R synthetic per real sample in every epoch
    sampler = DefaultSampler(ds, shuffle=True, seed=0)
    for epoch in range(2):
        sampler.set_epoch(epoch)
        idx = list(sampler)
        assert sorted(idx) == list(range(len(ds)))
        assert sum(i >= ds.num_real for i in idx) == round(ratio * 12)


def test_distributed_sampler_splits_both_sources(procedural_root, dprime, monkeypatch):
    import mmengine.dataset.sampler as sampler_mod
    ds = build(procedural_root, dprime, ratio=1)
    shards = []
    for rank in range(2):
        monkeypatch.setattr(sampler_mod, 'get_dist_info', lambda r=rank: (r, 2))
        shards.append(list(DefaultSampler(ds, shuffle=True, seed=0)))
    assert not set(shards[0]) & set(shards[1])
    assert sorted(shards[0] + shards[1]) == list(range(len(ds)))
    for shard in shards:  # each rank sees both sources
        assert any(i < 12 for i in shard) and any(i >= 12 for i in shard)


def test_several_workers(procedural_root, tmp_path):
    dp = make_dprime(tmp_path / 'big', procedural_root, 12)
    ds = build(procedural_root, dp, ratio=0.5)  # 6 slots over 12 pairs: random draws
    loader = DataLoader(
        ds,
        batch_size=4,
        num_workers=2,
        collate_fn=pseudo_collate,
        sampler=DefaultSampler(ds, shuffle=False))
    sources = []
    for batch in loader:
        assert all(x.shape == (3, 32, 32) for x in batch['inputs'])
        sources += [s.metainfo['data_source'] for s in batch['data_samples']]
    assert sources == ['real'] * 12 + ['synthetic'] * 6
    # random draws for a D' larger than the slots: every worker/process its own RNG
    picks = {ds.source_index(12 + j)[1] for j in range(6) for _ in range(20)}
    assert len(picks) > 6 and picks <= set(range(12))


def test_metainfo_disagreement_names_the_key(procedural_root, tmp_path):
    other = make_dprime(tmp_path / 'classes', procedural_root, 2, classes=('a', 'b', 'c', 'd', 'e'))
    with pytest.raises(ValueError, match="'classes'"):
        build(procedural_root, other)
    rzl = make_dprime(tmp_path / 'rzl', procedural_root, 2, reduce_zero_label=True)
    with pytest.raises(ValueError, match="'reduce_zero_label'"):
        build(procedural_root,
              dict(type='SyntheticPairsDataset', data_root=rzl, reduce_zero_label=True))
    pal = make_dprime(tmp_path / 'pal', procedural_root, 2, palette=[[0, 0, 0]] * 5)
    # a palette only affects drawing: a warning, and the real data's palette is used
    ds = build(procedural_root, pal)
    assert len(ds) == 24 and [list(c) for c in ds.metainfo['palette']] == PROCEDURAL_PALETTE
    assert len(build(procedural_root, pal, ignore_keys=['palette'])) == 24


def test_bad_caches_are_clear_errors(procedural_root, tmp_path):
    with pytest.raises(FileNotFoundError, match='no meta.json'):
        build(procedural_root, str(tmp_path / 'missing'))
    empty = make_dprime(tmp_path / 'empty', procedural_root, 0)
    with pytest.raises(FileNotFoundError, match='no images'):
        build(procedural_root, empty)
    broken = make_dprime(tmp_path / 'broken', procedural_root, 2)
    with open(osp.join(broken, 'meta.json'), 'w') as f:
        f.write('{"classes": [')  # cut short
    with pytest.raises(ValueError, match='unreadable'):
        build(procedural_root, broken)
    with pytest.raises(ValueError, match='ratio'):
        build(procedural_root, make_dprime(tmp_path / 'ok', procedural_root, 2), ratio=-1)


def _tiny_seg_cfg(procedural_root, dprime_root, work_dir, real=None):
    cfg = Config.fromfile(SEG_CONFIG)
    ds = cfg.train_dataloader.dataset
    ds.real.data_root = procedural_root
    if real is not None:
        ds.real = real
    ds.synthetic = dprime_root
    cfg.train_dataloader.update(batch_size=4, num_workers=0, persistent_workers=False)
    for loader in ('val_dataloader', 'test_dataloader'):
        cfg[loader].update(num_workers=0, persistent_workers=False)
        cfg[loader].dataset.data_root = procedural_root
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=3)
    cfg.param_scheduler = [
        dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end=2, by_epoch=False)
    ]
    cfg.default_hooks.checkpoint.interval = 2
    cfg.default_hooks.logger.interval = 1
    cfg.work_dir = str(work_dir)
    cfg.log_level = 'WARNING'
    return cfg


def _train_two_iters(cfg):
    runner = Runner.from_cfg(cfg)
    runner.train()
    hook = [h for h in runner.hooks if type(h).__name__ == 'DataSourceLoggerHook'][0]
    assert sum(hook.counts.values()) == 8  # 2 iterations x batch 4
    frac = runner.message_hub.get_scalar('train/synthetic_fraction')
    assert 0.0 <= frac.current() <= 1.0
    assert osp.exists(osp.join(cfg.work_dir, 'iter_2.pth'))
    return runner


def test_two_iterations_of_a_tiny_segmentor_on_d_u_dprime(procedural_root, dprime, tmp_path):
    runner = _train_two_iters(_tiny_seg_cfg(procedural_root, dprime, tmp_path / 'w'))
    assert isinstance(runner.train_dataloader.dataset, AugmentedDataset)


def test_stock_mmseg_dataset_as_real(procedural_root, dprime, tmp_path):
    stock = dict(
        type='BaseSegDataset',
        data_root=procedural_root,
        metainfo=dict(classes=PROCEDURAL_CLASSES, palette=PROCEDURAL_PALETTE),
        img_suffix='.png',
        seg_map_suffix='.png',
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=Config.fromfile(SEG_CONFIG).train_pipeline)
    cfg = _tiny_seg_cfg(procedural_root, dprime, tmp_path / 'w', real=stock)
    runner = _train_two_iters(cfg)
    assert type(runner.train_dataloader.dataset.real).__name__ == 'BaseSegDataset'


def test_on_the_fly_source(procedural_root, tiny_generator, tmp_path):
    synthetic = on_the_fly_source(tiny_generator, tmp_path)
    ds = build(procedural_root, synthetic, ratio=0.5)
    try:
        assert isinstance(ds.synthetic, OnTheFlySyntheticDataset)
        assert ds.metainfo['classes'] == PROCEDURAL_CLASSES and len(ds) == 18
        out = ds[12]  # waits for the producer's first batch
        assert out['data_samples'].metainfo['data_source'] == 'synthetic'
        assert out['inputs'].shape == (3, 32, 32) and out['inputs'].dtype == torch.uint8
        seg = out['data_samples'].gt_sem_seg.data
        assert set(seg.unique().tolist()) <= set(range(5)) | {255}
        pool = load_json(tmp_path / 'pool' / 'rank_0' / 'pool.json')
        assert pool['error'] is None and pool['produced'] >= 2
        assert out['data_samples'].img_path.startswith(str(tmp_path / 'pool'))
    finally:
        ds.synthetic.close()
    assert ds.synthetic._process is None


def test_on_the_fly_failure_is_reported(procedural_root, tiny_generator, tmp_path):
    cfg_path, ckpt = tiny_generator
    with pytest.raises(FileNotFoundError, match='checkpoint'):
        OnTheFlySyntheticDataset(cfg_path, str(tmp_path / 'nope.pth'))
    # a config that does not fit the checkpoint: the producer fails, the reader says why
    bad_cfg = Config.fromfile(cfg_path)
    bad_cfg.model.denoiser.block_out_channels = (8, 16)
    bad_cfg.model.denoiser.norm_num_groups = 4
    bad_path = str(tmp_path / 'bad.py')
    bad_cfg.dump(bad_path)
    src = OnTheFlySyntheticDataset(
        bad_path,
        ckpt,
        pool_size=2,
        batch_size=2,
        device='cpu',
        pool_dir=str(tmp_path / 'pool'),
        wait_timeout=120)
    try:
        with pytest.raises(RuntimeError, match='does not fit'):
            src.get_data_info(0)
    finally:
        src.close()


def test_torchrun_two_processes_train_on_d_u_dprime(procedural_root, dprime, tmp_path):
    cfg = _tiny_seg_cfg(procedural_root, dprime, tmp_path / 'w')
    cfg.log_level = 'INFO'  # the hook's totals
    path = str(tmp_path / 'ddp_seg.py')
    cfg.dump(path)
    proc = run_torchrun('train', path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert osp.exists(tmp_path / 'w' / 'iter_2.pth')
    assert 'generated samples' in proc.stdout + proc.stderr  # DataSourceLoggerHook totals


def test_two_iterations_with_an_on_the_fly_source(procedural_root, tiny_generator, tmp_path):
    synthetic = on_the_fly_source(tiny_generator, tmp_path)
    cfg = _tiny_seg_cfg(procedural_root, synthetic, tmp_path / 'w')
    cfg.train_dataloader.dataset.ratio = 2.0
    runner = _train_two_iters(cfg)
    source = runner.train_dataloader.dataset.synthetic
    assert isinstance(source, OnTheFlySyntheticDataset)
    source.close()
