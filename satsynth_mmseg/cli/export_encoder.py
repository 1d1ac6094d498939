# The backbone of an encoder-pretraining checkpoint as a small file an mmseg segmentor loads.
"""Usage::

    python tools/export_encoder.py WORK_DIR/iter_1000.pth OUT.pth --segmentor-config CFG

Writes only the ``backbone.*`` weights of the pretraining checkpoint (e.g. of
``configs/pretrain/scenecls_r18-tiny_1xb64-1k_ucmerced-32x32.py``) to ``OUT.pth``, after
loading them into ``CFG``'s backbone with every key matched (a missing, unexpected or
mis-shaped weight is an error naming it), and prints its SHA-256. ``CFG`` then loads it with
``model.backbone.init_cfg=dict(type='Pretrained', checkpoint='OUT.pth', prefix='backbone.')``.
"""
import argparse

from satsynth_mmseg.generation.checkpoint import file_sha256
from satsynth_mmseg.models.encoders import export_encoder
from satsynth_mmseg.utils import SatSynthError


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Export a pretrained encoder for an mmseg backbone')
    p.add_argument('checkpoint', help='the pretraining checkpoint (tools/train.py)')
    p.add_argument('out', help='the encoder file to write')
    p.add_argument('--segmentor-config', required=True, help='the segmentor it must fit')
    p.add_argument('--prefix', default='backbone.', help='key prefix of the backbone weights')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        n = export_encoder(args.checkpoint, args.out, args.segmentor_config, args.prefix)
    except SatSynthError as e:
        raise SystemExit(f'error: {e}')
    print(f'{args.out}: {n} backbone tensors, every key of {args.segmentor_config}\'s backbone '
          f'matched; SHA-256 {file_sha256(args.out)}')
    return n


if __name__ == '__main__':
    main()
