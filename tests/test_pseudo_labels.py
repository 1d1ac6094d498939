"""Pseudo-labels of unlabelled images (offline self-training) written as a D′ folder."""
import filecmp
import json
import math
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from PIL import Image

from mmseg.registry import DATASETS
from satsynth_mmseg.cli import pseudo_label as tool
from satsynth_mmseg.datasets.dprime_format import sample_name
from satsynth_mmseg.generation.pseudo_labels import PseudoLabelSpec, keep_pixels, pseudo_label
from satsynth_mmseg.utils import ConfigError, FolderMismatchError
from tests.conftest import REPO, SEG_CFG

pytestmark = pytest.mark.filterwarnings('ignore::UserWarning')


def _logits(*probs):
    """(1, K, 1, P) logits whose softmax is the given per-pixel probabilities."""
    p = torch.tensor(probs, dtype=torch.float64).T  # (K, P)
    return p.log()[None, :, None, :].float()


def test_the_confidence_rule_against_hand_computed_values():
    logits = _logits([0.95, 0.03, 0.02], [0.5, 0.3, 0.2], [0.05, 0.91, 0.04])
    pred, kept = keep_pixels(logits, 'confidence', threshold=0.9)
    assert pred.tolist() == [[[0, 0, 1]]]
    assert kept.tolist() == [[[True, False, True]]]
    _, kept = keep_pixels(logits, 'confidence', threshold=0.92)
    assert kept.tolist() == [[[True, False, False]]]


def test_the_freemask_rule_against_hand_computed_values():
    # losses -log max p: 0.0513 (class 0), 0.693 (class 0), 0.511 (class 1), 0.357 (class 2)
    logits = _logits([0.95, 0.03, 0.02], [0.5, 0.3, 0.2], [0.2, 0.6, 0.2], [0.1, 0.2, 0.7])
    means = torch.tensor([0.1, 0.5, float('nan')])
    pred, kept = keep_pixels(logits, 'freemask', class_means=means, alpha=1.25)
    assert pred.tolist() == [[[0, 0, 1, 2]]]
    # 0.0513 <= 0.125 yes; 0.693 > 0.125 no; 0.511 <= 0.625 yes; class 2 absent from D: no
    assert kept.tolist() == [[[True, False, True, False]]]
    _, kept = keep_pixels(logits, 'freemask', class_means=means, alpha=1.0)
    assert kept.tolist() == [[[True, False, False, False]]]  # 0.511 > 0.5
    assert math.isclose(-math.log(0.6), 0.5108, abs_tol=1e-4)
    with pytest.raises(ConfigError, match='class-mean losses'):
        keep_pixels(logits, 'freemask')


def _pool(root, n=6, size=32, seed=0):
    os.makedirs(root, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        Image.fromarray(rng.integers(0, 255, (size, size, 3),
                                     np.uint8)).save(osp.join(root, f'tile{i:03d}.png'))
    return str(root)


def _spec(pool, out, ckpt, **kw):
    return PseudoLabelSpec(
        segmentor_config=SEG_CFG,
        checkpoints=[ckpt],
        pool=pool,
        out=str(out),
        progress=False,
        batch_size=4,
        **kw)


def test_pseudo_labels_are_a_dprime_folder_that_augmented_dataset_reads(
        procedural_root, segmentor_checkpoint, tmp_path):
    pool = _pool(tmp_path / 'pool', n=6, size=64)
    out = tmp_path / 'pseudo'
    seg_cfg = SEG_CFG
    # the segmentor config reads data/procedural_scenes; point it at the test's scenes
    from mmengine.config import Config
    cfg = Config.fromfile(seg_cfg)
    cfg.train_dataloader.dataset.data_root = procedural_root
    seg_cfg = str(tmp_path / 'seg.py')
    cfg.dump(seg_cfg)
    spec = _spec(pool, out, segmentor_checkpoint, threshold=0.3, scale_factor=0.5)
    spec.segmentor_config = seg_cfg
    result = pseudo_label(spec)
    recs = [json.loads(line) for line in open(out / 'manifest.jsonl')]
    assert len(recs) == 6 and {r['source'] for r in recs} == {'pseudo'}
    assert recs[0]['source_file'].endswith('tile000.png')
    meta = json.load(open(out / 'meta.json'))
    assert meta['num_samples'] == 6 and meta['generation']['source'] == 'pseudo'
    # the kept pixels are those the segmentor is >= 0.3 sure of, the others 255
    from satsynth_mmseg.evaluation import SegmentorFeatures
    seg = SegmentorFeatures.from_config(seg_cfg, segmentor_checkpoint)
    img = cv2.imread(str(out / 'img_dir' / sample_name(0)))
    assert img.shape == (32, 32, 3)  # rescaled by 0.5
    _, logits = seg.features_and_logits(torch.from_numpy(img.transpose(2, 0, 1))[None])
    probs = logits.softmax(1)[0]
    mask = cv2.imread(str(out / 'ann_dir' / sample_name(0)), cv2.IMREAD_UNCHANGED)
    expect = np.where(probs.max(0).values.numpy() >= 0.3, probs.argmax(0).numpy(), 255)
    assert (mask == expect).all()
    assert recs[0]['kept_fraction'] == pytest.approx(float((mask != 255).mean()), abs=1e-6)
    s = result['summary']
    assert sum(s['predicted_pixels']) == 6 * 32 * 32
    assert os.path.isfile(result['preview']) and 'kept' in result['report']
    init_default_scope('mmseg')
    ds = DATASETS.build(
        dict(
            type='AugmentedDataset',
            real=dict(
                type='ProceduralScenesDataset',
                data_root=procedural_root,
                data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train')),
            synthetic=dict(type='SyntheticPairsDataset', data_root=str(out)),
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(type='LoadAnnotations'),
                dict(type='PackSegInputs')
            ]))
    assert len(ds) == 12 + 12  # ratio 1: as many D′ slots as real pairs, over the 6 pairs
    assert ds[12]['data_samples'].gt_sem_seg.data.shape[-2:] == (32, 32)
    # a rerun with another threshold into the same folder is refused
    with pytest.raises(FolderMismatchError, match='threshold'):
        again = _spec(pool, out, segmentor_checkpoint, threshold=0.5, scale_factor=0.5)
        again.segmentor_config = seg_cfg
        pseudo_label(again)


def test_bad_input_is_refused(segmentor_checkpoint, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        tool.main([
            str(tmp_path), '--segmentor-config', SEG_CFG, '--checkpoint', segmentor_checkpoint,
            '--out',
            str(tmp_path / 'o'), '--threshold', '1.5'
        ])
    assert e.value.code == 2 and 'threshold must be in (0, 1]' in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        tool.main([
            str(tmp_path), '--segmentor-config', SEG_CFG, '--checkpoint',
            str(tmp_path / 'none.pth'), '--out',
            str(tmp_path / 'o')
        ])
    assert 'none.pth does not exist' in capsys.readouterr().err


def test_an_interrupted_run_resumes_byte_identical(procedural_root, segmentor_checkpoint, tmp_path):
    from mmengine.config import Config
    cfg = Config.fromfile(SEG_CFG)
    cfg.train_dataloader.dataset.data_root = procedural_root
    seg_cfg = str(tmp_path / 'seg.py')
    cfg.dump(seg_cfg)
    n = 240
    pool = _pool(tmp_path / 'pool', n=n, size=32, seed=1)

    def args(out):
        return [
            sys.executable,
            osp.join(REPO, 'tools', 'pseudo_label.py'), pool, '--segmentor-config', seg_cfg,
            '--checkpoint', segmentor_checkpoint, '--out',
            str(out), '--threshold', '0.3', '--batch-size', '1', '--no-progress'
        ]

    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    killed = tmp_path / 'killed'
    proc = subprocess.Popen(
        args(killed), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    part = killed / 'manifest' / 'part-00000.jsonl'
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if part.exists() and part.read_text().count('\n') >= 3:
            break
        time.sleep(0.01)
    assert proc.poll() is None, 'finished before it could be killed; make the pool larger'
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    written = part.read_text().count('\n')
    assert 0 < written < n and not (killed / 'manifest.jsonl').exists()
    subprocess.run(args(killed), env=env, check=True, capture_output=True)
    clean = tmp_path / 'clean'
    subprocess.run(args(clean), env=env, check=True, capture_output=True)
    files = sorted(
        osp.join(sub, f) for sub in ('img_dir', 'ann_dir') for f in os.listdir(clean / sub))
    assert len(files) == 2 * n
    assert sorted(
        osp.join(sub, f) for sub in ('img_dir', 'ann_dir')
        for f in os.listdir(killed / sub)) == files
    _, mismatch, errors = filecmp.cmpfiles(killed, clean, files + ['manifest.jsonl'], shallow=False)
    assert not mismatch and not errors
