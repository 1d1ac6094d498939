"""Generation-quality metrics against hand-computed values, and tools/evaluate_generator.py."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope

from mmseg.registry import MODELS
from satsynth_mmseg.cli import evaluate_generator as eval_tool
from satsynth_mmseg.evaluation.generation_metrics import (feature_distances, frechet_distance,
                                                          js_divergence, kernel_distance,
                                                          knn_precision_recall, mask_statistics)
from tests.conftest import SEG_CFG


def _features(n=200, d=8, seed=0):
    return torch.from_numpy(np.random.default_rng(seed).normal(size=(n, d)))


def test_identical_sets_are_at_distance_zero():
    x = _features()
    out = feature_distances(x, x.clone())
    assert abs(out.fd) < 1e-6
    assert out.precision == 1.0 and out.recall == 1.0
    # KID is unbiased: two independent draws of one distribution are near 0, far below a
    # shifted one (the same set twice is not: its unbiased estimate is slightly negative)
    same = kernel_distance(_features(seed=1), _features(seed=2))['mean']
    assert abs(same) < 0.1 * kernel_distance(x, x + 1.0)['mean']


def test_frechet_distance_matches_the_closed_form():
    x = _features()
    mu = torch.tensor([3.0, -1.0, 0.5, 0, 0, 0, 0, 2.0], dtype=torch.float64)
    # a shift keeps the covariance: FD = |mu|^2
    assert frechet_distance(x, x + mu) == pytest.approx(float(mu @ mu), rel=1e-6)
    # a scale s about the mean: FD = (1 - s)^2 Tr(S)
    s = 2.0
    m = x.mean(0)
    y = (x - m) * s + m
    trace = float(torch.cov(x.T).trace())
    assert frechet_distance(x, y) == pytest.approx((1 - s)**2 * trace, rel=1e-6)


def test_kid_grows_with_the_shift_and_is_reproducible():
    x, y = _features(100, seed=0), _features(100, seed=1)
    near, far = kernel_distance(x, y + 0.2), kernel_distance(x, y + 2.0)
    assert far['mean'] > near['mean'] and far['mean'] > 0
    assert kernel_distance(x, x + 2.0, seed=3) == kernel_distance(x, x + 2.0, seed=3)


def test_knn_precision_recall_by_hand():
    real = torch.tensor([[0.0], [1.0], [2.0], [3.0], [4.0]])
    fake = torch.tensor([[0.5], [10.0], [20.0]])
    # k = 1: every real ball has radius 1 -> only 0.5 is inside: precision 1/3; the fake
    # balls have radii 9.5, 9.5, 10 -> every real point is inside one: recall 1
    pr = knn_precision_recall(real, fake, k=1)
    assert pr['precision'] == pytest.approx(1 / 3) and pr['recall'] == 1.0
    with pytest.raises(ValueError, match='k=3'):
        knn_precision_recall(real, fake, k=3)


def test_js_divergence_and_mask_statistics():
    assert js_divergence([0.5, 0.5], [0.5, 0.5]) == 0
    assert js_divergence([1, 0], [0, 1]) == pytest.approx(1.0)
    labels = torch.tensor([[[0, 0], [1, 7]], [[1, 1], [1, 1]]])  # 7: an invalid code (K = 3)
    preds = torch.tensor([[[0, 1], [1, 2]], [[1, 1], [1, 1]]])
    m = mask_statistics(labels, 3, preds, real_share=[0.5, 0.5, 0.0])
    assert m.invalid_rate == 1 / 8
    assert m.class_share == pytest.approx([2 / 7, 5 / 7, 0.0])
    assert m.distinct_classes == 1.5
    # valid pixels: 7, correct: 6 -> 85.7 %; IoU class 0 = 1/2, class 1 = 5/6 (2 absent)
    assert m.agreement_acc == pytest.approx(600 / 7)
    assert m.agreement_miou == pytest.approx(100 * (1 / 2 + 5 / 6) / 2)
    assert m.class_share_js == pytest.approx(js_divergence([2 / 7, 5 / 7, 0], [0.5, 0.5, 0]))


def test_evaluate_generator_tool(tiny_generator, segmentor_checkpoint, tmp_path):
    cfg, ckpt = tiny_generator

    class Feats(torch.nn.Module):  # a stand-in for the TorchScript InceptionV3

        def forward(self, x: torch.Tensor, return_features: bool = True) -> torch.Tensor:
            return x.float().mean(dim=(2, 3))

    inc = str(tmp_path / 'inception.pt')
    torch.jit.save(torch.jit.script(Feats()), inc)
    out = str(tmp_path / 'q')
    args = [
        cfg, ckpt, '--real-config', SEG_CFG, '--segmentor-checkpoint', segmentor_checkpoint,
        '--num-samples', '6', '--seeds', '0', '1', '2', '--steps', '2', '--batch-size', '4',
        '--inception-weights', inc, '--out', out
    ]
    report = eval_tool.main(args)
    assert [r['seed'] for r in report.per_seed] == [0, 1, 2]
    for key in ('seg_fd', 'seg_kid_mean', 'seg_precision', 'seg_recall', 'inception_fd',
                'agreement_miou', 'class_share_js', 'invalid_rate'):
        mean, std = report.summary[key]
        assert np.isfinite(mean) and std >= 0
    # different sampling seeds give different samples, hence different distances
    assert len({r['seg_fd'] for r in report.per_seed}) == 3
    saved = json.load(open(out + '.json'))
    assert saved['per_seed'][1]['seg_fd'] == report.per_seed[1]['seg_fd']
    md = open(out + '.md').read()
    assert 'Fréchet distance (segmentor features)' in md and 'FID (InceptionV3)' in md
    assert osp.getsize(out + '.png') > 0
    # the same command again gives the same numbers (seeded real crops and samples)
    again = eval_tool.main(args[:-2] + ['--out', str(tmp_path / 'q2')])
    assert again.summary == report.summary


def test_evaluate_generator_bad_inputs(tiny_generator, segmentor_checkpoint, tmp_path):
    cfg, ckpt = tiny_generator
    base = [cfg, ckpt, '--real-config', SEG_CFG, '--segmentor-checkpoint', segmentor_checkpoint]
    with pytest.raises(SystemExit, match='cannot be downloaded here'):
        eval_tool.main(base + ['--inception-weights', str(tmp_path / 'missing.pt')])
    with pytest.raises(SystemExit, match='does not exist'):
        eval_tool.main(base[:-1] + [str(tmp_path / 'none.pth')])
    with pytest.raises(SystemExit, match='give a generator CHECKPOINT or --dprime'):
        eval_tool.main([cfg, '--real-config', SEG_CFG])  # neither


def test_evaluate_a_dprime_folder(tiny_generator, segmentor_checkpoint, tmp_path):
    from satsynth_mmseg.cli import generate as gen_tool
    cfg, ckpt = tiny_generator
    dprime = str(tmp_path / 'dprime')
    gen_tool.main([
        cfg, ckpt, '--out', dprime, '--num-samples', '5', '--steps', '2', '--no-progress',
        '--device', 'cpu'
    ])
    report = eval_tool.main([
        cfg, '--dprime', dprime, '--real-config', SEG_CFG, '--segmentor-checkpoint',
        segmentor_checkpoint, '--num-samples', '5', '--out',
        str(tmp_path / 'q')
    ])
    assert report.num_samples == 5 and [r['seed'] for r in report.per_seed] == [0]
    assert np.isfinite(report.summary['seg_fd'][0])


def test_generation_metric_in_the_val_loop_keeps_the_best_checkpoint(procedural_root,
                                                                     segmentor_checkpoint,
                                                                     tmp_path):
    import glob

    from mmengine.runner import Runner

    from tests.conftest import tiny_train_cfg
    cfg = tiny_train_cfg(procedural_root, tmp_path / 'w', max_iters=4, ckpt_interval=2)
    cfg.default_hooks.pop('sample_grid')
    val_pipeline = [t for t in cfg.train_pipeline if t['type'] != 'RandomFlip']
    cfg.val_dataloader = dict(
        batch_size=4,
        num_workers=0,
        sampler=dict(type='DefaultSampler', shuffle=False),
        dataset=dict(cfg.train_dataloader.dataset, pipeline=val_pipeline))
    cfg.val_cfg = dict(type='ValLoop')
    cfg.val_evaluator = dict(
        type='GenerationQualityMetric',
        segmentor_config=SEG_CFG,
        segmentor_checkpoint=segmentor_checkpoint)
    cfg.train_cfg.val_interval = 2
    cfg.default_hooks.checkpoint.update(save_best='generation/seg_fd', rule='less')
    runner = Runner.from_cfg(cfg)
    runner.train()
    best = glob.glob(str(tmp_path / 'w' / 'best_generation_seg_fd_iter_*.pth'))
    assert len(best) == 1
    # every validation's numbers, as the runner logged them (iterations 2 and 4)
    history = runner.message_hub.log_scalars['val/generation/seg_fd'].data[0]
    fds = list(zip([2, 4], history.tolist()))
    assert len(history) == 2
    assert all(np.isfinite(fd) for _, fd in fds)
    best_step = min(fds, key=lambda s: s[1])[0]
    assert best[0].endswith(f'iter_{best_step}.pth')


def test_fine_tuning_a_generator_with_load_from(tiny_generator, procedural_root, tmp_path):
    """load_from a trained generator fine-tunes it on new data of the same classes; a config
    for other classes (count or names) is refused in one line."""
    from satsynth_mmseg.cli import train as train_tool
    from satsynth_mmseg.datasets import make_procedural_dataset
    from satsynth_mmseg.utils import read_checkpoint
    from tests.conftest import tiny_train_cfg
    _, ckpt = tiny_generator
    new_data = str(tmp_path / 'new')
    make_procedural_dataset(new_data, num_train=4, num_val=1, size=32, seed=7)
    cfg = tiny_train_cfg(new_data, tmp_path / 'ft', max_iters=2, ckpt_interval=2)
    cfg.default_hooks.pop('sample_grid')
    cfg.randomness = dict(seed=123)  # a fresh initialisation would differ from the checkpoint
    cfg.load_from = ckpt
    path = str(tmp_path / 'ft.py')
    cfg.dump(path)
    train_tool.main([path])
    loaded = read_checkpoint(ckpt)['state_dict']
    tuned = read_checkpoint(str(tmp_path / 'ft' / 'iter_2.pth'))['state_dict']
    w = 'denoiser.unet.conv_in.weight' if 'denoiser.unet.conv_in.weight' in loaded else next(
        k for k in loaded if k.endswith('conv_in.weight'))
    # started from the checkpoint: two small steps away from it, not from a new initialisation
    init_default_scope('mmseg')
    torch.manual_seed(123)
    fresh = MODELS.build(cfg.model).state_dict()[w]
    assert (tuned[w] - loaded[w]).abs().max() < 0.05 < (fresh - loaded[w]).abs().max()
    other = tiny_train_cfg(new_data, tmp_path / 'bad', max_iters=2, ckpt_interval=2, num_classes=6)
    other.load_from = ckpt
    other.dump(str(tmp_path / 'bad.py'))
    with pytest.raises(SystemExit, match='trained on 5 classes.*Fine-tuning keeps the classes'):
        train_tool.main([str(tmp_path / 'bad.py')])
    renamed = tiny_train_cfg(new_data, tmp_path / 'ren', max_iters=2, ckpt_interval=2)
    renamed.train_dataloader.dataset.metainfo = dict(classes=('a', 'b', 'c', 'd', 'e'))
    renamed.load_from = ckpt
    renamed.dump(str(tmp_path / 'ren.py'))
    with pytest.raises(SystemExit, match="the config's dataset has \\('a', 'b'"):
        train_tool.main([str(tmp_path / 'ren.py')])


def test_evaluate_a_mask_to_image_generator_per_guidance_scale(tiny_m2i, tiny_generator,
                                                               segmentor_checkpoint, tmp_path):
    from satsynth_mmseg.utils.checkpoint_io import (HASH_KEY, content_sha256,
                                                    load_verified_checkpoint)
    cfg, ckpt, _ = tiny_m2i
    # an untrained model ignores its condition (zero-initialised outputs): randomise it
    state = load_verified_checkpoint(ckpt)
    torch.manual_seed(0)
    for key in ('state_dict', 'ema_state_dict'):
        for name, value in state.get(key, {}).items():
            if name.endswith('.weight') and value.ndim == 4:
                value.normal_(0, 0.2)
    state['meta'][HASH_KEY] = content_sha256(state)
    ckpt = str(tmp_path / 'random.pth')
    torch.save(state, ckpt)
    base = [
        cfg, ckpt, '--real-config', SEG_CFG, '--segmentor-checkpoint', segmentor_checkpoint,
        '--num-samples', '6', '--seeds', '0', '1', '--steps', '2', '--batch-size', '3'
    ]
    reports = {
        s: eval_tool.main(base + ['--guidance-scale', s, '--out',
                                  str(tmp_path / f'g{s}')])
        for s in ('0', '3')
    }
    assert reports['0'].summary['seg_fd'] != reports['3'].summary['seg_fd']
    assert 'guidance s = 3' in open(tmp_path / 'g3.md').read()
    # the rendered masks are layouts of the real masks: no invalid codes
    assert reports['3'].summary['invalid_rate'][0] == 0
    joint_cfg, joint_ckpt = tiny_generator
    with pytest.raises(SystemExit, match='mask-to-image'):
        eval_tool.main([
            joint_cfg, joint_ckpt, '--real-config', SEG_CFG, '--segmentor-checkpoint',
            segmentor_checkpoint, '--guidance-scale', '2'
        ])
