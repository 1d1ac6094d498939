"""The GPU path's options, checked where a CPU can express them: bf16 autocast and compiled
denoisers in sampling, ``--amp --amp-dtype``, half-precision model-zoo exports."""
import os.path as osp

import pytest
import torch

from mmseg.registry import MODELS
from satsynth_mmseg.cli import export_generator as export_tool
from satsynth_mmseg.cli import train as train_tool
from satsynth_mmseg.generation import load_generator
from .conftest import TINY_CONFIG, tiny_m2i_cfg, tiny_model_cfg


def _gens(n, offset=0):
    return [torch.Generator().manual_seed(offset + i) for i in range(n)]


def test_bf16_sampling_autocasts_the_denoiser_only():
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg()).eval()
    seen = []
    model.denoiser.register_forward_hook(lambda m, i, o: seen.append((i[0].dtype, o.dtype)))
    ref = model.sample(2, generator=_gens(2))
    assert all(o == torch.float32 for _, o in seen)

    seen.clear()
    model.enable_fast_sampling(dtype=torch.bfloat16)
    fast = model.sample(2, generator=_gens(2))
    # the U-Net ran under autocast (bf16 out), the sampler state stayed float32
    assert seen and all(o == torch.bfloat16 for _, o in seen)
    assert fast.joint.dtype == torch.float32
    # bf16 changes the last bits, not the picture
    assert (fast.joint - ref.joint).abs().mean() < 0.1
    assert not torch.equal(fast.joint, ref.joint)

    model.enable_fast_sampling()  # back to float32, eager
    assert torch.equal(model.sample(2, generator=_gens(2)).joint, ref.joint)


def test_compiled_denoiser_samples_alike_and_leaves_the_state_dict_alone():
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg()).eval()
    keys = set(model.state_dict())
    ref = model.sample(2, generator=_gens(2))
    model.enable_fast_sampling(channels_last=True, compile_mode='default', compile_backend='eager')
    assert model.denoiser_fn is not model.denoiser
    assert set(model.state_dict()) == keys  # no '_orig_mod.' copies: checkpoints unchanged
    assert not any('_compiled' in name for name, _ in model.named_modules())
    out = model.sample(2, generator=_gens(2))
    assert torch.allclose(out.joint, ref.joint, atol=1e-5)


def test_mask_to_image_sampling_uses_the_fast_path():
    torch.manual_seed(0)
    from satsynth_mmseg.models.generators.outputs import PairCondition
    model = MODELS.build(tiny_m2i_cfg(guidance_scale=2.0)).eval()
    labels = torch.randint(0, 5, (2, 16, 16))
    ref = model.sample_from(PairCondition(labels=labels), generator=_gens(2))
    calls = []
    model.denoiser.register_forward_hook(lambda m, i, o: calls.append(o.dtype))
    model.enable_fast_sampling(dtype=torch.bfloat16)
    out = model.sample_from(PairCondition(labels=labels), generator=_gens(2))
    assert calls and set(calls) == {torch.bfloat16}
    assert torch.equal(out.labels, ref.labels)
    assert (out.joint - ref.joint).abs().mean() < 0.1


@pytest.mark.parametrize('dtype,scale', [('float16', 'dynamic'), ('bfloat16', 1.0)])
def test_amp_dtype_sets_the_wrapper(monkeypatch, dtype, scale):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    args = train_tool.parse_args([TINY_CONFIG, '--amp', '--amp-dtype', dtype])
    cfg = train_tool.build_config(args)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.dtype == dtype
    assert cfg.optim_wrapper.loss_scale == scale
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'  # the rest of the wrapper is kept


def test_amp_without_cuda_is_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    args = train_tool.parse_args([TINY_CONFIG, '--amp', '--amp-dtype', 'bfloat16'])
    with pytest.raises(SystemExit, match='needs a CUDA device'):
        train_tool.build_config(args)


def test_half_export_is_smaller_and_generates_alike(tiny_generator, tmp_path):
    cfg_path, ckpt_path = tiny_generator
    full = export_tool.main([ckpt_path, str(tmp_path / 'full.pth')])
    half = export_tool.main([ckpt_path, str(tmp_path / 'half.pth'), '--half'])
    assert half.size_bytes < 0.6 * full.size_bytes
    release = torch.load(half.checkpoint, map_location='cpu')
    assert release['meta']['exported_dtype'] == 'float16'
    assert {v.dtype
            for v in release['state_dict'].values() if v.is_floating_point()} == {torch.float16}
    a, _ = load_generator(full.config, full.checkpoint)
    b, _ = load_generator(half.config, half.checkpoint)
    assert next(b.parameters()).dtype == torch.float32  # loaded back into float32 weights
    sa = a.sample(2, generator=_gens(2))
    sb = b.sample(2, generator=_gens(2))
    assert (sa.joint - sb.joint).abs().mean() < 0.05
    assert osp.exists(half.config)
