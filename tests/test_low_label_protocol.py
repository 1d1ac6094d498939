"""The low-label protocol: image-level splits, hidden masks, the convergence rule."""
import os

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from PIL import Image

from mmseg.registry import DATASETS
from satsynth_mmseg.experiments.low_label import (converged_schedule, gap_closed, make_splits,
                                                  patches_by_image, source_image, write_split_files)
from satsynth_mmseg.utils import ConfigError

TRAIN = [f'tile{t}_part{p:03d}' for t in range(1, 9) for p in range(1, 8)]  # 56, as Dubai
VAL = [f'tile{t}_part{p:03d}' for t in range(1, 9) for p in (8, 9)]  # 16


@pytest.mark.parametrize('fraction', [1 / 8, 1 / 4, 1 / 2])
def test_the_folds_are_deterministic_disjoint_and_apart_from_val_and_test(fraction):
    splits = make_splits(TRAIN, VAL, fraction, seed=0)
    assert len(splits) == round(1 / fraction)
    assert splits == make_splits(TRAIN, VAL, fraction, seed=0)
    assert splits != make_splits(TRAIN, VAL, fraction, seed=1)
    seen = set()
    for s in splits:
        assert len(s.labelled) == round(56 * fraction)
        assert not set(s.labelled) & set(s.unlabelled)
        assert set(s.labelled) | set(s.unlabelled) == set(TRAIN)
        assert not (set(s.labelled) | set(s.unlabelled)) & (set(s.val) | set(s.test))
        assert all('part008' in v for v in s.val) and all('part009' in v for v in s.test)
        assert not seen & set(s.labelled)
        seen |= set(s.labelled)
    assert seen == set(TRAIN)
    with pytest.raises(ConfigError, match='1/n'):
        make_splits(TRAIN, VAL, 0.3)
    with pytest.raises(ConfigError, match='share images'):
        make_splits(TRAIN, VAL + TRAIN[:1], 0.5)


def _dubai_like(root, images, patches=2):
    for sub in ('img_dir/train', 'ann_dir/train'):
        os.makedirs(root / sub, exist_ok=True)
    rng = np.random.default_rng(0)
    for im in images:
        for k in range(patches):
            stem = f'{im}_{k * 132:05d}_00000'
            Image.fromarray(rng.integers(0, 255, (16, 16, 3),
                                         np.uint8)).save(root / 'img_dir' / 'train' / f'{stem}.png')
            Image.fromarray(rng.integers(0, 6, (16, 16),
                                         np.uint8)).save(root / 'ann_dir' / 'train' / f'{stem}.png')
    return str(root)


def test_the_unlabelled_part_never_exposes_a_mask(tmp_path):
    root = _dubai_like(tmp_path / 'dubai', TRAIN[:8])
    patches = patches_by_image(os.path.join(root, 'img_dir', 'train'))
    assert source_image('tile3_part005_00132_00285') == 'tile3_part005'
    split = make_splits(TRAIN[:8], VAL, 1 / 4)[1]
    val_patches = {v: [f'{v}_00000_00000'] for v in VAL}
    files = write_split_files(split, patches, val_patches, str(tmp_path / 'splits'))
    init_default_scope('mmseg')
    base = dict(
        type='DubaiAerialDataset',
        data_root=root,
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'))
    labelled = DATASETS.build(dict(base, ann_file=files['labelled']))
    assert len(labelled) == 2 * 2  # 2 images x 2 patches
    assert {
        source_image(os.path.basename(labelled.get_data_info(i)['img_path'])[:-4])
        for i in range(len(labelled))
    } == set(split.labelled)
    pipeline = [dict(type='LoadImageFromFile'), dict(type='PackSegInputs')]
    unl = DATASETS.build(
        dict(
            type='UnlabelledImagesDataset',
            source=dict(base, ann_file=files['unlabelled']),
            pipeline=pipeline))
    assert len(unl) == 6 * 2
    for i in range(len(unl)):
        info = unl.get_data_info(i)
        assert info['seg_map_path'] is None and info['seg_fields'] == []
        assert source_image(os.path.basename(info['img_path'])[:-4]) in split.unlabelled
        assert 'gt_sem_seg' not in unl[i]['data_samples']
    with pytest.raises(ConfigError, match='not a converted Dubai patch'):
        source_image('image_part_001')


def test_the_convergence_rule_on_synthetic_curves():
    # still rising by >= 0.5 at every step: not converged, the longest reported
    assert converged_schedule({1000: 30.0, 2000: 33.0, 4000: 35.0, 8000: 36.0}) == (8000, False)
    # flat after 4k (+0.3 at 8k): converged at 4k
    assert converged_schedule({1000: 30.0, 2000: 33.0, 4000: 35.0, 8000: 35.3}) == (4000, True)
    # a dip then a late gain: 2k is not converged because 8k beats it by >= 0.5
    assert converged_schedule({1000: 30.0, 2000: 34.0, 4000: 33.0, 8000: 34.6}) == (8000, False)
    # peaked at 2k, later schedules worse: converged at 2k
    assert converged_schedule({1000: 30.0, 2000: 34.0, 4000: 33.8, 8000: 33.0}) == (2000, True)
    assert converged_schedule({1000: 30.0, 2000: 30.9}, min_gain=1.0) == (1000, True)
    with pytest.raises(ConfigError, match='>= 2 schedules'):
        converged_schedule({1000: 30.0})


def test_the_share_of_the_gap_closed():
    assert gap_closed(36.0, 30.0, 42.0) == pytest.approx(0.5)
    assert gap_closed(29.0, 30.0, 42.0) == pytest.approx(-1 / 12)
    assert gap_closed(31.0, 30.0, 30.0) is None
