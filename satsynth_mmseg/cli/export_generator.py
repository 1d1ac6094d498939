"""Write a small release copy (EMA weights only) of a generator checkpoint for the model zoo.

    python tools/export_generator.py work_dirs/NAME/iter_3000.pth model_zoo/NAME.pth

prints the file's SHA-256 and size (the model-zoo table's columns) and writes the config the
checkpoint was trained with next to it (``model_zoo/NAME.py``), so that
``tools/generate.py model_zoo/NAME.py model_zoo/NAME.pth`` works without training.
"""
import argparse
import json

from mmengine.registry import init_default_scope

from ..generation.model_zoo import export_generator
from ..utils.errors import SatSynthError


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('checkpoint', help='training checkpoint (mmengine, with meta.cfg)')
    p.add_argument('out', help='release checkpoint to write (.pth)')
    p.add_argument('--config-out', help='where to write its config (default: OUT with .py)')
    p.add_argument(
        '--half', action='store_true', help='float16 weights (half the size of the file)')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    init_default_scope('mmseg')
    try:
        result = export_generator(args.checkpoint, args.out, args.config_out, half=args.half)
    except SatSynthError as e:
        raise SystemExit(f'error: {e}')
    print(json.dumps(result.__dict__, indent=1))
    return result


if __name__ == '__main__':
    main()
