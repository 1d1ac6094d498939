import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config

import satsynth_mmseg  # noqa: F401
from satsynth_mmseg.datasets import make_procedural_dataset

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TINY_CONFIG = osp.join(REPO, 'configs', 'joint_ddpm',
                       'jointddpm_unet-tiny_1xb8-2k_procedural-32x32.py')

#: A U-Net small enough for CPU unit tests (about 0.1 M parameters).
TINY_UNET = dict(
    type='DiffusersUNet2D',
    block_out_channels=(16, 32),
    down_block_types=('DownBlock2D', 'AttnDownBlock2D'),
    up_block_types=('AttnUpBlock2D', 'UpBlock2D'),
    layers_per_block=1,
    norm_num_groups=8,
    attention_head_dim=8)


def tiny_model_cfg(num_classes=5, image_channels=3, size=16, **kwargs):
    cfg = dict(
        type='JointDDPM',
        num_classes=num_classes,
        image_channels=image_channels,
        sample_size=size,
        denoiser=copy.deepcopy(TINY_UNET),
        noise_scheduler=dict(type='DDPMScheduler', num_train_timesteps=100),
        sampler=dict(type='DDIMScheduler', num_inference_steps=4))
    cfg.update(kwargs)
    return cfg


@pytest.fixture(autouse=True)
def _threads():
    torch.set_num_threads(2)


@pytest.fixture(scope='session')
def procedural_root(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('procedural'))
    make_procedural_dataset(root, num_train=12, num_val=4, size=32, seed=0)
    return root


def tiny_train_cfg(data_root, work_dir, max_iters=4, ckpt_interval=2, **model_kwargs):
    """The demo config shrunk for a unit test: tiny U-Net, batch 2, no workers."""
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.work_dir = str(work_dir)
    cfg.model.denoiser = copy.deepcopy(TINY_UNET)
    cfg.model.sample_size = (16, 16)
    cfg.model.noise_scheduler.num_train_timesteps = 100
    cfg.model.sampler = dict(type='DDIMScheduler', num_inference_steps=3)
    cfg.model.update(model_kwargs)
    cfg.train_pipeline[2] = dict(type='Resize', scale=(16, 16), keep_ratio=False)
    cfg.train_dataloader.update(batch_size=2, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset.update(data_root=data_root, pipeline=cfg.train_pipeline)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters + 1)
    cfg.default_hooks.checkpoint.update(interval=ckpt_interval, max_keep_ckpts=-1)
    cfg.default_hooks.logger.interval = 1
    # the generator hooks are named default_hooks entries (data_check, integrity, rng_state,
    # ema, sample_grid): change settings by name, drop one with default_hooks.pop(name)
    cfg.default_hooks.ema.momentum = 0.1
    cfg.default_hooks.sample_grid = dict(
        type='SampleGridHook', interval=ckpt_interval, num_samples=2, num_steps=2)
    cfg.randomness = dict(seed=0)
    cfg.log_level = 'WARNING'
    return cfg


@pytest.fixture(scope='session')
def tiny_generator(procedural_root, tmp_path_factory):
    """A tiny JointDDPM trained for 2 iterations by the Runner: (config path, checkpoint)."""
    from mmengine.runner import Runner
    work = tmp_path_factory.mktemp('gen_work')
    cfg = tiny_train_cfg(procedural_root, work, max_iters=2, ckpt_interval=2)
    cfg.default_hooks.pop('sample_grid')
    Runner.from_cfg(cfg).train()
    cfg_path = str(work / 'tiny_generator.py')
    cfg.dump(cfg_path)
    return cfg_path, str(work / 'iter_2.pth')


TINY_SPADE = dict(
    type='SPADEUNet',
    block_out_channels=(16, 32),
    attention_levels=(1, ),
    norm_num_groups=8,
    spade_hidden=8,
    attention_head_dim=8)


def tiny_m2i_cfg(num_classes=5, size=16, **kwargs):
    cfg = dict(
        type='MaskToImageDDPM',
        num_classes=num_classes,
        sample_size=size,
        denoiser=copy.deepcopy(TINY_SPADE),
        noise_scheduler=dict(type='DDPMScheduler', num_train_timesteps=100),
        sampler=dict(type='DDIMScheduler', num_inference_steps=3))
    cfg.update(kwargs)
    return cfg


@pytest.fixture(scope='session')
def tiny_m2i(procedural_root, tmp_path_factory):
    """A tiny MaskToImageDDPM trained 2 iterations by the Runner on the procedural scenes,
    with the mask | generated | real grid: (config path, checkpoint, work dir)."""
    from mmengine.runner import Runner
    work = tmp_path_factory.mktemp('m2i_work')
    cfg = tiny_train_cfg(procedural_root, work, max_iters=2, ckpt_interval=2)
    cfg.model = tiny_m2i_cfg(
        size=(16, 16), data_preprocessor=dict(type='JointDataPreprocessor', bgr_to_rgb=True))
    Runner.from_cfg(cfg).train()
    path = str(work / 'm2i.py')
    cfg.dump(path)
    return path, str(work / 'iter_2.pth'), work


@pytest.fixture(scope='session')
def tiny_pix2pix(procedural_root, tmp_path_factory):
    """A tiny Pix2PixGAN trained 2 iterations by the Runner: (config path, checkpoint)."""
    from mmengine.runner import Runner
    work = tmp_path_factory.mktemp('pix2pix_work')
    cfg = tiny_train_cfg(procedural_root, work, max_iters=2, ckpt_interval=2)
    cfg.model = tiny_gan_cfg(sample_size=(16, 16))
    cfg.optim_wrapper = dict(
        constructor='MultiOptimWrapperConstructor',
        generator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-4)),
        discriminator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-4)))
    cfg.param_scheduler = []
    Runner.from_cfg(cfg).train()
    path = str(work / 'pix2pix.py')
    cfg.dump(path)
    return path, str(work / 'iter_2.pth')


def tiny_gan_cfg(**kwargs):
    cfg = dict(
        type='Pix2PixGAN',
        num_classes=5,
        sample_size=16,
        generator=dict(type='UNetImageGenerator', base_channels=8, num_downs=4, max_channels=32),
        discriminator=dict(type='PatchDiscriminator', base_channels=8, num_layers=2),
        data_preprocessor=dict(type='JointDataPreprocessor', bgr_to_rgb=True))
    cfg.update(kwargs)
    return cfg


#: a plain mmseg segmentor config for the procedural scenes (tiny DeepLabV3+ on D)
SEG_CFG = osp.join(REPO, 'configs', 'satsynth',
                   'deeplabv3plus_r18-tiny-d8_1xb8-1k_procedural-d-32x32.py')


@pytest.fixture(scope='session')
def segmentor_checkpoint(tmp_path_factory):
    """Weights of :data:`SEG_CFG` (random: enough for tools that only need a segmentor)."""
    from mmengine.registry import init_default_scope

    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(SEG_CFG).model)
    path = str(tmp_path_factory.mktemp('seg') / 'seg.pth')
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)
    return path


def run_torchrun(tool: str, *args: str, nproc: int = 2, timeout: int = 300):
    """Run ``tools/<tool>.py ARGS --launcher pytorch`` under torchrun with ``nproc`` CPU
    processes (gloo) on a free port; returns the ``CompletedProcess`` (text output)."""
    import os
    import socket
    import subprocess
    import sys
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONPATH=REPO)
    cmd = [
        sys.executable, '-m', 'torch.distributed.run', f'--nproc_per_node={nproc}',
        f'--master_port={port}',
        osp.join(REPO, 'tools', f'{tool}.py'), *args, '--launcher', 'pytorch'
    ]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def load_json(path):
    """The JSON content of ``path`` (closing the file)."""
    import json
    with open(path) as f:
        return json.load(f)


def on_the_fly_source(tiny_generator, tmp_path, **kwargs):
    """An ``OnTheFlySyntheticDataset`` config for the tiny generator: a pool of 4 pairs made
    2 at a time with 2 DDIM steps on one CPU thread, in ``tmp_path/pool``."""
    cfg_path, ckpt = tiny_generator
    cfg = dict(
        type='OnTheFlySyntheticDataset',
        generator_config=cfg_path,
        checkpoint=ckpt,
        pool_size=4,
        batch_size=2,
        steps=2,
        device='cpu',
        num_threads=1,
        pool_dir=str(tmp_path / 'pool'),
        wait_timeout=120)
    cfg.update(kwargs)
    return cfg
