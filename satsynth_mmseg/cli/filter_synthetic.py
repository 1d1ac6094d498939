# Filter noisy generated pixels (FreeMask) and reject bad pairs: a new, filtered D' folder.
"""The command line of :func:`satsynth_mmseg.generation.filter_pipeline.filter_dprime`.

Usage::

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

from satsynth_mmseg.generation.filter_pipeline import FILTER_RULES, FilterSpec, filter_dprime
from satsynth_mmseg.utils import SatSynthError
from satsynth_mmseg.utils.tool_config import parse_checked


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
    p.add_argument(
        '--rule',
        choices=FILTER_RULES,
        default='freemask',
        help='where the class-mean losses come from: freemask (FreeMask\'s rule: the real '
        'training images of --segmentor-config) or dprime-means (D\' itself, the rule of '
        'earlier versions)')
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--device', default='cpu')
    p.add_argument('--no-progress', action='store_true')
    return parse_checked(p, argv, spec_from_args)


def spec_from_args(args) -> FilterSpec:
    return FilterSpec(
        source=args.dprime,
        out=args.out,
        segmentor_config=args.segmentor_config,
        checkpoints=list(args.checkpoint),
        alpha=args.alpha,
        min_agreement=args.min_agreement,
        batch_size=args.batch_size,
        device=args.device,
        progress=not args.no_progress,
        rule=args.rule)


def main(argv=None):
    args = parse_args(argv)
    try:
        result = filter_dprime(spec_from_args(args))
    except SatSynthError as e:
        raise SystemExit(f'error: {e}')
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT):
            raise SystemExit(f'error: cannot write to {args.out}: {e.strerror}. Pairs already '
                             'written are complete; rerun the same command to resume.')
        raise
    print(result['report'])
    print(f'{args.out}: {result["summary"].kept} pairs; report: {args.out}/filter_report.md; '
          f'preview: {result["preview"]}')
    return result


if __name__ == '__main__':
    main()
