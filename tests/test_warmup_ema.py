"""The EMA with a decay warm-up of the GPU-sized generator configs."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from satsynth_mmseg.models import WarmupExponentialMovingAverage
from .conftest import REPO, tiny_train_cfg


def test_momentum_schedule_and_updates():
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 3)
    ema = WarmupExponentialMovingAverage(net, momentum=1e-3, warmup_power=0.75)
    assert ema.momentum_at(0) == 1.0
    assert ema.momentum_at(15) == pytest.approx(16**-0.75)
    assert ema.momentum_at(10**7) == 1e-3  # the floor
    assert ema.momentum_at(99) > ema.momentum_at(100)

    expected = {k: v.detach().clone() for k, v in net.named_parameters()}
    for k in range(6):
        with torch.no_grad():
            for p in net.parameters():
                p.add_(torch.randn_like(p))
        m = ema.momentum_at(k)
        for name, p in net.named_parameters():
            expected[name] = expected[name] + m * (p.detach() - expected[name])
        ema.update_parameters(net)
    for name, p in ema.module.named_parameters():
        assert torch.allclose(p, expected[name], atol=1e-6), name


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match='warmup_power'):
        WarmupExponentialMovingAverage(torch.nn.Linear(2, 2), warmup_power=0)


def _ema_gap(procedural_root, work, ema_type):
    """Mean |EMA - raw| of the weights after 6 iterations with momentum 1e-4."""
    cfg = tiny_train_cfg(procedural_root, work, max_iters=6, ckpt_interval=6)
    cfg.default_hooks.pop('sample_grid')
    cfg.default_hooks.ema = dict(
        type='EMAHook', ema_type=ema_type, momentum=1e-4, update_buffers=True)
    cfg.optim_wrapper.optimizer.lr = 1e-2
    cfg.param_scheduler = []  # full steps from the first iteration
    Runner.from_cfg(cfg).train()
    # weights-only load: `import satsynth_mmseg` allowlists mmengine's checkpoint globals
    ckpt = torch.load(osp.join(work, 'iter_6.pth'), map_location='cpu')
    # mmengine's EMAHook swaps them on save: state_dict = EMA, ema_state_dict = raw
    ema, raw = ckpt['state_dict'], ckpt['ema_state_dict']
    diffs = [(ema[k] - raw['module.' + k]).abs().mean() for k in ema if k.startswith('denoiser')]
    return float(torch.stack(diffs).mean())


def test_trained_through_the_hook_the_average_follows_the_weights(procedural_root, tmp_path):
    plain = _ema_gap(procedural_root, tmp_path / 'plain', 'ExponentialMovingAverage')
    warm = _ema_gap(procedural_root, tmp_path / 'warm', 'WarmupExponentialMovingAverage')
    # the plain EMA at 1e-4 is still the initial weights; the warmed one is near the raw ones
    assert warm < 0.5 * plain


def test_gpu_configs_warm_up_and_cpu_configs_keep_the_plain_ema():
    cfgs = {
        'joint_ddpm/jointddpm_unet-s_1xb16-100k_dubai-64x64.py': 'WarmupExponentialMovingAverage',
        'joint_ddpm/jointddpm_unet-m_1xb8-150k_dubai-128x128.py': 'WarmupExponentialMovingAverage',
        'joint_ddpm/jointddpm_unet-tiny_1xb8-2k_procedural-32x32.py': 'ExponentialMovingAverage',
        'mask2img/sdm_spade-unet-tiny_1xb8-3k_dubai-32x32.py': 'ExponentialMovingAverage',
    }
    for name, ema_type in cfgs.items():
        ema = Config.fromfile(osp.join(REPO, 'configs', name)).default_hooks.ema
        assert ema.ema_type == ema_type, name
        if ema_type == 'ExponentialMovingAverage':
            assert 'warmup_power' not in ema and ema.momentum == 0.01
