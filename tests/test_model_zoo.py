"""Model-zoo releases: EMA weights only, loadable by load_generator and tools/generate.py."""
import os
import os.path as osp

import pytest
import torch

from satsynth_mmseg.cli import export_generator as export_tool
from satsynth_mmseg.cli import generate as gen_tool
from satsynth_mmseg.generation import file_sha256, load_generator
from satsynth_mmseg.utils.errors import ConfigError


def test_export_keeps_the_ema_weights_only_and_generates_alike(tiny_generator, tmp_path):
    cfg_path, ckpt_path = tiny_generator
    out = str(tmp_path / 'zoo' / 'tiny.pth')
    result = export_tool.main([ckpt_path, out])
    assert result.weights == 'ema' and result.sha256 == file_sha256(out)
    assert osp.exists(result.config) and result.config.endswith('tiny.py')
    release = torch.load(out, map_location='cpu')
    assert set(release) == {'meta', 'state_dict'}  # no optimizer, no raw copy
    assert osp.getsize(out) < osp.getsize(ckpt_path) / 2
    original = torch.load(ckpt_path, map_location='cpu')
    for k, v in original['state_dict'].items():  # mmengine's EMAHook: state_dict = EMA
        assert torch.equal(release['state_dict'][k], v)

    a, info_a = load_generator(cfg_path, ckpt_path)
    b, info_b = load_generator(result.config, out)  # the written config builds it
    assert info_a['weights'] == info_b['weights'] == 'ema'
    assert info_b['iter'] == info_a['iter']
    sa = a.sample(2, generator=[torch.Generator().manual_seed(i) for i in range(2)])
    sb = b.sample(2, generator=[torch.Generator().manual_seed(i) for i in range(2)])
    assert torch.equal(sa.images, sb.images) and torch.equal(sa.labels, sb.labels)
    with pytest.raises(ConfigError, match='only the EMA weights'):
        load_generator(result.config, out, ema=False)

    # tools/generate.py runs straight from the release files
    dprime = str(tmp_path / 'dprime')
    gen_tool.main([
        result.config, out, '--out', dprime, '--num-samples', '2', '--steps', '2', '--no-progress'
    ])
    assert len(os.listdir(osp.join(dprime, 'img_dir'))) == 2


def test_export_refuses_a_file_without_config_and_a_corrupted_one(tiny_generator, tmp_path):
    _, ckpt_path = tiny_generator
    ckpt = torch.load(ckpt_path, map_location='cpu')
    del ckpt['meta']['cfg']
    bare = str(tmp_path / 'bare.pth')
    torch.save(ckpt, bare)
    with pytest.raises(SystemExit, match='no config text'):
        export_tool.main([bare, str(tmp_path / 'out.pth')])
    assert not osp.exists(tmp_path / 'out.pth')
    broken = str(tmp_path / 'broken.pth')
    with open(ckpt_path, 'rb') as f:
        data = f.read()
    with open(broken, 'wb') as f:
        f.write(data[:len(data) // 2])
    with pytest.raises(SystemExit, match='broken.pth'):
        export_tool.main([broken, str(tmp_path / 'out.pth')])


def _zoo_rows():
    """(file, sha256) of every row of model_zoo/README.md's table."""
    from tests.conftest import REPO
    rows = []
    with open(osp.join(REPO, 'model_zoo', 'README.md')) as f:
        for line in f:
            cells = [c.strip(' `') for c in line.strip().strip('|').split('|')]
            if len(cells) > 2 and cells[-1].endswith('.pth') and len(cells[-2]) == 64:
                rows.append((osp.join(REPO, 'model_zoo', cells[-1]), cells[-2]))
    return rows


def test_committed_releases_match_their_checksums_and_generate():
    """What a user gets right after set-up: every model-zoo file has the SHA-256 of its table
    row, loads with its config (EMA weights) and renders a pair."""
    from satsynth_mmseg.models import PairCondition
    rows = _zoo_rows()
    assert len(rows) >= 3
    for path, sha in rows:
        assert file_sha256(path) == sha, path
        model, info = load_generator(osp.splitext(path)[0] + '.py', path)
        assert info['weights'] == 'ema'
        g = [torch.Generator().manual_seed(0)]
        if hasattr(model, 'one_hot'):  # mask -> image
            labels = torch.zeros(1, *model.sample_size, dtype=torch.long)
            labels[:, :, model.sample_size[1] // 2:] = 1
            out = model.sample_from(PairCondition(labels=labels), num_steps=2, generator=g)
        elif hasattr(model, 'low_res_size'):  # super-resolution
            h, w = model.low_res_size
            out = model.sample_from(
                PairCondition(
                    images=torch.full((1, model.image_channels, h, w), 100, dtype=torch.uint8),
                    labels=torch.zeros(1, h, w, dtype=torch.long)),
                num_steps=2,
                generator=g)
        else:
            out = model.sample(1, num_steps=2, generator=g)
        assert out.images.dtype == torch.uint8 and out.images.shape[0] == 1, path


def test_a_config_that_misreads_the_output_is_refused():
    """prediction_type (and an SR model's residual) change no weight's shape: a config that
    disagrees with the checkpoint would load and sample garbage, so it is refused."""
    from mmengine.config import Config

    from tests.conftest import REPO
    name = osp.join(REPO, 'model_zoo', 'jointddpm-vpred_unet-tiny_1xb8-3k_dubai-32x32')
    cfg = Config.fromfile(name + '.py')
    cfg.model.noise_scheduler.prediction_type = 'epsilon'
    with pytest.raises(ConfigError, match="prediction_type='v_prediction'.*'epsilon'"):
        load_generator(cfg, name + '.pth')
    name = osp.join(REPO, 'model_zoo', 'jointsr-residual-x0_unet-tiny_1xb8-3k_dubai-32to64x64')
    cfg = Config.fromfile(name + '.py')
    cfg.model.residual = False
    with pytest.raises(ConfigError, match='residual=True'):
        load_generator(cfg, name + '.pth')
