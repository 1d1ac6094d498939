# Data-loading overhead of AugmentedDataset (D' cache) against the plain real dataset.
"""Benchmark: iterations/s of an mmengine-style dataloader over

* ``plain``: the real dataset (Dubai x8 tiles when ``--data-root`` exists, else procedural
  scenes painted into a temporary folder) with the CPU segmentor's train pipeline;
* ``augmented``: ``AugmentedDataset(real=that dataset, synthetic=D' cache, ratio=R)`` with the
  same pipeline.

By default the D' cache holds copies of the real pairs (same sizes and PNG encodings), so
both variants decode the same kind of files and the difference is the wrapper's own cost
(index mapping, metainfo, ``data_source`` tagging); ``--dprime DIR`` uses a real D' instead
(its pairs may be smaller or larger than the real ones, which changes decoding cost, not
overhead). Loaders are built once; timed blocks of ``--iters`` batches alternate between the
variants for ``--repeats`` rounds and the ratio is the median of per-round ratios, so both
see the same state of a noisy machine. Results: stdout and
``benchmarks/results/augmented_loading_cpu.{json,md}``. Target: augmented / plain >= 0.95.

    .venv/bin/python benchmarks/augmented_loading.py [--data-root data/dubai_aerial_x8]
        [--workers 0 2] [--batch-size 8] [--iters 20] [--repeats 25] [--ratio 1]

It also times single samples in-process (no workers), alternating blocks of 200: the least
noisy view of the wrapper's own cost.
"""
import argparse
import os
import os.path as osp
import platform
import shutil
import statistics
import sys
import tempfile
import time

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SEG_CONFIG = osp.join(REPO, 'configs', 'satsynth',
                      'deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--data-root', default=osp.join(REPO, 'data', 'dubai_aerial_x8'))
    p.add_argument('--dprime', help='a D\' folder (default: copies of the real pairs)')
    p.add_argument('--ratio', type=float, default=1.0)
    p.add_argument('--workers', type=int, nargs='+', default=[0, 2])
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--iters', type=int, default=20, help='batches per timed block')
    p.add_argument('--repeats', type=int, default=25)
    p.add_argument(
        '--out', default=osp.join(REPO, 'benchmarks', 'results', 'augmented_loading_cpu'))
    return p.parse_args(argv)


def real_dataset_cfg(data_root):
    """The CPU Dubai segmentor's train dataset, or the procedural scenes with its pipeline."""
    from mmengine.config import Config
    cfg = Config.fromfile(SEG_CONFIG)
    ds = cfg.train_dataloader.dataset.to_dict()
    if osp.isdir(osp.join(data_root, 'img_dir', 'train')):
        ds['data_root'] = data_root
        return ds, osp.basename(osp.normpath(data_root))
    from satsynth_mmseg.datasets import make_procedural_dataset
    root = tempfile.mkdtemp(prefix='bench_procedural_')
    make_procedural_dataset(root, num_train=256, num_val=0, size=64)
    ds.update(type='ProceduralScenesDataset', data_root=root)
    return ds, 'procedural (256 scenes, 64 px)'


def copy_as_dprime(real, out):
    """A D' folder whose pairs are copies of the real ones (tools/generate.py layout)."""
    for sub in ('img_dir', 'ann_dir'):
        os.makedirs(osp.join(out, sub), exist_ok=True)
    for i in range(len(real)):
        info = real.get_data_info(i)
        shutil.copy(info['img_path'], osp.join(out, 'img_dir', f'gen_{i:07d}.png'))
        shutil.copy(info['seg_map_path'], osp.join(out, 'ann_dir', f'gen_{i:07d}.png'))
    meta = real.metainfo
    from satsynth_mmseg.utils import atomic_write_json
    atomic_write_json(
        osp.join(out, 'meta.json'),
        dict(
            classes=list(meta['classes']),
            palette=meta['palette'],
            reduce_zero_label=bool(meta['reduce_zero_label']),
            num_samples=len(real)))
    return out


def make_loader(dataset, workers, batch_size):
    from mmengine.dataset import InfiniteSampler, pseudo_collate
    from torch.utils.data import DataLoader
    return iter(
        DataLoader(
            dataset,
            batch_size=batch_size,
            num_workers=workers,
            persistent_workers=workers > 0,
            collate_fn=pseudo_collate,
            sampler=InfiniteSampler(dataset, shuffle=True, seed=0)))


def timed_block(it, n):
    t0 = time.perf_counter()
    for _ in range(n):
        next(it)
    return n / (time.perf_counter() - t0)


def main(argv=None):
    args = parse_args(argv)
    import torch
    from mmengine.registry import init_default_scope

    import satsynth_mmseg  # noqa: F401
    from mmseg.registry import DATASETS
    init_default_scope('mmseg')
    torch.set_num_threads(1)
    ds_cfg, data_name = real_dataset_cfg(args.data_root)
    plain = DATASETS.build(ds_cfg)
    tmp = None
    dprime = args.dprime
    if dprime is None:
        # next to the real data: same file system, so both read files the same way
        tmp = tempfile.mkdtemp(
            prefix='bench_dprime_', dir=osp.dirname(osp.abspath(ds_cfg['data_root'])))
        dprime = copy_as_dprime(DATASETS.build(dict(ds_cfg, pipeline=[])), tmp)
    augmented = DATASETS.build(
        dict(type='AugmentedDataset', real=ds_cfg, synthetic=dprime, ratio=args.ratio))
    # per-sample cost in this process (no workers, no IPC): the least noisy view of the
    # wrapper's own overhead; alternating blocks of 200 samples, 15 rounds
    per_sample = {'plain': [], 'augmented': []}
    n_plain = len(plain)
    for r in range(15):
        for name, ds in (('plain', plain), ('augmented', augmented))[::1 if r % 2 else -1]:
            t0 = time.perf_counter()
            for i in range(200):
                ds[(r * 200 + i) % (n_plain if name == 'plain' else len(ds))]
            per_sample[name].append((time.perf_counter() - t0) / 200 * 1e6)
    sample_us = {k: statistics.median(v) for k, v in per_sample.items()}
    print(
        f'per sample (no workers): plain {sample_us["plain"]:.0f} us, augmented '
        f'{sample_us["augmented"]:.0f} us, samples/s ratio '
        f'{sample_us["plain"] / sample_us["augmented"]:.3f}',
        flush=True)
    rows = []
    for workers in args.workers:
        loaders = {
            'plain': make_loader(plain, workers, args.batch_size),
            'augmented': make_loader(augmented, workers, args.batch_size)
        }
        for it in loaders.values():  # warm-up: start workers, fill page cache
            timed_block(it, max(5, args.iters // 3))
        rates = {k: [] for k in loaders}
        for r in range(args.repeats):
            order = list(loaders) if r % 2 == 0 else list(loaders)[::-1]
            for k in order:
                rates[k].append(timed_block(loaders[k], args.iters))
        ratios = [a / p for a, p in zip(rates['augmented'], rates['plain'])]
        row = dict(
            workers=workers,
            batch_size=args.batch_size,
            plain_it_s=statistics.median(rates['plain']),
            augmented_it_s=statistics.median(rates['augmented']),
            ratio=statistics.median(ratios),
            ratio_min=min(ratios),
            ratio_max=max(ratios),
            rounds=args.repeats,
            iters=args.iters)
        rows.append(row)
        print(
            f'workers={workers}: plain {row["plain_it_s"]:.1f} it/s, augmented '
            f'{row["augmented_it_s"]:.1f} it/s, ratio {row["ratio"]:.3f} '
            f'(rounds {row["ratio_min"]:.3f}..{row["ratio_max"]:.3f})',
            flush=True)
        del loaders
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    report = dict(
        benchmark='augmented_loading',
        data=data_name,
        dprime=args.dprime or 'copies of the real pairs',
        ratio=args.ratio,
        rows=rows,
        per_sample_us=sample_us,
        per_sample_ratio=sample_us['plain'] / sample_us['augmented'],
        target='augmented / plain >= 0.95',
        machine=dict(
            python=platform.python_version(), cpus=os.cpu_count(), torch=torch.__version__),
        command=' '.join([osp.relpath(sys.argv[0], REPO)] + sys.argv[1:]))
    os.makedirs(osp.dirname(args.out), exist_ok=True)
    from satsynth_mmseg.utils import atomic_write_json, atomic_write_text
    atomic_write_json(args.out + '.json', report)
    lines = [
        f'Data: {data_name}, D\': {report["dprime"]}, R = {args.ratio:g}, '
        f'batch {args.batch_size}; median of {args.repeats} alternating rounds.', '',
        '| workers | plain (it/s) | AugmentedDataset (it/s) | ratio | range |',
        '|---|---|---|---|---|'
    ]
    for r in rows:
        lines.append(f'| {r["workers"]} | {r["plain_it_s"]:.1f} | {r["augmented_it_s"]:.1f} | '
                     f'{r["ratio"]:.3f} | {r["ratio_min"]:.3f}–{r["ratio_max"]:.3f} |')
    lines += [
        '', f'Per sample, in-process (no workers; median of 15 alternating blocks of 200): '
        f'plain {sample_us["plain"]:.0f} µs, AugmentedDataset '
        f'{sample_us["augmented"]:.0f} µs, samples/s ratio '
        f'{report["per_sample_ratio"]:.3f}.'
    ]
    atomic_write_text(args.out + '.md', '\n'.join(lines) + '\n')
    print('\n'.join(lines))
    return report


if __name__ == '__main__':
    main()
