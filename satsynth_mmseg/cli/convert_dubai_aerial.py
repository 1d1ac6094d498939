# Convert the raw Dubai aerial dataset to mmseg's img_dir/ann_dir layout with index masks.
"""The command line of :mod:`satsynth_mmseg.datasets.converters.dubai_aerial` (see its
docstring for the layout, split and output)."""
import argparse

from satsynth_mmseg.datasets.converters.dubai_aerial import convert
from satsynth_mmseg.utils import SatSynthError


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Convert the Dubai aerial dataset to mmseg format')
    parser.add_argument('raw_root', help='folder holding "Tile 1" ... "Tile 8"')
    parser.add_argument('--out', default='data/dubai_aerial', help='output data root')
    parser.add_argument(
        '--patch-size',
        type=int,
        default=None,
        help='cut square patches of this size (default: whole images)')
    parser.add_argument(
        '--stride', type=int, default=None, help='step between patches (default: the patch size)')
    parser.add_argument(
        '--downscale',
        type=int,
        default=1,
        help='shrink patches by this integer factor (image: area average, '
        'labels: majority vote)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        counts = convert(
            args.raw_root, args.out, args.patch_size, args.stride, downscale=args.downscale)
    except (SatSynthError, FileNotFoundError) as e:
        raise SystemExit(f'error: {e}\n{args.out} was not written (nothing partial is left '
                         'to load)')
    print(f'{args.out}: {counts["train"]} train and {counts["val"]} val pairs')


if __name__ == '__main__':
    main()
