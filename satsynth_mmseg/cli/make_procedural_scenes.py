# Write the embedded default dataset (procedural aerial-like scenes) in mmseg's layout.
import argparse

from satsynth_mmseg.datasets import make_procedural_dataset


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Make the procedural aerial-scenes dataset (deterministic by seed)')
    parser.add_argument('--out', default='data/procedural_scenes', help='output data root')
    parser.add_argument('--num-train', type=int, default=64)
    parser.add_argument('--num-val', type=int, default=16)
    parser.add_argument('--size', type=int, default=64, help='side length in pixels')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    stats = make_procedural_dataset(args.out, args.num_train, args.num_val, args.size, args.seed)
    print(f'{args.out}: {stats["train"]} train + {stats["val"]} val scenes '
          f'({stats["written"]} written now)')


if __name__ == '__main__':
    main()
