"""SatSynth's experiment: does training on D ∪ D′ beat training on D alone?

Stages (each resumable): real data -> generator -> D′ -> segmentors on D (R = 0), on D ∪ D′
for every R and on D′ alone, each seed in its own process -> ``gain.{md,json,png}``.
"""
from __future__ import annotations
import dataclasses
import math
import os
import os.path as osp
import platform
import time
from typing import List, Optional

from .report import markdown, plot_ratio_curve, summarise, write_report_files
from .runs import (generate_dprime, last_checkpoint, prepare_data, run_specs, segmentor_spec,
                   train_model)
from .stages import PROJECT_ROOT, StageTimer, log

PRESETS = {
    'dubai-cpu':
    dict(
        data='dubai',
        data_root='data/dubai_aerial_x8',
        convert=dict(patch_size=512, stride=None, downscale=8),
        generator='configs/joint_ddpm/jointddpm_unet-tiny_1xb8-3k_dubai-32x32.py',
        segmentor='configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-{}-32x32.py',
        sampler='ddim',
        steps=50,
        gen_batch_size=32),
    'dubai-gpu':
    dict(
        data='dubai',
        data_root='data/dubai_aerial_x2',
        convert=dict(patch_size=512, stride=256, downscale=2),
        generator='configs/joint_ddpm/jointddpm_unet-m_1xb8-150k_dubai-128x128.py',
        segmentor='configs/satsynth/deeplabv3plus_r50-d8_1xb16-20k_dubai-{}-128x128.py',
        sampler='ddim',
        steps=50,
        gen_batch_size=64),
    'procedural-cpu':
    dict(
        data='procedural',
        data_root='data/procedural_scenes',
        convert=dict(),
        generator='configs/joint_ddpm/jointddpm_unet-tiny_1xb8-2k_procedural-32x32.py',
        segmentor='configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_procedural-{}-32x32.py',
        sampler='ddim',
        steps=25,
        gen_batch_size=32),
}
#: training-set variants; the segmentor config name is the preset's pattern with this tag
VARIANTS = {'D': 'd', 'D u D\'': 'd+dprime', 'D\' only': 'dprime'}
DEFAULT_RAW_DIR = osp.join(PROJECT_ROOT, '..', 'shared', 'data', 'dubai_aerial')


@dataclasses.dataclass
class GainExperiment:
    """Settings of one run of the experiment (see ``tools/benchmark_gain.py --help``)."""
    preset: str = 'dubai-cpu'
    work_dir: Optional[str] = None
    raw_dir: str = DEFAULT_RAW_DIR
    data_root: Optional[str] = None
    seeds: List[int] = dataclasses.field(default_factory=lambda: [0, 1, 2])
    ratios: List[float] = dataclasses.field(default_factory=lambda: [1.0, 2.0])
    generator_config: Optional[str] = None
    generator_checkpoint: Optional[str] = None
    generator_iters: Optional[int] = None
    sampler: Optional[str] = None
    steps: Optional[int] = None
    seg_iters: Optional[int] = None
    dprime_only: bool = True
    results: Optional[str] = None
    command: str = ''

    def __post_init__(self):
        p = PRESETS[self.preset]
        self.work_dir = osp.abspath(
            self.work_dir or osp.join(PROJECT_ROOT, 'work_dirs', f'gain_{self.preset}'))
        self.data_root = osp.abspath(self.data_root or osp.join(PROJECT_ROOT, p['data_root']))
        self.generator_config = self.generator_config or p['generator']
        self.sampler = self.sampler or p['sampler']
        self.steps = self.steps or p['steps']

    @property
    def settings(self) -> dict:
        return PRESETS[self.preset]

    def run_name(self, variant: str, ratio: float, seed: int) -> str:
        tag = VARIANTS[variant]
        return f'{tag}_R{ratio:g}_seed{seed}' if variant == 'D u D\'' else f'{tag}_seed{seed}'

    def segmentor_specs(self, dprime: str) -> List[dict]:
        variants = [('D', 0.0)] + [('D u D\'', r) for r in self.ratios]
        if self.dprime_only:
            variants.append(('D\' only', None))
        return [
            segmentor_spec(
                self.run_name(v, r or 0.0,
                              seed), v, r, seed, self.settings['segmentor'].format(VARIANTS[v]),
                self.work_dir, self.data_root, dprime, self.seg_iters) for seed in self.seeds
            for v, r in variants
        ]

    def real_dataset(self):
        """D as the generate CLI reads it: a config file in the work dir, and the dataset."""
        from mmengine.config import Config

        from ..datasets import build_train_dataset
        seg_cfg = Config.fromfile(self.settings['segmentor'].format('d'))
        seg_cfg.train_dataloader.dataset.data_root = self.data_root
        real_config = osp.join(self.work_dir, 'real_data_config.py')
        seg_cfg.dump(real_config)
        return real_config, build_train_dataset(real_config, pipeline=[])

    def run(self) -> dict:
        """All stages; returns the report (also written to ``gain.{md,json,png}``)."""
        p = self.settings
        os.makedirs(self.work_dir, exist_ok=True)
        stages = StageTimer(osp.join(self.work_dir, 'stages.json'))
        t_start = time.perf_counter()
        stages.run(
            'data', lambda:
            (None, prepare_data(p['data'], self.data_root, self.raw_dir, p['convert'])))
        real_config, real = self.real_dataset()
        classes, n_real = list(real.metainfo['classes']), len(real)
        ckpt = self.generator_checkpoint
        if ckpt is None:
            gen_dir = osp.join(self.work_dir, 'generator')
            stages.run(
                'generator', lambda:
                (None,
                 train_model(self.generator_config, self.data_root, gen_dir, self.generator_iters)))
            ckpt = last_checkpoint(gen_dir)
        num = math.ceil(max(self.ratios) * n_real)
        dprime = osp.join(self.work_dir, 'dprime')
        stages.run(
            'dprime', lambda:
            (None,
             generate_dprime(self.generator_config, ckpt, dprime, num, self.sampler, self.steps, p[
                 'gen_batch_size'], real_config)))
        results = stages.run('segmentors', lambda: run_specs(self.segmentor_specs(dprime)))
        rows = summarise(results, classes)
        header = (f'Preset `{self.preset}`: |D| = {n_real} real training pairs, D′ = {num} '
                  f'generated pairs ({self.sampler}, {self.steps} steps), segmentor '
                  f'`{osp.basename(p["segmentor"].format("*"))}`, seeds {self.seeds}; '
                  'val = real val split. IoU in %, mean ± std over seeds. Stage wall times: ' +
                  stages.describe() + '.')
        md = markdown(rows, classes, header)
        report = dict(
            preset=self.preset,
            command=self.command,
            n_real=n_real,
            n_synthetic=num,
            sampler=self.sampler,
            steps=self.steps,
            seeds=self.seeds,
            ratios=self.ratios,
            generator_config=self.generator_config,
            generator_checkpoint=ckpt,
            classes=classes,
            rows=rows,
            runs=results,
            stage_seconds=stages.data,
            total_seconds=stages.total,
            machine=machine())
        paths = write_report_files(
            self.work_dir,
            'gain',
            md,
            report,
            lambda path: plot_ratio_curve(rows, path, f'{self.preset}: mIoU vs R '
                                          f'({len(self.seeds)} seeds)'),
            results=self.results,
            copies={osp.join(dprime, 'report.md'): '_dprime_report.md'})
        print(md)
        log(
            f'done in {(time.perf_counter() - t_start) / 60:.1f} min this invocation; '
            f'report: {paths}', 'benchmark_gain')
        return report


def machine() -> dict:
    """Where the numbers were measured."""
    return dict(
        python=platform.python_version(), processor=platform.processor(), cpus=os.cpu_count())
