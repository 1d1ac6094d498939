"""The settings of the D ∪ D′ experiment (``tools/benchmark_gain.py``), read from a config.

An experiment is an mmengine config file under ``configs/experiments/`` (``gain_*.py``): its
``preset`` name, its ``settings`` (the data, the generator and segmentor configs, how D′ is
sampled) and any field of :class:`GainSettings` (seeds, ratios, filtering, ...). The command
line takes that file plus ``--cfg-options``, as every OpenMMLab tool does; each field also has a
short flag, made here from the field itself (its ``help`` and ``flag`` metadata), so a setting is
declared once. Relative paths are relative to the working directory (run from the checkout, as
mmseg's tools), and the raw data is an argument (``--raw-dir``), never a path in the package.
Just over 400 lines: most of it is each setting's help text, which is the command line's too.
"""
from __future__ import annotations
import argparse
import dataclasses
import math
import os.path as osp
from typing import Dict, List, Optional

from ..generation.filter_pipeline import FILTER_RULES
from ..utils.errors import ConfigError
from .augmentation import AUGMENTATIONS, check_names

#: training-set variants; the segmentor config name is the preset's pattern with this tag
VARIANTS = {'D': 'd', 'D u D\'': 'd+dprime', 'D\' only': 'dprime'}
#: how D′ is made (``--generator``): the joint model samples pairs; a mask-to-image model
#: renders images for new layouts of the real masks (``mask2img``: SDM-style diffusion,
#: ``pix2pix``: the GAN) or for the joint model's masks (``hybrid``, SDM-style)
GENERATORS = ('joint', 'mask2img', 'pix2pix', 'hybrid')
#: where the experiment configs live, relative to the checkout
EXPERIMENT_CONFIGS = osp.join('configs', 'experiments')
#: keys every preset's ``settings`` has (the optional ones: raw-data-free ``convert`` of the
#: procedural scenes is empty; ``mask2img``, ``pix2pix``, ``generator_data_root``,
#: ``generator_convert``, ``dprime_options``)
SETTINGS_KEYS = ('data', 'data_root', 'convert', 'generator', 'segmentor', 'sampler', 'steps',
                 'gen_batch_size')


def _setting(default=None, help: str = '', flag: Optional[str] = None, **argparse_kw):
    """A :class:`GainSettings` field: its default, and how its command-line flag reads."""
    meta = dict(help=help, flag=flag, argparse=argparse_kw)
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda: list(default), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def preset_config(name: str) -> str:
    """The experiment config of a preset: ``configs/experiments/gain_<name>.py``."""
    path = osp.join(EXPERIMENT_CONFIGS, f'gain_{name}.py')
    if not osp.isfile(path):
        import glob
        known = sorted(
            osp.basename(p)[len('gain_'):-3]
            for p in glob.glob(osp.join(EXPERIMENT_CONFIGS, 'gain_*.py')))
        raise ConfigError(f'no experiment config {path} for preset {name!r} (known here: '
                          f'{known or "none: run from the checkout, where configs/ is"})')
    return path


def read_preset_settings(name: str) -> dict:
    """The ``settings`` dict of a preset's experiment config."""
    from mmengine.config import Config
    cfg = Config.fromfile(preset_config(name))
    return cfg.to_dict()['settings']


@dataclasses.dataclass
class GainSettings:
    """Settings of one run of the experiment; a config's keys, or the flags of
    ``tools/benchmark_gain.py`` (``--help`` lists them with these texts)."""
    preset: str = _setting(
        'dubai-cpu', 'the preset: names configs/experiments/gain_<preset>.py '
        'and the default work dir')
    #: the preset's data, generator and segmentor configs and D′ sampling (see SETTINGS_KEYS);
    #: None reads them from the preset's config
    settings: Optional[dict] = dataclasses.field(default=None, metadata=dict(flag=False))
    work_dir: Optional[str] = _setting(None, 'default: work_dirs/gain_<preset>')
    raw_dir: Optional[str] = _setting(
        None, 'the raw download to convert when the data root has no data yet (Dubai aerial, '
        'Sen1Floods11; the procedural scenes need none)')
    data_root: Optional[str] = _setting(None, 'converted real data (default: the preset\'s)')
    seeds: List[int] = _setting([0, 1, 2], 'segmentor seeds', type=int, nargs='+')
    ratios: List[float] = _setting([1.0, 2.0],
                                   'generated pairs per real sample for the D u D\' runs',
                                   type=float,
                                   nargs='+')
    dprime_pairs: Optional[int] = _setting(
        None, 'pairs in each D\' (default: ceil(max R x |D|)); a larger D\' than a run\'s R x |D| '
        'synthetic slots is drawn from at random, e.g. --ratios 0.5 with the D\' of R = 1',
        type=int)
    generator_config: Optional[str] = _setting(None, 'default: the preset\'s')
    generator_checkpoint: Optional[str] = _setting(None, 'skip generator training, use this')
    generator_iters: Optional[int] = _setting(None, 'override the generator\'s max_iters', type=int)
    sampler: Optional[str] = _setting(None, 'D\' sampler (default: the preset\'s)')
    steps: Optional[int] = _setting(None, 'D\' sampling steps (default: the preset\'s)', type=int)
    seg_iters: Optional[int] = _setting(None, 'override the segmentors\' max_iters', type=int)
    dprime_only: bool = _setting(
        True, 'skip the D\'-only runs', flag='--no-dprime-only', action='store_false')
    augmentations: List[str] = _setting(
        [], 'also train D with each classical augmentation, with the two best combined, and '
        'D u D\' (first R) with the strongest (SatSynth Table 5)',
        nargs='+',
        choices=sorted(AUGMENTATIONS))
    filter_alpha: Optional[float] = _setting(
        None, 'also filter every generator\'s D\' (FreeMask, tools/filter_synthetic.py, with the D '
        'segmentor of the first seed) and train on D u D\'(filtered) for every R',
        type=float)
    filter_min_agreement: Optional[float] = _setting(
        None, 'with --filter-alpha: drop pairs below it', type=float)
    filter_rule: str = _setting(
        'dprime-means',
        'with --filter-alpha: where the class-mean losses come from: dprime-means (over D\', '
        'the rule of every results file so far) or freemask (FreeMask\'s: the real training '
        'images)',
        choices=list(FILTER_RULES))
    filter_ensemble: bool = _setting(
        False,
        'with --filter-alpha: filter with the ensemble of the D segmentors of every seed (mean '
        'softmax) instead of the first seed\'s alone',
        action='store_true')
    filter_rounds: int = _setting(
        1, 'with --filter-alpha: filter the same D\' again N - 1 times, each round with the '
        'segmentor(s) of the previous round\'s D u D\'(filtered) runs, and train on each',
        type=int)
    filter_checkpoints: List[str] = _setting(
        [], 'with --filter-alpha: filter with these segmentor checkpoints (of D\'s segmentor '
        'config, e.g. trained longer or with augmentation; several: their ensemble) instead of '
        'the first seed\'s D run',
        flag='--filter-checkpoint',
        nargs='+',
        metavar='CKPT')
    generators: List[str] = _setting(
        ['joint'], 'how D\' is made: joint (image + mask pairs), mask2img / pix2pix (images by the '
        'SDM-style diffusion model / the GAN for new layouts of the real masks), hybrid '
        '(images by the diffusion model for the joint generator\'s masks); several compare them',
        flag='--generator',
        nargs='+',
        choices=list(GENERATORS))
    filter_generators: Optional[List[str]] = _setting(
        None, 'with --filter-alpha: filter and resample the D\' of these --generator kinds only '
        '(default: of every one)',
        nargs='+',
        choices=list(GENERATORS))
    skip_variants: List[str] = _setting(
        [], 'D u D\' variants not to train, named as in the table\'s JSON (e.g. "D u D\' pix2pix '
        'filtered"); their D\' is still made when another variant reads it',
        nargs='+',
        metavar='VARIANT')
    mask2img_config: Optional[str] = _setting(None, 'mask-to-image config (default: the preset\'s)')
    mask2img_checkpoint: Optional[str] = _setting(None, 'skip its training, use this checkpoint')
    pix2pix_config: Optional[str] = _setting(None, 'pix2pix config (default: the preset\'s)')
    pix2pix_checkpoint: Optional[str] = _setting(None, 'skip its training, use this checkpoint')
    guidance_scale: Optional[float] = _setting(
        None, 'classifier-free guidance of the mask-to-image model', type=float)
    synthetic_samplers: List[str] = _setting(
        [], 'also train on D u D\' with each generator\'s D\' resampled (AugmentedDataset '
        'synthetic_sampler): rare_class weights pairs by D\'s rare classes, hardness by the D '
        'segmentor\'s loss (needs --filter-alpha; FreeMask\'s filtered + resampled)',
        flag='--synthetic-sampler',
        nargs='+',
        choices=['rare_class', 'hardness'])
    class_target: Optional[str] = _setting(
        None, 'also draw D\' with tools/generate.py --class-target (real, balanced or a JSON '
        'file) and train on D u D\' of it')
    combine: bool = _setting(
        False, 'also train on D u D\' with the D\' of all --generator kinds together (the filtered '
        'ones with --filter-alpha): R |D| slots drawn from all their pairs',
        action='store_true')
    conditional_scale: str = _setting(
        'generator',
        'where the mask2img / pix2pix generators work at a preset whose generator data has '
        'another scale than D (dubai-cpu-64): generator (trained on the generator data, '
        'layouts of its masks, D\' enlarged like the joint one) or data (trained on D, layouts '
        'of D\'s masks, D\' as rendered; give a config of D\'s crop size)',
        choices=['generator', 'data'])
    layout_cutmix_prob: float = _setting(
        0.0, 'mask2img / pix2pix layouts: probability of pasting a box of a second real mask '
        '(tools/generate.py --cutmix-prob): new label geometry, not only new images',
        type=float)
    pretrain_finetune: bool = _setting(
        False,
        'also pretrain each seed\'s segmentor on the first generator\'s D\' alone (filtered when '
        'filtering) and fine-tune it (D\' as pretraining)',
        action='store_true')
    finetune_on: List[str] = _setting(
        ['d'],
        'with --pretrain-finetune, what the pretrained segmentor is fine-tuned on: d (D alone), '
        'mix (D u that D\' at the first R, uniform and each --synthetic-sampler), or both',
        nargs='+',
        choices=('d', 'mix'))
    results: Optional[str] = _setting(
        None, 'also copy gain.{md,json,png} to benchmarks/results/<RESULTS>.*')
    #: the command line that made the run (recorded in gain.json)
    command: str = dataclasses.field(default='', metadata=dict(flag=False))

    def __post_init__(self):
        if self.settings is None:
            self.settings = read_preset_settings(self.preset)
        p = self.settings
        missing = [k for k in SETTINGS_KEYS if k not in p]
        if missing:
            raise ConfigError(f'experiment {self.preset!r}: its settings lack {missing} '
                              f'(every preset has {list(SETTINGS_KEYS)})')
        self.work_dir = osp.abspath(self.work_dir or osp.join('work_dirs', f'gain_{self.preset}'))
        self.data_root = osp.abspath(self.data_root or p['data_root'])
        if self.raw_dir is not None:
            self.raw_dir = osp.abspath(self.raw_dir)
        self.generator_config = self.generator_config or p['generator']
        self.sampler = self.sampler or p['sampler']
        self.steps = self.steps or p['steps']
        if any(r <= 0 for r in self.ratios):
            raise ValueError('ratios must be > 0 (R = 0 is the D baseline, always run)')
        if self.dprime_pairs is not None and self.dprime_pairs <= 0:
            raise ValueError('dprime_pairs must be > 0')
        if len(set(self.seeds)) < len(self.seeds):
            raise ValueError(f'seeds must be distinct, got {self.seeds}')
        self.generators = list(dict.fromkeys(self.generators))
        check_names(self.augmentations)
        bad = [g for g in self.generators if g not in GENERATORS]
        if bad or not self.generators:
            raise ValueError(f'unknown generator(s) {bad}: choose from {GENERATORS}')
        if self.filter_generators is not None:
            extra = [g for g in self.filter_generators if g not in self.generators]
            if extra or not self.filter_generators:
                raise ValueError(f'--filter-generators {self.filter_generators}: each must be '
                                 f'one of --generator {self.generators}')
            if self.filter_alpha is None:
                raise ValueError('--filter-generators chooses whose D′ is filtered: give '
                                 '--filter-alpha too')
            if self.combine:
                raise ValueError('--combine trains on the filtered D′ of every generator: '
                                 'leave out --filter-generators')
        bad = [f for f in self.finetune_on if f not in ('d', 'mix')]
        if bad or not self.finetune_on:
            raise ValueError(f'unknown fine-tuning set(s) {bad}: d (D alone), mix (D ∪ D′)')
        if 'mix' in self.finetune_on and not self.pretrain_finetune:
            raise ValueError('--finetune-on mix fine-tunes the D′-pretrained segmentors: give '
                             '--pretrain-finetune too')
        for sampler in self.synthetic_samplers:
            if sampler not in ('rare_class', 'hardness'):
                raise ValueError(f'unknown synthetic sampler {sampler!r}: rare_class, hardness')
        if 'hardness' in self.synthetic_samplers and self.filter_alpha is None:
            raise ValueError('the hardness sampler reads the segmentor\'s loss per pair from '
                             'the filtered D′: give --filter-alpha too')
        if self.class_target and 'joint' not in self.generators:
            raise ValueError('--class-target works on the joint generator\'s D′: add joint to '
                             '--generator')
        if self.conditional_scale not in ('generator', 'data'):
            raise ValueError(f'conditional_scale must be "generator" or "data", got '
                             f'{self.conditional_scale!r}')
        if self.conditional_scale == 'data' and 'hybrid' in self.generators and \
                p.get('generator_data_root'):
            raise ValueError('hybrid renders the joint generator\'s masks, made at the generator '
                             'data\'s scale: it cannot use --conditional-scale data')
        if not 0 <= self.layout_cutmix_prob <= 1:
            raise ValueError(f'layout_cutmix_prob must be in [0, 1], got {self.layout_cutmix_prob}')
        if self.filter_rule not in FILTER_RULES:
            raise ValueError(f'filter_rule must be one of {FILTER_RULES}, got '
                             f'{self.filter_rule!r}')
        if self.filter_ensemble and self.filter_alpha is None:
            raise ValueError('--filter-ensemble chooses the filter\'s segmentors: give '
                             '--filter-alpha too')
        if self.filter_checkpoints:
            if self.filter_alpha is None or self.filter_ensemble:
                raise ValueError('--filter-checkpoint chooses the filter\'s segmentors: give '
                                 '--filter-alpha too, and not --filter-ensemble')
            self.filter_checkpoints = [osp.abspath(c) for c in self.filter_checkpoints]
            missing = [c for c in self.filter_checkpoints if not osp.isfile(c)]
            if missing:
                raise FileNotFoundError(f'--filter-checkpoint: no such file {missing}')
        if self.filter_rounds < 1 or (self.filter_rounds > 1 and self.filter_alpha is None):
            raise ValueError(f'--filter-rounds {self.filter_rounds}: give a count >= 1, and '
                             '--filter-alpha with more than one round')
        if self.combine and len(self.generators) < 2:
            raise ValueError('--combine trains on the D′ of several generators together: give '
                             'two or more to --generator')
        for family in {self.family(k) for k in self.generators} - {'joint'}:
            attr = f'{family}_config'
            setattr(self, attr, getattr(self, attr) or p.get(family))
            if not getattr(self, attr):
                raise ValueError(f'preset {self.preset!r} has no {family} generator config: '
                                 f'give --{family}-config')

    def run_name(self, variant: str, ratio: float, seed: int) -> str:
        tag = VARIANTS[variant]
        return f'{tag}_R{ratio:g}_seed{seed}' if variant == 'D u D\'' else f'{tag}_seed{seed}'

    @staticmethod
    def generator_variant(kind: str) -> str:
        """The variant name of D ∪ D′ made by generator ``kind`` (the joint one keeps the
        plain name, so earlier runs are reused)."""
        return 'D u D\'' if kind == 'joint' else f'D u D\' {kind}'

    @staticmethod
    def family(kind: str) -> str:
        """The generator family that renders the images of D′ made the ``kind`` way."""
        return {'hybrid': 'mask2img'}.get(kind, kind)

    @property
    def conditional_at_generator_scale(self) -> bool:
        """Whether the mask-conditioned generators work at the preset's generator data scale
        (another than D's: layouts drawn there, D′ enlarged) rather than at D's own."""
        return bool(self.settings.get('generator_data_root')) and \
            self.conditional_scale == 'generator'

    @property
    def dprime_enlarged(self) -> bool:
        """Whether some D′ of this run is enlarged ×2 after sampling (the preset's
        ``dprime_options``): the joint and hybrid D′, and the mask-conditioned ones at the
        generator scale."""
        return bool(self.settings.get('dprime_options')) and any(
            kind in ('joint', 'hybrid') or self.conditional_at_generator_scale
            for kind in self.generators)

    @property
    def dprime_sampling(self) -> str:
        """How this run's D′ images are drawn, for the results header: the sampler and
        steps of the diffusion generators (joint, mask2img, hybrid), and one generator pass
        for pix2pix (the GAN takes no sampler)."""
        parts = []
        if any(kind != 'pix2pix' for kind in self.generators):
            parts.append(f'{self.sampler}, {self.steps} steps')
        if 'pix2pix' in self.generators:
            parts.append('pix2pix: one generator pass')
        return '; '.join(parts)

    def num_dprime(self, n_real: int) -> int:
        """How many pairs each D′ holds: ``dprime_pairs``, or enough for the largest R
        (``ceil(max R × |D|)``). More pairs than a run's ``R × |D|`` slots are drawn from at
        random (``AugmentedDataset``), so a small R can still see a large D′."""
        need = math.ceil(max(self.ratios) * n_real)
        if self.dprime_pairs is None:
            return need
        if self.dprime_pairs < need:
            raise ValueError(f'dprime_pairs={self.dprime_pairs} is fewer than the {need} pairs '
                             f'R = {max(self.ratios):g} needs with |D| = {n_real}: the '
                             'synthetic slots would repeat pairs; raise it or lower --ratios')
        return self.dprime_pairs

    def results_header(self, n_real: int, num: int, stage_times: str) -> str:
        """The first line of ``gain.md``: data sizes, how D′ was drawn, the segmentor config
        (and its iterations when ``seg_iters`` overrides the config's), seeds, stage times."""
        segmentor = osp.basename(self.settings['segmentor'].format('*'))
        return (f'Preset `{self.preset}`: |D| = {n_real} real training pairs, D′ = {num} '
                f'generated pairs ({self.dprime_sampling}' +
                (', enlarged x2 by interpolation' if self.dprime_enlarged else '') +
                f'), segmentor `{segmentor}`' +
                (f' trained {self.seg_iters} iterations' if self.seg_iters else '') +
                (f', D′ filtered by the given segmentor(s) {self.filter_checkpoints}'
                 if self.filter_checkpoints else '') +
                f', seeds {self.seeds}; val = real val split. IoU in %, mean ± std over seeds. '
                f'Stage wall times: {stage_times}.')


def _flag(field: dataclasses.Field) -> Optional[str]:
    flag = field.metadata.get('flag')
    if flag is False:
        return None
    return flag or '--' + field.name.replace('_', '-')


def add_setting_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per :class:`GainSettings` field, from the field's metadata. A flag left out
    is absent from the parsed namespace (``argparse.SUPPRESS``), so the config decides."""
    for field in dataclasses.fields(GainSettings):
        flag = _flag(field)
        if flag is None:
            continue
        kw = dict(field.metadata['argparse'])
        default = field.default if field.default is not dataclasses.MISSING else \
            field.default_factory()
        kw['help'] = field.metadata['help']
        if default not in (None, [], False, True):
            kw['help'] += f' (default: {default})'
        parser.add_argument(flag, dest=field.name, default=argparse.SUPPRESS, **kw)


def experiment_config(config: Optional[str] = None,
                      cfg_options: Optional[dict] = None,
                      flags: Optional[Dict[str, object]] = None) -> dict:
    """The settings of one run: the config file's (the preset's when only ``flags['preset']``
    names one; ``dubai-cpu`` when neither), then ``cfg_options``, then the flags given.

    Args:
        config: an experiment config file (``configs/experiments/gain_*.py``).
        cfg_options: ``--cfg-options`` (dotted keys allowed, as mmengine merges them).
        flags: field name -> value of the flags given on the command line.

    Returns:
        keyword arguments of :class:`GainSettings` (unknown config keys raise a
        ``ConfigError`` naming them and the file).
    """
    from mmengine.config import Config
    flags = dict(flags or {})
    if config is None:
        config = preset_config(flags.get('preset', GainSettings.preset))
    elif not osp.isfile(config):
        raise ConfigError(f'no experiment config {config}')
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    values = {k: v for k, v in cfg.to_dict().items() if not k.startswith('_')}
    names = {f.name for f in dataclasses.fields(GainSettings)}
    unknown = sorted(set(values) - names)
    if unknown:
        raise ConfigError(f'{config}: unknown experiment setting(s) {unknown}; the settings are '
                          f'{sorted(names)}')
    values.update(flags)
    return values
