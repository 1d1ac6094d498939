"""End-to-end training through mmengine's Runner: train, resume, failures."""
import os
import os.path as osp
import pickle

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmseg.registry import HOOKS, MODELS
from satsynth_mmseg.models import NonFiniteLossError
from satsynth_mmseg.utils import history_buffer_statistic
from tests.conftest import tiny_train_cfg


@HOOKS.register_module(force=True)
class _RecordStartHook(Hook):
    """Remembers the iteration and a weight tensor when the train loop starts."""
    record = {}

    def before_train(self, runner):
        model = runner.model
        _RecordStartHook.record = dict(
            iter=runner.iter,
            weight=model.denoiser.conv_in.weight.detach().clone(),
            adam_step=float(next(iter(runner.optim_wrapper.optimizer.state.values()))['step'])
            if runner.optim_wrapper.optimizer.state else 0.0)


def test_train_resume_continues(procedural_root, tmp_path):
    cfg = tiny_train_cfg(procedural_root, tmp_path, max_iters=4, ckpt_interval=2)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 4
    ckpt_path = osp.join(tmp_path, 'iter_4.pth')
    assert osp.exists(ckpt_path)
    assert osp.exists(osp.join(tmp_path, 'samples', 'iter_0000004.png'))
    # the checkpoint loads with torch's default weights-only unpickler
    ckpt = torch.load(ckpt_path, map_location='cpu')
    assert ckpt['meta']['iter'] == 4
    assert 'ema_state_dict' in ckpt and 'message_hub' in ckpt
    raw_weight = ckpt['ema_state_dict']['module.denoiser.conv_in.weight']

    cfg = tiny_train_cfg(procedural_root, tmp_path, max_iters=6, ckpt_interval=2)
    cfg.resume = True
    cfg.custom_hooks.append(dict(type='_RecordStartHook'))
    runner = Runner.from_cfg(cfg)
    runner.train()
    rec = _RecordStartHook.record
    assert rec['iter'] == 4, 'the iteration counter continues from the checkpoint'
    assert torch.equal(rec['weight'], raw_weight), 'training weights continue (not EMA ones)'
    assert rec['adam_step'] == 4.0, 'optimizer state continues'
    assert runner.iter == 6
    assert not torch.equal(runner.model.denoiser.conv_in.weight, raw_weight)
    assert osp.exists(osp.join(tmp_path, 'iter_6.pth'))


def test_restricted_getattr_refuses_everything_else():
    from mmengine.logging import HistoryBuffer
    assert history_buffer_statistic(HistoryBuffer, 'mean') is HistoryBuffer.mean
    with pytest.raises(pickle.UnpicklingError):
        history_buffer_statistic(HistoryBuffer, '__init__')
    with pytest.raises(pickle.UnpicklingError):
        history_buffer_statistic(os, 'system')


def test_weights_only_load_still_refuses_unknown_globals(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': pickle.Pickler}, path)  # an arbitrary class: not allowlisted
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path)


@MODELS.register_module(force=True)
class _NaNAfter(torch.nn.Module):
    """A denoiser that returns NaN from its third training call on."""

    def __init__(self, in_channels, out_channels, sample_size=None, after=2):
        super().__init__()
        self.conv_in = torch.nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.calls = 0
        self.after = after

    def forward(self, x, t):
        out = self.conv_in(x)
        if self.training:
            self.calls += 1
            if self.calls > self.after:
                return out * float('nan')
        return out


def test_non_finite_loss_stops_and_keeps_last_good_checkpoint(procedural_root, tmp_path):
    cfg = tiny_train_cfg(procedural_root, tmp_path, max_iters=10, ckpt_interval=2)
    cfg.model.denoiser = dict(type='_NaNAfter', after=2)
    cfg.default_hooks.pop('sample_grid')
    runner = Runner.from_cfg(cfg)
    with pytest.raises(NonFiniteLossError, match='iteration 3'):
        runner.train()
    assert sorted(f for f in os.listdir(tmp_path) if f.endswith('.pth')) == ['iter_2.pth']
    ckpt = torch.load(osp.join(tmp_path, 'iter_2.pth'), map_location='cpu')
    assert all(torch.isfinite(v).all() for v in ckpt['state_dict'].values())
    assert torch.isfinite(runner.model.denoiser.conv_in.weight).all(), 'no step on NaN'


def test_num_classes_mismatch_is_an_error(procedural_root, tmp_path):
    cfg = tiny_train_cfg(procedural_root, tmp_path, num_classes=6)
    with pytest.raises(ValueError, match='num_classes=6 but the train dataset'):
        Runner.from_cfg(cfg).train()


def test_empty_dataset_folder_is_an_error(tmp_path):
    empty = tmp_path / 'data'
    (empty / 'img_dir' / 'train').mkdir(parents=True)
    (empty / 'ann_dir' / 'train').mkdir(parents=True)
    cfg = tiny_train_cfg(str(empty), tmp_path / 'work')
    with pytest.raises(FileNotFoundError, match='no images'):
        Runner.from_cfg(cfg).train()


def test_torchrun_launcher_two_processes_on_cpu(procedural_root, tmp_path):
    """tools/train.py --launcher pytorch under torchrun (gloo on CPU): DDP trains and saves."""
    from tests.conftest import run_torchrun
    cfg = tiny_train_cfg(procedural_root, tmp_path / 'work', max_iters=2, ckpt_interval=2)
    cfg_path = str(tmp_path / 'ddp_cfg.py')
    cfg.dump(cfg_path)
    proc = run_torchrun('train', cfg_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert osp.exists(tmp_path / 'work' / 'iter_2.pth')
    ckpt = torch.load(tmp_path / 'work' / 'iter_2.pth', map_location='cpu')
    assert ckpt['meta']['iter'] == 2
    assert 'gloo' in proc.stdout + proc.stderr  # the CPU fallback was taken and said so


def test_time_budget_stops_with_a_checkpoint_and_resumes_the_same_budget(procedural_root, tmp_path):
    from satsynth_mmseg.experiments.runs import last_checkpoint
    cfg = tiny_train_cfg(procedural_root, tmp_path, max_iters=10000, ckpt_interval=1000)
    cfg.default_hooks.pop('sample_grid')
    cfg.custom_hooks.append(dict(type='TrainTimeBudgetHook', seconds=1.0))
    runner = Runner.from_cfg(cfg)
    runner.train()
    first = runner.iter
    assert 1 <= first < 10000, 'stopped by the budget, not max_iters'
    assert last_checkpoint(str(tmp_path)) == osp.join(tmp_path, f'iter_{first}.pth')
    ckpt = torch.load(osp.join(tmp_path, f'iter_{first}.pth'), map_location='cpu')
    spent = ckpt['message_hub']['runtime_info']['train_seconds']
    assert 1.0 <= spent < 30
    assert 'ema_state_dict' in ckpt  # a normal checkpoint, EMA included

    # resuming with the same budget: already spent, stops after one more iteration
    cfg = tiny_train_cfg(procedural_root, tmp_path, max_iters=10000, ckpt_interval=1000)
    cfg.default_hooks.pop('sample_grid')
    cfg.custom_hooks.append(dict(type='TrainTimeBudgetHook', seconds=1.0))
    cfg.resume = True
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == first + 1
    # a larger budget continues from the seconds already spent
    cfg = tiny_train_cfg(procedural_root, tmp_path, max_iters=10000, ckpt_interval=1000)
    cfg.default_hooks.pop('sample_grid')
    cfg.custom_hooks.append(dict(type='TrainTimeBudgetHook', seconds=spent + 1.0))
    cfg.resume = True
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter > first + 1
    assert runner.message_hub.get_info('train_seconds') >= spent + 1.0
    with pytest.raises(Exception, match='seconds > 0'):
        HOOKS.build(dict(type='TrainTimeBudgetHook', seconds=0))
