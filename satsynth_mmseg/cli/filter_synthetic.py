# Filter noisy generated pixels (FreeMask) and reject bad pairs: a new, filtered D' folder.
"""Usage::

    python tools/filter_synthetic.py DPRIME_DIR --segmentor-config CFG --checkpoint CKPT [CKPT ...]
        --out FILTERED_DIR [--alpha 1.25] [--min-agreement 0.3] [--batch-size 32]

``CFG``/``CKPT``: an mmseg segmentor trained on the real data D (e.g. a ``*-d-*`` config of
``configs/satsynth/`` after ``tools/train.py``). Every generated pair is scored by its
per-pixel cross-entropy under that segmentor (several checkpoints of CFG, e.g. one per seed:
under their ensemble, the mean of their softmax outputs); pixels whose loss exceeds ``alpha``
times their class's mean loss over the whole D′ become 255 (ignored), and with
``--min-agreement`` pairs whose pixel accuracy (segmentor vs generated mask) is lower are
dropped. The output has the guarantees of ``tools/generate.py`` (atomic files, a manifest
line per pair -- extended with ``source_index``, ``filtered_fraction`` per class,
``agreement`` and ``pair_loss`` --, resume by rerunning, refusal of other arguments) and
``AugmentedDataset`` reads it unchanged.
``OUT/filter_report.{md,json}`` tabulate what was filtered per class; ``OUT/filter_preview.png``
shows image | generated mask | filtered mask.
"""
import argparse
import errno
import os.path as osp

import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope

from satsynth_mmseg.evaluation import SegmentorEnsemble, SegmentorFeatures
from satsynth_mmseg.generation import read_manifest
from satsynth_mmseg.generation.filter_dataset import filter_synthetic_dataset, load_pipeline
from satsynth_mmseg.utils import (SatSynthError, atomic_write_json, atomic_write_png,
                                  atomic_write_text)
from satsynth_mmseg.visualization import make_pair_grid


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='FreeMask filtering of a synthetic dataset D\'')
    p.add_argument('dprime', help='a finished D\' folder (tools/generate.py)')
    p.add_argument('--segmentor-config', required=True, help='segmentor config trained on D')
    p.add_argument(
        '--checkpoint',
        required=True,
        nargs='+',
        help='its checkpoint; several (e.g. one per seed) filter with their ensemble (mean '
        'softmax)')
    p.add_argument('--out', required=True, help='the filtered D\' folder')
    p.add_argument('--alpha', type=float, default=1.25, help='loss threshold factor (FreeMask)')
    p.add_argument(
        '--min-agreement',
        type=float,
        default=None,
        help='drop pairs whose pixel accuracy (segmentor vs mask) is below this (0..1)')
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--device', default='cpu')
    p.add_argument('--no-progress', action='store_true')
    args = p.parse_args(argv)
    if not args.alpha > 0:
        p.error(f'--alpha must be > 0, got {args.alpha}')
    if args.min_agreement is not None and not 0 <= args.min_agreement <= 1:
        p.error(f'--min-agreement must be in [0, 1], got {args.min_agreement}')
    if osp.abspath(args.out) == osp.abspath(args.dprime):
        p.error('--out must differ from the source folder')
    return args


def report(out: str, result: dict, args) -> str:
    """``filter_report.md/json`` in ``out``; returns the markdown."""
    s, names = result['summary'], result['class_names']
    lines = [
        f'FreeMask filtering of `{args.dprime}` with `{osp.basename(args.segmentor_config)}` '
        f'(alpha = {args.alpha}, min agreement = {args.min_agreement}): {s.kept} pairs kept, '
        f'{s.rejected} rejected.', '', '| class | mean loss | pixels | filtered |',
        '|---|---|---|---|'
    ]
    for c, name in enumerate(names):
        px, lost = s.class_pixels[c], s.class_filtered[c]
        lines.append(f'| {name} | {s.class_mean_loss[c]:.3f} | {px} | '
                     f'{100 * lost / max(px, 1):.1f} % |')
    tot, lost = sum(s.class_pixels), sum(s.class_filtered)
    lines.append(f'| *all* | | {tot} | {100 * lost / max(tot, 1):.1f} % |')
    md = '\n'.join(lines) + '\n'
    atomic_write_text(osp.join(out, 'filter_report.md'), md)
    atomic_write_json(
        osp.join(out, 'filter_report.json'),
        dict(s.to_dict(), classes=names, alpha=args.alpha, min_agreement=args.min_agreement))
    return md


def preview(out: str, pipeline: list, num: int = 8) -> str:
    """image | generated mask | filtered mask of the first pairs."""
    from mmseg.registry import DATASETS
    filt = DATASETS.build(dict(type='SyntheticPairsDataset', data_root=out, pipeline=pipeline))
    src = DATASETS.build(
        dict(
            type='SyntheticPairsDataset',
            data_root=filt.generation_meta['filtering']['source'],
            pipeline=pipeline))
    recs = read_manifest(out)[:num]
    imgs, gen, new = [], [], []
    for j, rec in enumerate(recs):
        a, b = src[rec['source_index']], filt[j]
        img = a['inputs'].numpy()
        imgs.append(img[::-1] if img.shape[0] == 3 and img.dtype == np.uint8 else img)
        gen.append(a['data_samples'].gt_sem_seg.data[0].numpy())
        new.append(b['data_samples'].gt_sem_seg.data[0].numpy())
    palette = filt.metainfo.get('palette') or []
    grid = make_pair_grid(
        np.stack(imgs),
        np.stack(gen),
        palette,
        ncols=4,
        scale=max(1, 128 // imgs[0].shape[-1]),
        more_labels=np.stack(new))
    path = osp.join(out, 'filter_preview.png')
    atomic_write_png(path, np.ascontiguousarray(grid[..., ::-1]))
    return path


def run(args):
    cfg = Config.fromfile(args.segmentor_config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if len(args.checkpoint) == 1:
        seg = SegmentorFeatures.from_config(args.segmentor_config, args.checkpoint[0], args.device)
        ckpt = args.checkpoint[0]
    else:
        seg = SegmentorEnsemble.from_config(args.segmentor_config, args.checkpoint, args.device)
        ckpt = list(args.checkpoint)
    pipeline = load_pipeline(cfg)
    result = filter_synthetic_dataset(
        args.dprime,
        args.out,
        seg,
        ckpt,
        pipeline,
        alpha=args.alpha,
        min_agreement=args.min_agreement,
        batch_size=args.batch_size,
        progress=not args.no_progress)
    md = report(args.out, result, args)
    pic = preview(args.out, pipeline)
    print(md)
    print(f'{args.out}: {result["summary"].kept} pairs; report: '
          f'{osp.join(args.out, "filter_report.md")}; preview: {pic}')
    return result


def main(argv=None):
    args = parse_args(argv)
    try:
        return run(args)
    except SatSynthError as e:
        raise SystemExit(f'error: {e}')
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT):
            raise SystemExit(f'error: cannot write to {args.out}: {e.strerror}. Pairs already '
                             'written are complete; rerun the same command to resume.')
        raise


if __name__ == '__main__':
    main()
