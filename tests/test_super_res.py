"""JointSuperRes: loss, label-safe downsampling, the x2 cascade in tools/generate.py."""
import filecmp
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmengine.structures import PixelData

from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from satsynth_mmseg.cli import generate as gen_tool
from satsynth_mmseg.generation import (check_cascade, file_sha256, interpolate_pair, load_generator,
                                       pipeline, read_manifest)
from satsynth_mmseg.models import GeneratedPairs, JointSuperRes, PairCondition
from tests.conftest import REPO, load_json, tiny_model_cfg

SR_CONFIG = osp.join(REPO, 'configs', 'joint_sr', 'jointsr_unet-tiny_1xb4-5k_dubai-64to128x128.py')


def tiny_sr_cfg(num_classes=5, size=32, **kwargs):
    cfg = tiny_model_cfg(num_classes=num_classes, size=size, **kwargs)
    cfg.update(type='JointSuperRes', scale=2)
    cfg['sampler'] = dict(type='DDIMScheduler', num_inference_steps=3)
    return cfg


def _batch(n=2, size=32, k=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(torch.randint(0, 256, (3, size, size), generator=g, dtype=torch.uint8))
        lab = torch.randint(0, k, (1, size, size), generator=g, dtype=torch.uint8)
        lab[:, :4] = 255
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=lab)
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def test_build_fills_conditioned_channels_and_loss_backward():
    model = MODELS.build(tiny_sr_cfg())
    assert isinstance(model, JointSuperRes)
    joint = model.data_preprocessor.joint_channels  # 3 + 3 bits
    assert model.denoiser.config.in_channels == 2 * joint
    assert model.denoiser.config.out_channels == joint
    assert model.low_res_size == (16, 16)
    data = model.data_preprocessor(_batch(), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_image', 'loss_mask'}
    sum(losses.values()).backward()
    grads = [p.grad for p in model.denoiser.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)


def test_low_resolution_pairs_are_label_safe():
    model = MODELS.build(tiny_sr_cfg())
    data = model.data_preprocessor(_batch(), False)
    x0 = data['inputs']
    hr_labels = model.labels_of(x0)
    assert hr_labels[:, :4].eq(255).all()  # ignore survives encoding
    low = model.downsample(x0)
    assert low.shape == (2, 6, 16, 16)
    # image: area average of the [-1, 1] image
    assert torch.allclose(
        low[:, :3], x0[:, :3].unflatten(2, (16, 2)).unflatten(4, (16, 2)).mean((3, 5)), atol=1e-6)
    labels = model.labels_of(low)
    assert labels[:, :2].eq(255).all()  # rows 0-3 ignored -> low rows 0-1 ignored
    assert set(labels.unique().tolist()) <= set(hr_labels.unique().tolist())
    cond = model.condition(x0)
    assert cond.shape == x0.shape
    assert set(cond[:, 3:].unique().tolist()) <= {-1.0, 0.0, 1.0}  # nearest for the bits


def test_sample_is_twice_the_size_with_valid_labels_and_refuses_other_sizes():
    model = MODELS.build(tiny_sr_cfg()).eval()
    g = torch.Generator().manual_seed(0)
    low_img = torch.randint(0, 256, (2, 3, 16, 16), generator=g, dtype=torch.uint8)
    low_lab = torch.randint(0, 8, (2, 16, 16), generator=g)  # codes >= K: "no label"
    cond = PairCondition(images=low_img, labels=low_lab)
    out = model.sample_from(cond, generator=[torch.Generator().manual_seed(i) for i in range(2)])
    assert out['images'].shape == (2, 3, 32, 32) and out['images'].dtype == torch.uint8
    assert out['labels'].shape == (2, 32, 32)
    assert set(out['labels'].unique().tolist()) <= set(range(5)) | {255}
    again = model.sample_from(cond, generator=[torch.Generator().manual_seed(i) for i in range(2)])
    assert torch.equal(out['joint'], again['joint'])  # deterministic per seed
    with pytest.raises(ValueError, match='trained for 16x16 -> 32x32'):
        model.sample_from(PairCondition(images=low_img[..., :8, :8], labels=low_lab[..., :8, :8]))


def test_check_cascade_refuses_mismatches():
    gen = MODELS.build(tiny_model_cfg(size=16))
    check_cascade(gen, MODELS.build(tiny_sr_cfg(size=32)))
    with pytest.raises(ValueError, match='num_classes'):
        check_cascade(gen, MODELS.build(tiny_sr_cfg(num_classes=9, size=32)))
    with pytest.raises(ValueError, match='image_channels'):
        check_cascade(gen, MODELS.build(tiny_sr_cfg(size=32, image_channels=1)))
    with pytest.raises(ValueError, match='upsamples 32x32 pairs'):
        check_cascade(gen, MODELS.build(tiny_sr_cfg(size=64)))
    with pytest.raises(ValueError, match='not a super-resolution model'):
        check_cascade(gen, gen)


def test_configs_build():
    init_default_scope('mmseg')
    for name in ('jointsr_unet-tiny_1xb4-5k_dubai-64to128x128.py',
                 'jointsr_unet-m_1xb8-100k_dubai-128to256x256.py'):
        cfg = Config.fromfile(osp.join(REPO, 'configs', 'joint_sr', name))
        model = MODELS.build(cfg.model)
        assert isinstance(model, JointSuperRes) and model.num_classes == 6
        assert tuple(model.sample_size) == cfg.crop_size


@pytest.fixture(scope='session')
def tiny_sr(procedural_root, tmp_path_factory):
    """A tiny JointSuperRes (16 -> 32) trained 2 iterations by the Runner, with grids."""
    work = tmp_path_factory.mktemp('sr_work')
    cfg = Config.fromfile(SR_CONFIG)
    cfg.work_dir = str(work)
    cfg.model = tiny_sr_cfg(size=32)
    cfg.model['noise_scheduler'] = dict(type='DDPMScheduler', num_train_timesteps=100)
    cfg.train_dataloader.update(batch_size=2, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset = dict(
        type='ProceduralScenesDataset',
        data_root=procedural_root,
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='RandomFlip', prob=0.5),
            dict(type='PackSegInputs')
        ])
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=3)
    cfg.default_hooks.checkpoint.update(interval=2, max_keep_ckpts=-1)
    cfg.default_hooks.sample_grid.update(interval=2, num_samples=2, num_steps=2)
    cfg.randomness = dict(seed=0)
    cfg.log_level = 'WARNING'
    Runner.from_cfg(cfg).train()
    path = str(work / 'tiny_sr.py')
    cfg.dump(path)
    return path, str(work / 'iter_2.pth')


def test_training_writes_checkpoint_and_super_res_grid(tiny_sr):
    cfg, ckpt = tiny_sr
    assert osp.exists(ckpt)
    grid = osp.join(osp.dirname(ckpt), 'samples', 'iter_0000002.png')
    assert osp.exists(grid)
    img = __import__('cv2').imread(grid)
    # 2 rows x 3 pairs (low-res | SR | real), each pair image | mask of 32 px
    assert img.shape[1] > img.shape[0] > 60
    model, info = load_generator(cfg, ckpt)
    assert info['weights'] == 'ema' and isinstance(model, JointSuperRes)


N, B = 5, 2


def _args(gen, sr, out, *extra):
    return [
        gen[0], gen[1], '--out',
        str(out), '--num-samples',
        str(N), '--batch-size',
        str(B), '--steps', '2', '--seed', '3', '--no-progress', '--device', 'cpu', '--sr-config',
        sr[0], '--sr-checkpoint', sr[1], '--sr-steps', '2', *extra
    ]


def _pngs(out):
    """Relative names of the PNGs of a D' folder."""
    return sorted(
        osp.join(d, f) for d in ('img_dir', 'ann_dir')
        for f in __import__('os').listdir(osp.join(out, d)))


def test_cascade_generate_is_x2_valid_deterministic_and_resumable(tiny_generator, tiny_sr, tmp_path,
                                                                  monkeypatch):
    ref = tmp_path / 'ref'
    gen_tool.main(_args(tiny_generator, tiny_sr, ref))
    recs = read_manifest(str(ref))
    assert len(recs) == N
    for r in recs:
        assert r['size'] == [32, 32]  # the generator makes 16 x 16
        assert r['sr_checkpoint_sha256'] == file_sha256(tiny_sr[1])
        assert r['checkpoint_sha256'] == file_sha256(tiny_generator[1])
        assert r['sr_steps'] == 2 and r['sr_sampler'] == 'dpm-solver++'
        lab = np.array(
            __import__('PIL.Image', fromlist=['Image']).open(osp.join(ref, 'ann_dir', r['file'])))
        assert lab.shape == (32, 32) and set(np.unique(lab)) <= set(range(5)) | {255}
    meta = load_json(ref / 'meta.json')
    assert meta['generation']['sr_checkpoint_sha256'] == file_sha256(tiny_sr[1])

    # interrupted after one batch, then rerun: byte-identical to the uninterrupted run
    real = pipeline.generate_synthetic_dataset
    part = tmp_path / 'part'
    monkeypatch.setattr(pipeline, 'generate_synthetic_dataset',
                        lambda *a, **k: real(*a, **dict(k, max_batches=1)))
    with pytest.raises(SystemExit):  # finalize finds missing samples
        gen_tool.main(_args(tiny_generator, tiny_sr, part))
    monkeypatch.setattr(pipeline, 'generate_synthetic_dataset', real)
    gen_tool.main(_args(tiny_generator, tiny_sr, part))
    names = _pngs(ref)
    assert len(names) == 2 * N and names == _pngs(part)
    _, mismatch, errors = filecmp.cmpfiles(ref, part, names, shallow=False)
    assert not mismatch and not errors

    # two simulated shards (ranks 0 and 1 of 2) write the same files
    from satsynth_mmseg.generation import SyntheticDatasetWriter, generate_synthetic_dataset
    gen_model, _ = load_generator(tiny_generator[0], tiny_generator[1])
    sr_model, _ = load_generator(tiny_sr[0], tiny_sr[1])
    shard = tmp_path / 'shard'
    for rank in range(2):
        w = SyntheticDatasetWriter(str(shard), dict(x=1), rank=rank)
        w.prepare()
        generate_synthetic_dataset(
            gen_model,
            w,
            N,
            seed=3,
            steps=2,
            batch_size=B,
            rank=rank,
            world_size=2,
            progress=False,
            super_res=dict(model=sr_model, sampler='dpm-solver++', steps=2))
    for name in names:
        assert filecmp.cmp(osp.join(ref, name), osp.join(shard, name), shallow=False), name


def test_cascade_refuses_mismatched_sr_checkpoint(tiny_generator, tiny_sr, tmp_path):
    bad = Config.fromfile(tiny_sr[0])
    bad.model.sample_size = 64  # an SR model for 32 -> 64
    path = str(tmp_path / 'bad_sr.py')
    bad.dump(path)
    with pytest.raises(
            SystemExit, match='upsamples 32x32 pairs but the generator makes '
            '16x16'):
        gen_tool.main(_args(tiny_generator, (path, tiny_sr[1]), tmp_path / 'o'))
    with pytest.raises(SystemExit):
        gen_tool.parse_args([
            tiny_generator[0], tiny_generator[1], '--out', 'x', '--num-samples', '2', '--sr-config',
            tiny_sr[0]
        ])


def test_an_sr_model_as_the_generator_names_sr_config_and_writes_nothing(tiny_sr, tmp_path):
    out = tmp_path / 'o'
    with pytest.raises(SystemExit) as e:
        gen_tool.main([tiny_sr[0], tiny_sr[1], '--out', str(out), '--num-samples', '2'])
    assert 'builds a JointSuperRes, which enlarges' in str(e.value)
    assert '--sr-config' in str(e.value) and 'sample_from' not in str(e.value)
    assert not out.exists()  # no empty D' skeleton left behind


def test_evaluation_script(tiny_sr, procedural_root, tmp_path):
    from satsynth_mmseg.cli import evaluate_super_res as ev
    from satsynth_mmseg.experiments.super_res_quality import psnr

    # the metrics themselves: identical inputs score perfectly
    img = torch.randint(0, 256, (2, 3, 8, 8), dtype=torch.uint8)
    assert psnr(img, img).min() > 99
    lab = torch.randint(0, 5, (2, 8, 8))
    from satsynth_mmseg.evaluation import IoUAccumulator
    score = IoUAccumulator(5)
    score.update(lab, lab)
    assert score.result().mIoU == pytest.approx(100) and score.result().aAcc == 100
    wrong = IoUAccumulator(5)
    wrong.update((lab + 1) % 5, lab)
    assert wrong.result().mIoU == 0
    # the whole script on the procedural val scenes (4 scenes = 4 tiles of 32 x 32)
    cfg, ckpt = tiny_sr
    report = ev.main([
        cfg, ckpt, '--data-root', procedural_root, '--steps', '2', '--out',
        str(tmp_path / 'eval'), '--no-progress', '--device', 'cpu'
    ])
    assert report['tiles'] == 4
    for method in ('interpolation', 'super_resolution'):
        r = report['results'][method]
        assert 0 < r['psnr_db'] < 100 and 0 <= r['mIoU'] <= 100
    for ext in ('md', 'json', 'png'):
        assert osp.getsize(tmp_path / 'eval' / f'sr_eval.{ext}') > 0


def test_interpolation_cascade_enlarges_the_same_low_res_samples(tiny_generator, tmp_path):
    low, big = tmp_path / 'low', tmp_path / 'big'
    common = [
        tiny_generator[0], tiny_generator[1], '--num-samples',
        str(N), '--batch-size',
        str(B), '--steps', '2', '--seed', '3', '--no-progress', '--device', 'cpu'
    ]
    gen_tool.main([*common, '--out', str(low)])
    gen_tool.main([*common, '--out', str(big), '--interp-scale', '2'])
    recs = read_manifest(str(big))
    assert [r['size'] for r in recs] == [[32, 32]] * N
    assert load_json(big / 'meta.json')['generation']['upsample'] == 'interpolation'
    import cv2
    for r in recs:
        lo_img = cv2.imread(str(low / 'img_dir' / r['file']))
        lo_lab = cv2.imread(str(low / 'ann_dir' / r['file']), cv2.IMREAD_UNCHANGED)
        img, lab = interpolate_pair(
            torch.from_numpy(lo_img).permute(2, 0, 1)[None],
            torch.from_numpy(lo_lab)[None], 2)
        assert np.array_equal(
            cv2.imread(str(big / 'img_dir' / r['file'])), img[0].permute(1, 2, 0).numpy())
        assert np.array_equal(
            cv2.imread(str(big / 'ann_dir' / r['file']), cv2.IMREAD_UNCHANGED), lab[0].numpy())
    with pytest.raises(SystemExit):
        gen_tool.parse_args([
            *common, '--out', 'x', '--interp-scale', '2', '--sr-config', 'a', '--sr-checkpoint', 'b'
        ])


def test_interpolate_pair_keeps_labels_and_mean_colour():
    img = torch.randint(0, 256, (2, 3, 5, 7), dtype=torch.uint8)
    lab = torch.randint(0, 4, (2, 5, 7))
    lab[0, 0, 0] = 255
    big_img, big_lab = interpolate_pair(img, lab, 2)
    assert big_img.shape == (2, 3, 10, 14) and big_img.dtype == torch.uint8
    assert torch.equal(big_lab[:, ::2, ::2], lab) and torch.equal(big_lab[:, 1::2, 1::2], lab)
    # bilinear (half-pixel centres) of a constant image is that constant
    flat = torch.full((1, 3, 4, 4), 77, dtype=torch.uint8)
    assert torch.equal(
        interpolate_pair(flat, lab[:1, :4, :4], 3)[0],
        torch.full((1, 3, 12, 12), 77, dtype=torch.uint8))
    with pytest.raises(ValueError):
        interpolate_pair(img, lab, 0)


def test_super_res_experiment_configs_load_and_bad_settings_fail():
    from satsynth_mmseg.experiments.experiment_config import settings_from
    from satsynth_mmseg.experiments.super_res import SuperResExperiment
    from satsynth_mmseg.utils import ConfigError
    base = osp.join(REPO, 'configs', 'experiments', 'superres_dubai-cpu.py')
    child = osp.join(REPO, 'configs', 'experiments', 'superres-residual_dubai-cpu.py')
    exp = SuperResExperiment(**settings_from(base, SuperResExperiment))
    assert exp.convert['downscale'] == 4 and exp.low_convert['downscale'] == 8
    residual = settings_from(child, SuperResExperiment, {'seeds': [3]}, raw_dir='raw')
    assert residual['sr_steps'] == 20 and residual['seeds'] == [3] and residual['raw_dir'] == 'raw'
    assert residual['generator_checkpoint'].startswith('model_zoo/')
    with pytest.raises(ConfigError, match='unknown settings'):
        settings_from(base, SuperResExperiment, {'seg_iter': 3})
    for bad, match in ((dict(ratio=0), 'ratio'), (dict(seeds=[1, 1]), 'distinct'),
                       (dict(segmentor='a.py'), 'pattern')):
        with pytest.raises(ConfigError, match=match):
            SuperResExperiment(**bad)


def test_table4_benchmark_end_to_end_and_resume(tiny_generator, tiny_sr, procedural_root, tmp_path):
    from satsynth_mmseg.cli import benchmark_super_res as bench
    work = tmp_path / 'table4'
    segmentor = osp.join(REPO, 'configs', 'satsynth',
                         'deeplabv3plus_r18-tiny-d8_1xb8-1k_procedural-{}-32x32.py')
    args = [
        osp.join(REPO, 'configs', 'experiments', 'superres_dubai-cpu.py'), '--work-dir',
        str(work), '--cfg-options', f'data_root={procedural_root}',
        f'generator_config={tiny_generator[0]}', f'generator_checkpoint={tiny_generator[1]}',
        f'sr_config={tiny_sr[0]}', f'sr_checkpoint={tiny_sr[1]}', f'segmentor={segmentor}',
        'seeds=[0]', 'steps=2', 'sr_steps=2', 'seg_iters=2', 'eval_max_tiles=2', 'dprime_only=True'
    ]
    report = bench.main(args)
    assert [r['variant'] for r in report['rows']] == [
        'D', 'D u D\' (bilinear / nearest)', 'D u D\' (JointSuperRes)',
        'D\' only (bilinear / nearest)', 'D\' only (JointSuperRes)'
    ]
    assert report['n_real'] == 12 and report['n_synthetic'] == 12
    for run in report['runs']:
        assert 0 <= run['metrics']['mIoU'] <= 100 and run['max_iters'] == 2
    for u in ('interp', 'sr'):
        meta = load_json(work / f'dprime_{u}' / 'meta.json')
        assert meta['num_samples'] == 12 and meta['generation']['size'] == [32, 32]
    for ext in ('md', 'json', 'png'):
        assert osp.getsize(work / f'sr_gain.{ext}') > 0
    assert 'image PSNR' in (work / 'sr_gain.md').read_text()
    stages = load_json(work / 'stages.json')
    assert {'sr_eval', 'dprime_interp', 'dprime_sr', 'segmentors'} <= set(stages)
    stamps = {p: os.stat(p).st_mtime_ns for p in work.glob('runs/*/metrics.json')}
    assert len(stamps) == 5
    again = bench.main(args)
    assert {p: os.stat(p).st_mtime_ns for p in stamps} == stamps
    assert load_json(work / 'stages.json') == stages
    assert [r['mIoU'] for r in again['rows']] == [r['mIoU'] for r in report['rows']]


def test_one_conditional_entry_point_and_tensor_mode():
    """JointSuperRes no longer overrides sample() with another signature; sample_from is
    the entry point the grid hook, the cascade and the SR evaluation share, and the
    inherited forward(mode='tensor') feeds the condition (it used to fail on channels)."""
    from satsynth_mmseg.generation import InterpolationUpsampler
    from satsynth_mmseg.utils import ConfigError
    model = MODELS.build(tiny_model_cfg(type='JointSuperRes', size=32))
    with pytest.raises(ConfigError, match='sample_from'):
        model.sample(2)
    x = torch.zeros(2, model.data_preprocessor.joint_channels, 32, 32)
    assert model(x, mode='tensor').shape == x.shape
    cond = PairCondition(
        images=torch.zeros(2, 3, 16, 16, dtype=torch.uint8),
        labels=torch.zeros(2, 16, 16, dtype=torch.long))
    for upsampler in (model, InterpolationUpsampler(2)):
        out = upsampler.sample_from(cond, num_steps=2)
        assert isinstance(out, GeneratedPairs) and out.images.shape == (2, 3, 32, 32)
        assert out['labels'] is out.labels  # also readable as a dict
    joint = MODELS.build(tiny_model_cfg())
    with pytest.raises(ConfigError, match='unconditional'):
        joint.sample_from(cond)
