# The encoder pretrained on the unlabelled pool vs random initialisation.
"""Benchmark: pretrain the tiny DeepLabV3+'s encoder on the UC Merced pool (scene
classification, ``configs/pretrain/scenecls_r18-tiny_1xb64-1k_ucmerced-32x32.py``), export
it (``tools/export_encoder.py``), then measure it two ways against random initialisation:

1. **Linear probe** on the pool's held-out tiles (every 5th): a logistic regression on the
   frozen, globally pooled features of the last stage, trained on the other tiles; and the
   pretrained classifier's own top-1.
2. **D-only segmentation at an equal schedule**: the Dubai ÷8 D config with and without the
   pretrained encoder (``deeplabv3plus_r18-tiny-d8[-scenecls-pre]_1xb8-1k_dubai-d-32x32``),
   ``--seeds`` seeds each, mIoU on the real val tiles, the gain paired by seed with its 95 %
   t interval.

    .venv/bin/python benchmarks/encoder_pretraining.py

Every stage resumes. Numbers go to stdout and ``benchmarks/results/encoder_pretraining.{md,json}``.
"""
import argparse
import os
import os.path as osp
import sys

import torch

from satsynth_mmseg.experiments.report import mean_std, paired_interval
from satsynth_mmseg.experiments.runs import prepare_data, run_specs, segmentor_spec, train_timed
from satsynth_mmseg.utils import atomic_write_json, atomic_write_text

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PRETRAIN = 'configs/pretrain/scenecls_r18-tiny_1xb64-1k_ucmerced-32x32.py'
SEG_D = 'configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py'
SEG_PRE = 'configs/satsynth/deeplabv3plus_r18-tiny-d8-scenecls-pre_1xb8-1k_dubai-d-32x32.py'
ENCODER = 'model_zoo/scenecls_r18-tiny_1xb64-1k_ucmerced-32x32.pth'
DATA = 'data/dubai_aerial_x8'


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--work-dir', default='work_dirs/encoder_pretraining')
    p.add_argument('--results', default='encoder_pretraining')
    return p.parse_args(argv)


def pool_features(backbone, subset: str):
    """Pooled last-stage features (N, D) and scene labels (N,) of the pool's ``subset``."""
    from mmengine.config import Config

    from mmseg.registry import DATASETS
    cfg = Config.fromfile(PRETRAIN)
    ds_cfg = dict(cfg.train_dataloader.dataset, subset=subset)
    ds_cfg['pipeline'] = [
        dict(type='LoadImageFromFile'),
        dict(type='RescaleUnlabelled', min_size=(32, 32)),
        dict(type='CenterCrop', crop_size=(32, 32)),
        dict(type='PackSegInputs', meta_keys=('img_path', 'scene_label'))
    ]
    ds = DATASETS.build(ds_cfg)
    mean = torch.tensor(cfg.model.data_preprocessor.mean).view(1, 3, 1, 1)
    std = torch.tensor(cfg.model.data_preprocessor.std).view(1, 3, 1, 1)
    feats, labels = [], []
    backbone.eval()
    with torch.no_grad():
        for start in range(0, len(ds), 128):
            items = [ds[i] for i in range(start, min(len(ds), start + 128))]
            x = torch.stack([it['inputs'] for it in items]).float().flip(1)  # BGR -> RGB
            feats.append(backbone((x - mean) / std)[-1].mean(dim=(2, 3)))
            labels += [it['data_samples'].metainfo['scene_label'] for it in items]
    return torch.cat(feats), torch.tensor(labels)


def linear_probe(train, test, steps: int = 500, seed: int = 0) -> float:
    """Holdout top-1 of a logistic regression on standardised frozen features."""
    (xa, ya), (xb, yb) = train, test
    mu, sd = xa.mean(0), xa.std(0).clamp_min(1e-6)
    xa, xb = (xa - mu) / sd, (xb - mu) / sd
    torch.manual_seed(seed)
    head = torch.nn.Linear(xa.shape[1], int(ya.max()) + 1)
    opt = torch.optim.Adam(head.parameters(), lr=0.01, weight_decay=1e-4)
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(head(xa), ya).backward()
        opt.step()
    return float((head(xb).argmax(1) == yb).float().mean())


def probe(encoder: str) -> dict:
    """Linear-probe accuracy of random-init vs pretrained backbones, and the classifier's."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmseg.registry import MODELS
    from satsynth_mmseg.utils.checkpoint_io import load_state_strictly, read_checkpoint
    init_default_scope('mmseg')
    cfg = Config.fromfile(PRETRAIN)
    out = {}
    for name in ('random init', 'pretrained'):
        torch.manual_seed(0)
        bb = MODELS.build(cfg.model.backbone)
        if name == 'pretrained':
            state = read_checkpoint(encoder)['state_dict']
            load_state_strictly(
                bb, dict(state_dict={
                    k[len('backbone.'):]: v
                    for k, v in state.items()
                }), encoder)
        out[name] = linear_probe(pool_features(bb, 'train'), pool_features(bb, 'holdout'))
    return out


def main(argv=None):
    args = parse_args(argv)
    os.chdir(REPO)
    prepare_data(
        'dubai',
        DATA,
        raw_dir='../shared/data/dubai_aerial',
        convert=dict(patch_size=512, stride=None, downscale=8))
    pre_wd = osp.join(args.work_dir, 'pretrain')
    pre = train_timed(PRETRAIN, pre_wd)
    pretrain_s, ckpt = pre['seconds'], pre['ckpt']
    if not osp.exists(ENCODER):
        from satsynth_mmseg.models.encoders import export_encoder
        export_encoder(ckpt, ENCODER, SEG_D)
    probes = probe(ENCODER)
    specs = []
    for seed in args.seeds:
        for variant, cfg in (('D', SEG_D), ('D + pretrained encoder', SEG_PRE)):
            name = f'{"d" if variant == "D" else "d_pre"}_s{seed}'
            specs.append(segmentor_spec(name, variant, None, seed, cfg, args.work_dir, DATA))
    results, _ = run_specs(specs)
    by = {v: [r for r in results if r['variant'] == v] for v in ('D', 'D + pretrained encoder')}
    gains = [
        p['metrics']['mIoU'] - d['metrics']['mIoU']
        for d, p in zip(by['D'], by['D + pretrained encoder'])
    ]
    g, lo, hi = paired_interval(gains)
    lines = [
        'Encoder pretrained on the unlabelled pool (UC Merced scene classification, 1k '
        'iterations of batch 64 on 2 CPU cores) vs random initialisation, the tiny DeepLabV3+ '
        f'(`{osp.basename(SEG_D)}`).', '',
        '| encoder | pool linear probe top-1 (holdout) | D-only mIoU, Dubai ÷8 val '
        f'(n = {len(args.seeds)}) | gain, paired 95 % interval |', '|---|---|---|---|'
    ]
    for variant, key in (('D', 'random init'), ('D + pretrained encoder', 'pretrained')):
        m, s = mean_std([r['metrics']['mIoU'] for r in by[variant]])
        gain = '' if variant == 'D' else f'{g:+.2f} [{lo:+.2f}, {hi:+.2f}]'
        lines.append(f'| {key} | {100 * probes[key]:.1f} % | {m:.2f} ± {s:.2f} | {gain} |')
    lines += [
        '', f'Pretraining: {pre["iters"]} iterations, {pretrain_s / 60:.1f} min of wall time on '
        'the 2-core machine (while another benchmark shared it, so an upper bound); each '
        'segmentor run: '
        f'{sum(r["train_seconds"] for r in results) / len(results) / 60:.1f} min on average.'
    ]
    md = '\n'.join(lines) + '\n'
    print(md)
    res = osp.join(REPO, 'benchmarks', 'results', args.results)
    atomic_write_text(res + '.md', md)
    atomic_write_json(
        res + '.json',
        dict(
            probes=probes,
            gains=gains,
            gain_interval=[g, lo, hi],
            runs=results,
            pretrain_seconds=round(pretrain_s, 1),
            encoder=ENCODER,
            command=' '.join(sys.argv)))
    return results


if __name__ == '__main__':
    main()
