"""SatSynth's experiment: does training on D ∪ D′ beat training on D alone?

Stages (each resumable): real data -> generator -> D′ -> segmentors on D (R = 0), on D ∪ D′
for every R and on D′ alone, each seed in its own process -> ``gain.{md,json,png}``.

The settings, their config files and flags are :mod:`.gain_settings`. Over 400 lines: every
variant's stages live here together, since they share the run's D′ folders and segmentor runs
(one method per variant; splitting them would pass that state between modules).
"""
from __future__ import annotations
import json
import os
import os.path as osp
import platform
import time
from typing import Dict, List, Optional, Sequence, Tuple, Union

from ..datasets import build_train_dataset
from ..datasets.dprime_format import is_finished, read_meta
from ..generation import dataset_label_maps, label_statistics
from ..generation.checkpoint import file_sha256
from ..generation.filter_pipeline import FilterSpec, filter_dprime
from .augmentation import rare_classes
from .gain_settings import VARIANTS, GainSettings
from .report import (display, fmt, markdown, mean_std, plot_ratio_curve, plot_variant_bars,
                     summarise, write_report_files)
from .results_tables import gain_markdown
from .runs import (generate_dprime, last_checkpoint, prepare_data, run_specs, segmentor_spec,
                   train_model)
from .stages import StageTimer, log, run_cli


class GainExperiment(GainSettings):
    """The experiment's stages, run on :class:`~.gain_settings.GainSettings` (``run``)."""

    def prepare_conditional(self, stages: StageTimer, family: str) -> str:
        """The checkpoint of a mask-conditioned family (``mask2img`` / ``pix2pix``): the
        given one, or trained on the generator data (on D with ``conditional_scale='data'``)."""
        given = getattr(self, f'{family}_checkpoint')
        if given is not None:
            return given
        config = getattr(self, f'{family}_config')
        p = self.settings
        gen_root = self.data_root
        if self.conditional_at_generator_scale:
            gen_root = osp.abspath(p['generator_data_root'])
        gen_dir = osp.join(self.work_dir, f'generator_{family}')
        stages.run(f'generator {family}', lambda:
                   (None, train_model(config, gen_root, gen_dir, self.generator_iters)))
        return last_checkpoint(gen_dir)

    def dprime_and_runs(self, stages: StageTimer, kind: str, config: str, ckpt: str, options: dict,
                        variant: str, real_config: str, num: int, stage: str) -> List[dict]:
        """``work_dir/dprime_{kind}`` made by ``tools/generate.py CONFIG CKPT ... EXTRA`` and
        D ∪ D′ of it for every R and seed (runs ``d+dprime-{kind}_R*_seed*``)."""
        dprime = osp.join(self.work_dir, f'dprime_{kind}')

        def make():
            return None, generate_dprime(
                config,
                ckpt,
                dprime,
                num,
                self.sampler,
                self.steps,
                self.settings['gen_batch_size'],
                real_config,
                options=options)

        stages.run(f'dprime {kind}', make)
        specs = self.dprime_specs(f'd+dprime-{kind}', variant, dprime)
        return stages.run(stage, lambda: run_specs(specs))

    def dprime_specs(self,
                     tag: str,
                     variant: str,
                     source: Union[str, List[str]],
                     synthetic_sampler: Optional[str] = None,
                     ratios: Optional[Sequence[float]] = None,
                     load_from: Optional[Dict[int, str]] = None) -> List[dict]:
        """One D ∪ D′ segmentor run per seed and R (runs ``{tag}_R{r}_seed{seed}``): D and
        ``source`` (a D′ folder or a list of them), D′ items drawn by ``synthetic_sampler``.

        Args:
            ratios: the R values (default: :attr:`ratios`).
            load_from: seed -> checkpoint each seed's run is fine-tuned from (mmengine's
                ``load_from``); default: trained from scratch.
        """
        if variant in self.skip_variants:
            log(f'skipping the {variant} runs (--skip-variants)')
            return []
        config = self.settings['segmentor'].format(VARIANTS['D u D\''])
        return [
            segmentor_spec(
                f'{tag}_R{r:g}_seed{seed}',
                variant,
                r,
                seed,
                config,
                self.work_dir,
                self.data_root,
                source,
                self.seg_iters,
                synthetic_sampler=synthetic_sampler,
                load_from=None if load_from is None else load_from[seed]) for seed in self.seeds
            for r in (self.ratios if ratios is None else ratios)
        ]

    def run_generator_kind(self, stages: StageTimer, kind: str, joint_ckpt: Optional[str],
                           real_config: str, num: int) -> List[dict]:
        """D′ of a mask-conditioned generator (``mask2img`` / ``pix2pix`` / ``hybrid``) and
        D ∪ D′ for every R and seed; ``joint_ckpt`` is the joint generator's (hybrid masks)."""
        family = self.family(kind)
        ckpt = self.prepare_conditional(stages, family)
        # at a preset whose generators work at another scale than D (dubai-cpu-64: ÷8
        # generators, ÷4 segmentors), the layouts come from the real masks at the generators'
        # scale and the rendered pairs are enlarged like the joint D′ (dprime_options); with
        # conditional_scale='data' the generator works at D's scale: D's masks, no enlargement
        masks_config = real_config
        if kind != 'hybrid' and self.conditional_at_generator_scale:
            masks_config = self.generator_scale_real_config(stages)
        options = (
            dict(mask_generator=[self.generator_config, joint_ckpt]) if kind == 'hybrid' else dict(
                masks_from=masks_config))
        if kind != 'hybrid' and self.layout_cutmix_prob:
            options['cutmix_prob'] = self.layout_cutmix_prob
        if kind == 'hybrid' or self.conditional_at_generator_scale:
            options.update(self.settings.get('dprime_options', {}))
        if self.guidance_scale is not None and family == 'mask2img':
            options['guidance_scale'] = self.guidance_scale
        return self.dprime_and_runs(stages, kind, getattr(self, f'{family}_config'), ckpt, options,
                                    self.generator_variant(kind), real_config, num,
                                    f'segmentors {kind}')

    def segmentor_specs(self, dprime: Optional[str]) -> List[dict]:
        variants = [('D', 0.0)]
        if dprime is not None:
            variants += [('D u D\'', r) for r in self.ratios]
        if self.dprime_only and dprime is not None:
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
        real_config = self.dump_real_config(self.data_root, 'real_data_config.py')
        return real_config, build_train_dataset(real_config, pipeline=[])

    def dump_real_config(self, data_root: str, name: str) -> str:
        """D's segmentor config with ``data_root``, written as ``work_dir/name``."""
        from mmengine.config import Config
        seg_cfg = Config.fromfile(self.settings['segmentor'].format('d'))
        seg_cfg.train_dataloader.dataset.data_root = data_root
        path = osp.join(self.work_dir, name)
        seg_cfg.dump(path)
        return path

    def prepare_generator_data(self, stages: StageTimer) -> str:
        """The preset's generator data (converted if missing): its absolute root."""
        p = self.settings
        gen_root = osp.abspath(p['generator_data_root'])
        stages.run(
            'data', lambda:
            (None, prepare_data(p['data'], gen_root, self.raw_dir, p['generator_convert'])))
        return gen_root

    def generator_scale_real_config(self, stages: StageTimer) -> str:
        """D's config with the preset's generator data as its data root: the real masks at
        the generators' scale, for ``--masks-from``."""
        return self.dump_real_config(
            self.prepare_generator_data(stages), 'real_data_config_generator_scale.py')

    def prepare_generator(self, stages: StageTimer) -> str:
        """The generator checkpoint: the given one, or trained (on the preset's generator
        data, which may be at another scale than D)."""
        if self.generator_checkpoint is not None:
            return self.generator_checkpoint
        gen_root = self.data_root
        if self.settings.get('generator_data_root'):
            gen_root = self.prepare_generator_data(stages)
        gen_dir = osp.join(self.work_dir, 'generator')
        stages.run(
            'generator', lambda:
            (None, train_model(self.generator_config, gen_root, gen_dir, self.generator_iters)))
        return last_checkpoint(gen_dir)

    @property
    def filtered_kinds(self) -> List[str]:
        """The generators whose D′ is filtered (when filtering) and resampled."""
        return list(self.filter_generators or self.generators)

    def primary_dprime(self) -> Tuple[str, str, str]:
        """The D′ the strongest classical augmentation is combined with and segmentors are
        pretrained on: :meth:`best_dprime` of the first generator (the first filtered one
        when filtering)."""
        return self.best_dprime(
            self.filtered_kinds[0] if self.filter_alpha is not None else self.generators[0])

    def best_dprime(self, kind: str) -> Tuple[str, str, str]:
        """Generator ``kind``'s D′, filtered when filtering: ``(folder, D ∪ D′ run tag,
        D ∪ D′ variant)``."""
        if self.filter_alpha is not None:
            return (self.dprime_folder(kind, filtered=True), self.run_tag(kind, 'filtered'),
                    f'{self.generator_variant(kind)} filtered')
        tag = 'd+dprime' if kind == 'joint' else f'd+dprime-{kind}'
        return self.dprime_folder(kind), tag, self.generator_variant(kind)

    def augmentation_specs(self,
                           augment: List[str],
                           rare: List[int],
                           on_dprime: bool = False) -> List[dict]:
        """The seeds of one classical-augmentation variant, on D or on D ∪ D′ (first R; the
        D′ of :meth:`primary_dprime`)."""
        name = '+'.join(augment)
        dprime = None
        if on_dprime:
            ratio = self.ratios[0]
            dprime, tag, variant = self.primary_dprime()
            variant, tag = f'{variant} + {" + ".join(augment)}', f'{tag}_R{ratio:g}_aug-{name}'
            config = self.settings['segmentor'].format(VARIANTS['D u D\''])
        else:
            ratio, variant, tag = 0.0, f'D + {" + ".join(augment)}', f'd_aug-{name}'
            config = self.settings['segmentor'].format(VARIANTS['D'])
        return [
            segmentor_spec(
                f'{tag}_seed{seed}',
                variant,
                ratio,
                seed,
                config,
                self.work_dir,
                self.data_root,
                dprime,
                self.seg_iters,
                augment=augment,
                copy_paste_classes=rare) for seed in self.seeds
        ]

    def run_augmentations(self, real, classes: List[str]):
        """SatSynth's Table 5: D with each classical augmentation, with the two best ones
        combined, and D ∪ D′ (:meth:`primary_dprime`) with the strongest of all;
        ``(results, summary)``."""
        share = label_statistics(dataset_label_maps(real), len(classes))['class_share']
        rare = rare_classes(share)
        results, ran = [], False

        def run(specs):
            nonlocal ran
            out, did = run_specs(specs)
            ran |= did
            results.extend(out)
            return mean_std([r['metrics']['mIoU'] for r in out])[0]

        scores = {(a, ): run(self.augmentation_specs([a], rare)) for a in self.augmentations}
        ranked = sorted(scores, key=scores.get, reverse=True)
        if len(ranked) >= 2:
            combo = tuple(a for r in ranked[:2] for a in r)
            scores[combo] = run(self.augmentation_specs(list(combo), rare))
        strongest = max(scores, key=scores.get)
        run(self.augmentation_specs(list(strongest), rare, on_dprime=True))
        summary = dict(
            rare_classes=[classes[c] for c in rare],
            dprime_variant=self.primary_dprime()[2],
            scores={
                ' + '.join(k): v
                for k, v in scores.items()
            },
            strongest=list(strongest))
        return (results, summary), ran

    def dprime_folder(self, kind: str, filtered: bool = False, filter_round: int = 1) -> str:
        """Where generator ``kind``'s D′ (or its filtered copy, of round ``filter_round``) is
        written; the joint one keeps the plain names, so earlier runs are reused."""
        name = 'dprime' if kind == 'joint' else f'dprime_{kind}'
        if filtered:
            name += '_filtered' + ('' if filter_round == 1 else str(filter_round))
        return osp.join(self.work_dir, name)

    @staticmethod
    def run_tag(kind: str, suffix: str) -> str:
        """Run-name tag of a D ∪ D′ variant of generator ``kind`` (``suffix`` e.g. ``filtered``)."""
        return f'd+dprime-{suffix}' if kind == 'joint' else f'd+dprime-{kind}-{suffix}'

    def run_filtered(self, stages: StageTimer, kind: str) -> List[dict]:
        """FreeMask: generator ``kind``'s D′ filtered by the D segmentor of the first seed (by
        the ensemble of every seed's with ``filter_ensemble``, by ``filter_checkpoints`` when
        given: a segmentor of D's config trained otherwise; ``tools/filter_synthetic.py``),
        then D ∪ D′(filtered) for every R and seed. For a mask-to-image D′ the masks are real
        and the filter drops the pixels whose rendered image the D segmentor does not read as
        that class (FreeMask's own setting).

        With ``filter_rounds`` N > 1 the same D′ is filtered again N − 1 times, each round
        by the segmentor(s) of the previous round's D ∪ D′(filtered) runs (same seeds, the
        first R), which scores higher on val than the D one but has also learnt D′'s
        rendering (on Dubai ÷8 it accepted more of D′ and gained less: README) (folders
        ``dprime_{kind}_filtered{r}``, runs ``…-filtered{r}_R*_seed*``)."""
        seeds = self.seeds if self.filter_ensemble else self.seeds[:1]
        results = []
        run_dirs = [self.run_name('D', 0.0, seed) for seed in seeds]
        for rnd in range(1, self.filter_rounds + 1):
            seg_dirs = [osp.join(self.work_dir, 'runs', name) for name in run_dirs]
            filtered = self.dprime_folder(kind, filtered=True, filter_round=rnd)
            stage = ('' if kind == 'joint' else f' {kind}') + ('' if rnd == 1 else f' round {rnd}')
            given = self.filter_checkpoints if rnd == 1 else None
            stages.run('filter' + stage,
                       lambda: self.filter_stage(kind, seg_dirs, filtered, checkpoints=given))
            tag = self.run_tag(kind, 'filtered' if rnd == 1 else f'filtered{rnd}')
            variant = f'{self.generator_variant(kind)} filtered' + \
                ('' if rnd == 1 else f' (round {rnd})')
            specs = self.dprime_specs(tag, variant, filtered)
            results += stages.run('filtered segmentors' + stage, lambda: run_specs(specs))
            run_dirs = [f'{tag}_R{self.ratios[0]:g}_seed{seed}' for seed in seeds]
        return results

    def filter_stage(self,
                     kind: str,
                     seg_dirs: List[str],
                     filtered: str,
                     checkpoints: Optional[List[str]] = None):
        """``tools/filter_synthetic.py`` of generator ``kind``'s D′ into ``filtered`` with the
        last checkpoints of the segmentor runs ``seg_dirs`` (or with ``checkpoints``), unless
        that folder is already done with the same settings (a folder filtered with other ones
        is refused: its runs would be reused under the new setting; given checkpoints are
        compared by their SHA-256)."""
        # what scores the pixels: the given checkpoints, or the runs' last ones
        sources = list(checkpoints) if checkpoints else list(seg_dirs)
        if is_finished(filtered):
            done = read_meta(filtered).filtering or {}
            sha = done.get('segmentor_sha256')
            asked = dict(
                alpha=self.filter_alpha,
                min_agreement=self.filter_min_agreement,
                segmentors=len(sources),
                rule=self.filter_rule)
            found = dict(
                alpha=done.get('alpha'),
                min_agreement=done.get('min_agreement'),
                segmentors=len(sha) if isinstance(sha, list) else 1,
                rule='freemask' if done.get('class_means') == 'real' else 'dprime-means')
            if checkpoints:
                asked['segmentor_sha256'] = [file_sha256(c) for c in checkpoints]
                found['segmentor_sha256'] = sha if isinstance(sha, list) else [sha]
            if found != asked:
                raise ValueError(f'{filtered} was filtered with {found}, not {asked}: its runs '
                                 'would be reused under the new setting; use another --work-dir')
            return None, False
        seg_ckpts = sources if checkpoints else [last_checkpoint(d) for d in sources]
        missing = [d for d, c in zip(sources, seg_ckpts) if c is None]
        if missing:
            raise FileNotFoundError(f'no checkpoint in the segmentor run(s) {missing} to filter '
                                    f'{self.dprime_folder(kind)} with')
        spec = FilterSpec(
            source=self.dprime_folder(kind),
            out=filtered,
            segmentor_config=self.settings['segmentor'].format('d'),
            checkpoints=seg_ckpts,
            alpha=self.filter_alpha,
            min_agreement=self.filter_min_agreement,
            rule=self.filter_rule,
            progress=False)
        log(f'filtering {spec.source} into {filtered} (rule {self.filter_rule})')
        filter_dprime(spec)
        return None, True

    def run_class_targeted(self, stages: StageTimer, ckpt: str, real_config: str,
                           num: int) -> List[dict]:
        """D′ drawn with ``tools/generate.py --class-target`` and D ∪ D′ of it."""
        options = dict(self.settings.get('dprime_options', {}), class_target=self.class_target)
        return self.dprime_and_runs(stages, 'class-target', self.generator_config, ckpt, options,
                                    f'D u D\' class-targeted ({self.class_target})', real_config,
                                    num, 'class-targeted segmentors')

    def run_resampled(self, stages: StageTimer, kind: str) -> List[dict]:
        """D ∪ D′ of generator ``kind`` with weighted D′ sampling: rare-class on the plain D′
        (on the filtered one when filtering), hardness on the filtered D′ (its manifest has the
        pair losses)."""
        source, tag, variant = self.best_dprime(kind)
        specs = []
        for sampler in self.synthetic_samplers:
            specs += self.dprime_specs(
                f'{tag}-{sampler}', f'{variant} + {sampler}', source, synthetic_sampler=sampler)
        suffix = '' if kind == 'joint' else f' {kind}'
        return stages.run('resampled segmentors' + suffix, lambda: run_specs(specs))

    def run_pretrain_finetune(self, stages: StageTimer) -> List[dict]:
        """D′ as pretraining: each seed's segmentor trained on the :meth:`primary_dprime`
        alone, then fine-tuned from its checkpoint (mmengine ``load_from``; the same config,
        schedule and seed as the run it is set beside, so a fine-tuned run has trained twice
        as many iterations) on every set of :attr:`finetune_on`: ``'d'`` — D alone, runs
        ``dprime…-finetune_seed*``; ``'mix'`` — D ∪ that D′ at the first R, drawn uniformly
        and by each ``synthetic_samplers`` entry, runs ``dprime…-finetune-mix[-sampler]_R*_seed*``.
        The pretraining runs ``dprime…-pretrain_seed*`` make a "D′ only" row of their own."""
        folder, mix_tag, variant = self.primary_dprime()
        tag, name = mix_tag.replace('d+dprime', 'dprime', 1), variant.replace('D u D\'', 'D\'', 1)
        pre_specs = [
            segmentor_spec(f'{tag}-pretrain_seed{seed}', f'{name} (pretraining)', None, seed,
                           self.settings['segmentor'].format(VARIANTS['D\' only']), self.work_dir,
                           self.data_root, folder, self.seg_iters) for seed in self.seeds
        ]
        results = stages.run('pretraining segmentors', lambda: run_specs(pre_specs))
        checkpoints = {}
        for spec in pre_specs:
            checkpoints[spec['seed']] = last_checkpoint(spec['work_dir'])
            if checkpoints[spec['seed']] is None:
                raise FileNotFoundError(f'pretraining run {spec["name"]} left no checkpoint in '
                                        f'{spec["work_dir"]} (last_checkpoint)')
        fine_specs = []
        if 'd' in self.finetune_on:
            fine_specs += [
                segmentor_spec(
                    f'{tag}-finetune_seed{seed}',
                    f'{name} → D (fine-tuned)',
                    None,
                    seed,
                    self.settings['segmentor'].format(VARIANTS['D']),
                    self.work_dir,
                    self.data_root,
                    seg_iters=self.seg_iters,
                    load_from=checkpoints[seed]) for seed in self.seeds
            ]
        if 'mix' in self.finetune_on:
            # a hardness sampler without filtering is refused in __post_init__
            for sampler in [None] + list(self.synthetic_samplers):
                suffix = f'-{sampler}' if sampler else ''
                into = f'{variant} + {sampler}' if sampler else variant
                fine_specs += self.dprime_specs(
                    f'{tag}-finetune-mix{suffix}',
                    f'{name} → {into} (fine-tuned)',
                    folder,
                    synthetic_sampler=sampler,
                    ratios=self.ratios[:1],
                    load_from=checkpoints)
        return results + stages.run('fine-tuned segmentors', lambda: run_specs(fine_specs))

    def run_combined(self, stages: StageTimer) -> List[dict]:
        """D ∪ D′ where D′ is every generator's D′ together (the filtered ones when filtering),
        for every R and seed: R·|D| synthetic slots drawn from all their pairs
        (``AugmentedDataset`` with a list of D′ folders)."""
        filtered = self.filter_alpha is not None
        sources = [self.dprime_folder(kind, filtered=filtered) for kind in self.generators]
        names = '+'.join(self.generators)
        variant = f'D u D\' {names}' + (' filtered' if filtered else '')
        tag = f'd+dprime-{names}' + ('-filtered' if filtered else '')
        specs = self.dprime_specs(tag, variant, sources)
        return stages.run('combined segmentors', lambda: run_specs(specs))

    def generation_metrics(self, num: int) -> dict:
        """The generation metrics of every generator's D′ folder (``tools/evaluate_generator.py
        --dprime``: segmentor features and agreement of the seed-0 D segmentor, against the
        generator data's crops); ``{kind: summary}``, cached in ``work_dir/quality_*.json``."""
        seg_ckpt = last_checkpoint(
            osp.join(self.work_dir, 'runs', self.run_name('D', 0.0, self.seeds[0])))
        out = {}
        for kind in self.generators:
            folder = osp.join(self.work_dir, 'dprime' if kind == 'joint' else f'dprime_{kind}')
            config = (
                self.generator_config if kind == 'joint' else getattr(
                    self, f'{self.family(kind)}_config'))
            prefix = osp.join(self.work_dir, f'quality_{kind}')
            if not osp.exists(prefix + '.json'):
                run_cli('evaluate_generator', config, '--dprime', folder, '--real-config',
                        self.settings['segmentor'].format('d'), '--segmentor-checkpoint', seg_ckpt,
                        '--num-samples', str(num), '--out', prefix)
            with open(prefix + '.json') as f:
                out[kind] = json.load(f)['summary']
        return out

    def result_copies(self, dprime: Optional[str]) -> dict:
        """Files copied beside the report into ``benchmarks/results`` (source -> suffix)."""
        copies = {}
        if dprime is not None:
            copies.update({
                osp.join(dprime, 'report.md'): '_dprime_report.md',
                osp.join(dprime, 'preview.png'): '_dprime_preview.png'
            })
        kinds = [k for k in self.generators if k != 'joint']
        if self.class_target:
            kinds.append('class-target')
        for kind in kinds:
            folder = osp.join(self.work_dir, f'dprime_{kind}')
            copies.update({
                osp.join(folder, 'report.md'): f'_dprime_{kind}_report.md',
                osp.join(folder, 'preview.png'): f'_dprime_{kind}_preview.png'
            })
        if self.filter_alpha is not None:
            for kind in self.filtered_kinds:
                for rnd in range(1, self.filter_rounds + 1):
                    filtered = self.dprime_folder(kind, filtered=True, filter_round=rnd)
                    tag = ('' if kind == 'joint' else f'_{kind}') + \
                        ('' if rnd == 1 else f'_round{rnd}')
                    copies.update({
                        osp.join(filtered, 'filter_report.md'):
                        f'_filter{tag}_report.md',
                        osp.join(filtered, 'filter_preview.png'):
                        f'_filter{tag}_preview.png'
                    })
        return copies

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
        num = self.num_dprime(n_real)
        ckpt = dprime = None
        if {'joint', 'hybrid'} & set(self.generators):
            ckpt = self.prepare_generator(stages)
        if 'joint' in self.generators:
            dprime = osp.join(self.work_dir, 'dprime')
            stages.run(
                'dprime', lambda: (None,
                                   generate_dprime(
                                       self.generator_config,
                                       ckpt,
                                       dprime,
                                       num,
                                       self.sampler,
                                       self.steps,
                                       p['gen_batch_size'],
                                       real_config,
                                       options=p.get('dprime_options'))))
        results = stages.run('segmentors', lambda: run_specs(self.segmentor_specs(dprime)))
        for kind in self.generators:
            if kind != 'joint':
                results = results + self.run_generator_kind(stages, kind, ckpt, real_config, num)
        for kind in self.filtered_kinds:
            if self.filter_alpha is not None:
                results = results + self.run_filtered(stages, kind)
            if self.synthetic_samplers:
                results = results + self.run_resampled(stages, kind)
        if self.pretrain_finetune:
            results = results + self.run_pretrain_finetune(stages)
        augmentation = None
        if self.augmentations:  # after filtering: the filtered D′ may be the one combined
            extra, augmentation = stages.run('augmentations',
                                             lambda: self.run_augmentations(real, classes))
            results = results + extra
        if self.class_target:
            results = results + self.run_class_targeted(stages, ckpt, real_config, num)
        if self.combine:
            results = results + self.run_combined(stages)
        rows = summarise(results, classes)
        md = markdown(rows, classes, self.results_header(n_real, num, stages.describe()))
        if augmentation:
            md += '\n' + augmentation_verdict(rows, augmentation)
        quality = None
        if len(self.generators) > 1:
            quality = stages.run('generation metrics', lambda:
                                 (self.generation_metrics(num), False))
            md += '\n' + quality_markdown(quality)
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
            generators=self.generators,
            filter_generators=self.filter_generators,
            skip_variants=self.skip_variants,
            generation_metrics=quality,
            mask2img_config=self.mask2img_config,
            pix2pix_config=self.pix2pix_config,
            guidance_scale=self.guidance_scale,
            combine=self.combine,
            filter_ensemble=self.filter_ensemble,
            filter_rounds=self.filter_rounds,
            filter_checkpoints=self.filter_checkpoints,
            conditional_scale=self.conditional_scale,
            layout_cutmix_prob=self.layout_cutmix_prob,
            classes=classes,
            rows=rows,
            runs=results,
            augmentation=augmentation,
            stage_seconds=stages.data,
            total_seconds=stages.total,
            machine=machine())
        title = f'{self.preset}: mIoU ({len(self.seeds)} seeds)'
        plot = (lambda path: plot_variant_bars(rows, path, title, colour=_colour)) \
            if self.augmentations or self.filter_alpha is not None or self.synthetic_samplers or \
            self.class_target or self.combine or self.pretrain_finetune or \
            self.generators != ['joint'] else \
            (lambda path: plot_ratio_curve(rows, path, f'{self.preset}: mIoU vs R '
                                                       f'({len(self.seeds)} seeds)'))
        paths = write_report_files(
            self.work_dir,
            'gain',
            md,
            report,
            plot,
            results=self.results,
            copies=self.result_copies(dprime))
        print(md)
        print('Paired by seed (gain over the same seed\'s D run, 95 % t interval):\n')
        print(gain_markdown(results, classes))
        log(
            f'done in {(time.perf_counter() - t_start) / 60:.1f} min this invocation; '
            f'report: {paths}', 'benchmark_gain')
        return report


def quality_markdown(quality: Dict[str, dict]) -> str:
    """The generation metrics of each generator's D′ as a table."""
    cols = [('seg_fd', 'FD (seg. features) ↓', '{:.2f}'),
            ('seg_precision', 'precision ↑', '{:.3f}'), ('seg_recall', 'recall ↑', '{:.3f}'),
            ('agreement_miou', 'mask–image agreement mIoU ↑', '{:.1f}'),
            ('class_share_js', 'class-share JS ↓', '{:.4f}')]
    lines = [
        'Generation metrics of each D′ (tools/evaluate_generator.py --dprime; features and '
        'agreement from the seed-0 D segmentor; real crops of the generator data):', '',
        '| generator | ' + ' | '.join(c[1] for c in cols) + ' |', '|---|' + '---|' * len(cols)
    ]
    for kind, summary in quality.items():
        lines.append(f'| {kind} | ' + ' | '.join(
            fmt.format(summary[key][0]) if key in summary else 'n/a'
            for key, _, fmt in cols) + ' |')
    return '\n'.join(lines) + '\n'


def _colour(variant: str) -> str:
    if variant == 'D':
        return 'tab:gray'
    if variant.startswith('D +'):
        return 'tab:orange'
    return 'tab:purple' if '+' in variant.replace('D u D\'', '') else 'tab:blue'


def augmentation_verdict(rows: List[dict], augmentation: dict) -> str:
    """Plain statements: does D ∪ D′ beat the best classical augmentation, and does
    D ∪ D′ with it beat both?"""
    by = {r['variant']: r for r in rows}
    with_dprime = augmentation.get('dprime_variant', 'D u D\'')  # the D′ it was combined with
    plain = next((r for r in rows if r['variant'] == with_dprime and r['ratio']), None)
    best_aug = max((r for r in rows if r['variant'].startswith('D +')), key=lambda r: r['mIoU'][0])
    both = by.get(f'{with_dprime} + {" + ".join(augmentation["strongest"])}')
    d = by['D']['mIoU'][0]
    # the augmentations that ran (files from before 'scores' existed: say it as they did)
    ran = {a for k in augmentation.get('scores', {'copy_paste': 0}) for a in k.split(' + ')}
    copy_paste = (f'Copy-Paste pastes the rare classes of D: '
                  f'{", ".join(augmentation["rare_classes"])}. ') if 'copy_paste' in ran else ''
    lines = [
        f'{copy_paste}The strongest classical augmentation here: {display(best_aug["variant"])} '
        f'({fmt(best_aug["mIoU"])}, D alone {fmt(by["D"]["mIoU"])}).'
    ]
    if plain is not None:
        verb = 'beats' if plain['mIoU'][0] > best_aug['mIoU'][0] else 'does not beat'
        lines.append(f'{display(with_dprime)} (R = {plain["ratio"]:g}, {fmt(plain["mIoU"])}) '
                     f'{verb} the best '
                     f'classical augmentation ({fmt(best_aug["mIoU"])}).')
    if both is not None and plain is not None:
        wins = both['mIoU'][0] > max(plain['mIoU'][0], best_aug['mIoU'][0])
        lines.append(f'{display(both["variant"])} ({fmt(both["mIoU"])}) '
                     f'{"beats both" if wins else "does not beat both"}; differences to D: '
                     f'{display(with_dprime)} {plain["mIoU"][0] - d:+.1f}, classical '
                     f'{best_aug["mIoU"][0] - d:+.1f}, together {both["mIoU"][0] - d:+.1f} '
                     'mIoU.')
    return '\n'.join(lines) + '\n'


def machine() -> dict:
    """Where the numbers were measured."""
    return dict(
        python=platform.python_version(), processor=platform.processor(), cpus=os.cpu_count())
