"""Nothing silently wrong: wrong checkpoints, unreadable or wrapping masks, missing files,
bad arguments and a statistic that could not vary are refused or fixed (one test per fault;
the D′-folder faults are in test_dprime_format.py)."""
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from PIL import Image

from mmseg.registry import MODELS
from satsynth_mmseg.cli import evaluate_generator as eval_tool
from satsynth_mmseg.cli import filter_synthetic as filter_tool
from satsynth_mmseg.cli import generate as gen_tool
from satsynth_mmseg.cli import train as train_tool
from satsynth_mmseg.datasets import augmented as augmented_module
from satsynth_mmseg.datasets.dprime_format import mask_ignore_index
from satsynth_mmseg.datasets.pair_check import check_pair
from satsynth_mmseg.evaluation import kernel_distance
from satsynth_mmseg.evaluation.feature_extractors import load_segmentor
from satsynth_mmseg.generation.model_zoo import export_generator
from satsynth_mmseg.utils import CheckpointError, ConfigError, DataError
from tests.conftest import SEG_CFG


def _segmentor_checkpoint(path, num_classes=None, with_cfg=True):
    """A segmentor checkpoint of SEG_CFG (another head size with ``num_classes``), with the
    config text in its meta as mmengine's Runner writes it."""
    cfg = Config.fromfile(SEG_CFG)
    if num_classes is not None:
        cfg.model.decode_head.num_classes = num_classes
        cfg.model.auxiliary_head.num_classes = num_classes
    init_default_scope('mmseg')
    model = MODELS.build(cfg.model)
    meta = dict(cfg=cfg.pretty_text) if with_cfg else {}
    torch.save(dict(state_dict=model.state_dict(), meta=meta), path)
    return str(path)


def test_segmentor_checkpoints_load_strictly(tiny_generator, tmp_path):
    ok = _segmentor_checkpoint(tmp_path / 'seg.pth')
    assert load_segmentor(SEG_CFG, ok).training is False
    # a 7-class head under the 5-class config: refused, the mismatched keys named
    other = _segmentor_checkpoint(tmp_path / 'seg7.pth', num_classes=7)
    with pytest.raises(CheckpointError) as e:
        load_segmentor(SEG_CFG, other)
    assert 'seg7.pth does not fit the model' in str(e.value)
    assert 'decode_head.conv_seg.weight' in str(e.value) and 'of another shape' in str(e.value)
    # a generator checkpoint given as the segmentor's: refused naming its type
    with pytest.raises(
            ConfigError, match='is a JointDDPM checkpoint but .* builds a '
            'EncoderDecoder'):
        load_segmentor(SEG_CFG, tiny_generator[1])
    # a generator config given as the segmentor config
    with pytest.raises(ConfigError, match='builds a JointDDPM, not a segmentor'):
        load_segmentor(tiny_generator[0], ok)


def test_tools_refuse_a_generator_checkpoint_as_the_segmentor(tiny_generator, tmp_path):
    cfg, ckpt = tiny_generator
    dprime = tmp_path / 'dprime'
    gen_tool.main([cfg, ckpt, '--out', str(dprime), '--num-samples', '2', '--no-progress'])
    with pytest.raises(SystemExit, match='is a JointDDPM checkpoint'):
        filter_tool.main([
            str(dprime), '--segmentor-config', SEG_CFG, '--checkpoint', ckpt, '--out',
            str(tmp_path / 'f')
        ])
    assert not (tmp_path / 'f').exists()
    with pytest.raises(SystemExit, match='builds a JointDDPM, not a segmentor'):
        filter_tool.main([
            str(dprime), '--segmentor-config', cfg, '--checkpoint', ckpt, '--out',
            str(tmp_path / 'f')
        ])
    with pytest.raises(SystemExit, match='is a JointDDPM checkpoint'):
        eval_tool.main([
            cfg, ckpt, '--real-config', SEG_CFG, '--segmentor-checkpoint', ckpt, '--num-samples',
            '4', '--seeds', '0', '--out',
            str(tmp_path / 'q')
        ])


def _pair(tmp_path, mask: np.ndarray):
    img = tmp_path / 'img.png'
    Image.fromarray(np.zeros((*mask.shape, 3), np.uint8)).save(img)
    ann = tmp_path / 'ann.png'
    Image.fromarray(mask).save(ann)  # uint16 -> a 16-bit PNG
    return str(img), str(ann)


def test_16_bit_masks_with_values_above_255_are_refused_naming_them(tmp_path):
    wide = np.full((8, 8), 256, np.uint16)
    wide[0, :5] = [256, 257, 258, 259, 260]
    img, ann = _pair(tmp_path, wide)
    assert Image.open(ann).mode == 'I;16'
    with pytest.raises(DataError) as e:
        check_pair(img, ann)
    assert ann in str(e.value) and '256, 257, 258, 259, 260' in str(e.value)
    fits = np.arange(64, dtype=np.uint16).reshape(8, 8)
    check_pair(*_pair(tmp_path, fits))  # 16-bit, but every value fits 8 bits


def test_empty_or_unreadable_files_are_named_when_listed(tmp_path):
    img, ann = _pair(tmp_path, np.zeros((8, 8), np.uint8))
    open(img, 'wb').close()  # 0 bytes, as in mmseg's pseudo iSAID set
    with pytest.raises(DataError, match=f'image {img} is empty'):
        check_pair(img, ann)
    with open(ann, 'wb') as f:
        f.write(b'not a png at all')
    with pytest.raises(DataError, match=f'mask {ann} cannot be read'):
        check_pair(img, ann)
    os.remove(ann)
    with pytest.raises(DataError, match=f'mask {ann} does not exist'):
        check_pair(img, ann)


def test_kid_std_varies_over_subsets():
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(40, 8, generator=g), torch.randn(40, 8, generator=g) + 0.5
    out = kernel_distance(real, fake, subsets=20)
    assert out['std'] > 1e-6 and np.isfinite(out['mean'])


def test_missing_configs_and_folders_are_one_line_errors(tiny_generator, tmp_path):
    cfg, ckpt = tiny_generator
    missing = str(tmp_path / 'nope.py')
    with pytest.raises(SystemExit, match=f'^error: generator config {missing} does not exist$'):
        gen_tool.main([missing, ckpt, '--out', str(tmp_path / 'o'), '--num-samples', '2'])
    with pytest.raises(SystemExit, match=f'^error: config {missing} does not exist$'):
        train_tool.main([missing])
    with pytest.raises(SystemExit, match=f'real-config.*{missing}|config {missing} does not'):
        gen_tool.main([
            cfg, ckpt, '--out',
            str(tmp_path / 'o'), '--ratio', '1', '--real-config', missing, '--no-progress'
        ])
    with pytest.raises(SystemExit, match=f'segmentor config {missing} does not exist'):
        eval_tool.main([cfg, ckpt, '--real-config', missing, '--segmentor-checkpoint', ckpt])
    # a dataset folder that does not exist: one line naming it from tools/train.py
    bad = Config.fromfile(cfg)
    bad.train_dataloader.dataset.data_root = str(tmp_path / 'no_data')
    bad.work_dir = str(tmp_path / 'w')
    bad.load_from = None
    bad.dump(str(tmp_path / 'bad.py'))
    with pytest.raises(SystemExit) as e:
        train_tool.main([str(tmp_path / 'bad.py')])
    assert '\n' not in str(e.value) and 'no_data' in str(e.value)
    assert 'does not exist' in str(e.value)


def test_a_negative_seed_is_refused_before_anything_is_written(tiny_generator, tmp_path):
    cfg, ckpt = tiny_generator
    out = tmp_path / 'o'
    with pytest.raises(SystemExit):
        gen_tool.main([cfg, ckpt, '--out', str(out), '--num-samples', '2', '--seed', '-1'])
    assert not out.exists()


def test_meta_ignore_index_is_the_one_the_masks_use():
    assert mask_ignore_index(6) == 255 and mask_ignore_index(255) == 255
    assert mask_ignore_index(256) is None  # every 8-bit value is a class


def test_export_refuses_a_segmentor_checkpoint(tmp_path):
    seg = _segmentor_checkpoint(tmp_path / 'seg.pth')
    with pytest.raises(
            ConfigError, match='builds a EncoderDecoder \\(a segmentor\\), not a '
            'generator'):
        export_generator(seg, str(tmp_path / 'release.pth'))
    assert not osp.exists(tmp_path / 'release.pth')


def test_dprime_composition_is_logged_at_build_time(procedural_root, tiny_generator, tmp_path,
                                                    monkeypatch):
    cfg, ckpt = tiny_generator  # 16 x 16 pairs; the procedural tiles are 32 x 32
    dprime = tmp_path / 'dprime'
    gen_tool.main([cfg, ckpt, '--out', str(dprime), '--num-samples', '2', '--no-progress'])
    said = []
    monkeypatch.setattr(
        augmented_module,
        'print_log',
        lambda msg, logger=None, level=None: said.append((msg, level)))
    augmented_module.AugmentedDataset(
        real=dict(
            type='ProceduralScenesDataset',
            data_root=procedural_root,
            data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
            pipeline=[]),
        synthetic=str(dprime),
        ratio=1.0)
    (msg, level), = said
    assert 'D 12 pairs (32x32 px), D′ 2 pairs (16x16 px)' in msg
    assert 'each D′ pair used 6.0 times per epoch' in msg
    assert 'tiles differ in size' in msg and 'much smaller than its slots' in msg
    assert level == 30  # WARNING


def test_a_full_disk_while_saving_a_checkpoint_leaves_no_truncated_file(
        procedural_root, tmp_path, monkeypatch):
    """tools/train.py writes checkpoints atomically: the disk 'fills up' (ENOSPC from the
    fsync of the real write path) while iter_4.pth is saved; the error is one line naming the
    file, no iter_4.pth or .partial is left, and last_checkpoint still names iter_2.pth."""
    import errno

    from satsynth_mmseg.utils import atomic_io
    from tests.conftest import tiny_train_cfg
    work = tmp_path / 'work'
    cfg = tiny_train_cfg(procedural_root, work, max_iters=4, ckpt_interval=2)
    cfg.default_hooks.pop('sample_grid')
    path = str(tmp_path / 'gen.py')
    cfg.dump(path)
    real_fsync = atomic_io.os.fsync

    def fsync(fd):
        if os.readlink(f'/proc/self/fd/{fd}').endswith('iter_4.pth.partial'):
            raise OSError(errno.ENOSPC, 'No space left on device')
        real_fsync(fd)

    monkeypatch.setattr(atomic_io.os, 'fsync', fsync)
    with pytest.raises(SystemExit) as e:
        train_tool.main([path])
    msg = str(e.value)
    assert '\n' not in msg and 'No space left' in msg
    assert msg.count('iter_4.pth') == 1 and '--resume' in msg
    assert sorted(f for f in os.listdir(work) if '.pth' in f) == ['iter_2.pth']
    assert open(work / 'last_checkpoint').read().endswith('iter_2.pth')
