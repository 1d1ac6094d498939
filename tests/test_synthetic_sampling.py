"""Resampling D′ inside AugmentedDataset: rare-class and hardness weights, their determinism."""
import json
import os
import os.path as osp
import shutil

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from mmseg.registry import DATASETS
from satsynth_mmseg.datasets.synthetic_sampling import (WeightedDraw, class_weights,
                                                        hardness_pair_weights,
                                                        rare_class_pair_weights)
from satsynth_mmseg.utils import ConfigError
from tests.test_augmented_dataset import make_dprime, real_cfg


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmseg')


def test_class_weights_by_hand():
    w = class_weights([0.5, 0.3, 0.2, 0.0], power=1.0, max_weight=10)
    # 1/f scaled so that D's own mixture weighs 1: sum_k f_k / f_k = 3 -> 1 / (3 f)
    np.testing.assert_allclose(w, [2 / 3, 10 / 9, 5 / 3, 10])
    assert np.isclose(np.dot([0.5, 0.3, 0.2, 0.0], w), 1.0)
    np.testing.assert_allclose(class_weights([0.5, 0.5], power=0), [1, 1])
    assert class_weights([0.99, 0.01], max_weight=3).max() == 3


def test_pair_weights_by_hand():
    cw = np.array([0.5, 1.0, 4.0])
    hists = np.array([[10, 0, 0], [0, 0, 5], [5, 0, 5], [0, 0, 0]])
    np.testing.assert_allclose(rare_class_pair_weights(hists, cw), [0.5, 4.0, 2.25, 0.5])
    np.testing.assert_allclose(hardness_pair_weights([1, 2, 3], power=1), [0.5, 1.0, 1.5])
    np.testing.assert_allclose(
        hardness_pair_weights([1, 1, 100], max_weight=2), [1 / 34, 1 / 34, 2])
    np.testing.assert_allclose(hardness_pair_weights([0, 0]), [1, 1])


def test_weighted_draw_frequencies_and_determinism():
    draw = WeightedDraw(np.array([1.0, 0.0, 3.0]))
    picks = [draw(np.random.default_rng([7, i])) for i in range(4000)]
    counts = np.bincount(picks, minlength=3) / len(picks)
    assert counts[1] == 0 and abs(counts[2] - 0.75) < 0.03
    assert picks[:50] == [draw(np.random.default_rng([7, i])) for i in range(50)]
    with pytest.raises(ValueError):
        WeightedDraw(np.zeros(3))


def _single_class_dprime(root, procedural_root, classes_of_pairs, losses=None):
    """A D′ folder whose pair i is all class ``classes_of_pairs[i]``, with a manifest."""
    make_dprime(root, procedural_root, len(classes_of_pairs))
    records = []
    for i, c in enumerate(classes_of_pairs):
        name = f'gen_{i:07d}.png'
        mask = np.full((32, 32), c, np.uint8)
        cv2.imwrite(osp.join(root, 'ann_dir', name), mask)
        hist = np.bincount(mask.ravel(), minlength=5).tolist()
        rec = dict(index=i, file=name, class_histogram=hist)
        if losses is not None:
            rec['pair_loss'] = losses[i]
        records.append(rec)
    with open(osp.join(root, 'manifest.jsonl'), 'w') as f:
        f.write(''.join(json.dumps(r) + '\n' for r in records))
    return str(root)


def _build(procedural_root, dprime, **kwargs):
    return DATASETS.build(
        dict(
            type='AugmentedDataset',
            real=real_cfg(procedural_root),
            synthetic=dprime,
            ratio=1.0,
            **kwargs))


def test_rare_class_sampler_prefers_the_rare_class(procedural_root, tmp_path):
    probe = _build(procedural_root, make_dprime(tmp_path / 'probe', procedural_root, 2))
    share = probe.real_class_share()
    rare, common = int(np.argmin(np.where(share > 0, share, 1))), int(np.argmax(share))
    dprime = _single_class_dprime(tmp_path / 'dp', procedural_root, [common, rare, common, common])
    ds = _build(procedural_root, dprime, synthetic_sampler='rare_class')
    w = ds.synthetic_weights
    assert w[1] > w[0] == w[2] == w[3]
    cw = class_weights(share)
    assert np.isclose(w[1] / w[0], cw[rare] / cw[common])
    torch.manual_seed(0)
    picks = [ds.source_index(ds.num_real)[1] for _ in range(2000)]
    assert abs(np.mean(np.array(picks) == 1) - w[1] / w.sum()) < 0.04
    uniform = _build(procedural_root, dprime)
    assert uniform.synthetic_weights is None
    assert [uniform.source_index(uniform.num_real + j)[1] for j in range(4)] == [0, 1, 2, 3]
    # histograms read from the masks when there is no manifest: the same weights
    os.remove(osp.join(dprime, 'manifest.jsonl'))
    again = _build(procedural_root, dprime, synthetic_sampler='rare_class')
    np.testing.assert_allclose(again.synthetic_weights, w)


def test_hardness_sampler_uses_the_manifest_losses(procedural_root, tmp_path):
    dprime = _single_class_dprime(
        tmp_path / 'dp', procedural_root, [0, 1, 2], losses=[0.1, 0.1, 0.4])
    ds = _build(procedural_root, dprime, synthetic_sampler='hardness')
    np.testing.assert_allclose(ds.synthetic_weights, [0.5, 0.5, 2.0])
    plain = make_dprime(tmp_path / 'plain', procedural_root, 3)
    with pytest.raises(ConfigError, match='filter_synthetic'):
        _build(procedural_root, plain, synthetic_sampler='hardness')
    with pytest.raises(ValueError, match='synthetic_sampler'):
        _build(procedural_root, plain, synthetic_sampler='hard')


def _picks_in_process(ds, seed, rank, n=30):
    from unittest import mock
    ds._rng = None
    torch.manual_seed(seed)
    with mock.patch('mmengine.dist.get_rank', lambda: rank):
        return [ds.source_index(ds.num_real)[1] for _ in range(n)]


def test_weighted_draws_are_deterministic_per_seed_and_differ_across_ranks(
        procedural_root, tmp_path):
    dprime = _single_class_dprime(tmp_path / 'dp', procedural_root, [0, 1, 2, 3, 4, 0, 1, 2])
    ds = _build(procedural_root, dprime, synthetic_sampler='rare_class')
    a = _picks_in_process(ds, seed=3, rank=0)
    assert a == _picks_in_process(ds, seed=3, rank=0)  # same seed, same rank: same draws
    assert a != _picks_in_process(ds, seed=3, rank=1)  # another rank draws others
    assert a != _picks_in_process(ds, seed=4, rank=0)  # another worker seed too


def test_rare_class_with_on_the_fly_dprime(procedural_root, tiny_generator, tmp_path):
    from tests.conftest import on_the_fly_source
    ds = _build(
        procedural_root,
        on_the_fly_source(tiny_generator, tmp_path),
        synthetic_sampler='rare_class')
    try:
        assert ds.synthetic_weights is None and ds._class_weights is not None
        idx = {ds.source_index(ds.num_real)[1] for _ in range(10)}
        assert idx <= set(range(len(ds.synthetic)))
        assert ds[ds.num_real]['data_samples'].metainfo['data_source'] == 'synthetic'
        with pytest.raises(ConfigError, match='on-the-fly'):
            _build(
                procedural_root,
                on_the_fly_source(tiny_generator, tmp_path / 'b'),
                synthetic_sampler='hardness')
    finally:
        ds.synthetic.close()


def _loveda_style(src_root, root):
    """A copy of the real training split in LoveDA's convention: raw 0 = no data, class k
    stored as k + 1 (read with reduce_zero_label=True)."""
    for sub in ('img_dir', 'ann_dir'):
        os.makedirs(osp.join(root, sub, 'train'))
    for name in sorted(os.listdir(osp.join(src_root, 'ann_dir', 'train'))):
        shutil.copy(
            osp.join(src_root, 'img_dir', 'train', name), osp.join(root, 'img_dir', 'train', name))
        m = cv2.imread(osp.join(src_root, 'ann_dir', 'train', name), cv2.IMREAD_UNCHANGED)
        raw = np.where(m == 255, 0, m + 1).astype(np.uint8)
        cv2.imwrite(osp.join(root, 'ann_dir', 'train', name), raw)
    return str(root)


def test_rare_class_weights_with_reduce_zero_label_data(procedural_root, tmp_path):
    """LoveDA-style D and D′ (reduce_zero_label=True): the same class shares and pair weights
    as in the plain convention, from the manifest or from the raw masks."""
    classes = [0, 1, 2, 3, 4, 0]
    plain = _build(
        procedural_root,
        _single_class_dprime(tmp_path / 'p', procedural_root, classes),
        synthetic_sampler='rare_class')
    rzl_real = _loveda_style(procedural_root, tmp_path / 'real_rzl')
    dprime = _single_class_dprime(tmp_path / 'rzl', procedural_root, classes)
    meta = json.load(open(osp.join(dprime, 'meta.json')))
    json.dump(dict(meta, reduce_zero_label=True), open(osp.join(dprime, 'meta.json'), 'w'))
    for i, c in enumerate(classes):  # raw masks: class c stored as c + 1
        cv2.imwrite(
            osp.join(dprime, 'ann_dir', f'gen_{i:07d}.png'), np.full((32, 32), c + 1, np.uint8))

    def build():
        return DATASETS.build(
            dict(
                type='AugmentedDataset',
                real=real_cfg(rzl_real, reduce_zero_label=True),
                synthetic=dprime,
                ratio=1.0,
                synthetic_sampler='rare_class'))

    ds = build()
    np.testing.assert_allclose(ds.real_class_share(), plain.real_class_share())
    np.testing.assert_allclose(ds.synthetic_weights, plain.synthetic_weights)
    os.remove(osp.join(dprime, 'manifest.jsonl'))  # histograms from the raw masks instead
    np.testing.assert_allclose(build().synthetic_weights, plain.synthetic_weights)


def test_several_dprime_folders_are_read_as_one(procedural_root, tmp_path):
    """A list of D′ folders (several generators): every pair of each, in order, and the
    weighted samplers read each folder's own manifest."""
    a = _single_class_dprime(tmp_path / 'a', procedural_root, [0, 1], losses=[0.1, 0.1])
    b = _single_class_dprime(tmp_path / 'b', procedural_root, [2, 3, 4], losses=[0.1, 0.4, 0.1])
    ds = _build(procedural_root, [a, b])
    assert ds.num_synthetic_items == 5
    paths = [ds.synthetic.get_data_info(j)['seg_map_path'] for j in range(5)]
    assert [osp.dirname(osp.dirname(p)) for p in paths] == [a, a, b, b, b]
    # both folders name their files gen_0000000.png, ...: the losses are read per folder
    hard = _build(procedural_root, [a, b], synthetic_sampler='hardness')
    np.testing.assert_allclose(hard.synthetic_weights, np.array([1, 1, 1, 4, 1]) / 1.6)
    rare = _build(procedural_root, [a, b], synthetic_sampler='rare_class')
    cw = class_weights(rare.real_class_share())
    np.testing.assert_allclose(rare.synthetic_weights / rare.synthetic_weights[0], cw / cw[0])
    # a sample of the second folder goes through the pipeline like any other
    torch.manual_seed(0)
    assert ds[ds.num_real + 3]['data_samples'].metainfo['data_source'] == 'synthetic'
    assert _build(procedural_root, [a]).num_synthetic_items == 2


def test_several_dprime_folders_must_agree(procedural_root, tmp_path):
    a = make_dprime(tmp_path / 'a', procedural_root, 2)
    other = make_dprime(tmp_path / 'b', procedural_root, 2, classes=('x', 'y', 'z', 'u', 'v'))
    with pytest.raises(ValueError, match='classes') as e:
        _build(procedural_root, [a, other])
    assert str(tmp_path / 'b') in str(e.value)
    with pytest.raises(ValueError, match='empty list'):
        _build(procedural_root, [])
