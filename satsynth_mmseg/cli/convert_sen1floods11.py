# Convert Sen1Floods11 hand-labelled Sentinel-1 chips to mmseg's img_dir/ann_dir layout.
"""The command line of :mod:`satsynth_mmseg.datasets.converters.sen1floods11` (see its
docstring for the layout, split and output)."""
import argparse

from satsynth_mmseg.datasets.converters.sen1floods11 import DEFAULT_VAL_EVENTS, convert
from satsynth_mmseg.utils import SatSynthError


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Convert Sen1Floods11 chips to mmseg format')
    p.add_argument('raw_root', help='folder holding S1/ and Labels/')
    p.add_argument('--out', default='data/sen1floods11', help='output data root')
    p.add_argument('--patch-size', type=int, default=64, help='square patches of this size')
    p.add_argument(
        '--val-events',
        nargs='+',
        default=list(DEFAULT_VAL_EVENTS),
        help='events (file-name prefixes) whose chips form the val split')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        counts = convert(args.raw_root, args.out, args.patch_size, args.val_events)
    except (SatSynthError, FileNotFoundError) as e:
        raise SystemExit(f'error: {e}\n{args.out} was not written (nothing partial is left '
                         'to load)')
    print(f'{args.out}: {counts["train"]} train patches from {counts["train_chips"]} chips, '
          f'{counts["val"]} val patches from {counts["val_chips"]} chips; skipped '
          f'{counts["skipped_chips"]} all-no-data chips and {counts["skipped_patches"]} '
          'unlabelled patches')


if __name__ == '__main__':
    main()
