"""FreeMask filtering: the alpha rule on hand-built losses, and tools/filter_synthetic.py."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmseg.registry import DATASETS, MODELS
from satsynth_mmseg.cli import filter_synthetic as filter_tool
from satsynth_mmseg.cli import generate as gen_tool
from satsynth_mmseg.generation import (SyntheticDatasetWriter, generate_synthetic_dataset,
                                       load_generator, read_manifest)
from satsynth_mmseg.generation.filtering import (ClassLossMeans, filter_labels, keep_pair,
                                                 pixel_losses, score_pairs)
from tests.conftest import SEG_CFG


def test_alpha_rule_on_a_hand_built_loss_map():
    labels = torch.tensor([[0, 0, 1, 1], [0, 1, 1, 255]])
    losses = torch.tensor([[1.0, 3.0, 2.0, 9.0], [2.0, 2.0, 1.0, 50.0]])
    means = ClassLossMeans(2)
    means.update(losses, labels)
    # class 0: (1 + 3 + 2) / 3 = 2; class 1: (2 + 9 + 2 + 1) / 4 = 3.5; 255 is not counted
    assert means.means.tolist() == [2.0, 3.5]
    out = filter_labels(labels, losses, means.means, alpha=1.25)
    # thresholds 2.5 (class 0) and 4.375 (class 1): the 3.0 of class 0 and the 9.0 of class 1
    assert out.tolist() == [[0, 255, 1, 255], [0, 1, 1, 255]]
    assert filter_labels(labels, losses, means.means, alpha=100).tolist() == labels.tolist()


def test_pixel_losses_are_cross_entropy_and_nan_where_ignored():
    logits = torch.randn(2, 3, 4, 5)
    labels = torch.randint(0, 3, (2, 4, 5))
    labels[0, 0, 0] = 255
    loss = pixel_losses(logits, labels)
    ref = F.cross_entropy(logits, labels.clamp_max(2), reduction='none')
    assert torch.isnan(loss[0, 0, 0])
    valid = labels < 3
    assert torch.allclose(loss[valid], ref[valid])
    _, scores = score_pairs(logits, labels)
    pred = logits.argmax(1)
    assert scores[1].agreement == pytest.approx(float((pred[1] == labels[1]).double().mean()))
    assert keep_pair(scores[1], None) and not keep_pair(scores[1], 1.01)


@pytest.fixture(scope='module')
def dprime(tiny_generator, tmp_path_factory):
    cfg, ckpt = tiny_generator
    out = str(tmp_path_factory.mktemp('f') / 'dprime')
    gen_tool.main([
        cfg, ckpt, '--out', out, '--num-samples', '6', '--steps', '2', '--no-progress', '--device',
        'cpu'
    ])
    return out


def _args(src, out, segmentor_checkpoint, *extra, rule='dprime-means'):
    """The tool's arguments, with ``--rule RULE`` (None: the tool's default). The D′-means
    rule by default: SEG_CFG's own train set is not on disk in the tests (FreeMask's rule is
    tested with a config whose train set is)."""
    return [
        src, '--segmentor-config', SEG_CFG, '--checkpoint', segmentor_checkpoint, '--out',
        str(out), '--batch-size', '4', '--no-progress', *(['--rule', rule] if rule else []), *extra
    ]


def test_filter_tool_writes_a_dprime_folder(dprime, segmentor_checkpoint, tmp_path):
    out = tmp_path / 'filtered'
    # an untrained segmentor's losses are nearly uniform: alpha < 1 to filter some
    result = filter_tool.main(_args(dprime, out, segmentor_checkpoint, '--alpha', '0.95'))
    summary = result['summary']
    assert summary.kept == 6 and summary.rejected == 0
    recs = read_manifest(str(out))
    assert [r['source_index'] for r in recs] == list(range(6))
    for r in recs:
        assert len(r['filtered_fraction']) == 5 and 0 <= r['agreement'] <= 1
    # masks: the source's, with some pixels made 255, never another class
    src_ann, out_ann = osp.join(dprime, 'ann_dir'), osp.join(str(out), 'ann_dir')
    lost = 0
    for r in recs:
        a = cv2.imread(osp.join(src_ann, r['source_file']), cv2.IMREAD_UNCHANGED)
        b = cv2.imread(osp.join(out_ann, r['file']), cv2.IMREAD_UNCHANGED)
        changed = a != b
        assert (b[changed] == 255).all()
        lost += int(changed.sum())
    assert lost == sum(summary.class_filtered) > 0
    # images are the source's pixels
    img_a = cv2.imread(osp.join(dprime, 'img_dir', recs[0]['source_file']), cv2.IMREAD_UNCHANGED)
    img_b = cv2.imread(osp.join(str(out), 'img_dir', recs[0]['file']), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(img_a, img_b)
    assert (out / 'filter_report.md').exists() and (out / 'filter_preview.png').exists()
    report = json.load(open(out / 'filter_report.json'))
    assert report['class_filtered'] == summary.class_filtered
    # mmseg / AugmentedDataset read it like any D'
    init_default_scope('mmseg')
    ds = DATASETS.build(dict(type='SyntheticPairsDataset', data_root=str(out), pipeline=[]))
    assert len(ds) == 6
    # a rerun resumes (nothing to do, nothing changes); other arguments are refused
    before = {f: (out / 'ann_dir' / f).read_bytes() for f in os.listdir(out / 'ann_dir')}
    filter_tool.main(_args(dprime, out, segmentor_checkpoint, '--alpha', '0.95'))
    assert {f: (out / 'ann_dir' / f).read_bytes() for f in os.listdir(out / 'ann_dir')} == before
    with pytest.raises(SystemExit, match='other arguments'):
        filter_tool.main(_args(dprime, out, segmentor_checkpoint, '--alpha', '2'))


def test_pair_rejection_and_bad_arguments(dprime, segmentor_checkpoint, tmp_path):
    with pytest.raises(SystemExit, match='rejects every pair'):
        filter_tool.main(
            _args(dprime, tmp_path / 'none', segmentor_checkpoint, '--min-agreement', '1.0'))
    assert not (tmp_path / 'none').exists()
    with pytest.raises(SystemExit):
        filter_tool.parse_args(_args(dprime, tmp_path / 'x', segmentor_checkpoint, '--alpha', '0'))
    with pytest.raises(SystemExit):
        filter_tool.parse_args(_args(dprime, dprime, segmentor_checkpoint))


def test_reduce_zero_label_dprime_keeps_its_convention(tiny_generator, segmentor_checkpoint,
                                                       tmp_path):
    """A LoveDA-style D' (raw 0 = ignore, class k stored as k + 1): filtered pixels become raw
    0 and the others keep their raw values."""
    cfg, ckpt = tiny_generator
    model, _ = load_generator(cfg, ckpt)
    src = str(tmp_path / 'rzl')
    writer = SyntheticDatasetWriter(src, dict(rzl=True))
    writer.prepare()
    generate_synthetic_dataset(
        model, writer, 4, steps=2, batch_size=4, reduce_zero_label=True, progress=False)
    classes = ['bare_soil', 'building', 'road', 'vegetation', 'water']
    writer.finalize(4, dict(classes=classes, palette=None, reduce_zero_label=True))
    writer.release()
    out = tmp_path / 'rzl_f'
    filter_tool.main(_args(src, out, segmentor_checkpoint, '--alpha', '0.5'))
    for r in read_manifest(str(out)):
        a = cv2.imread(osp.join(src, 'ann_dir', r['source_file']), cv2.IMREAD_UNCHANGED)
        b = cv2.imread(osp.join(str(out), 'ann_dir', r['file']), cv2.IMREAD_UNCHANGED)
        changed = a != b
        assert changed.any() and (b[changed] == 0).all() and (a[changed] >= 1).all()
    meta = json.load(open(out / 'meta.json'))
    assert meta['reduce_zero_label'] is True


def test_ensemble_filter_averages_the_segmentors(dprime, segmentor_checkpoint, tmp_path):
    """Several checkpoints: the filter scores pixels under their mean softmax; one segmentor
    twice is that segmentor; the folder's identity lists every checkpoint."""
    from satsynth_mmseg.evaluation import SegmentorEnsemble, SegmentorFeatures
    init_default_scope('mmseg')
    torch.manual_seed(1)
    other = str(tmp_path / 'other.pth')
    model = MODELS.build(Config.fromfile(SEG_CFG).model)
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), other)
    a = SegmentorFeatures.from_config(SEG_CFG, segmentor_checkpoint)
    b = SegmentorFeatures.from_config(SEG_CFG, other)
    images = torch.randint(0, 256, (2, 3, 32, 32), dtype=torch.uint8)
    _, la = a.features_and_logits(images)
    _, lb = b.features_and_logits(images)
    assert not torch.allclose(la, lb)
    _, both = SegmentorEnsemble([a, b]).features_and_logits(images)
    torch.testing.assert_close(both.softmax(1), (la.softmax(1) + lb.softmax(1)) / 2)
    _, twice = SegmentorEnsemble([a, a]).features_and_logits(images)
    torch.testing.assert_close(twice.softmax(1), la.softmax(1))
    single = filter_tool.main(_args(dprime, tmp_path / 'one', segmentor_checkpoint))
    ens = filter_tool.main([
        dprime, '--segmentor-config', SEG_CFG, '--checkpoint', segmentor_checkpoint, other, '--out',
        str(tmp_path / 'two'), '--batch-size', '4', '--no-progress', '--rule', 'dprime-means'
    ])
    assert ens['summary'].class_mean_loss != single['summary'].class_mean_loss
    ident = json.load(open(tmp_path / 'two' / 'meta.json'))['filtering']['segmentor_sha256']
    assert isinstance(ident, list) and len(ident) == 2 and ident[0] != ident[1]


def _class_means(dataset, seg, k=5):
    """The per-class mean pixel loss of ``seg`` over a dataset, computed here from scratch."""
    total, count = np.zeros(k), np.zeros(k)
    for i in range(len(dataset)):
        item = dataset[i]
        _, logits = seg.features_and_logits(item['inputs'][None])
        labels = item['data_samples'].gt_sem_seg.data[0].long()
        loss = pixel_losses(logits, labels[None])[0]
        for c in range(k):
            sel = labels == c
            total[c] += float(loss[sel].double().sum())
            count[c] += int(sel.sum())
    return total / np.maximum(count, 1)


def test_freemask_rule_takes_class_means_on_the_real_images(dprime, segmentor_checkpoint,
                                                            procedural_root, tmp_path):
    """--rule freemask (FreeMask's own filter, the default): the class-mean losses are the
    segmentor's on the real training images of --segmentor-config; --rule dprime-means: over
    D′ itself (earlier versions). Both against means computed independently here."""
    from satsynth_mmseg.datasets import build_train_dataset
    from satsynth_mmseg.evaluation import SegmentorFeatures
    from satsynth_mmseg.generation.filter_dataset import load_pipeline
    cfg = Config.fromfile(SEG_CFG)
    cfg.train_dataloader.dataset.data_root = procedural_root
    seg_cfg = str(tmp_path / 'seg.py')
    cfg.dump(seg_cfg)
    seg = SegmentorFeatures.from_config(seg_cfg, segmentor_checkpoint)
    pipeline = load_pipeline(cfg)
    real = build_train_dataset(seg_cfg, pipeline=pipeline)
    synth = DATASETS.build(dict(type='SyntheticPairsDataset', data_root=dprime, pipeline=pipeline))

    def run(out, rule):
        args = _args(dprime, tmp_path / out, segmentor_checkpoint, rule=rule)
        args[args.index('--segmentor-config') + 1] = seg_cfg
        return filter_tool.main(args)

    ref, old = run('ref', None), run('old', 'dprime-means')
    on_real, on_dprime = _class_means(real, seg), _class_means(synth, seg)
    present = np.isfinite(ref['summary'].class_mean_loss)
    assert np.allclose(
        np.array(ref['summary'].class_mean_loss)[present], on_real[present], rtol=1e-4)
    got = np.array(old['summary'].class_mean_loss)
    seen = np.isfinite(got)
    assert np.allclose(got[seen], on_dprime[seen], rtol=1e-4)
    assert not np.allclose(on_real[present & seen], on_dprime[present & seen])
    meta = json.load(open(tmp_path / 'ref' / 'meta.json'))['filtering']
    assert meta['class_means'] == 'real' and meta['real_pairs'] == len(real)
    assert 'class_means' not in json.load(open(tmp_path / 'old' / 'meta.json'))['filtering']
    assert 'rule freemask' in open(tmp_path / 'ref' / 'filter_report.md').read()
