# Pseudo-label an unlabelled archive with a segmentor trained on D: a D' folder of real images
# and pseudo masks (uncertain pixels ignored) that AugmentedDataset reads like generated D'.
"""The command line of :func:`satsynth_mmseg.generation.pseudo_labels.pseudo_label`.

Usage::

    python tools/pseudo_label.py POOL --segmentor-config CFG --checkpoint CKPT [CKPT ...]
        --out PSEUDO_DIR [--rule confidence --threshold 0.9 | --rule freemask --alpha 1.25]
        [--scale-factor 0.125] [--max-items N] [--round 1]

``POOL``: a folder of unlabelled images (searched recursively, e.g.
``../shared/data/ucmerced_landuse/images``). ``CFG``/``CKPT``: a segmentor trained on D
(several checkpoints: their ensemble). Each image is resized by ``--scale-factor`` (towards
D's ground resolution), predicted, and its uncertain pixels become 255 (ignored). The output
has the guarantees of ``tools/generate.py`` (atomic files, a manifest line per image marked
``source: pseudo``, resume by rerunning, refusal of other arguments).
``OUT/pseudo_label_report.{md,json}`` give the kept share per class;
``OUT/pseudo_label_preview.png`` shows image | pseudo mask | kept mask. Train on D ∪ pseudo
with an ``AugmentedDataset`` config whose ``synthetic`` root is ``OUT``.
"""
import argparse
import errno

from satsynth_mmseg.generation.pseudo_labels import PSEUDO_RULES, PseudoLabelSpec, pseudo_label
from satsynth_mmseg.utils import SatSynthError
from satsynth_mmseg.utils.tool_config import parse_checked


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Pseudo-label unlabelled images into a D\' folder')
    p.add_argument('pool', help='a folder of unlabelled images (recursive)')
    p.add_argument('--segmentor-config', required=True, help='segmentor config trained on D')
    p.add_argument('--checkpoint', required=True, nargs='+', help='its checkpoint(s)')
    p.add_argument('--out', required=True, help='the D\' folder to write')
    p.add_argument('--rule', choices=PSEUDO_RULES, default='confidence')
    p.add_argument('--threshold', type=float, default=0.9, help='confidence to keep a pixel')
    p.add_argument('--alpha', type=float, default=1.25, help='FreeMask factor (--rule freemask)')
    p.add_argument('--scale-factor', type=float, default=1.0, help='resize the pool by it')
    p.add_argument('--max-items', type=int, default=None, help='only the first N images')
    p.add_argument('--round', type=int, default=1, help='self-training round (recorded)')
    p.add_argument('--batch-size', type=int, default=16)
    p.add_argument('--device', default='cpu')
    p.add_argument('--no-progress', action='store_true')
    return parse_checked(p, argv, spec_from_args)


def spec_from_args(args) -> PseudoLabelSpec:
    return PseudoLabelSpec(
        segmentor_config=args.segmentor_config,
        checkpoints=list(args.checkpoint),
        pool=args.pool,
        out=args.out,
        rule=args.rule,
        threshold=args.threshold,
        alpha=args.alpha,
        scale_factor=args.scale_factor,
        max_items=args.max_items,
        round=args.round,
        batch_size=args.batch_size,
        device=args.device,
        progress=not args.no_progress)


def main(argv=None):
    args = parse_args(argv)
    try:
        result = pseudo_label(spec_from_args(args))
    except SatSynthError as e:
        raise SystemExit(f'error: {e}')
    except OSError as e:
        if e.errno in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT):
            raise SystemExit(f'error: cannot write to {args.out}: {e.strerror}. Images already '
                             'labelled are complete; rerun the same command to resume.')
        raise
    print(result['report'])
    print(f'{args.out}: {result["summary"]["images"]} images; report: '
          f'{args.out}/pseudo_label_report.md; preview: {result["preview"]}')
    return result


if __name__ == '__main__':
    main()
