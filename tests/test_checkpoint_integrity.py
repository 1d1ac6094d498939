"""Corrupted checkpoints are refused with one line naming the file; resume is bit-exact."""
import os
import os.path as osp
import shutil
import zipfile

import pytest
import torch
from mmengine.hooks import Hook
from mmengine.runner import Runner

from mmseg.registry import HOOKS
from satsynth_mmseg.cli import generate as gen_tool
from satsynth_mmseg.cli import train as train_tool
from satsynth_mmseg.generation import load_generator
from satsynth_mmseg.utils import (CheckpointError, content_sha256, load_verified_checkpoint,
                                  read_checkpoint)
from tests.conftest import tiny_train_cfg


def flip_tensor_bytes(path: str, n: int = 16) -> str:
    """XOR ``n`` bytes in the middle of the largest tensor's data inside a torch zip file
    (the pickle and the zip directory stay intact, so torch.load still succeeds)."""
    with zipfile.ZipFile(path) as z:
        info = max((i for i in z.infolist() if '/data/' in i.filename), key=lambda i: i.file_size)
    with open(path, 'r+b') as f:
        f.seek(info.header_offset)
        header = f.read(30)
        start = (
            info.header_offset + 30 + int.from_bytes(header[26:28], 'little') +
            int.from_bytes(header[28:30], 'little'))
        f.seek(start + info.file_size // 2)
        data = f.read(n)
        f.seek(start + info.file_size // 2)
        f.write(bytes(b ^ 0x5A for b in data))
    return path


def test_checkpoints_carry_a_hash_that_survives_ema_swaps(tiny_generator):
    _, ckpt_path = tiny_generator
    ckpt = read_checkpoint(ckpt_path)
    assert ckpt['meta']['content_sha256'] == content_sha256(ckpt)
    # EMAHook swaps raw and EMA weights between the two dicts on load: same hash
    for k in list(ckpt['ema_state_dict']):
        if k.startswith('module.'):
            a, b = ckpt['state_dict'][k[7:]], ckpt['ema_state_dict'][k]
            ckpt['state_dict'][k[7:]], ckpt['ema_state_dict'][k] = b, a
    assert ckpt['meta']['content_sha256'] == content_sha256(ckpt)


def test_flipped_tensor_bytes_are_refused_everywhere(tiny_generator, tmp_path):
    cfg, ckpt_path = tiny_generator
    bad = flip_tensor_bytes(str(shutil.copy(ckpt_path, tmp_path / 'iter_2.pth')))
    torch.load(bad, map_location='cpu')  # torch itself accepts the file
    with pytest.raises(CheckpointError, match=r'iter_2\.pth is corrupted'):
        load_generator(cfg, bad)
    with pytest.raises(SystemExit, match=r'iter_2\.pth is corrupted') as e:
        gen_tool.main([
            cfg, bad, '--out',
            str(tmp_path / 'dprime'), '--num-samples', '2', '--no-progress', '--device', 'cpu'
        ])
    assert '\n' not in str(e.value)
    assert not osp.exists(tmp_path / 'dprime' / 'img_dir')  # no garbage D' written
    # --resume picks the latest checkpoint of the work dir: refused before training
    with open(tmp_path / 'last_checkpoint', 'w') as f:
        f.write(str(bad))
    with pytest.raises(SystemExit, match=r'iter_2\.pth is corrupted'):
        train_tool.main([cfg, '--work-dir', str(tmp_path), '--resume'])


@pytest.mark.parametrize('content, message', [
    (b'', 'is empty'),
    (os.urandom(4096), 'not a readable PyTorch checkpoint'),
])
def test_empty_or_random_files_are_one_line_errors(tiny_generator, tmp_path, content, message):
    cfg, _ = tiny_generator
    path = tmp_path / 'model.pth'
    path.write_bytes(content)
    with pytest.raises(SystemExit) as e:
        gen_tool.main([
            cfg,
            str(path), '--out',
            str(tmp_path / 'o'), '--num-samples', '1', '--no-progress', '--device', 'cpu'
        ])
    assert message in str(e.value) and str(path) in str(e.value)
    assert '\n' not in str(e.value)
    assert 'weights_only' not in str(e.value)


def test_non_finite_weights_are_refused(tiny_generator, tmp_path):
    _, ckpt_path = tiny_generator
    ckpt = read_checkpoint(ckpt_path)
    ckpt['state_dict']['denoiser.conv_in.weight'][0] = float('nan')
    ckpt['meta']['content_sha256'] = content_sha256(ckpt)  # a consistent but NaN file
    path = str(tmp_path / 'nan.pth')
    torch.save(ckpt, path)
    with pytest.raises(CheckpointError, match=r'non-finite.*denoiser\.conv_in\.weight'):
        load_verified_checkpoint(path)


@HOOKS.register_module(force=True)
class _InterruptAtHook(Hook):
    """Stops training with KeyboardInterrupt before iteration ``at`` (as Ctrl-C would)."""

    def __init__(self, at):
        self.at = at

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter == self.at:
            raise KeyboardInterrupt


def _final_tensors(work_dir):
    ckpt = read_checkpoint(osp.join(work_dir, 'iter_6.pth'))
    out = {f's.{k}': v for k, v in ckpt['state_dict'].items()}
    out.update({f'e.{k}': v for k, v in ckpt['ema_state_dict'].items()})
    for pid, st in ckpt['optimizer']['state'].items():
        out.update({f'o.{pid}.{k}': v for k, v in st.items() if torch.is_tensor(v)})
    return out


def _interrupted_then_resumed(procedural_root, work, rng_hook=True):

    def cfg():
        c = tiny_train_cfg(procedural_root, work, max_iters=6, ckpt_interval=3)
        if not rng_hook:
            c.default_hooks.pop('rng_state')
        return c

    c = cfg()
    c.custom_hooks.append(dict(type='_InterruptAtHook', at=4))
    with pytest.raises(KeyboardInterrupt):
        Runner.from_cfg(c).train()
    assert osp.exists(osp.join(work, 'iter_3.pth')) and not osp.exists(osp.join(work, 'iter_6.pth'))
    c = cfg()
    c.resume = True
    Runner.from_cfg(c).train()
    return _final_tensors(work)


def test_resumed_training_is_bit_identical_to_uninterrupted(procedural_root, tmp_path):
    Runner.from_cfg(
        tiny_train_cfg(procedural_root, tmp_path / 'clean', max_iters=6, ckpt_interval=3)).train()
    clean = _final_tensors(tmp_path / 'clean')
    resumed = _interrupted_then_resumed(procedural_root, tmp_path / 'resumed')
    assert clean.keys() == resumed.keys()
    different = [k for k in clean if not torch.equal(clean[k], resumed[k])]
    assert not different, different[:5]
    # without the saved RNG state the same interruption changes the result (the test can fail)
    plain = _interrupted_then_resumed(procedural_root, tmp_path / 'plain', rng_hook=False)
    assert any(not torch.equal(clean[k], plain[k]) for k in clean)


def test_rng_state_is_restored_only_when_resuming():
    from types import SimpleNamespace

    from satsynth_mmseg.engine import RNGStateHook
    ckpt = {}
    hook = RNGStateHook()
    hook.before_save_checkpoint(None, ckpt)
    saved = ckpt['torch_rng_state']['cpu'].clone()
    torch.rand(10)  # move the RNG on
    hook.after_load_checkpoint(SimpleNamespace(_resume=False), ckpt)  # load_from
    hook.before_train_iter(None, 0)
    assert not torch.equal(torch.get_rng_state(), saved)
    hook.after_load_checkpoint(SimpleNamespace(_resume=True), ckpt)  # --resume
    hook.before_train_iter(None, 0)
    assert torch.equal(torch.get_rng_state(), saved)


class _MovedOffTheCPU:
    """A saved RNG state as mmengine's resume hands it over on a GPU machine: moved to the
    GPU by its default map_location. torch.set_rng_state refuses anything but a CPU
    ByteTensor; ``.cpu()`` gives that back."""

    def __init__(self, tensor):
        self._tensor = tensor

    def cpu(self):
        return self._tensor


def test_rng_state_moved_to_the_gpu_by_resume_is_restored():
    from types import SimpleNamespace

    from satsynth_mmseg.engine import RNGStateHook
    hook = RNGStateHook()
    ckpt = {}
    hook.before_save_checkpoint(None, ckpt)
    saved = ckpt['torch_rng_state']['cpu'].clone()
    ckpt['torch_rng_state']['cpu'] = _MovedOffTheCPU(saved.clone())
    torch.rand(10)
    hook.after_load_checkpoint(SimpleNamespace(_resume=True), ckpt)
    hook.before_train_iter(None, 0)  # raised TypeError before the fix
    assert torch.equal(torch.get_rng_state(), saved)
