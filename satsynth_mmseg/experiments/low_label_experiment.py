"""The low-label experiment: at my labelling budget, trained to the end, does D′ beat what I
would do anyway?

The protocol (splits, hidden masks, the convergence rule) is :mod:`.low_label`; this module
runs it, every stage resumable (run the same command again):

1. **data**: the real Dubai set converted once (``raw_dir``), then, per labelled fraction, the
   image-level folds as mmseg ``ann_file`` lists (``WORK_DIR/splits``).
2. **D** at every schedule, encoder, fraction, fold and seed, tested on the validation part
   and the held-out test part; the converged schedule s* of each (encoder, fraction) is
   decided on D's *validation* curve (:func:`~.low_label.converged_schedule`).
3. **per fold, what the rows need**: a config whose training set is D (the generator's
   masks, the pseudo-labeller's classes), the mask → image generator trained on D only and
   the one that also learns from the unlabelled pool U (the fold's held-back train images,
   masks dropped, + the UC Merced tiles), their D′ rendered for D's masks, and pseudo(U)
   labelled by the fold's D segmentor (seed 0) at s*.
4. **the other rows** at every schedule of ``row_schedules``: D + Copy-Paste of D's rare
   classes, D ∪ pseudo(U), D ∪ D′ (generator on D), D ∪ D′ (generator with the pool),
   D ∪ D′ ∪ pseudo(U), and the oracle (every train image labelled).
5. **report** (:mod:`.low_label_report`): tables and pictures from the runs, mIoU over the
   real classes (Dubai's ``unlabeled`` class left out).

Every choice (s*, and any a user makes on top) is made on the validation part; the test part
is only reported. Over 400 lines (about 630): one class keeps the stages together because they
share the work dir's layout (folds, generators, D′, pseudo(U), runs, and their restore from
the results file) and each stage reads what the one before it wrote; the protocol, the run
helpers and the report are their own modules.
"""
from __future__ import annotations
import dataclasses
import json
import math
import os
import os.path as osp
import resource
import time
from typing import Dict, List, Optional, Tuple, Union

from ..datasets import build_train_dataset
from ..datasets.dprime_format import is_finished, read_meta
from ..generation import dataset_label_maps, label_statistics
from ..generation.filter_pipeline import FilterSpec, filter_dprime
from ..generation.pseudo_labels import PseudoLabelSpec, pseudo_label
from ..utils.atomic_io import atomic_write_json
from ..utils.errors import ConfigError
from .augmentation import rare_classes
from .low_label import (ROW_TAGS, ROWS, LowLabelSplit, converged_schedule, make_splits,
                        patches_by_image, real_miou, write_split_files)
from .low_label_report import read_commands, write_low_label_report
from .runs import generate_dprime, prepare_data, restore_runs, run_specs, train_timed
from .stages import StageTimer, log


@dataclasses.dataclass
class LowLabelExperiment:
    """Settings of one low-label experiment (an experiment config's ``settings``; the keys of
    ``configs/experiments/lowlabel_dubai-cpu.py``).

    Attributes:
        work_dir: where everything is written (resumable).
        data_root: the converted Dubai data (``img_dir/{train,val}``); made from ``raw_dir``.
        raw_dir: the raw Dubai download (only while ``data_root`` is empty).
        convert: the converter's ``patch_size``, ``stride``, ``downscale``.
        fractions: labelled shares of the train images (1/n).
        folds: which folds to run (default: all ``n`` of each fraction).
        seeds: segmentor seeds; a cell's runs are folds × seeds, paired by both.
        split_seed: the shuffle of the train images into folds.
        schedules: D's segmentor iterations (>= 2; the convergence rule reads them).
        row_schedules: the other rows' iterations (default: ``schedules``); ``'converged'``:
            only each cell's s* (a first pass, widened on a rerun).
        encoders: name -> encoder checkpoint (``None``: random initialisation).
        rows: which of :data:`ROWS` to run (by name or by tag, :data:`ROW_TAGS`).
        segmentor: the D segmentor config; ``segmentor_mixed``: its D ∪ D′ form.
        generator / generator_pool: the mask → image generator configs (D only; D + pool).
        generator_iters: their training iterations.
        dprime_ratio: D′ pairs per labelled patch; ``mix_ratio``: ``AugmentedDataset.ratio``.
        sampler, steps, gen_batch_size, guidance_scale: how D′ is sampled.
        pool_root, pool_scale: the unlabelled archive and its rescale to D's resolution.
        pseudo_threshold: the confidence a pseudo pixel needs.
        filter_alpha: FreeMask's threshold factor for the filtered row (1.25: FreeMask's own,
            its class-mean losses measured on D's real images).
        min_gain: the convergence rule's smallest improvement (mIoU points).
        results: also copy the report to ``benchmarks/results/<results>.{md,json,…}``.
        report_only: train nothing: report the runs finished so far (a long experiment's
            partial table, marked as such).
    """
    work_dir: str = 'work_dirs/lowlabel_dubai-cpu'
    data_root: str = 'data/dubai_aerial_x8'
    raw_dir: Optional[str] = None
    convert: dict = dataclasses.field(
        default_factory=lambda: dict(patch_size=512, stride=None, downscale=8))
    fractions: List[float] = dataclasses.field(default_factory=lambda: [0.25])
    folds: Optional[List[int]] = None
    seeds: List[int] = dataclasses.field(default_factory=lambda: [0])
    split_seed: int = 0
    schedules: List[int] = dataclasses.field(default_factory=lambda: [500, 1000, 2000, 4000])
    row_schedules: Union[None, str, List[int]] = None
    encoders: Dict[str, Optional[str]] = dataclasses.field(
        default_factory=lambda:
        {'pretrained': 'model_zoo/scenecls_r18-tiny_1xb64-1k_ucmerced-32x32.pth'})
    main_encoder: str = 'pretrained'
    main_fraction: float = 0.25
    rows: List[str] = dataclasses.field(default_factory=lambda: list(ROWS))
    segmentor: str = 'configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py'
    segmentor_mixed: str = ('configs/satsynth/'
                            'deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d+dprime-32x32.py')
    generator: str = 'configs/mask2img/sdm_spade-unet-tiny_1xb8-3k_dubai-32x32.py'
    generator_pool: str = ('configs/mask2img/'
                           'sdm-pool_spade-unet-tiny_1xb8-3k_dubai-ucmerced-32x32.py')
    generator_iters: int = 1500
    dprime_ratio: float = 1.0
    mix_ratio: float = 1.0
    sampler: str = 'ddim'
    steps: int = 25
    gen_batch_size: int = 32
    guidance_scale: Optional[float] = None
    pool_root: str = '../shared/data/ucmerced_landuse/images'
    pool_scale: float = 0.125
    pseudo_threshold: float = 0.9
    filter_alpha: float = 1.25
    min_gain: float = 0.5
    results: Optional[str] = None
    report_only: bool = False
    command: str = ''

    def __post_init__(self):
        # a row by its name, its tag (ROW_TAGS) or its name without spaces (--cfg-options
        # drops them)
        aliases = {
            **{
                r: r
                for r in ROWS
            },
            **{
                t: r
                for r, t in ROW_TAGS.items()
            },
            **{
                r.replace(' ', ''): r
                for r in ROWS
            }
        }
        self.rows = [aliases.get(r, r) for r in self.rows]
        unknown = [r for r in self.rows if r not in ROWS]
        if unknown:
            raise ConfigError(f'rows: unknown {unknown}; known: {list(ROWS)}')
        if 'D' not in self.rows:
            raise ConfigError('rows: D is the reference of every gain and must be run')
        if len(set(self.schedules)) < 2:
            raise ConfigError('schedules: the convergence rule needs >= 2 schedules')
        if self.main_encoder not in self.encoders:
            raise ConfigError(f'main_encoder {self.main_encoder!r} is not one of the encoders '
                              f'{list(self.encoders)}')
        for name, ckpt in self.encoders.items():
            if ckpt is not None and not osp.isfile(ckpt):
                raise ConfigError(f'encoders.{name}: the checkpoint {ckpt} does not exist')
        if self.row_schedules == 'converged':
            pass  # each cell's s* only (a first pass; the other schedules on a rerun)
        elif isinstance(self.row_schedules, str):
            raise ConfigError(f"row_schedules: a list of iterations or 'converged', got "
                              f'{self.row_schedules!r}')
        else:
            self.row_schedules = sorted(self.row_schedules or self.schedules)
        self.schedules = sorted(self.schedules)
        self._files: Dict[str, Dict[str, str]] = {}  # split name -> its ann files
        self._compute: Dict[str, dict] = {}  # the results file's generator compute (restore)

    # ---- data and splits -------------------------------------------------------------

    def splits(self) -> Dict[float, List[LowLabelSplit]]:
        """Every fraction's folds (those of ``folds``), their ann files written."""
        train = patches_by_image(osp.join(self.data_root, 'img_dir', 'train'))
        val = patches_by_image(osp.join(self.data_root, 'img_dir', 'val'))
        out = {}
        for fraction in self.fractions:
            splits = make_splits(list(train), list(val), fraction, self.split_seed)
            chosen = [s for s in splits if self.folds is None or s.fold in self.folds]
            if not chosen:
                raise ConfigError(f'folds {self.folds}: none of the {len(splits)} folds of '
                                  f'fraction {fraction}')
            for s in chosen:
                self._files[s.name] = write_split_files(s, train, val, self.split_dir)
            out[fraction] = chosen
        return out

    @property
    def split_dir(self) -> str:
        return osp.join(self.work_dir, 'splits')

    def fold_dir(self, split: LowLabelSplit) -> str:
        return osp.join(self.work_dir, split.name)

    # ---- segmentor runs ----------------------------------------------------------------

    def spec(self,
             row: str,
             encoder: str,
             split: LowLabelSplit,
             seed: int,
             iters: int,
             synthetic: Optional[List[str]] = None,
             copy_paste_classes: Optional[List[int]] = None) -> dict:
        """One segmentor run of ``row`` (trained, then tested on val and test)."""
        root = osp.abspath(self.data_root)
        files = self._files[split.name]
        mixed = synthetic is not None
        train = 'train_dataloader.dataset.real.' if mixed else 'train_dataloader.dataset.'
        opts = {
            'randomness.seed': seed,
            train + 'data_root': root,
            'test_dataloader.dataset.data_root': root,
            'train_cfg.max_iters': iters,
            'param_scheduler.0.end': iters,
            'default_hooks.checkpoint.interval': iters,
        }
        if row != 'oracle':  # the oracle reads every train image (and mask)
            opts[train + 'ann_file'] = osp.abspath(files['labelled'])
        if mixed:
            opts['train_dataloader.dataset.synthetic'] = synthetic
            opts['train_dataloader.dataset.ratio'] = self.mix_ratio
        ckpt = self.encoders[encoder]
        if ckpt is not None:
            opts['model.backbone.init_cfg'] = dict(
                type='Pretrained', checkpoint=osp.abspath(ckpt), prefix='backbone.')
        # the oracle's training set is every train image whatever the fold: one run per
        # (encoder, schedule, seed), shared by the folds and fractions (no fold to pair with)
        name = (f'{encoder}_oracle_it{iters}_seed{seed}' if row == 'oracle' else
                f'{encoder}_{split.name}_{ROW_TAGS[row]}_it{iters}_seed{seed}')
        spec = dict(
            name=name,
            variant=row,
            ratio=self.mix_ratio if mixed else None,
            seed=seed,
            config=self.segmentor_mixed if mixed else self.segmentor,
            work_dir=osp.join(self.work_dir, 'runs', name),
            options=opts,
            eval_splits=dict(val=osp.abspath(files['val']), test=osp.abspath(files['test'])),
            encoder=encoder,
            fraction=None if row == 'oracle' else split.fraction,
            fold=None if row == 'oracle' else split.fold,
            iters=iters)
        if row == 'D + copy-paste':
            spec.update(augment=['copy_paste'], copy_paste_classes=list(copy_paste_classes))
        return spec

    def d_specs(self, splits) -> List[dict]:
        return [
            self.spec('D', enc, s, seed, it) for enc in self.encoders for fraction in self.fractions
            for s in splits[fraction] for seed in self.seeds for it in self.schedules
        ]

    def convergence(self, runs: List[dict]) -> Dict[Tuple[str, float], dict]:
        """s* of every (encoder, fraction), from D's mean validation mIoU (real classes) over
        the (fold, seed) pairs that ran every schedule (all of them once D has finished; the
        same runs at every point of a partial curve)."""
        out = {}
        for enc in self.encoders:
            for fraction in self.fractions:
                by_it: Dict[int, Dict[tuple, float]] = {}
                for r in runs:
                    if r['variant'] == 'D' and r['encoder'] == enc and r['fraction'] == fraction:
                        by_it.setdefault(r['iters'],
                                         {})[(r['fold'],
                                              r['seed'])] = real_miou(r['metrics_by_split']['val'])
                pairs = set.intersection(*(set(v) for v in by_it.values())) if by_it else set()
                mean = {
                    it: sum(v[p] for p in pairs) / len(pairs)
                    for it, v in by_it.items()
                } if pairs else {}
                if self.report_only and len(mean) < 2:
                    continue
                s, converged = converged_schedule(mean, self.min_gain)
                out[(enc, fraction)] = dict(
                    curve=mean, schedule=s, converged=converged, runs=len(pairs))
        return out

    def cell_convergence(self, d_runs: List[dict]) -> Dict[Tuple[str, float], dict]:
        """:meth:`convergence` of ``d_runs`` and every other finished D run of their cells in
        the work dir (other folds or seeds, at these schedules), so an invocation for some
        folds or seeds chooses the s* the whole cell's report does."""
        ran = {r['name'] for r in d_runs}
        return self.convergence(d_runs + [
            r for r in self.finished_runs()
            if r['variant'] == 'D' and r['name'] not in ran and r['iters'] in self.schedules
        ])

    # ---- what the rows need, per fold -------------------------------------------------

    def dump_config(self, base: str, path: str, edit) -> str:
        """``base`` loaded, changed by ``edit(cfg)``, written to ``path`` (once)."""
        from mmengine.config import Config
        if not osp.exists(path):
            cfg = Config.fromfile(base)
            edit(cfg)
            os.makedirs(osp.dirname(path), exist_ok=True)
            cfg.dump(path)
        return path

    def d_config(self, split: LowLabelSplit) -> str:
        """The D segmentor config whose training set is the fold's labelled images."""
        root = osp.abspath(self.data_root)
        labelled = osp.abspath(self._files[split.name]['labelled'])

        def edit(cfg):
            cfg.train_dataloader.dataset.update(data_root=root, ann_file=labelled)
            cfg.test_dataloader.dataset.data_root = root
            cfg.val_dataloader.dataset.data_root = root

        return self.dump_config(self.segmentor, osp.join(self.fold_dir(split), 'd_config.py'), edit)

    def unlabelled_train(self, split: LowLabelSplit, pipeline: Optional[list]) -> dict:
        """The fold's held-back train images as an unlabelled dataset (masks dropped)."""
        cfg = dict(
            type='UnlabelledImagesDataset',
            source=dict(
                type='DubaiAerialDataset',
                data_root=osp.abspath(self.data_root),
                data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
                ann_file=osp.abspath(self._files[split.name]['unlabelled'])),
            num_bands=3)
        if pipeline is not None:
            cfg['pipeline'] = pipeline
        return cfg

    def generator_configs(self, split: LowLabelSplit) -> Dict[str, str]:
        """The fold's two generator configs: on D only, and on D + U + the archive."""
        root = osp.abspath(self.data_root)
        labelled = osp.abspath(self._files[split.name]['labelled'])

        def on_d(cfg):
            cfg.train_dataloader.dataset.update(data_root=root, ann_file=labelled)

        def with_pool(cfg):
            cfg.train_dataloader.dataset.labelled.update(data_root=root, ann_file=labelled)
            archive = dict(cfg.train_dataloader.dataset.unlabelled)
            archive.update(data_root=osp.abspath(self.pool_root), scale_factor=self.pool_scale)
            held_back = self.unlabelled_train(split, archive['pipeline'])
            held_back['scale_factor'] = 1.0  # already at D's resolution
            cfg.train_dataloader.dataset.unlabelled = dict(
                type='ConcatDataset',
                datasets=[archive, held_back],
                ignore_keys=['classes', 'palette'])

        d = self.fold_dir(split)
        return dict(
            d=self.dump_config(self.generator, osp.join(d, 'generator_d.py'), on_d),
            pool=self.dump_config(self.generator_pool, osp.join(d, 'generator_pool.py'), with_pool))

    def dprime(self, stages: StageTimer, split: LowLabelSplit, kind: str, n_labelled: int) -> str:
        """The fold's D′ of generator ``kind`` (``d`` / ``pool``), trained first."""
        config = self.generator_configs(split)[kind]
        gen_dir = osp.join(self.fold_dir(split), f'generator_{kind}')
        out = osp.join(self.fold_dir(split), f'dprime_{kind}')

        def train():
            t = train_timed(config, gen_dir, self.generator_iters)
            t['peak_rss_mib_upper_bound'] = round(
                resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
            return t, True

        timing_path = osp.join(gen_dir, 'compute.json')
        timing = stages.run(f'{split.name} generator {kind}',
                            lambda: self._once(timing_path, train))
        options = dict(masks_from=self.d_config(split))
        if self.guidance_scale is not None:
            options['guidance_scale'] = self.guidance_scale
        num = math.ceil(self.dprime_ratio * n_labelled)

        def sample():
            t0 = time.perf_counter()
            did = generate_dprime(config, timing['ckpt'], out, num, self.sampler, self.steps,
                                  self.gen_batch_size, self.d_config(split), options)
            if did:
                timing['sample_seconds'] = round(time.perf_counter() - t0, 1)
                atomic_write_json(timing_path, timing)
            return out, did

        return stages.run(f'{split.name} dprime {kind}', sample)

    @staticmethod
    def _once(path: str, fn):
        """``fn() -> (dict, True)`` run once; its dict kept in ``path``."""
        if osp.exists(path):
            with open(path) as f:
                return json.load(f), False
        value, _ = fn()
        atomic_write_json(path, value)
        return value, True

    def pseudo_dir(self, split: LowLabelSplit, encoder: str, part: str) -> str:
        """The fold's pseudo(U) folder of ``part`` (``train`` or ``archive``)."""
        return osp.join(self.fold_dir(split), f'pseudo_{encoder}_{part}')

    def filtered_dir(self, split: LowLabelSplit, encoder: str) -> str:
        """The fold's FreeMask-filtered pool D′."""
        return osp.join(self.fold_dir(split), f'dprime_pool_filtered_{encoder}')

    def pseudo(self, stages: StageTimer, split: LowLabelSplit, checkpoint: str,
               encoder: str) -> List[str]:
        """pseudo(U) of the fold: its held-back train images and the archive, labelled by
        ``checkpoint`` (the fold's D segmentor at s*), uncertain pixels ignored."""
        outs = []
        for part, pool, scale in (('train', self.unlabelled_train(split, None), 1.0),
                                  ('archive', osp.abspath(self.pool_root), self.pool_scale)):
            out = self.pseudo_dir(split, encoder, part)

            def label(pool=pool, scale=scale, out=out):
                did = not osp.exists(osp.join(out, 'pseudo_label_report.json'))
                if did:
                    pseudo_label(
                        PseudoLabelSpec(
                            self.d_config(split), [checkpoint],
                            pool,
                            out,
                            threshold=self.pseudo_threshold,
                            scale_factor=scale,
                            progress=False))
                return out, did

            outs.append(stages.run(f'{split.name} pseudo {encoder} {part}', label))
        return outs

    def filtered(self, stages: StageTimer, split: LowLabelSplit, source: str, checkpoint: str,
                 encoder: str) -> str:
        """The pool generator's D′ FreeMask-filtered by ``checkpoint`` (the fold's D segmentor
        at s*): class-mean losses on D's real images, pixels above ``filter_alpha`` times
        their class's mean ignored."""
        out = self.filtered_dir(split, encoder)

        def run():
            did = not is_finished(out)
            if not did:
                alpha = (read_meta(out).filtering or {}).get('alpha')
                if alpha != self.filter_alpha:  # the row's runs are named without alpha
                    raise ConfigError(f'{out} was filtered with alpha {alpha}, not '
                                      f'filter_alpha {self.filter_alpha}: use another work_dir')
            else:
                filter_dprime(
                    FilterSpec(
                        source,
                        out,
                        self.d_config(split), [checkpoint],
                        alpha=self.filter_alpha,
                        rule='freemask',
                        progress=False))
            return out, did

        return stages.run(f'{split.name} dprime pool filtered {encoder}', run)

    def teacher(self, stages: StageTimer, split: LowLabelSplit, d0: dict, rows: List[str],
                encoder: str) -> str:
        """The checkpoint of the fold's D run ``d0`` (seed 0 at s*), which labels U and filters
        D′. A run restored from the results file has its metrics but not its weights: where
        the pseudo-labels or the filtered D′ it would make are missing, the same spec is
        trained again in ``<run>_teacher`` for its weights. The restored metrics stay the
        run's (s* and the pairs were measured with them; a CPU retrain is not bit-identical)."""
        ckpt = osp.join(d0['work_dir'], f'iter_{d0["iters"]}.pth')
        if osp.exists(ckpt):
            return ckpt
        spec = self.spec('D', encoder, split, d0['seed'], d0['iters'])
        spec.update(
            name=spec['name'] + '_teacher', work_dir=spec['work_dir'] + '_teacher', teacher=True)
        retrained = osp.join(spec['work_dir'], f'iter_{d0["iters"]}.pth')
        needs_labels = any('pseudo' in r for r in rows) and not all(
            osp.exists(osp.join(self.pseudo_dir(split, encoder, part), 'pseudo_label_report.json'))
            for part in ('train', 'archive'))
        needs_filter = any('filtered' in r
                           for r in rows) and not is_finished(self.filtered_dir(split, encoder))
        if (needs_labels or needs_filter) and not osp.exists(retrained):
            log(f'{d0["name"]}: its checkpoint {ckpt} is missing (a restored run): training '
                f'it again in {spec["work_dir"]} to label U and filter D′')
            stages.run(f'{split.name} teacher {encoder}', lambda: run_specs([spec]))
        return retrained

    def row_specs(self, stages: StageTimer, split: LowLabelSplit, d_runs: List[dict],
                  conv: Dict[Tuple[str, float], dict]) -> List[dict]:
        """One fold's runs of the other rows, what they need made first."""
        rows = [r for r in self.rows if r != 'D']
        d_cfg = self.d_config(split)
        real = build_train_dataset(d_cfg, pipeline=[])
        synth = {}
        if 'D u D\'' in rows:
            synth['d'] = self.dprime(stages, split, 'd', len(real))
        if any(r.startswith('D u D\' (pool') or r == 'D u D\' u pseudo(U)' for r in rows):
            synth['pool'] = self.dprime(stages, split, 'pool', len(real))
        rare = None
        if 'D + copy-paste' in rows:
            share = label_statistics(dataset_label_maps(real),
                                     len(real.metainfo['classes']))['class_share']
            rare = rare_classes(share)
        specs = []
        for enc in self.encoders:
            s_star = conv[(enc, split.fraction)]['schedule']
            pseudo = filtered = None
            needs_d0 = [r for r in rows if 'pseudo' in r or 'filtered' in r]
            if needs_d0:  # the fold's D segmentor (seed 0) at s* labels U and filters D′
                d0 = next((r for r in d_runs if r['variant'] == 'D' and r['encoder'] == enc
                           and r['fraction'] == split.fraction and r['fold'] == split.fold
                           and r['iters'] == s_star and r['seed'] == self.seeds[0]), None)
                if d0 is None:
                    raise ConfigError(
                        f'{needs_d0[0]} of fold {split.fold} (fraction {split.fraction:g}, '
                        f'encoder {enc}) needs the D run at s* = {s_star} with seed '
                        f'{self.seeds[0]}: add {s_star} to schedules or seed {self.seeds[0]} '
                        'to seeds')
                d0_ckpt = self.teacher(stages, split, d0, rows, enc)
                if any('pseudo' in r for r in rows):
                    pseudo = self.pseudo(stages, split, d0_ckpt, enc)
                if any('filtered' in r for r in rows):
                    filtered = self.filtered(stages, split, synth['pool'], d0_ckpt, enc)
            source = {
                'D u pseudo(U)': pseudo,
                'D u D\'': [synth.get('d')],
                'D u D\' (pool)': [synth.get('pool')],
                'D u D\' (pool, filtered)': [filtered],
                'D u D\' u pseudo(U)': [synth.get('pool')] + (pseudo or []),
            }
            for row in rows:
                for seed in self.seeds:
                    its = [s_star] if self.row_schedules == 'converged' else self.row_schedules
                    for it in its:
                        specs.append(self.spec(row, enc, split, seed, it, source.get(row), rare))
        return specs

    # ---- the whole experiment -------------------------------------------------------------

    def run(self) -> dict:
        os.makedirs(self.work_dir, exist_ok=True)
        stages = StageTimer(osp.join(self.work_dir, 'stages.json'))
        stages.run(
            'data', lambda:
            (None, prepare_data('dubai', self.data_root, self.raw_dir, self.convert)))
        self.restore()
        splits = self.splits()
        if self.report_only:
            return self.report_finished(splits, stages)
        if self.command:  # the commands that trained: a report_only report names them all
            self.record_command()
        d_runs = stages.run('D segmentors', lambda: run_specs(self.d_specs(splits)))
        conv = self.cell_convergence(d_runs)
        for (enc, fraction), c in conv.items():
            log(f'{enc}, 1/{round(1 / fraction)}: D\'s validation curve '
                f'{ {k: round(v, 2) for k, v in sorted(c["curve"].items())} } -> s* = '
                f'{c["schedule"]}' + ('' if c['converged'] else ' (not converged)'))
        rows = []
        for fraction in self.fractions:  # fold by fold: a fold's table is whole before the next
            for split in splits[fraction]:
                specs = self.row_specs(stages, split, d_runs, conv)
                rows += stages.run(f'{split.name} segmentors', lambda: run_specs(specs))
        rows = list({r['name']: r for r in rows}.values())  # the oracle once
        return write_low_label_report(
            self,
            d_runs + rows,
            conv,
            self.compute(splits),
            stages,
            archive=self.finished_runs(every=True))

    @property
    def results_json(self) -> Optional[str]:
        """``benchmarks/results/<results>.json``, when ``results`` is set."""
        return osp.join('benchmarks', 'results', self.results + '.json') if self.results else None

    def restore(self) -> None:
        """Put the runs of the results file back into the work dir where their
        ``metrics.json`` is missing (a lost or fresh work dir resumes from the committed
        results; every run a report wrote is in its ``runs``), and keep its generator compute
        records for the report (``self._compute``)."""
        path = self.results_json
        if not path or not osp.exists(path):
            return
        with open(path) as f:
            prev = json.load(f)
        n = restore_runs(prev.get('runs', []))
        self._compute = dict(prev.get('compute') or {})
        if n:
            log(f'restored {n} finished runs from {path} into {self.work_dir}/runs')

    def record_command(self) -> None:
        """Add this run's command to ``WORK_DIR/command.json`` (once; in order)."""
        path = osp.join(self.work_dir, 'command.json')
        commands = read_commands(path)
        if self.command not in commands:
            atomic_write_json(path, dict(commands=commands + [self.command]))

    def finished_runs(self, every: bool = False) -> List[dict]:
        """Every run of this work dir with a ``metrics.json`` (of this experiment's encoders
        and fractions; with ``every``, all of them)."""
        runs_dir = osp.join(self.work_dir, 'runs')
        out = []
        for name in sorted(os.listdir(runs_dir)) if osp.isdir(runs_dir) else []:
            path = osp.join(runs_dir, name, 'metrics.json')
            if osp.exists(path):
                with open(path) as f:
                    r = json.load(f)
                if r.get('teacher'):  # weights for pseudo(U) and the filter, not a row's run
                    continue
                if every or (r.get('encoder') in self.encoders and
                             (r.get('fraction') in self.fractions or r['variant'] == 'oracle')):
                    out.append(r)
        return out

    def report_finished(self, splits, stages: StageTimer) -> dict:
        """The report of the runs finished so far (``report_only``), marked partial."""
        runs = self.finished_runs()
        d = [r for r in runs if r['variant'] == 'D']
        if not d:
            raise ConfigError(f'report_only: no finished D run in {self.work_dir}/runs')
        conv = {}
        for key, c in self.convergence(d).items():
            if len(c['curve']) >= 2:
                conv[key] = c
        return write_low_label_report(
            self,
            runs,
            conv,
            self.compute(splits),
            stages,
            partial=True,
            archive=self.finished_runs(every=True))

    def compute(self, splits) -> dict:
        """Each fold generator's training and sampling wall time and memory (those of the
        results file first, for folds whose generator dir this work dir lacks)."""
        compute = dict(self._compute)
        for fraction in self.fractions:
            for split in splits[fraction]:
                for kind in ('d', 'pool'):
                    p = osp.join(self.fold_dir(split), f'generator_{kind}', 'compute.json')
                    if osp.exists(p):
                        with open(p) as f:
                            compute[f'{split.name} {kind}'] = json.load(f)
        return compute
