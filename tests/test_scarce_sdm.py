"""Scarce-data semantic diffusion: best-loss checkpoints, respaced DDPM, train / fine-tune /
sample through tools/sdm_scarce.py."""
import logging
import os
import os.path as osp
import types

import pytest
import torch
from diffusers import DDPMScheduler
from mmengine.config import Config
from mmengine.logging import MessageHub

import satsynth_mmseg  # noqa: F401
from mmseg.registry import HOOKS, MODELS
from satsynth_mmseg.cli import sdm_scarce
from satsynth_mmseg.diffusion import build_sampler
from satsynth_mmseg.engine.hooks.best_loss_checkpoint_hook import BEST_ITER_KEY, BEST_LOSS_KEY
from satsynth_mmseg.utils import ConfigError, load_verified_checkpoint
from tests.conftest import REPO, tiny_m2i_cfg, tiny_train_cfg
from tests.test_mask_to_image import _real_config


class _FakeRunner:
    """What the hook uses of a Runner; ``save_checkpoint`` writes the iteration."""

    def __init__(self, work_dir, name):
        self.work_dir = str(work_dir)
        self.iter = 0
        self.message_hub = MessageHub.get_instance(name)
        self.logger = logging.getLogger(name)
        self.saved = []

    def save_checkpoint(self, out_dir, filename, by_epoch=False):
        with open(osp.join(out_dir, filename), 'w') as f:
            f.write(str(self.iter + 1))
        self.saved.append(self.iter + 1)


def _feed(hook, runner, losses):
    for loss in losses:
        hook.after_train_iter(runner, runner.iter, outputs=dict(loss=torch.tensor(loss)))
        runner.iter += 1


def test_best_loss_is_the_lowest_window_mean(tmp_path):
    hook = HOOKS.build(dict(type='BestLossCheckpointHook', interval=2, min_iters=4))
    runner = _FakeRunner(tmp_path, 'best-loss-window')
    hook.before_train(runner)
    # windows (means): [5, 5] = 5 (before min_iters), [4, 2] = 3, [1, 9] = 5, [3, 2] = 2.5,
    # [2, 3.2] = 2.6: saved after iterations 4 and 8 only
    _feed(hook, runner, [5, 5, 4, 2, 1, 9, 3, 2, 2, 3.2])
    assert runner.saved == [4, 8]
    best = osp.join(tmp_path, 'best_loss.pth')
    assert open(best).read() == '8' and not osp.exists(best + '.tmp')
    assert runner.message_hub.get_info(BEST_LOSS_KEY) == pytest.approx(2.5)
    assert runner.message_hub.get_info(BEST_ITER_KEY) == 8


def test_a_resumed_run_keeps_the_best_and_skips_a_partial_window(tmp_path):
    hook = HOOKS.build(dict(type='BestLossCheckpointHook', interval=4))
    runner = _FakeRunner(tmp_path, 'best-loss-resume')
    runner.message_hub.update_info(BEST_LOSS_KEY, 1.0)  # what the resumed checkpoint held
    runner.iter = 6  # resumed mid-window: iterations 7, 8 are not a whole window
    hook.before_train(runner)
    _feed(hook, runner, [0.1, 0.1, 2, 2, 2, 2, 0.5, 0.5, 0.5, 0.5])
    assert runner.saved == [16]  # 8: partial; 12: mean 2 > 1; 16: 0.5 < 1


def test_bad_settings_and_a_missing_loss_are_clear(tmp_path):
    with pytest.raises(ConfigError, match='interval'):
        HOOKS.build(dict(type='BestLossCheckpointHook', interval=0))
    with pytest.raises(ConfigError, match='file name'):
        HOOKS.build(dict(type='BestLossCheckpointHook', filename='sub/best.pth'))
    hook = HOOKS.build(dict(type='BestLossCheckpointHook', key='loss_g'))
    runner = _FakeRunner(tmp_path, 'best-loss-key')
    hook.before_train(runner)
    with pytest.raises(ConfigError, match=r"no 'loss_g'.*\['loss'\]"):
        _feed(hook, runner, [1.0])


def test_respaced_ddpm_keeps_300_steps_ending_at_T_with_respaced_betas():
    train = DDPMScheduler(num_train_timesteps=1000, beta_schedule='linear')
    sched, steps = build_sampler('ddpm-respaced', train)
    assert steps == 300
    sched.set_timesteps(steps)
    ts = sched.timesteps.tolist()
    assert len(ts) == 300 and ts[0] == 999 and ts[-1] == 0 and ts == sorted(ts, reverse=True)
    abar = train.alphas_cumprod.double()
    t, t_prev = ts[10], ts[11]
    beta = 1 - abar[t] / abar[t_prev]  # the respaced chain's beta (Nichol & Dhariwal, sec. 4)
    posterior = (1 - abar[t_prev]) / (1 - abar[t]) * beta
    assert float(sched._get_variance(t)) == pytest.approx(float(posterior), rel=1e-5)
    # with a learned variance v in [-1, 1]: exp(frac log beta + (1 - frac) log posterior)
    learned = DDPMScheduler.from_config(sched.config, variance_type='learned_range')
    learned.set_timesteps(steps)
    v = torch.tensor([1.0])
    assert float(learned._get_variance(t, v)) == pytest.approx(float(beta.log()), rel=1e-5)


def test_the_two_stage_configs_build():
    stages = [Config.fromfile(osp.join(REPO, c)) for c in sdm_scarce.STAGES.values()]
    models = [MODELS.build(c.model) for c in stages]
    assert [m.learn_sigma for m in models] == [True, True]
    assert [m.cond_drop_prob for m in models] == [0.0, 0.2]
    assert [m.guidance_scale for m in models] == [1.0, 1.5]
    assert models[0].denoiser.conv_out.out_channels == 6  # mean and variance of 3 channels
    for c in stages:
        assert c.default_hooks.best_loss.type == 'BestLossCheckpointHook'
        assert c.model.sampler.num_inference_steps == 300
    assert stages[1].optim_wrapper.optimizer.lr < stages[0].optim_wrapper.optimizer.lr
    assert stages[1].load_from is None


def _stage_config(procedural_root, tmp_path, name, cond_drop_prob):
    """A shipped stage config shrunk for a unit test (tiny SPADE U-Net, 16 x 16, T = 100)."""
    cfg = tiny_train_cfg(procedural_root, tmp_path / 'unused', max_iters=4, ckpt_interval=2)
    cfg.model = tiny_m2i_cfg(
        size=(16, 16),
        learn_sigma=True,
        vlb_weight=0.001,
        cond_drop_prob=cond_drop_prob,
        data_preprocessor=dict(type='JointDataPreprocessor', bgr_to_rgb=True))
    cfg.default_hooks.pop('sample_grid')
    cfg.default_hooks.best_loss = dict(type='BestLossCheckpointHook', interval=2)
    path = str(tmp_path / f'{name}.py')
    cfg.dump(path)
    return path


def test_train_finetune_sample(procedural_root, tmp_path, capsys):
    work = str(tmp_path / 'work')
    train_cfg = _stage_config(procedural_root, tmp_path, 'train', 0.0)
    ft_cfg = _stage_config(procedural_root, tmp_path, 'finetune', 0.2)
    with pytest.raises(
            SystemExit,
            match=r'train/best_loss.pth does not exist: run '
            r'`tools/sdm_scarce.py train` first'):
        sdm_scarce.main(['finetune', '--work-dir', work, '--config', ft_cfg])

    sdm_scarce.main(['train', '--work-dir', work, '--config', train_cfg])
    best = osp.join(work, 'train', 'best_loss.pth')
    ckpt = load_verified_checkpoint(best)
    assert ckpt['meta']['iter'] in (2, 4) and 'ema_state_dict' in ckpt
    assert ckpt['message_hub']['runtime_info'][BEST_ITER_KEY] == ckpt['meta']['iter']

    capsys.readouterr()
    sdm_scarce.main(['finetune', '--work-dir', work, '--config', ft_cfg])
    assert f'Loads checkpoint by local backend from path: {best}' in capsys.readouterr().out
    assert Config.fromfile(osp.join(work, 'finetune', 'finetune.py')).load_from == best
    assert osp.exists(osp.join(work, 'finetune', 'best_loss.pth'))

    real_cfg = _real_config(procedural_root, tmp_path)
    out = tmp_path / 'dprime'
    sdm_scarce.main([
        'sample', '--work-dir', work, '--config', ft_cfg, '--masks-from', real_cfg, '--out',
        str(out), '--num-samples', '3', '--steps', '4', '--batch-size', '2', '--no-progress',
        '--device', 'cpu'
    ])
    assert len(os.listdir(out / 'img_dir')) == 3
    meta = open(out / 'meta.json').read()
    assert 'DDPMScheduler' in meta or 'ddpm-respaced' in meta


def test_sample_passes_the_users_options_and_needs_a_checkpoint(tmp_path):
    args = types.SimpleNamespace(
        work_dir=str(tmp_path), config='C.py', checkpoint=None, generate_args=['--out', 'o'])
    with pytest.raises(sdm_scarce.MissingStageError, match='sdm_scarce.py finetune'):
        sdm_scarce.generate_argv(args)
    args.checkpoint = __file__
    assert sdm_scarce.generate_argv(args) == [
        'C.py', __file__, '--sampler', 'ddpm-respaced', '--out', 'o'
    ]
    args.generate_args = ['--sampler', 'ddim', '--out', 'o']
    assert sdm_scarce.generate_argv(args)[2:4] == ['--sampler', 'ddim']
