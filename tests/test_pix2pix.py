"""Pix2PixGAN: networks, two-optimizer train_step through mmengine, deterministic rendering."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper, OptimWrapperDict
from torch import nn

import satsynth_mmseg  # noqa: F401
from mmseg.registry import MODELS
from satsynth_mmseg.cli import generate as gen_tool
from satsynth_mmseg.models import PairCondition
from satsynth_mmseg.utils import ConfigError
from tests.conftest import REPO, tiny_gan_cfg


def _batch(n=2, size=16, k=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    from mmengine.structures import PixelData

    from mmseg.structures import SegDataSample
    samples = []
    for _ in range(n):
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=torch.randint(0, k, (1, size, size), generator=g))
        samples.append(s)
    imgs = [
        torch.randint(0, 256, (3, size, size), generator=g, dtype=torch.uint8) for _ in range(n)
    ]
    return dict(inputs=imgs, data_samples=samples)


def _optim(model):
    return OptimWrapperDict(
        generator=OptimWrapper(torch.optim.Adam(model.generator.parameters(), lr=1e-2)),
        discriminator=OptimWrapper(torch.optim.Adam(model.discriminator.parameters(), lr=1e-2)))


def test_network_shapes():
    model = MODELS.build(tiny_gan_cfg())
    cond = model.one_hot(torch.randint(0, 5, (2, 16, 16)))
    fake = model.generator(cond)
    assert fake.shape == (2, 3, 16, 16) and fake.abs().max() <= 1
    logits = model.discriminator(cond, fake)
    assert logits.shape[:2] == (2, 1) and logits.shape[-1] > 1  # a logit per patch


def test_train_step_updates_both_networks():
    torch.manual_seed(0)
    model = MODELS.build(tiny_gan_cfg())
    g0 = copy.deepcopy(model.generator.state_dict())
    d0 = copy.deepcopy(model.discriminator.state_dict())
    log = model.train_step(_batch(), _optim(model))
    assert {'loss_d', 'loss_g_gan', 'loss_g_l1'} <= set(log)
    assert all(torch.isfinite(v) for v in log.values())
    changed = lambda a, b: any(not torch.equal(a[k], b[k]) for k in a)  # noqa: E731
    assert changed(g0, model.generator.state_dict())
    assert changed(d0, model.discriminator.state_dict())
    assert all(p.requires_grad for p in model.discriminator.parameters())


def test_one_optimizer_is_refused():
    model = MODELS.build(tiny_gan_cfg())
    with pytest.raises(ConfigError, match='two optimizers'):
        model.train_step(_batch(), OptimWrapper(torch.optim.Adam(model.parameters())))


def test_rendering_is_deterministic_and_follows_the_map():
    torch.manual_seed(0)
    model = MODELS.build(tiny_gan_cfg())
    model.train_step(_batch(), _optim(model))
    model.train()  # dropout on: sample_from must still be deterministic
    labels = torch.randint(0, 5, (2, 16, 16))
    a = model.sample_from(PairCondition(labels=labels))
    b = model.sample_from(PairCondition(labels=labels), generator=[torch.Generator()] * 2)
    assert a.images.dtype == torch.uint8 and torch.equal(a.images, b.images)
    assert torch.equal(a.labels, labels) and model.generator.training
    other = model.sample_from(PairCondition(labels=(labels + 1) % 5))
    assert not torch.equal(other.images, a.images)
    with pytest.raises(ConfigError, match='--masks-from'):
        model.sample(2)


def test_perceptual_loss_from_a_local_torchscript_file(tmp_path):
    features = torch.jit.script(nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU()))
    path = str(tmp_path / 'features.pt')
    features.save(path)
    model = MODELS.build(tiny_gan_cfg(perceptual_weight=2.0, perceptual_network=path))
    log = model.train_step(_batch(), _optim(model))
    assert 'loss_g_perceptual' in log and log['loss_g_perceptual'] > 0
    assert not any(p.grad is not None for p in model.perceptual.parameters())
    with pytest.raises(ConfigError, match='TorchScript'):
        MODELS.build(tiny_gan_cfg(perceptual_weight=1.0, perceptual_network=str(tmp_path / 'x')))
    with pytest.raises(ConfigError, match='local TorchScript'):
        MODELS.build(tiny_gan_cfg(perceptual_weight=1.0))


def test_shipped_config_builds_two_optimizers():
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'mask2img', 'pix2pix_unet-s_1xb8-3k_dubai-32x32.py'))
    assert set(cfg.optim_wrapper) == {'constructor', 'generator', 'discriminator'}
    model = MODELS.build(cfg.model)
    assert model.generator.size_multiple == 32


def test_long_config_decays_both_learning_rates_to_zero_over_its_second_half():
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import PARAM_SCHEDULERS, DefaultScope
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'mask2img', 'pix2pix_unet-s_1xb8-9k_dubai-64x64.py'))
    model = MODELS.build(cfg.model)
    with DefaultScope.overwrite_default_scope('mmseg'):  # as the Runner builds it
        wrappers = build_optim_wrapper(model, cfg.optim_wrapper)
    assert set(cfg.param_scheduler) == {'generator', 'discriminator'}
    for name, (sched_cfg, ) in cfg.param_scheduler.items():
        optimizer = wrappers[name].optimizer
        sched = PARAM_SCHEDULERS.build(dict(sched_cfg, optimizer=optimizer))
        lrs = []
        for _ in range(cfg.train_cfg.max_iters):
            lrs.append(optimizer.param_groups[0]['lr'])
            sched.step()
        half = cfg.train_cfg.max_iters // 2
        assert lrs[0] == lrs[half] == pytest.approx(2e-4)
        assert lrs[half + half // 2] == pytest.approx(1e-4, rel=1e-3)
        assert lrs[-1] < 1e-6


def test_runner_trains_resumes_and_generates(tiny_pix2pix, procedural_root, tmp_path):
    from mmengine.runner import Runner
    cfg_path, ckpt = tiny_pix2pix  # trained 2 iterations by the Runner (tests/conftest.py)
    assert osp.exists(osp.join(osp.dirname(ckpt), 'samples', 'iter_0000002.png'))
    # resume to 3 iterations in a copy of its work dir
    import shutil
    work = tmp_path / 'work'
    shutil.copytree(osp.dirname(ckpt), work)
    cfg3 = Config.fromfile(cfg_path)
    cfg3.work_dir = str(work)
    cfg3.train_cfg.max_iters = 3
    cfg3.resume = True
    cfg3.load_from = str(work / 'iter_2.pth')
    runner = Runner.from_cfg(cfg3)
    runner.train()
    assert runner.iter == 3
    # generate D' for real-mask layouts
    real = Config.fromfile(
        osp.join(REPO, 'configs', 'satsynth',
                 'deeplabv3plus_r18-tiny-d8_1xb8-1k_procedural-d-32x32.py'))
    real.train_dataloader.dataset.data_root = procedural_root
    real_path = str(tmp_path / 'real.py')
    real.dump(real_path)
    out = tmp_path / 'dprime'
    gen_tool.main([
        cfg_path, ckpt, '--out',
        str(out), '--num-samples', '3', '--masks-from', real_path, '--no-progress', '--device',
        'cpu'
    ])
    assert len(list((out / 'img_dir').iterdir())) == 3
    with pytest.raises(SystemExit, match='no classifier-free guidance'):
        gen_tool.main([
            cfg_path, ckpt, '--out',
            str(tmp_path / 'o2'), '--num-samples', '3', '--masks-from', real_path,
            '--guidance-scale', '2', '--no-progress'
        ])
