# How good are a generator's pairs? Fréchet distance, KID, precision/recall, mask agreement.
"""Usage::

    python tools/evaluate_generator.py GEN_CFG CKPT --real-config REAL_CFG
        [--segmentor-checkpoint SEG_CKPT] [--num-samples 256] [--seeds 0 1 2]
        [--sampler ddim --steps 50] [--inception-weights inception-2015-12-05.pt]
        [--out work_dirs/quality/NAME] [--guidance-scale S]
    python tools/evaluate_generator.py GEN_CFG --dprime DIR --real-config REAL_CFG ...

``REAL_CFG`` is an mmseg segmentor config trained on the real data D (e.g.
``configs/satsynth/*-d-*.py``): its backbone's pooled features are the feature space of the
Fréchet distance, KID and k-NN precision/recall, and its predictions on generated images,
compared with the generated masks, give the mask–image agreement. Give its weights with
``--segmentor-checkpoint``, or the tool trains it first with ``tools/train.py`` (into
``--segmentor-work-dir``; rerunning reuses it). ``--inception-weights`` adds the standard FID
feature space from a local TorchScript InceptionV3 file (it cannot be downloaded here).

Real images are drawn from the generator config's training set through its own pipeline
(crops, flips; seeded), so both sides are at the generator's scale. Every metric is computed
for each sampling seed; ``OUT.md`` has mean ± std, ``OUT.json`` every seed, ``OUT.png`` the
class shares and the per-seed numbers.

A mask-conditioned generator (``MaskToImageDDPM``, ``Pix2PixGAN``) renders images for new
layouts of the generator config's training masks, exactly as ``tools/generate.py
--masks-from`` does for that set; ``--guidance-scale`` sets the diffusion model's
classifier-free guidance.
"""
import argparse

from satsynth_mmseg.experiments.generator_evaluation import GeneratorEvalSpec, evaluate_generator
from satsynth_mmseg.utils import SatSynthError


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Generation-quality metrics of a generator')
    p.add_argument('config', help='generator config (its training set is the real reference)')
    p.add_argument('checkpoint', nargs='?', help='generator checkpoint')
    p.add_argument('--dprime', help='evaluate an existing D\' folder instead of sampling')
    p.add_argument('--real-config', required=True, help='segmentor config trained on D')
    p.add_argument('--segmentor-checkpoint', help='its weights (default: train it)')
    p.add_argument('--segmentor-work-dir', help='where to train it (default: work_dirs/NAME)')
    p.add_argument('--num-samples', type=int, default=256, help='generated pairs per seed')
    p.add_argument('--num-real', type=int, help='real crops (default: --num-samples)')
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    p.add_argument('--sampler', default='ddim')
    p.add_argument('--steps', type=int, default=None)
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--k', type=int, default=3, help='neighbours of the precision/recall balls')
    p.add_argument('--inception-weights', help='local TorchScript InceptionV3 (.pt)')
    p.add_argument('--ema', action=argparse.BooleanOptionalAction, default=True)
    p.add_argument(
        '--guidance-scale', type=float, help='classifier-free guidance of a mask-to-image model')
    p.add_argument('--device', default='cpu')
    p.add_argument('--out', help='output prefix (default: work_dirs/quality/<config name>)')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        return evaluate_generator(GeneratorEvalSpec(**vars(args)))
    except SatSynthError as e:
        raise SystemExit(f'error: {e}')


if __name__ == '__main__':
    main()
