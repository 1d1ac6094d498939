"""Bad input found by trying the plugin as a new user would: each is a clear error naming the
file or value at fault (or, for K = 256, a path that now works end to end)."""
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmseg.registry import DATASETS, MODELS
from satsynth_mmseg.bits import labels_to_bits
from satsynth_mmseg.cli import generate as gen_tool
from satsynth_mmseg.datasets.pair_check import check_pair
from satsynth_mmseg.utils import ConfigError, DataError, read_checkpoint
from tests.conftest import TINY_UNET, tiny_model_cfg, tiny_train_cfg


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmseg')


def _copy_root(procedural_root, dst):
    shutil.copytree(procedural_root, dst)
    return str(dst)


def _stock_dataset(cfg, root, classes, palette=None):
    """Make the config's train set a stock mmseg ``BaseSegDataset`` (no plugin checks)."""
    cfg.train_dataloader.dataset = dict(
        type='BaseSegDataset',
        data_root=root,
        img_suffix='.png',
        seg_map_suffix='.png',
        metainfo=dict(classes=classes, palette=palette),
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=cfg.train_pipeline)


# ------------------------------------------------------------------ 4. pair sizes, 7. RGB masks
def test_mask_of_another_size_is_refused_before_any_resize(procedural_root, tmp_path):
    root = _copy_root(procedural_root, tmp_path / 'data')
    mask = osp.join(root, 'ann_dir', 'train', 'scene_00003.png')
    cv2.imwrite(mask, cv2.imread(mask, cv2.IMREAD_UNCHANGED)[:24, :24])
    # the plugin's datasets check when they list their files
    with pytest.raises(
            DataError, match=r'scene_00003\.png is 32x32 but its mask .*'
            r'scene_00003\.png is 24x24'):
        DATASETS.build(
            dict(
                type='ProceduralScenesDataset',
                data_root=root,
                data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train')))
    # a stock mmseg dataset, whose pipeline resizes both, used to train silently
    cfg = tiny_train_cfg(root, tmp_path / 'w', max_iters=2)
    from satsynth_mmseg.datasets import PROCEDURAL_CLASSES, PROCEDURAL_PALETTE
    _stock_dataset(cfg, root, PROCEDURAL_CLASSES, PROCEDURAL_PALETTE)
    with pytest.raises(DataError, match='sizes differ.*scene_00003'):
        Runner.from_cfg(cfg).train()
    assert not osp.exists(tmp_path / 'w' / 'iter_2.pth')


def test_rgb_colour_masks_are_named_as_such(procedural_root, tmp_path):
    root = _copy_root(procedural_root, tmp_path / 'data')
    mask = osp.join(root, 'ann_dir', 'train', 'scene_00001.png')
    labels = cv2.imread(mask, cv2.IMREAD_UNCHANGED)
    cv2.imwrite(mask, np.stack([labels * 40] * 3, -1).astype(np.uint8))
    with pytest.raises(
            DataError, match=r'scene_00001\.png has 3 channels.*RGB colour mask.*'
            r'dubai_aerial\.py'):
        check_pair(osp.join(root, 'img_dir', 'train', 'scene_00001.png'), mask)
    # read by a stock pipeline, the batch check says the same (it used to report the sizes
    # "(32, 32) vs (32, 3)")
    model = MODELS.build(tiny_model_cfg(size=32))
    ds = DATASETS.build(
        dict(
            type='BaseSegDataset',
            data_root=root,
            img_suffix='.png',
            seg_map_suffix='.png',
            metainfo=dict(classes=('a', 'b', 'c', 'd', 'e')),
            data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(type='LoadAnnotations'),
                dict(type='PackSegInputs')
            ]))
    item = ds[[i for i in range(len(ds)) if ds.get_data_info(i)['seg_map_path'] == mask][0]]
    with pytest.raises(DataError, match='has 3 channels'):
        model.data_preprocessor(
            dict(inputs=[item['inputs']], data_samples=[item['data_samples']]), True)


# ------------------------------------------------------------------ 10a. label values
def test_out_of_range_label_names_the_mask_file(procedural_root, tmp_path):
    root = _copy_root(procedural_root, tmp_path / 'data')
    mask = osp.join(root, 'ann_dir', 'train', 'scene_00002.png')
    labels = cv2.imread(mask, cv2.IMREAD_UNCHANGED)
    labels[0, 0] = 7  # a 5-class set
    cv2.imwrite(mask, labels)
    cfg = tiny_train_cfg(root, tmp_path / 'w', max_iters=12)
    cfg.train_dataloader.sampler = dict(type='DefaultSampler', shuffle=False)
    with pytest.raises(DataError, match=r'mask .*scene_00002\.png has label values \[7\]'):
        Runner.from_cfg(cfg).train()


# ------------------------------------------------------------------ 5. K = 256 and K = 151
@pytest.mark.parametrize('k', [256, 151])
def test_many_classes_train_sample_and_generate(tmp_path, k):
    rng = np.random.default_rng(k)
    root = tmp_path / 'data'
    for sub in ('img_dir/train', 'ann_dir/train'):
        os.makedirs(root / sub)
    for i in range(4):
        labels = rng.integers(0, k, (16, 16)).astype(np.uint8)
        if k < 256:
            labels[:2] = 255  # the ignore index exists only when K <= 255
        cv2.imwrite(str(root / 'ann_dir/train' / f'{i}.png'), labels)
        cv2.imwrite(
            str(root / 'img_dir/train' / f'{i}.png'),
            rng.integers(0, 256, (16, 16, 3)).astype(np.uint8))
    ignore = None if k == 256 else 255
    cfg = tiny_train_cfg(
        str(root), tmp_path / 'w', max_iters=2, ckpt_interval=2, num_classes=k, ignore_index=ignore)
    palette = rng.integers(0, 256, (k, 3)).tolist()
    _stock_dataset(cfg, str(root), tuple(f'c{i}' for i in range(k)), palette)
    Runner.from_cfg(cfg).train()  # includes a sample grid at iteration 2 (used to fail)
    assert osp.exists(tmp_path / 'w' / 'samples' / 'iter_0000002.png')
    cfg_path = str(tmp_path / 'gen.py')
    cfg.dump(cfg_path)
    out = tmp_path / 'dprime'
    gen_tool.main([
        cfg_path,
        str(tmp_path / 'w' / 'iter_2.pth'), '--out',
        str(out), '--num-samples', '3', '--steps', '2', '--no-progress', '--device', 'cpu'
    ])
    ds = DATASETS.build(
        dict(
            type='SyntheticPairsDataset',
            data_root=str(out),
            pipeline=[dict(type='LoadImageFromFile'),
                      dict(type='LoadAnnotations')]))
    assert len(ds) == 3 and len(ds.metainfo['classes']) == k
    values = np.unique(np.concatenate([ds[i]['gt_seg_map'].ravel() for i in range(3)]))
    allowed = set(range(k)) | ({255} if k < 256 else set())
    assert set(values.tolist()) <= allowed


def test_k256_needs_no_ignore_index_and_says_so():
    with pytest.raises(ValueError, match='every 8-bit value is a class: set ignore_index=None'):
        MODELS.build(tiny_model_cfg(num_classes=256))
    model = MODELS.build(tiny_model_cfg(num_classes=256, ignore_index=None))
    out = model.sample(1, num_steps=2)  # the default invalid index used to be 255, a class
    assert out['labels'].max() < 256 and out['invalid_pixels'] == 0


# ------------------------------------------------------------------ 6. sizes the U-Net cannot take
def test_sizes_the_unet_cannot_take_state_the_rule():
    three_levels = dict(
        TINY_UNET,
        block_out_channels=(16, 16, 32),
        down_block_types=('DownBlock2D', 'DownBlock2D', 'AttnDownBlock2D'),
        up_block_types=('AttnUpBlock2D', 'UpBlock2D', 'UpBlock2D'))
    with pytest.raises(
            ConfigError, match=r'sample_size \(30, 30\).*multiples of 4.*'
            r'nearest valid: 28 or 32'):
        MODELS.build(tiny_model_cfg(size=30, denoiser=three_levels))
    model = MODELS.build(tiny_model_cfg(size=32, denoiser=three_levels))
    x = torch.zeros(2, model.data_preprocessor.joint_channels, 30, 30)
    with pytest.raises(ConfigError, match=r'\(30, 30\).*multiples of 4.*RandomCrop'):
        model.loss(x)
    with pytest.raises(ConfigError, match='nearest valid: 36 or 40'):
        model.sample(1, size=38, num_steps=2)


# ------------------------------------------------------------------ 10. unclear messages
def test_bit_encoding_messages_name_the_real_problem():
    labels = torch.zeros(1, 2, 2, dtype=torch.long)
    with pytest.raises(ValueError, match=r'num_classes must be an int in \[2, 256\], got 257'):
        labels_to_bits(labels, 257)
    with pytest.raises(ValueError, match='ignore_index=-1 is negative'):
        labels_to_bits(labels, 5, ignore_index=-1)


def test_infinite_ratio_is_a_clear_error(procedural_root, tmp_path):
    from tests.test_augmented_dataset import build, make_dprime
    dprime = make_dprime(tmp_path / 'd', procedural_root, 2)
    with pytest.raises(ValueError, match='finite number >= 0.*got inf'):
        build(procedural_root, dprime, ratio=float('inf'))
    with pytest.raises(SystemExit):
        gen_tool.parse_args(['c', 'k', '--out', 'o', '--ratio', 'inf', '--real-config', 'r'])


def test_failed_dubai_conversion_leaves_no_loadable_folder(tmp_path):
    from PIL import Image

    from satsynth_mmseg.datasets.converters import dubai_aerial as conv
    from tests.test_dubai_converter import _make_raw
    raw = str(tmp_path / 'raw')
    _make_raw(raw, tiles=(1, ))
    bad = sorted((tmp_path / 'raw').glob('Tile 1/masks/*.png'))[-1]  # converted last
    rgb = np.array(Image.open(bad).convert('RGB'))
    rgb[0, 0] = (1, 2, 3)  # an unknown colour in the last file
    Image.fromarray(rgb).save(bad)
    out = tmp_path / 'out'
    with pytest.raises(DataError, match='unknown mask colour'):
        conv.convert(raw, str(out), progress=False)
    assert not out.exists()  # nothing a dataset could load as if it were complete
    rgb[0, 0] = rgb[0, 1]
    Image.fromarray(rgb).save(bad)
    counts = conv.convert(raw, str(out), progress=False)
    assert counts['train'] > 0 and (out / 'converted.json').exists()
    assert not (tmp_path / 'out.incomplete').exists()
    conv.convert(raw, str(out), progress=False)  # its own output may be replaced
    other = tmp_path / 'mine'
    other.mkdir()
    (other / 'notes.txt').write_text('mine')
    with pytest.raises(FileExistsError, match='not made by this converter'):
        conv.convert(raw, str(other), progress=False)


# ------------------------------------------------------------------ 11. label conventions
def test_generate_refuses_a_real_config_with_another_label_convention(tiny_generator, tmp_path):
    cfg, ckpt_path = tiny_generator
    ckpt = read_checkpoint(ckpt_path)
    ckpt['meta']['dataset_meta']['reduce_zero_label'] = True  # trained on LoveDA-style data
    path = str(tmp_path / 'rzl.pth')
    torch.save(ckpt, path)
    with pytest.raises(
            SystemExit,
            match=r'reduce_zero_label=False.*'
            r'reduce_zero_label=True.*shifts every class'):
        gen_tool.main([
            cfg, path, '--out',
            str(tmp_path / 'o'), '--num-samples', '1', '--real-config', cfg, '--no-progress',
            '--device', 'cpu'
        ])
