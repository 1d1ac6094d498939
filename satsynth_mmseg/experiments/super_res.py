"""SatSynth's Table 4: is the x2 super-resolution cascade worth it for the segmentor?

The settings are an experiment config (``configs/experiments/superres_*.py``, whose keys are
the fields of :class:`SuperResExperiment`), read by ``tools/benchmark_super_res.py``.

Stages (each resumable): real data at both scales -> generator and super-resolution model ->
the SR evaluation on real val pairs -> the same low-resolution D′ enlarged by interpolation and
by the cascade -> segmentors on D, D ∪ D′(interp), D ∪ D′(SR) (and D′ alone) -> ``sr_gain.*``.
"""
from __future__ import annotations
import dataclasses
import json
import math
import os
import os.path as osp
import time
from typing import List, Optional

from ..datasets import build_train_dataset
from ..utils.errors import ConfigError
from .gain import machine
from .report import markdown, plot_variant_bars, summarise, write_report_files
from .runs import (generate_dprime, last_checkpoint, prepare_data, run_specs, segmentor_spec,
                   train_model)
from .stages import StageTimer, log, run_cli

#: how each D′ is enlarged: tag -> the name in the report
UPSAMPLERS = {'interp': 'bilinear / nearest', 'sr': 'JointSuperRes'}


@dataclasses.dataclass
class SuperResExperiment:
    """The settings of the super-resolution experiment (the keys of its config file).

    Attributes:
        work_dir: where every stage writes (resumable: rerun the same command).
        raw_dir: the raw Dubai download, converted while a data root holds no data yet.
        data_root: the real data at the high resolution (segmentors, SR training, sr_eval).
        convert: the Dubai converter's options for ``data_root``.
        low_data_root: the real data at the generator's resolution (only to train it).
        low_convert: the converter's options for ``low_data_root``.
        seeds: the segmentors' seeds (distinct).
        ratio: generated pairs per real pair (> 0).
        generator_config: the low-resolution generator's config.
        generator_checkpoint: skip training the generator, use this checkpoint.
        generator_iters: override the generator's ``max_iters``.
        sr_config: the x2 super-resolution model's config.
        sr_checkpoint: skip training the SR model, use this checkpoint.
        sr_iters: override the SR model's ``max_iters``.
        segmentor: segmentor config pattern, ``{}`` = ``d`` | ``d+dprime`` | ``dprime``.
        sampler, steps: how the low-resolution pairs are sampled.
        sr_sampler, sr_steps: how the SR model samples.
        gen_batch_size: samples per generation batch (fixes which noise each sample gets).
        eval_max_tiles: sr_eval on at most this many val tiles.
        seg_iters: override the segmentors' ``max_iters``.
        dprime_only: also train on D′(interp) and D′(SR) alone.
        results: also copy the report to ``benchmarks/results/<results>*``.
    """
    work_dir: str = osp.join('work_dirs', 'sr_gain_dubai-cpu')
    raw_dir: Optional[str] = None
    data_root: str = 'data/dubai_aerial_x4'
    convert: dict = dataclasses.field(
        default_factory=lambda: dict(patch_size=512, stride=None, downscale=4))
    low_data_root: str = 'data/dubai_aerial_x8'
    low_convert: dict = dataclasses.field(
        default_factory=lambda: dict(patch_size=512, stride=None, downscale=8))
    seeds: List[int] = dataclasses.field(default_factory=lambda: [0, 1, 2])
    ratio: float = 1.0
    generator_config: str = 'configs/joint_ddpm/jointddpm_unet-tiny_1xb8-3k_dubai-32x32.py'
    generator_checkpoint: Optional[str] = None
    generator_iters: Optional[int] = None
    sr_config: str = 'configs/joint_sr/jointsr_unet-tiny_1xb8-3k_dubai-32to64x64.py'
    sr_checkpoint: Optional[str] = None
    sr_iters: Optional[int] = None
    segmentor: str = 'configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-{}-64x64.py'
    sampler: str = 'ddim'
    steps: int = 50
    sr_sampler: str = 'ddim'
    sr_steps: int = 20
    gen_batch_size: int = 32
    eval_max_tiles: Optional[int] = None
    seg_iters: Optional[int] = None
    dprime_only: bool = False
    results: Optional[str] = None
    command: str = ''

    def __post_init__(self):
        if self.ratio <= 0:
            raise ConfigError(f'ratio must be > 0, got {self.ratio}')
        if len(set(self.seeds)) < len(self.seeds):
            raise ConfigError(f'seeds must be distinct, got {self.seeds}')
        if '{}' not in self.segmentor:
            raise ConfigError(f'segmentor {self.segmentor!r}: a pattern with {{}} for the '
                              'training set (d | d+dprime | dprime)')
        self.work_dir = osp.abspath(self.work_dir)
        self.data_root = osp.abspath(self.data_root)
        self.low_data_root = osp.abspath(self.low_data_root)

    def variants(self) -> list:
        """(variant, tag, ratio) in report order; ratio None = D′ alone."""
        out = [('D', 'd', 0.0)]
        out += [(f'D u D\' ({UPSAMPLERS[u]})', f'd+dprime-{u}', self.ratio) for u in UPSAMPLERS]
        if self.dprime_only:
            out += [(f'D\' only ({UPSAMPLERS[u]})', f'dprime-{u}', None) for u in UPSAMPLERS]
        return out

    def evaluate_sr(self, sr_ckpt: str, out: str) -> bool:
        """The SR model against interpolation on the real val split (sr_eval.*)."""
        if osp.exists(osp.join(out, 'sr_eval.json')):
            return False
        extra = ['--max-tiles', str(self.eval_max_tiles)] if self.eval_max_tiles else []
        run_cli('evaluate_super_res', self.sr_config, sr_ckpt,
                '--data-root', self.data_root, '--sampler', self.sr_sampler, '--steps',
                str(self.sr_steps), '--out', out, '--no-progress', *extra)
        return True

    def train_models(self, stages: StageTimer):
        """``(generator checkpoint, SR checkpoint)``, training what was not given."""
        gen_ckpt, sr_ckpt = self.generator_checkpoint, self.sr_checkpoint
        if gen_ckpt is None:
            stages.run(
                'data', lambda:
                (None, prepare_data('dubai', self.low_data_root, self.raw_dir, self.low_convert)))
            gen_dir = osp.join(self.work_dir, 'generator')
            stages.run(
                'generator', lambda: (None,
                                      train_model(self.generator_config, self.low_data_root,
                                                  gen_dir, self.generator_iters)))
            gen_ckpt = last_checkpoint(gen_dir)
        if sr_ckpt is None:
            sr_dir = osp.join(self.work_dir, 'super_res')
            stages.run(
                'super_res', lambda:
                (None, train_model(self.sr_config, self.data_root, sr_dir, self.sr_iters)))
            sr_ckpt = last_checkpoint(sr_dir)
        return gen_ckpt, sr_ckpt

    def make_dprimes(self, stages, gen_ckpt, sr_ckpt, num, real_config) -> dict:
        """The same low-resolution samples enlarged by interpolation and by the cascade."""
        dprimes = {u: osp.join(self.work_dir, f'dprime_{u}') for u in UPSAMPLERS}
        cascade = dict(
            interp=dict(interp_scale=2),
            sr=dict(
                sr_config=self.sr_config,
                sr_checkpoint=sr_ckpt,
                sr_sampler=self.sr_sampler,
                sr_steps=self.sr_steps))
        for u, out in dprimes.items():
            stages.run(
                f'dprime_{u}', lambda: (None,
                                        generate_dprime(
                                            self.generator_config,
                                            gen_ckpt,
                                            out,
                                            num,
                                            self.sampler,
                                            self.steps,
                                            self.gen_batch_size,
                                            real_config,
                                            options=cascade[u])))
        return dprimes

    def segmentor_specs(self, dprimes: dict) -> List[dict]:
        specs = []
        for seed in self.seeds:
            for variant, tag, ratio in self.variants():
                upsampler = tag.rsplit('-', 1)[1] if tag != 'd' else None
                specs.append(
                    segmentor_spec(f'{tag}_seed{seed}', variant, ratio, seed,
                                   self.segmentor.format(tag.rsplit('-', 1)[0]), self.work_dir,
                                   self.data_root, dprimes.get(upsampler), self.seg_iters))
        return specs

    def run(self) -> dict:
        from mmengine.config import Config

        os.makedirs(self.work_dir, exist_ok=True)
        stages = StageTimer(osp.join(self.work_dir, 'stages.json'))
        t_start = time.perf_counter()
        stages.run(
            'data', lambda:
            (None, prepare_data('dubai', self.data_root, self.raw_dir, self.convert)))
        seg_cfg = Config.fromfile(self.segmentor.format('d'))
        seg_cfg.train_dataloader.dataset.data_root = self.data_root
        real_config = osp.join(self.work_dir, 'real_data_config.py')
        seg_cfg.dump(real_config)
        real = build_train_dataset(real_config, pipeline=[])
        classes, n_real = list(real.metainfo['classes']), len(real)

        gen_ckpt, sr_ckpt = self.train_models(stages)
        eval_dir = osp.join(self.work_dir, 'sr_eval')
        stages.run('sr_eval', lambda: (None, self.evaluate_sr(sr_ckpt, eval_dir)))
        num = math.ceil(self.ratio * n_real)
        dprimes = self.make_dprimes(stages, gen_ckpt, sr_ckpt, num, real_config)
        results = stages.run('segmentors', lambda: run_specs(self.segmentor_specs(dprimes)))

        rows = summarise(results, classes)
        with open(osp.join(eval_dir, 'sr_eval.json')) as f:
            sr_eval = json.load(f)
        with open(osp.join(eval_dir, 'sr_eval.md')) as f:
            sr_eval_md = f.read()
        header = (f'|D| = {n_real} real training pairs at the high resolution; each D′ = {num} '
                  f'pairs: the same {self.sampler} {self.steps}-step low-resolution samples '
                  f'enlarged x2 by interpolation or by JointSuperRes ({self.sr_sampler}, '
                  f'{self.sr_steps} steps); segmentor '
                  f'`{osp.basename(self.segmentor.format("*"))}`, R = {self.ratio:g}, seeds '
                  f'{self.seeds}; val = real val split at the high resolution. IoU in %, '
                  'mean ± std over seeds. Stage wall times: ' + stages.describe() + '.')
        md = (
            markdown(rows, classes, header, ratio_column=False) +
            '\nThe super-resolution model on real val pairs '
            '(`tools/evaluate_super_res.py`):\n\n' + sr_eval_md)
        report = dict(
            command=self.command,
            n_real=n_real,
            n_synthetic=num,
            ratio=self.ratio,
            seeds=self.seeds,
            sampler=self.sampler,
            steps=self.steps,
            sr_sampler=self.sr_sampler,
            sr_steps=self.sr_steps,
            generator_config=self.generator_config,
            generator_checkpoint=gen_ckpt,
            sr_config=self.sr_config,
            sr_checkpoint=sr_ckpt,
            segmentor=self.segmentor,
            classes=classes,
            rows=rows,
            runs=results,
            sr_eval=sr_eval['results'],
            stage_seconds=stages.data,
            total_seconds=stages.total,
            machine=machine())
        copies = {osp.join(eval_dir, 'sr_eval.png'): '_sr_eval.png'}
        copies.update({
            osp.join(out, 'report.md'): f'_dprime_{u}_report.md'
            for u, out in dprimes.items()
        })
        paths = write_report_files(
            self.work_dir,
            'sr_gain',
            md,
            report,
            lambda path: plot_variant_bars(
                rows,
                path, f'D′ enlarged x2: interpolation vs super-resolution '
                f'({len(self.seeds)} seeds)',
                colour=lambda v: ('tab:gray' if v == 'D' else 'tab:blue'
                                  if 'JointSuperRes' in v else 'tab:orange')),
            results=self.results,
            copies=copies)
        print(md)
        log(
            f'done in {(time.perf_counter() - t_start) / 60:.1f} min this invocation; '
            f'report: {paths}', 'benchmark_super_res')
        return report
