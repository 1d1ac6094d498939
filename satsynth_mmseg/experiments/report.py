"""Summaries of segmentor runs over seeds, and the report files an experiment writes."""
from __future__ import annotations
import dataclasses
import math
import os
import os.path as osp
import shutil
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from ..utils.atomic_io import atomic_save_figure, atomic_write_json, atomic_write_text

#: where ``results=NAME`` copies a report, relative to the working directory (the checkout)
RESULTS_DIR = osp.join('benchmarks', 'results')


def display(variant: str) -> str:
    """A variant's name as reports print it: ``D u D'`` -> ``D ∪ D′``, ``D'`` -> ``D′``."""
    return variant.replace('D u D\'', 'D ∪ D′').replace('D\'', 'D′')


def mean_std(values) -> tuple:
    """``(mean, sample std)`` of the finite values (NaN, NaN when there are none)."""
    v = np.array([x for x in values if x is not None and not math.isnan(x)], dtype=float)
    if not len(v):
        return float('nan'), float('nan')
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


#: two-sided 95 % critical values of Student's t for 1..30 degrees of freedom
T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
       2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
       2.052, 2.048, 2.045, 2.042)


def t95(df: int) -> float:
    """The two-sided 95 % critical value of Student's t with ``df`` degrees of freedom (the
    table to 30, then 2.021 to 40, 2.000 to 60, 1.980 to 120, 1.960 beyond)."""
    if df < 1:
        raise ValueError(f'a t interval needs >= 1 degree of freedom, got {df}')
    if df <= 30:
        return T95[df - 1]
    return 2.021 if df <= 40 else 2.000 if df <= 60 else 1.980 if df <= 120 else 1.960


def paired_interval(gains: Sequence[float]) -> tuple:
    """``(mean, low, high)``: the mean of paired differences and its 95 % t interval,
    ``mean ± t95(n - 1) · s / sqrt(n)`` (s the sample std); NaN bounds for one pair."""
    g = np.asarray([x for x in gains if x is not None and not math.isnan(x)], dtype=float)
    if not len(g):
        return float('nan'), float('nan'), float('nan')
    m = float(g.mean())
    if len(g) < 2:
        return m, float('nan'), float('nan')
    half = t95(len(g) - 1) * float(g.std(ddof=1)) / math.sqrt(len(g))
    return m, m - half, m + half


def summarise(results: List[dict], classes: Sequence[str]) -> List[dict]:
    """Rows (variant, R, seeds, mIoU mean/std, per-class mean/std), in run order."""
    rows, keys = [], []
    for r in results:
        key = (r['variant'], r['ratio'])
        if key not in keys:
            keys.append(key)
    for variant, ratio in keys:
        group = [r for r in results if (r['variant'], r['ratio']) == (variant, ratio)]
        rows.append(
            dict(
                variant=variant,
                ratio=ratio,
                seeds=[r['seed'] for r in group],
                mIoU=mean_std([r['metrics']['mIoU'] for r in group]),
                per_class={
                    c: mean_std([r['metrics'].get(f'IoU.{c}') for r in group])
                    for c in classes
                },
                train_seconds=mean_std([r['train_seconds'] for r in group])))
    return rows


@dataclasses.dataclass
class PairedGain:
    """One variant's mIoU gain over D, seed by seed (the same seed's D run).

    ``iters`` and ``d_iters`` are the segmentor iterations in all (pretraining included) of
    each seed's run and of the D run it is compared with (``None`` where a run does not say).
    """
    variant: str
    ratio: Optional[float]
    seeds: List[int]
    gains: List[float]
    iters: List[Optional[int]] = dataclasses.field(default_factory=list)
    d_iters: List[Optional[int]] = dataclasses.field(default_factory=list)

    @property
    def mean(self) -> float:
        return float(np.mean(self.gains))

    @property
    def equal_schedule(self) -> bool:
        """Whether every run trained as many iterations in all as its D run."""
        return all(i == d for i, d in zip(self.iters, self.d_iters))


def total_iters(run: dict, runs: List[dict]) -> Optional[int]:
    """A run's segmentor iterations in all: its ``max_iters`` plus, when it was fine-tuned
    (``options['load_from']``), those of the run among ``runs`` whose checkpoint it loaded."""
    if run.get('max_iters') is None:
        return None
    load_from = (run.get('options') or {}).get('load_from')
    if not load_from:
        return int(run['max_iters'])
    parent = next((r for r in runs if r.get('work_dir') == osp.dirname(load_from)), None)
    before = None if parent is None else total_iters(parent, runs)
    return None if before is None else before + int(run['max_iters'])


def paired_gains(runs: List[dict], baseline: Optional[List[dict]] = None) -> List[PairedGain]:
    """The per-seed gains the README quotes: every variant's mIoU minus that seed's D run.

    Args:
        runs: the ``runs`` of a ``gain.json`` (``variant``, ``ratio``, ``seed``, ``metrics``;
            ``max_iters``, ``options`` and ``work_dir`` where the schedule is to be compared).
        baseline: runs whose ``'D'`` rows are the reference instead (e.g. D trained as long
            as a fine-tuned run); by default the ``'D'`` rows of ``runs``. Seeds without a
            D run are left out.
    """
    ref = baseline or runs
    d = {r['seed']: r for r in ref if r['variant'] == 'D'}
    out: Dict[tuple, PairedGain] = {}
    for r in runs:
        if r['seed'] not in d or (baseline is None and r['variant'] == 'D'):
            continue
        row = out.setdefault((r['variant'], r['ratio']), PairedGain(r['variant'], r['ratio'], [],
                                                                    []))
        row.seeds.append(r['seed'])
        row.gains.append(r['metrics']['mIoU'] - d[r['seed']]['metrics']['mIoU'])
        row.iters.append(total_iters(r, runs))
        row.d_iters.append(total_iters(d[r['seed']], ref))
    return list(out.values())


@dataclasses.dataclass
class SchedulePoint:
    """A variant's paired gain over D at one segmentor schedule (D trained as long)."""
    variant: str
    n_synthetic: int
    iters: int
    seeds: List[int]
    gains: List[float]

    @property
    def label(self) -> str:
        return f'{display(self.variant)}, {self.n_synthetic} D′ pairs'

    @property
    def mean_std(self) -> tuple:
        return mean_std(self.gains)


def gain_by_schedule(results: Sequence[dict]) -> List[SchedulePoint]:
    """Paired gains over D from several ``gain.json`` files, one point per variant, D′ size
    and schedule, for a gain-against-iterations plot.

    Args:
        results: loaded results files (``runs``, ``n_synthetic``). Rows not at an equal
            schedule with their D runs (:attr:`PairedGain.equal_schedule`, e.g. fine-tuned
            runs) and D-only rows (augmentations) are left out; a point seen in two files
            (a D′ folder shared by two experiments) is kept once, from the first.

    Returns:
        The points, sorted by variant, D′ size and iterations.
    """
    points: Dict[tuple, SchedulePoint] = {}
    for res in results:
        for row in paired_gains(res['runs']):
            if not row.ratio or not row.equal_schedule or None in row.iters:
                continue  # D-only, fine-tuned, or from a file that does not say
            key = (row.variant, int(res['n_synthetic']), int(row.iters[0]))
            points.setdefault(key, SchedulePoint(*key, list(row.seeds), list(row.gains)))
    return [points[k] for k in sorted(points)]


def plot_gain_by_schedule(points: Sequence[SchedulePoint],
                          path: str,
                          title: str,
                          target: Optional[float] = None) -> None:
    """Mean ± std paired gain against segmentor iterations, one line per variant and D′ size,
    with the target as a dashed line."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    labels = list(dict.fromkeys(p.label for p in points))
    for i, label in enumerate(labels):
        line = [p for p in points if p.label == label]
        shift = 2**(0.04 * (i - (len(labels) - 1) / 2))  # keep the error bars apart
        ax.errorbar([p.iters * shift for p in line], [p.mean_std[0] for p in line],
                    yerr=[p.mean_std[1] for p in line],
                    marker='o',
                    capsize=4,
                    label=label)
    ax.axhline(0, color='grey', lw=0.8)
    if target is not None:
        ax.axhline(target, color='black', ls='--', label=f'target +{target:g}')
    ax.set_xscale('log', base=2)
    iters = sorted({p.iters for p in points})
    ax.set_xticks(iters, [str(i) for i in iters])
    _finish(
        fig,
        ax,
        path,
        title,
        'segmentor iterations (D trained as long)',
        'mIoU gain over D (points)',
        legend_size=7)


def fmt(ms: tuple) -> str:
    """``'41.2 ± 0.5'`` (``'n/a'`` for NaN)."""
    return 'n/a' if math.isnan(ms[0]) else f'{ms[0]:.1f} ± {ms[1]:.1f}'


def markdown(rows: List[dict],
             classes: Sequence[str],
             header: str,
             ratio_column: bool = True) -> str:
    """The table: training set, (R,) seeds, mIoU and per-class IoU as mean ± std."""
    r_head, r_sep = ('R | ', '---|') if ratio_column else ('', '')
    lines = [
        header, '', f'| training set | {r_head}seeds | mIoU | ' + ' | '.join(classes) + ' |',
        f'|---|{r_sep}---|---|' + '---|' * len(classes)
    ]
    for row in rows:
        r = ''
        if ratio_column:
            r = ('–' if row['ratio'] is None else f'{row["ratio"]:g}') + ' | '
        per_class = ' | '.join(fmt(row['per_class'][c]) for c in classes)
        lines.append(f'| {display(row["variant"])} | {r}{len(row["seeds"])} | '
                     f'{fmt(row["mIoU"])} | {per_class} |')
    return '\n'.join(lines) + '\n'


def _pyplot():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


def _finish(fig, ax, path: str, title: str, xlabel: str, ylabel: str, legend_size: int = 8):
    """Labels, title, grid and legend of a line plot; write it atomically and close it."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=legend_size)
    fig.tight_layout()
    atomic_save_figure(fig, path)
    _pyplot().close(fig)


def plot_ratio_curve(rows: List[dict], path: str, title: str) -> None:
    """mIoU against R (R = 0 is D alone), with D′ only as a band."""
    plt = _pyplot()
    curve = sorted([r for r in rows if r['ratio'] is not None], key=lambda r: r['ratio'])
    fig, ax = plt.subplots(figsize=(5.5, 3.8), dpi=120)
    ax.errorbar([r['ratio'] for r in curve], [r['mIoU'][0] for r in curve],
                yerr=[r['mIoU'][1] for r in curve],
                marker='o',
                capsize=4,
                label='D ∪ D′ (R = 0: D alone)')
    only = [r for r in rows if r['ratio'] is None]
    if only:
        m, s = only[0]['mIoU']
        ax.axhline(m, color='tab:red', ls='--', label=f'D′ only ({m:.1f} ± {s:.1f})')
        ax.axhspan(m - s, m + s, color='tab:red', alpha=0.1)
    _finish(fig, ax, path, title, 'R (generated pairs per real pair)', 'val mIoU (%)')


def plot_variant_bars(rows: List[dict],
                      path: str,
                      title: str,
                      colour: Optional[Callable[[str], str]] = None) -> None:
    """One horizontal bar (mIoU mean ± std) per training set."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 0.9 + 0.55 * len(rows)), dpi=120)
    colours = [colour(r['variant']) if colour else 'tab:blue' for r in rows]
    ax.barh(
        range(len(rows)), [r['mIoU'][0] for r in rows],
        xerr=[r['mIoU'][1] for r in rows],
        color=colours,
        capsize=4)
    ax.set_yticks(range(len(rows)), [display(r['variant']) for r in rows], fontsize=8)
    ax.invert_yaxis()
    lo = min(r['mIoU'][0] - r['mIoU'][1] for r in rows)
    ax.set_xlim(max(0, lo - 5), None)
    ax.set_xlabel('val mIoU (%)')
    ax.set_title(title, fontsize=9)
    ax.grid(axis='x', alpha=0.3)
    fig.tight_layout()
    atomic_save_figure(fig, path)
    plt.close(fig)


def write_report_files(work_dir: str,
                       stem: str,
                       md: str,
                       report: dict,
                       plot: Callable[[str], None],
                       results: Optional[str] = None,
                       copies: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """Write ``<stem>.md``, ``<stem>.json`` and ``<stem>.png`` (``plot(path)``) into
    ``work_dir``, atomically; with ``results``, copy them to
    ``benchmarks/results/<results>.*`` together with ``copies`` (source path -> suffix of
    the copy's name, e.g. ``'_dprime_report.md'``)."""
    paths = dict(
        md=osp.join(work_dir, f'{stem}.md'),
        json=osp.join(work_dir, f'{stem}.json'),
        png=osp.join(work_dir, f'{stem}.png'))
    atomic_write_text(paths['md'], md)
    atomic_write_json(paths['json'], report)
    plot(paths['png'])
    if results:
        os.makedirs(RESULTS_DIR, exist_ok=True)
        for ext, path in paths.items():
            shutil.copy(path, osp.join(RESULTS_DIR, f'{results}.{ext}'))
        for src, suffix in (copies or {}).items():
            shutil.copy(src, osp.join(RESULTS_DIR, f'{results}{suffix}'))
    return paths
