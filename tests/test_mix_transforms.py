"""CutMix and class-aware Copy-Paste: labels stay aligned with pixels, the ignore index stays
ignored, seeded runs repeat, and they work through MultiImageMixDataset around
AugmentedDataset (real and generated pairs)."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from mmseg.registry import DATASETS, TRANSFORMS

K = 5


def _encode(labels):
    """An image whose every pixel says its label: value 40 * label (250 for ignore)."""
    v = np.where(labels == 255, 250, labels.astype(np.int64) * 40).astype(np.uint8)
    return np.stack([v, 255 - v, v], -1)


def _aligned(results):
    return np.array_equal(results['img'], _encode(results['gt_seg_map']))


def _sample(seed, size=32):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, K, (size // 4, size // 4)).repeat(4, 0).repeat(4, 1).astype(np.uint8)
    labels[:3] = 255  # a no-data strip
    return dict(img=_encode(labels), gt_seg_map=labels, seg_fields=['gt_seg_map'])


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmseg')


@pytest.mark.parametrize('cfg', [
    dict(type='RandomCutMix', prob=1.0),
    dict(type='ClassAwareCopyPaste', classes=[1, 3], prob=1.0),
    dict(type='ClassAwareCopyPaste', prob=1.0, region_prob=0.5),
])
def test_labels_stay_aligned_and_ignore_stays_ignored(cfg):
    t = TRANSFORMS.build(cfg)
    changed = 0
    for seed in range(20):
        base, other = _sample(seed), _sample(100 + seed)
        before = base['gt_seg_map'].copy()
        out = t(dict(base, mix_results=[other]))
        assert _aligned(out)
        changed += int(not np.array_equal(out['gt_seg_map'], before))
        if cfg['type'] == 'ClassAwareCopyPaste':
            pasted = out['gt_seg_map'] != before
            # only the chosen classes are pasted, never the ignore index
            allowed = cfg.get('classes') or list(range(K))
            assert set(np.unique(out['gt_seg_map'][pasted]).tolist()) <= set(allowed)
    assert changed > 10  # the transform does something


def test_copy_paste_adds_rare_class_pixels_where_there_were_none():
    base = _sample(1)
    base['gt_seg_map'][base['gt_seg_map'] == 4] = 0
    base['img'] = _encode(base['gt_seg_map'])
    other = _sample(2)
    t = TRANSFORMS.build(dict(type='ClassAwareCopyPaste', classes=[4], prob=1.0))
    out = t(dict(base, mix_results=[other]))
    assert (out['gt_seg_map'] == 4).sum() == (other['gt_seg_map'] == 4).sum() > 0
    assert _aligned(out)


@pytest.mark.parametrize('cfg', [
    dict(type='RandomCutMix', prob=0.7),
    dict(type='ClassAwareCopyPaste', prob=0.7, region_prob=0.5)
])
def test_deterministic_under_a_seed(cfg):

    def run():
        np.random.seed(123)
        t = TRANSFORMS.build(cfg)
        return [t(dict(_sample(s), mix_results=[_sample(50 + s)]))['gt_seg_map'] for s in range(8)]

    a, b = run(), run()
    assert all(np.array_equal(x, y) for x, y in zip(a, b))


def test_without_a_second_sample_the_error_says_where_it_goes():
    with pytest.raises(KeyError, match='MultiImageMixDataset'):
        TRANSFORMS.build(dict(type='RandomCutMix'))(_sample(0))


def _write_pairs(root, split, n, seed):
    for sub in ('img_dir', 'ann_dir'):
        os.makedirs(osp.join(root, sub, split), exist_ok=True)
    for i in range(n):
        s = _sample(seed + i)
        cv2.imwrite(osp.join(root, 'ann_dir', split, f'{i}.png'), s['gt_seg_map'])
        cv2.imwrite(osp.join(root, 'img_dir', split, f'{i}.png'), s['img'][..., ::-1])


def test_inside_augmented_dataset_for_real_and_generated_pairs(tmp_path):
    import json
    real_root, syn_root = str(tmp_path / 'real'), str(tmp_path / 'dprime')
    _write_pairs(real_root, 'train', 6, 0)
    _write_pairs(syn_root, '', 6, 1000)
    classes = [f'c{i}' for i in range(K)]
    with open(osp.join(syn_root, 'meta.json'), 'w') as f:
        json.dump(dict(classes=classes, palette=None, reduce_zero_label=False), f)
    load = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]
    ds = DATASETS.build(
        dict(
            type='MultiImageMixDataset',
            dataset=dict(
                type='AugmentedDataset',
                ratio=1.0,
                pipeline=load,
                synthetic=syn_root,
                real=dict(
                    type='BaseSegDataset',
                    data_root=real_root,
                    metainfo=dict(classes=classes),
                    img_suffix='.png',
                    seg_map_suffix='.png',
                    data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'))),
            pipeline=[
                dict(type='RandomCutMix', prob=1.0),
                dict(type='ClassAwareCopyPaste', prob=1.0)
            ]))
    np.random.seed(0)
    sources = set()
    for i in range(len(ds)):
        out = ds[i]
        assert _aligned(dict(img=out['img'][..., ::-1], gt_seg_map=out['gt_seg_map']))
        sources.add(out['data_source'])
    assert sources == {'real', 'synthetic'} and len(ds) == 12
