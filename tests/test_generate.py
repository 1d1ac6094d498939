"""tools/generate.py: determinism across shards and resumes, durability, refusals."""
import errno
import filecmp
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from mmseg.registry import DATASETS
from satsynth_mmseg.cli import generate as gen_tool
from satsynth_mmseg.generation import (SyntheticDatasetWriter, file_sha256,
                                       generate_synthetic_dataset, labels_to_raw, load_generator,
                                       read_manifest, sample_seed)
from tests.conftest import REPO, load_json, run_torchrun

N, B = 7, 3  # 3 batches: [0,1,2] [3,4,5] [6]


def _args(cfg, ckpt, out, *extra):
    return [
        cfg, ckpt, '--out',
        str(out), '--num-samples',
        str(N), '--batch-size',
        str(B), '--steps', '3', '--seed', '11', '--no-progress', '--device', 'cpu', *extra
    ]


def _files(out):
    return sorted(
        osp.relpath(osp.join(d, f), out) for d, _, fs in os.walk(out) for f in fs
        if f.endswith('.png') and f != 'preview.png')


def _assert_same(a, b):
    fa, fb = _files(a), _files(b)
    assert fa == fb and len(fa) == 2 * N
    _, mismatch, errors = filecmp.cmpfiles(a, b, fa, shallow=False)
    assert not mismatch and not errors, mismatch
    assert filecmp.cmp(osp.join(a, 'manifest.jsonl'), osp.join(b, 'manifest.jsonl'), shallow=False)


@pytest.fixture(scope='session')
def reference(tiny_generator, tmp_path_factory):
    cfg, ckpt = tiny_generator
    out = tmp_path_factory.mktemp('ref') / 'dprime'
    gen_tool.main(_args(cfg, ckpt, out))
    return out


def _identity(cfg, ckpt):
    """Build what tools/generate.py would, for simulated ranks in-process."""
    args = gen_tool.parse_args(_args(cfg, ckpt, 'unused'))
    model, info = load_generator(cfg, ckpt, device='cpu')
    identity = dict(
        format_version=gen_tool.FORMAT_VERSION,
        checkpoint_sha256=info['sha256'],
        weights=info['weights'],
        sampler=args.sampler,
        steps=3,
        seed=11,
        num_samples=N,
        batch_size=B,
        size=list(model.sample_size),
        num_classes=model.num_classes,
        image_channels=model.image_channels,
        reduce_zero_label=False,
        device_type='cpu')
    extra = dict(
        checkpoint_sha256=info['sha256'], sampler=args.sampler, steps=3, weights=info['weights'])
    return model, identity, extra


def test_manifest_integrity(tiny_generator, reference):
    cfg, ckpt = tiny_generator
    recs = read_manifest(str(reference))
    assert [r['index'] for r in recs] == list(range(N))
    sha = file_sha256(ckpt)
    for r in recs:
        assert r['checkpoint_sha256'] == sha and r['sampler'] == 'ddim'
        assert r['steps'] == 3 and r['seed'] == 11 and r['sample_seed'] == sample_seed(
            11, r['index'])
        assert sum(r['class_histogram']) + r['invalid_pixels'] == 16 * 16
        ann = np.array(
            __import__('PIL.Image',
                       fromlist=['Image']).open(osp.join(reference, 'ann_dir', r['file'])))
        hist = np.bincount(ann[ann < 5], minlength=5).tolist()
        assert hist == r['class_histogram']
    meta = load_json(osp.join(reference, 'meta.json'))
    assert meta['classes'][0] == 'bare_soil' and len(meta['palette']) == 5
    assert osp.exists(osp.join(reference, 'preview.png'))
    assert not [f for f in _files(reference) if 'partial' in f]


def test_files_open_with_mmseg_loaders(reference):
    init_default_scope('mmseg')
    ds = DATASETS.build(
        dict(
            type='SyntheticPairsDataset',
            data_root=str(reference),
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(type='LoadAnnotations'),
                dict(type='PackSegInputs')
            ]))
    assert len(ds) == N and ds.metainfo['classes'][0] == 'bare_soil'
    item = ds[0]
    assert tuple(item['inputs'].shape) == (3, 16, 16) and item['inputs'].dtype == torch.uint8
    seg = item['data_samples'].gt_sem_seg.data
    assert seg.shape == (1, 16, 16)
    assert set(seg.unique().tolist()) <= set(range(5)) | {255}


def test_two_simulated_shards_are_byte_identical(tiny_generator, reference, tmp_path):
    cfg, ckpt = tiny_generator
    model, identity, extra = _identity(cfg, ckpt)
    out = tmp_path / 'sharded'
    for rank in (1, 0):  # any order
        w = SyntheticDatasetWriter(str(out), identity, rank=rank)
        w.prepare()
        generate_synthetic_dataset(
            model,
            w,
            N,
            seed=11,
            sampler='ddim',
            steps=3,
            batch_size=B,
            record_extra=extra,
            rank=rank,
            world_size=2,
            progress=False)
        w.release()  # as the process's exit would
    # the tool finishes the folder (manifest, meta) and finds nothing left to do
    gen_tool.main(_args(cfg, ckpt, out))
    _assert_same(reference, out)


def test_interrupted_run_resumes_byte_identical(tiny_generator, reference, tmp_path):
    cfg, ckpt = tiny_generator
    model, identity, extra = _identity(cfg, ckpt)
    out = tmp_path / 'resumed'
    w = SyntheticDatasetWriter(str(out), identity)
    w.prepare()
    stats = generate_synthetic_dataset(
        model,
        w,
        N,
        seed=11,
        steps=3,
        batch_size=B,
        record_extra=extra,
        progress=False,
        max_batches=1)
    assert stats['generated'] == B
    w.release()
    # what a kill -9 can leave: a half-written file and a cut manifest line
    with open(out / 'img_dir' / 'gen_0000004.png.partial', 'wb') as f:
        f.write(b'\x89PNG half')
    with open(out / 'manifest' / 'part-00000.jsonl', 'a') as f:
        f.write('{"index": 4, "fi')
    summary = gen_tool.main(_args(cfg, ckpt, out))
    assert summary['skipped'] == B and summary['generated'] == N - B
    _assert_same(reference, out)


def test_rerun_with_other_arguments_is_refused(tiny_generator, reference):
    cfg, ckpt = tiny_generator
    with pytest.raises(SystemExit, match=r'other arguments[\s\S]*seed: folder has 11, now 12'):
        gen_tool.main(_args(cfg, ckpt, reference) + ['--seed', '12'])
    # the same arguments: nothing to do, files untouched
    summary = gen_tool.main(_args(cfg, ckpt, reference))
    assert summary['generated'] == 0 and summary['skipped'] == N


def test_full_disk_is_a_clear_error_and_leaves_nothing_partial(tiny_generator, reference, tmp_path,
                                                               monkeypatch):
    cfg, ckpt = tiny_generator
    out = tmp_path / 'full'
    import satsynth_mmseg.utils.atomic_io as aio
    real_fsync, calls = aio.os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) > 6:  # identity file + a few samples fit, then the disk is full
            raise OSError(errno.ENOSPC, 'No space left on device')
        real_fsync(fd)

    monkeypatch.setattr(aio.os, 'fsync', fsync)
    with pytest.raises(SystemExit, match='No space left on device.*rerun the same command'):
        gen_tool.main(_args(cfg, ckpt, out))
    monkeypatch.undo()
    leftovers = [f for d, _, fs in os.walk(out) for f in fs if f.endswith('.partial')]
    assert not leftovers
    gen_tool.main(_args(cfg, ckpt, out))
    _assert_same(reference, out)


def test_bad_arguments(tiny_generator, tmp_path, capsys):
    cfg, ckpt = tiny_generator
    out = str(tmp_path / 'x')
    for bad in (['--num-samples', '0'], ['--sampler', 'euler']):
        args = _args(cfg, ckpt, out)
        args[args.index('--num-samples'):args.index('--num-samples') + 2] = []
        args += bad if bad[0] == '--num-samples' else ['--num-samples', '2', *bad]
        with pytest.raises(SystemExit) as e:
            gen_tool.main(args)
        assert e.value.code == 2
    with pytest.raises(SystemExit, match=r'\[1, 100\]'):
        gen_tool.main(_args(cfg, ckpt, out) + ['--steps', '101'])
    args = _args(cfg, ckpt, out)
    i = args.index('--num-samples')
    args[i:i + 2] = ['--ratio', '2']  # without --real-config
    capsys.readouterr()
    with pytest.raises(SystemExit):
        gen_tool.main(args)
    assert 'needs --real-config' in capsys.readouterr().err


def test_checkpoint_for_another_model_is_refused(tiny_generator, tmp_path):
    from mmengine.config import Config
    cfg_path, ckpt = tiny_generator
    for change, message in ((dict(num_classes=6), 'trained on 5 classes'), (dict(image_channels=1),
                                                                            'denoises 6 channels')):
        cfg = Config.fromfile(cfg_path)
        cfg.model.update(change)
        path = str(tmp_path / f'{list(change)[0]}.py')
        cfg.dump(path)
        with pytest.raises(SystemExit, match=message):
            gen_tool.main(_args(path, ckpt, tmp_path / 'y'))


def test_ratio_uses_the_real_training_set(tiny_generator, procedural_root, tmp_path):
    cfg, ckpt = tiny_generator
    args = _args(cfg, ckpt, tmp_path / 'r')
    i = args.index('--num-samples')
    args[i:i + 2] = ['--ratio', '0.5', '--real-config', cfg]
    summary = gen_tool.main(args + ['--report'])
    assert summary['generated'] == 6  # 0.5 x 12 real training scenes
    report = load_json(tmp_path / 'r' / 'report.json')
    assert set(report['datasets']) == {'D (real)', "D' (generated)"}
    assert report['datasets']['D (real)']['samples'] == 12
    assert osp.exists(tmp_path / 'r' / 'report.png')
    # the real data is known: real pairs beside generated ones, masks overlaid
    assert osp.exists(tmp_path / 'r' / 'real_vs_generated.png')


def test_labels_to_raw_conventions():
    labels = torch.tensor([[[0, 4, 255]]])
    assert labels_to_raw(labels, 5, reduce_zero_label=False).tolist() == [[[0, 4, 255]]]
    assert labels_to_raw(labels, 5, reduce_zero_label=True).tolist() == [[[1, 5, 0]]]


def test_torchrun_two_shards_match_one_process(tiny_generator, reference, tmp_path):
    cfg, ckpt = tiny_generator
    out = tmp_path / 'ddp'
    proc = run_torchrun('generate', *_args(cfg, ckpt, out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'part-00000.jsonl' in os.listdir(out / 'manifest')
    assert 'part-00001.jsonl' in os.listdir(out / 'manifest')
    _assert_same(reference, out)


def test_kill_9_mid_run_then_rerun_matches_uninterrupted(tiny_generator, tmp_path):
    """A real SIGKILL while writing: every visible PNG is complete, the rerun finishes the
    rest, and the result equals an uninterrupted run byte for byte."""
    import signal
    import time

    import cv2
    cfg, ckpt = tiny_generator
    n, b = 48, 4

    def args(out):
        return [
            sys.executable,
            osp.join(REPO, 'tools', 'generate.py'), cfg, ckpt, '--out',
            str(out), '--num-samples',
            str(n), '--batch-size',
            str(b), '--steps', '20', '--seed', '3', '--no-progress', '--device', 'cpu'
        ]

    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    killed = tmp_path / 'killed'
    proc = subprocess.Popen(
        args(killed), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    part = killed / 'manifest' / 'part-00000.jsonl'
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if part.exists() and part.read_text().count('\n') >= b:
            break
        time.sleep(0.05)
    assert proc.poll() is None, 'finished before it could be killed; make the run longer'
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    written = part.read_text().count('\n')
    assert 0 < written < n
    for sub in ('img_dir', 'ann_dir'):
        for f in os.listdir(killed / sub):
            if f.endswith('.png'):  # anything a reader would list must decode completely
                assert cv2.imread(str(killed / sub / f), cv2.IMREAD_UNCHANGED) is not None, f
    assert not (killed / 'manifest.jsonl').exists()  # the folder is not marked finished
    subprocess.run(args(killed), env=env, check=True, capture_output=True)
    clean = tmp_path / 'clean'
    subprocess.run(args(clean), env=env, check=True, capture_output=True)
    fa, fb = _files(killed), _files(clean)
    assert fa == fb and len(fa) == 2 * n
    _, mismatch, errors = filecmp.cmpfiles(killed, clean, fa, shallow=False)
    assert not mismatch and not errors
    assert filecmp.cmp(killed / 'manifest.jsonl', clean / 'manifest.jsonl', shallow=False)


def test_a_second_generate_into_the_same_folder_is_refused(tiny_generator, tmp_path):
    """Two tools/generate.py into one --out used to both run, doing all work twice and
    duplicating manifest lines; now the second refuses, naming the first one's pid."""
    import signal
    import time
    cfg, ckpt = tiny_generator
    out = tmp_path / 'shared_out'
    argv = [
        cfg, ckpt, '--out',
        str(out), '--num-samples', '48', '--batch-size', '4', '--steps', '20', '--seed', '3',
        '--no-progress', '--device', 'cpu'
    ]
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1')
    first = subprocess.Popen(
        [sys.executable, osp.join(REPO, 'tools', 'generate.py'), *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        part = out / 'manifest' / 'part-00000.jsonl'
        deadline = time.time() + 120
        while time.time() < deadline and first.poll() is None and not part.exists():
            time.sleep(0.05)
        assert first.poll() is None, 'finished before the second could start'
        with pytest.raises(
                SystemExit, match=rf'being written by another process \(pid '
                rf'{first.pid}'):
            gen_tool.main(argv)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    # the killed process's lock went with it: a rerun finishes, each sample listed once
    gen_tool.main(argv)
    indices = [
        json.loads(line)['index'] for line in part.read_text().splitlines()
        if line.strip().endswith('}')
    ]
    assert sorted(indices) == list(range(48))
