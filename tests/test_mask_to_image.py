"""MaskToImageDDPM (SPADE + classifier-free guidance), mask layouts and mask-conditioned D′."""
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from torch import nn

import satsynth_mmseg  # noqa: F401
from mmseg.registry import DATASETS, MODELS
from satsynth_mmseg.cli import generate as gen_tool
from satsynth_mmseg.generation import MaskLayouts
from satsynth_mmseg.models import PairCondition
from satsynth_mmseg.models.networks import SPADE
from satsynth_mmseg.utils import ConfigError
from tests.conftest import REPO, tiny_m2i_cfg


def _randomise(model, seed=0):
    """Give the zero-initialised output layers random weights, so the condition shows."""
    torch.manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.normal_(m.weight, std=0.2)
    return model


def _labels(n=2, size=16, k=5, seed=0):
    return torch.randint(0, k, (n, size, size), generator=torch.Generator().manual_seed(seed))


def test_spade_block_shapes_and_modulation():
    spade = SPADE(32, 5, hidden=8, groups=8)
    h = torch.randn(2, 32, 8, 8)
    cond = torch.zeros(2, 5, 16, 16)
    cond[:, 1] = 1
    out = spade(h, cond)
    assert out.shape == h.shape
    other = torch.zeros_like(cond)
    other[:, 3] = 1
    assert not torch.allclose(out, spade(h, other))


def test_spade_unet_shapes_and_the_condition_changes_the_output():
    model = _randomise(MODELS.build(tiny_m2i_cfg()))
    net = model.denoiser
    assert net.size_multiple == 2
    x = torch.randn(2, 3, 16, 16)
    t = torch.tensor([5, 50])
    a = model.one_hot(_labels(seed=0))
    b = model.one_hot(_labels(seed=1))
    out_a = net(x, t, a)
    assert out_a.shape == (2, 3, 16, 16)
    assert not torch.allclose(out_a, net(x, t, b), atol=1e-4)
    assert torch.allclose(out_a, net(x, t, a))


def test_one_hot_leaves_unlabelled_pixels_empty():
    model = MODELS.build(tiny_m2i_cfg())
    labels = torch.tensor([[[0, 4], [255, 2]]])
    oh = model.one_hot(labels)
    assert oh.shape == (1, 5, 2, 2)
    assert oh[0, :, 1, 0].sum() == 0 and oh[0, 4, 0, 1] == 1 and oh.sum() == 3


def test_guidance_zero_is_the_unconditional_branch_and_one_the_conditional():
    model = _randomise(MODELS.build(tiny_m2i_cfg())).eval()
    x, t = torch.randn(2, 3, 16, 16), torch.tensor([10, 60])
    cond = model.one_hot(_labels())
    uncond = model.predict_model_output(x, t, None)
    conditional = model.predict_model_output(x, t, cond)
    assert torch.allclose(model.guided_output(x, t, cond, 0.0), uncond)
    assert torch.allclose(model.guided_output(x, t, cond, 1.0), conditional)
    s = 3.0
    assert torch.allclose(
        model.guided_output(x, t, cond, s), uncond + s * (conditional - uncond), atol=1e-5)


@pytest.mark.parametrize('prediction_type', ['epsilon', 'v_prediction'])
def test_loss_backward_from_the_registry(prediction_type):
    model = MODELS.build(
        tiny_m2i_cfg(
            noise_scheduler=dict(
                type='DDPMScheduler', num_train_timesteps=100, prediction_type=prediction_type),
            snr_gamma=5.0))
    x0 = model.data_preprocessor.encode(torch.rand(2, 3, 16, 16) * 255, _labels()[:, None])
    losses = model.loss(x0)
    assert set(losses) == {'loss_image'} and torch.isfinite(losses['loss_image'])
    losses['loss_image'].backward()
    grads = [p.grad for p in model.denoiser.parameters() if p.grad is not None]
    assert grads and any(g.abs().sum() > 0 for g in grads)


def test_condition_dropped_with_its_probability():
    seen = []
    for p, expect_zero in ((0.0, False), (0.999, True)):
        model = MODELS.build(tiny_m2i_cfg(cond_drop_prob=p))
        forward = model.denoiser.forward
        model.denoiser.forward = lambda x, t, c, f=forward: (seen.append(c.clone()), f(x, t, c))[1]
        x0 = model.data_preprocessor.encode(torch.rand(4, 3, 16, 16) * 255, _labels(4)[:, None])
        torch.manual_seed(0)
        model.loss(x0)
        assert (seen[-1].abs().sum() == 0) == expect_zero


def test_rendering_a_given_mask_is_deterministic_and_keeps_the_mask():
    model = _randomise(MODELS.build(tiny_m2i_cfg())).eval()
    labels = _labels(3)
    labels[0, :2] = 255  # unlabelled rows stay unlabelled

    def render(lab, seeds):
        gens = [torch.Generator().manual_seed(s) for s in seeds]
        return model.sample_from(PairCondition(labels=lab), generator=gens)

    a, b = render(labels, [1, 2, 3]), render(labels, [1, 2, 3])
    assert a.images.dtype == torch.uint8 and a.images.shape == (3, 3, 16, 16)
    assert torch.equal(a.images, b.images)
    assert torch.equal(a.labels, labels) and a.invalid_pixels == 32
    single = render(labels[1:2], [2])  # a sample does not depend on its batch
    assert torch.equal(single.images[0], a.images[1])
    assert not torch.equal(render(labels, [4, 2, 3]).images[0], a.images[0])
    other = render(_labels(3, seed=5), [1, 2, 3])
    assert not torch.equal(other.images, a.images)


def test_unconditional_sample_and_bad_maps_are_refused():
    model = MODELS.build(tiny_m2i_cfg())
    with pytest.raises(ConfigError, match='--masks-from'):
        model.sample(2)
    with pytest.raises(ConfigError, match='needs label maps'):
        model.sample_from(PairCondition())
    with pytest.raises(Exception, match='multiples of 2'):
        model.sample_from(PairCondition(labels=torch.zeros(1, 15, 16, dtype=torch.long)))
    with pytest.raises(ConfigError, match='cond_drop_prob'):
        MODELS.build(tiny_m2i_cfg(cond_drop_prob=1.0))


# ---------------------------------------------------------------------------- mask layouts
def test_layouts_keep_label_values_and_are_deterministic():
    rng = np.random.default_rng(0)
    maps = [rng.choice([0, 2, 4, 255], size=(24, 20)).astype(np.uint8) for _ in range(3)]
    layouts = MaskLayouts(maps, (16, 16), cutmix_prob=0.5)
    values = {0, 2, 4, 255}
    outs = [layouts.layout(s) for s in range(40)]
    for out in outs:
        assert out.shape == (16, 16) and set(np.unique(out)) <= values
    assert all(np.array_equal(layouts.layout(s), outs[s]) for s in range(40))
    assert len({o.tobytes() for o in outs}) > 30  # new layouts, not copies
    batch = layouts([3, 7])
    assert batch.dtype == torch.long and torch.equal(batch[1], torch.from_numpy(outs[7]))


def test_layout_of_a_map_without_transforms_is_a_crop_of_it():
    m = np.arange(64, dtype=np.int64).reshape(8, 8) % 6
    layouts = MaskLayouts([m], (4, 4), rotate=False, flip=False)
    out = layouts.layout(1)
    crops = [m[y:y + 4, x:x + 4] for y in range(5) for x in range(5)]
    assert any(np.array_equal(out, c) for c in crops)


def test_small_maps_are_padded_with_ignore_and_an_empty_set_is_refused():
    layouts = MaskLayouts([np.zeros((4, 4), np.uint8)], (8, 8), rotate=False, flip=False)
    out = layouts.layout(0)
    assert (out[:4, :4] == 0).all() and (out[4:] == 255).all()
    with pytest.raises(ConfigError, match='empty'):
        MaskLayouts([], (8, 8), source='the train set of x.py')


# ---------------------------------------------------------------------------- training + D′
def test_trains_with_the_runner_and_writes_its_grid(tiny_m2i):
    _, ckpt, work = tiny_m2i
    assert osp.exists(ckpt)
    grid = osp.join(work, 'samples', 'iter_0000002.png')
    assert osp.exists(grid)
    import cv2
    img = cv2.imread(grid)
    assert img is not None and img.shape[1] > img.shape[0] / 2  # two pairs per row


def test_the_shipped_configs_build():
    for name in ('sdm_spade-unet-tiny_1xb8-2k_procedural-32x32.py',
                 'sdm_spade-unet-tiny_1xb8-3k_dubai-32x32.py',
                 'sdm_spade-unet-tiny_1xb8-9k_dubai-32x32.py',
                 'sdm_spade-unet-tiny_1xb8-3k_dubai-64x64.py'):
        cfg = Config.fromfile(osp.join(REPO, 'configs', 'mask2img', name))
        model = MODELS.build(cfg.model)
        assert type(model).__name__ == 'MaskToImageDDPM'
        assert model.denoiser.conv_in.in_channels == 3
        # at its own crop size no config attends over more than 16 x 16 tokens (the 64 x 64
        # one moves attention a level down to keep the /8 cost)
        h, w = cfg.model.sample_size
        seq_lens = []
        attns = [m for m in model.denoiser.modules() if isinstance(m, torch.nn.MultiheadAttention)]
        hooks = [
            a.register_forward_hook(lambda mod, inp, out: seq_lens.append(inp[0].shape[1]))
            for a in attns
        ]
        cond = torch.zeros(1, cfg.model.num_classes, h, w)
        with torch.no_grad():
            out = model.denoiser(torch.randn(1, 3, h, w), 10, cond)
        for hook in hooks:
            hook.remove()
        assert out.shape == (1, 3, h, w)
        assert seq_lens and max(seq_lens) == 16 * 16, (name, seq_lens)


def _gen_args(cfg, ckpt, out, *extra):
    return [
        cfg, ckpt, '--out',
        str(out), '--num-samples', '5', '--batch-size', '2', '--steps', '2', '--seed', '3',
        '--no-progress', '--device', 'cpu', *extra
    ]


def _real_config(procedural_root, tmp_path):
    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'satsynth',
                 'deeplabv3plus_r18-tiny-d8_1xb8-1k_procedural-d-32x32.py'))
    cfg.train_dataloader.dataset.data_root = procedural_root
    path = str(tmp_path / 'real.py')
    cfg.dump(path)
    return path


def test_generate_masks_from_the_real_set(tiny_m2i, procedural_root, tmp_path, capsys):
    cfg, ckpt, _ = tiny_m2i
    real_cfg = _real_config(procedural_root, tmp_path)
    out_a, out_b = tmp_path / 'a', tmp_path / 'b'
    gen_tool.main(_gen_args(cfg, ckpt, out_a, '--masks-from', real_cfg, '--cutmix-prob', '0.5'))
    assert 'unlabelled pixels of the given masks' in capsys.readouterr().out
    gen_tool.main(_gen_args(cfg, ckpt, out_b, '--masks-from', real_cfg, '--cutmix-prob', '0.5'))
    import filecmp
    names = sorted(os.listdir(out_a / 'ann_dir'))
    assert len(names) == 5
    for sub in ('img_dir', 'ann_dir'):
        _, mismatch, errors = filecmp.cmpfiles(out_a / sub, out_b / sub, names, shallow=False)
        assert not mismatch and not errors
    ds = DATASETS.build(dict(type='SyntheticPairsDataset', data_root=str(out_a), pipeline=[]))
    assert len(ds) == 5
    import cv2
    real_values = set()
    from satsynth_mmseg.generation import dataset_label_maps
    real = DATASETS.build(
        dict(
            type='ProceduralScenesDataset',
            data_root=procedural_root,
            data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
            pipeline=[]))
    for m in dataset_label_maps(real):
        real_values |= set(np.unique(m).tolist())
    for name in names:
        mask = cv2.imread(str(out_a / 'ann_dir' / name), cv2.IMREAD_UNCHANGED)
        assert mask.shape == (16, 16) and set(np.unique(mask).tolist()) <= real_values
    aug = DATASETS.build(
        dict(
            type='AugmentedDataset',
            real=dict(
                type='ProceduralScenesDataset',
                data_root=procedural_root,
                data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
                pipeline=[
                    dict(type='LoadImageFromFile'),
                    dict(type='LoadAnnotations'),
                    dict(type='PackSegInputs')
                ]),
            synthetic=str(out_a),
            ratio=0.25))
    assert aug[len(aug) - 1]['data_samples'].metainfo['data_source'] == 'synthetic'


def test_hybrid_keeps_the_joint_generators_masks(tiny_m2i, tiny_generator, tmp_path):
    cfg, ckpt, _ = tiny_m2i
    joint_cfg, joint_ckpt = tiny_generator
    joint_out, hybrid_out = tmp_path / 'joint', tmp_path / 'hybrid'
    gen_tool.main(_gen_args(joint_cfg, joint_ckpt, joint_out))
    gen_tool.main(_gen_args(cfg, ckpt, hybrid_out, '--mask-generator', joint_cfg, joint_ckpt))
    import filecmp
    names = sorted(os.listdir(joint_out / 'ann_dir'))
    _, mismatch, errors = filecmp.cmpfiles(
        joint_out / 'ann_dir', hybrid_out / 'ann_dir', names, shallow=False)
    assert len(names) == 5 and not mismatch and not errors  # same masks...
    _, mismatch, _ = filecmp.cmpfiles(
        joint_out / 'img_dir', hybrid_out / 'img_dir', names, shallow=False)
    assert mismatch  # ...images rendered again


def test_bad_combinations_are_clear_errors(tiny_m2i, tiny_generator, procedural_root, tmp_path,
                                           capsys):
    cfg, ckpt, _ = tiny_m2i
    joint_cfg, joint_ckpt = tiny_generator
    real_cfg = _real_config(procedural_root, tmp_path)

    def fails(args, match):
        with pytest.raises(SystemExit) as e:
            gen_tool.main(args)
        assert match in str(e.value), str(e.value)

    fails(_gen_args(cfg, ckpt, tmp_path / 'o1'), '--masks-from REAL_CFG')
    fails(
        _gen_args(joint_cfg, joint_ckpt, tmp_path / 'o2', '--masks-from', real_cfg),
        'makes its own masks')
    fails(
        _gen_args(cfg, joint_ckpt, tmp_path / 'o3', '--masks-from', real_cfg),
        'is a JointDDPM checkpoint but the config builds a MaskToImageDDPM')
    fails(
        _gen_args(joint_cfg, ckpt, tmp_path / 'o4'),
        'is a MaskToImageDDPM checkpoint but the config builds a JointDDPM')
    fails(
        _gen_args(cfg, ckpt, tmp_path / 'o5', '--mask-generator', cfg, ckpt),
        'needs a joint generator')
    # masks whose classes differ from the model's
    other = Config.fromfile(real_cfg)
    other.train_dataloader.dataset.metainfo = dict(classes=('bare_soil', 'building', 'road'))
    other_path = str(tmp_path / 'other.py')
    other.dump(other_path)
    fails(_gen_args(cfg, ckpt, tmp_path / 'o6', '--masks-from', other_path), 'classes')
    # an empty set of masks
    cfg_empty = Config.fromfile(real_cfg)  # a split that lists no files
    cfg_empty.train_dataloader.dataset.ann_file = str(tmp_path / 'no_files.txt')
    (tmp_path / 'no_files.txt').write_text('')
    empty_path = str(tmp_path / 'empty.py')
    cfg_empty.dump(empty_path)
    fails(_gen_args(cfg, ckpt, tmp_path / 'o7', '--masks-from', empty_path), 'no images')
    for out in ('o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7'):
        assert not osp.exists(tmp_path / out / 'meta.json')


def test_rendered_pairs_enlarged_by_interpolation(tiny_m2i, procedural_root, tmp_path):
    """--masks-from with --interp-scale: the same renders of the same layouts, enlarged (the
    ÷4 experiment with ÷8 mask -> image generators)."""
    import cv2

    from satsynth_mmseg.generation import interpolate_pair
    cfg, ckpt, _ = tiny_m2i
    real_cfg = _real_config(procedural_root, tmp_path)
    low, big = tmp_path / 'low', tmp_path / 'big'
    gen_tool.main(_gen_args(cfg, ckpt, low, '--masks-from', real_cfg))
    gen_tool.main(_gen_args(cfg, ckpt, big, '--masks-from', real_cfg, '--interp-scale', '2'))
    meta = json.load(open(big / 'meta.json'))['generation']
    assert meta['upsample'] == 'interpolation' and meta['masks_from']
    names = sorted(os.listdir(low / 'ann_dir'))
    assert names == sorted(os.listdir(big / 'ann_dir'))
    for name in names:
        lo_img = cv2.imread(str(low / 'img_dir' / name))
        lo_lab = cv2.imread(str(low / 'ann_dir' / name), cv2.IMREAD_UNCHANGED)
        img, lab = interpolate_pair(
            torch.from_numpy(lo_img).permute(2, 0, 1)[None],
            torch.from_numpy(lo_lab)[None], 2)
        assert lab.shape[-2:] == (32, 32)
        assert np.array_equal(
            cv2.imread(str(big / 'img_dir' / name)), img[0].permute(1, 2, 0).numpy())
        assert np.array_equal(
            cv2.imread(str(big / 'ann_dir' / name), cv2.IMREAD_UNCHANGED), lab[0].numpy())
    # the super-resolution cascade stays a joint-generator option
    with pytest.raises(SystemExit):
        gen_tool.main(
            _gen_args(cfg, ckpt, tmp_path / 'x', '--masks-from', real_cfg, '--sr-config', cfg,
                      '--sr-checkpoint', ckpt))
