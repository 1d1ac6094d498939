# SatSynth's Table 4: is the x2 super-resolution cascade worth it for the segmentor?
"""Usage::

    python tools/benchmark_super_res.py CONFIG [--cfg-options KEY=VALUE ...]
        [--work-dir DIR] [--raw-dir DIR]

``CONFIG`` is an experiment config (``configs/experiments/superres_*.py``); its keys are the
settings of :class:`satsynth_mmseg.experiments.super_res.SuperResExperiment`, each changeable
with ``--cfg-options`` (e.g. ``generator_checkpoint=CKPT "seeds=[0,1]" seg_iters=500``).
Stages (each resumable: rerunning skips what is finished):

1. data: the real data at both scales (Dubai converter, from ``--raw-dir``);
2. generator, super-resolution: trained with ``tools/train.py --resume`` unless checkpoints
   are given;
3. sr_eval: ``tools/evaluate_super_res.py`` on the real high-resolution val split (image PSNR
   and mask mIoU of interpolation vs the model);
4. D': the *same* low-resolution samples (seed 0, fixed batches) enlarged x2 (a) by
   interpolation (bilinear image, nearest mask) and (b) by the super-resolution model,
   ``ceil(R * |D|)`` pairs each;
5. segmentors: one config, schedule and seed set, trained on D, D u D'(a), D u D'(b) (and with
   ``dprime_only=True`` on D'(a), D'(b) alone), each in its own process, tested on the real
   high-resolution val split;
6. report: ``WORK_DIR/sr_gain.{md,json,png}`` (with the sr_eval table), copied to
   ``benchmarks/results/<results>*`` when ``results`` is set.
"""
import sys

from satsynth_mmseg.experiments.experiment_config import experiment_parser, run_experiment
from satsynth_mmseg.experiments.super_res import SuperResExperiment


def parse_args(argv=None):
    return experiment_parser(
        'Downstream mIoU with D\' enlarged x2 by interpolation vs by the super-resolution cascade',
        'experiment config (configs/experiments/superres_*.py)', __doc__).parse_args(argv)


def main(argv=None):
    return run_experiment(SuperResExperiment, parse_args(argv), ' '.join(sys.argv))


if __name__ == '__main__':
    main()
