"""Class-targeted generation: rejection sampling that moves D′'s class shares towards a target.

A joint generator reproduces its training set's class mixture, rare classes included, rarely.
``tools/generate.py --class-target real|balanced|FILE`` keeps drawing candidates for a sample
until one is accepted. Acceptance is decided per sample, from its own seeds only (so shards and
resumed runs agree), with probability ``min(1, w(h) / b)`` where

    c_k = min(t_k / g_k, max_weight),     w(h) = Σ_k p_k(h) c_k,

``t`` the target class shares, ``g`` the generator's own shares (measured on a seeded pilot
batch), ``p(h)`` the candidate's pixel shares and ``b`` the 95th percentile of ``w`` over the
pilot. This is rejection sampling from the generator's distribution reweighted by ``w``, which
pulls the expected shares towards ``t`` (exactly ``t`` for single-class pairs, uncapped weights
and ``b = max w``); the percentile bound keeps the acceptance rate practical when a rare
class's weight is large (the few pairs above ``b`` are accepted at once, slightly under-
weighted). ``balanced`` spreads the target over the classes D has. After ``max_candidates``
rejections the candidate with the largest ``w`` is kept, so every sample costs at most
``max_candidates`` draws.
Candidate ``c`` of sample ``i`` is drawn from ``sample_seed(seed_i, c)`` (candidate 0 is the
plain sample), its acceptance from ``sample_seed(seed_i, 2**31 + c)``.
"""
from __future__ import annotations
import dataclasses
import json
import os.path as osp
from typing import List, Optional, Sequence

import numpy as np
import torch

from ..models.generators.outputs import GeneratedPairs
from ..utils.errors import ConfigError
from .sampling import class_histograms, sample_seed

#: named targets of ``--class-target``
NAMED_TARGETS = ('real', 'balanced')


def resolve_target(spec: str, classes: Sequence[str], real_share: Optional[Sequence[float]]):
    """Target class shares (K,) from ``'real'`` (D's shares), ``'balanced'`` (1/K each) or a
    JSON file (a list of K numbers, or ``{class name: share}``); normalised to sum 1."""
    k = len(classes)
    if spec == 'real':
        if real_share is None:
            raise ConfigError('--class-target real needs the real training set: give '
                              '--real-config')
        t = np.asarray(real_share, dtype=np.float64)
    elif spec == 'balanced':  # over the classes D has (all K when D is not known)
        t = np.full(k, 1.0 / k)
        if real_share is not None and np.sum(real_share) > 0:
            t = (np.asarray(real_share) > 0).astype(np.float64)
    else:
        if not osp.exists(spec):
            raise ConfigError(f'--class-target {spec}: not "real", "balanced" or an existing '
                              'JSON file')
        try:
            with open(spec) as f:
                data = json.load(f)
        except (OSError, ValueError) as e:
            raise ConfigError(f'--class-target {spec}: unreadable JSON ({e})') from e
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(classes))
            if unknown:
                raise ConfigError(f'--class-target {spec}: unknown classes {unknown}; the '
                                  f'generator\'s are {list(classes)}')
            t = np.array([float(data.get(c, 0.0)) for c in classes])
        else:
            t = np.asarray(data, dtype=np.float64)
            if t.shape != (k, ):
                raise ConfigError(f'--class-target {spec}: {t.size} shares for {k} classes')
    if not np.all(np.isfinite(t)) or (t < 0).any() or t.sum() <= 0:
        raise ConfigError(f'--class-target {spec}: shares must be >= 0 and not all zero')
    return t / t.sum()


@dataclasses.dataclass
class ClassTarget:
    """Acceptance rule of class-targeted generation (see the module docstring).

    Attributes:
        target: target class shares t (K,).
        generator_share: the generator's own class shares g (K,), from the pilot batch.
        max_candidates: draws per sample at most.
        max_weight: cap of the class weights.
        bound: b, the weight at which a candidate is always accepted (default: the largest
            class weight; ``tools/generate.py`` sets the pilot's 95th percentile).
    """
    target: np.ndarray
    generator_share: np.ndarray
    max_candidates: int = 8
    max_weight: float = 10.0
    bound: Optional[float] = None

    def __post_init__(self):
        self.target = np.asarray(self.target, dtype=np.float64)
        self.generator_share = np.asarray(self.generator_share, dtype=np.float64)
        if self.max_candidates < 1:
            raise ValueError('max_candidates must be >= 1')
        with np.errstate(divide='ignore', invalid='ignore'):
            ratio = np.where(self.generator_share > 0, self.target / self.generator_share,
                             np.where(self.target > 0, self.max_weight, 0.0))
        self.class_weights = np.minimum(ratio, self.max_weight)
        if self.class_weights.max() <= 0:
            raise ConfigError('class target: no class of the target is ever generated')
        if self.bound is None or not self.bound > 0:
            self.bound = float(self.class_weights.max())

    def weight(self, histogram: Sequence[int]) -> float:
        """w(h) of a candidate's class histogram (K,)."""
        h = np.asarray(histogram, dtype=np.float64)
        total = h.sum()
        return float(h @ self.class_weights / total) if total > 0 else 0.0

    def accepts(self, histogram: Sequence[int], sample_seed_value: int, candidate: int) -> bool:
        """Whether candidate ``candidate`` of the sample seeded ``sample_seed_value`` is kept."""
        u = np.random.default_rng(sample_seed(sample_seed_value, 2**31 + candidate)).random()
        return u * self.bound < self.weight(histogram)

    def to_dict(self) -> dict:
        return dict(
            target=self.target.round(6).tolist(),
            generator_share=self.generator_share.round(6).tolist(),
            class_weights=self.class_weights.round(6).tolist(),
            max_candidates=self.max_candidates,
            max_weight=self.max_weight,
            bound=round(float(self.bound), 6))


def pilot_bound(target: ClassTarget, histograms, quantile: float = 0.95) -> float:
    """The ``quantile`` of the pilot samples' weights (at least the smallest class weight
    above 0), the acceptance bound ``b``."""
    w = np.array([target.weight(h) for h in histograms])
    positive = target.class_weights[target.class_weights > 0]
    return float(max(np.quantile(w, quantile) if len(w) else 0.0, positive.min()))


def candidate_seeds(seeds: Sequence[int], candidate: int) -> List[int]:
    """Seeds of candidate ``candidate`` of each sample (candidate 0: the sample's own)."""
    return [int(s) if candidate == 0 else sample_seed(int(s), candidate) for s in seeds]


def measure_generator_share(draw,
                            seed: int,
                            num: int,
                            batch_size: int,
                            num_classes: int,
                            progress: bool = False,
                            histograms: Optional[list] = None) -> np.ndarray:
    """The generator's own class shares (K,) on a pilot of ``num`` samples seeded
    ``sample_seed(seed, 2**40 + j)`` (not D′'s seeds), drawn as D′ is (``draw(seeds)``);
    each pilot sample's class histogram is appended to ``histograms`` when given."""
    counts = np.zeros(num_classes, dtype=np.float64)
    starts = range(0, num, batch_size)
    if progress:
        from tqdm.auto import tqdm
        starts = tqdm(starts, desc='class target: pilot', unit='batch')
    for start in starts:
        seeds = [sample_seed(seed, 2**40 + j) for j in range(start, min(num, start + batch_size))]
        hists = class_histograms(draw(seeds).labels, num_classes)
        counts += hists.sum(0)
        if histograms is not None:
            histograms.extend(hists)
    if counts.sum() <= 0:
        raise ConfigError('class target: the pilot samples have no labelled pixel')
    return counts / counts.sum()


def draw_class_targeted(draw, seeds, target, num_classes):
    """Candidates per sample until :class:`~.class_target.ClassTarget` accepts one (or the
    best of ``max_candidates``); ``(GeneratedPairs, per-sample record fields)``."""
    n = len(seeds)
    chosen, best, rejected = [None] * n, [None] * n, [0] * n
    pending = list(range(n))
    for c in range(target.max_candidates):
        cand = candidate_seeds([seeds[j] for j in pending], c)
        out = draw(cand)
        hists = class_histograms(out.labels, num_classes)
        for pos, j in enumerate(pending):
            piece = (out.images[pos], out.labels[pos], c)
            w = target.weight(hists[pos])
            if best[j] is None or w > best[j][0]:
                best[j] = (w, piece)
            if target.accepts(hists[pos], seeds[j], c):
                chosen[j] = piece
            else:
                rejected[j] += 1
        pending = [j for j in pending if chosen[j] is None]
        if not pending:
            break
    for j in pending:
        chosen[j] = best[j][1]
    labels = torch.stack([p[1] for p in chosen])
    pairs = GeneratedPairs(
        images=torch.stack([p[0] for p in chosen]),
        labels=labels,
        invalid_pixels=int((labels >= num_classes).sum()))
    fields = [dict(candidate=chosen[j][2], rejected=rejected[j]) for j in range(n)]
    return pairs, fields
