"""Tables and pictures of the low-label experiment, from its runs.

Every number is the mIoU over the real classes (:func:`~.low_label_experiment.real_miou`) on
the held-out test part unless a column says validation; gains are paired by (fold, seed) at
an equal schedule; intervals are 95 % t intervals of the paired differences
(:func:`~.report.paired_interval`).
"""
from __future__ import annotations
import dataclasses
import json
import math
import os.path as osp
import shutil
from typing import Dict, List, Optional, Sequence, Tuple

from ..utils.atomic_io import atomic_write_json, atomic_write_text
from .low_label import NOT_REAL_CLASSES, ROWS, gap_closed, real_miou
from .report import _finish, _pyplot
from .report import display as _display
from .report import mean_std, paired_interval


def display(row: str) -> str:
    """A row's name as the tables print it: ``D u D' u pseudo(U)`` -> ``D ∪ D′ ∪ pseudo(U)``."""
    return _display(row).replace(' u ', ' ∪ ')


@dataclasses.dataclass
class RowResult:
    """One row of one cell (encoder, fraction) at one schedule.

    Attributes:
        row: the row's name (:data:`ROWS`).
        iters: the schedule.
        pairs: the (fold, seed) of each run.
        test: the test mIoU (real classes) of each run.
        val: the validation mIoU of each run.
        gains: test mIoU minus the same (fold, seed)'s D at this schedule (where D ran).
        per_class: class -> mean test IoU.
        class_gains: class -> mean test IoU gain over the same (fold, seed)'s D (paired runs
            only; empty for D and rows without a D pair).
    """
    row: str
    iters: int
    pairs: List[Tuple[int, int]]
    test: List[float]
    val: List[float]
    gains: List[float]
    per_class: Dict[str, float]
    class_gains: Dict[str, float] = dataclasses.field(default_factory=dict)

    @property
    def interval(self) -> tuple:
        return paired_interval(self.gains)


def cell_rows(runs: Sequence[dict], encoder: str, fraction: float) -> List[RowResult]:
    """Every (row, schedule) of one cell, in :data:`ROWS` order."""
    mine = [
        r for r in runs
        if r['encoder'] == encoder and (r['fraction'] == fraction or r['variant'] == 'oracle')
    ]
    d = {(r['iters'], r['fold'], r['seed']): r for r in mine if r['variant'] == 'D'}
    out = []
    for row in ROWS:
        for it in sorted({r['iters'] for r in mine if r['variant'] == row}):
            group = sorted((r for r in mine if r['variant'] == row and r['iters'] == it),
                           key=lambda r: (r['fold'] or 0, r['seed']))
            test = [real_miou(r['metrics_by_split']['test']) for r in group]
            # each run with the same (fold, seed)'s D run at this schedule, where D ran
            paired = [(r, d[(it, r['fold'], r['seed'])]) for r in group
                      if (it, r['fold'], r['seed']) in d]
            gains = [
                real_miou(r['metrics_by_split']['test']) - real_miou(dr['metrics_by_split']['test'])
                for r, dr in paired
            ]
            classes = [
                k[4:] for k in group[0]['metrics_by_split']['test']
                if k.startswith('IoU.') and k[4:] not in NOT_REAL_CLASSES
            ]
            out.append(
                RowResult(
                    row, it, [(r['fold'], r['seed']) for r in group], test,
                    [real_miou(r['metrics_by_split']['val']) for r in group], gains, {
                        c: mean_std([r['metrics_by_split']['test'][f'IoU.{c}'] for r in group])[0]
                        for c in classes
                    }, {
                        c:
                        mean_std([
                            r['metrics_by_split']['test'][f'IoU.{c}'] -
                            dr['metrics_by_split']['test'][f'IoU.{c}'] for r, dr in paired
                        ])[0]
                        for c in classes
                    } if paired and row != 'D' else {}))
    return out


def _pm(values) -> str:
    m, s = mean_std(values)
    return f'{m:.2f} ± {s:.2f}'


def _gain(r: RowResult) -> str:
    if r.row == 'D' or not r.gains:
        return ''
    m, lo, hi = r.interval
    return f'{m:+.2f}' + ('' if math.isnan(lo) else f' [{lo:+.2f}, {hi:+.2f}]')


def cell_table(rows: List[RowResult], s_star: int) -> str:
    """The cell's table at s*: every row with its gain over D and the share of the gap to
    the oracle it closes."""
    at = {r.row: r for r in rows if r.iters == s_star}
    d = at.get('D')
    oracle = at.get('oracle')
    lines = [
        '| training set | runs (fold × seed) | test mIoU | gain over D, paired 95 % interval | '
        'gap to the oracle closed | val mIoU |', '|---|---|---|---|---|---|'
    ]
    for name in ROWS:
        r = at.get(name)
        if r is None:
            continue
        closed = ''
        if d is not None and oracle is not None and name not in ('D', 'oracle') and r.gains:
            # D over the same (fold, seed) pairs as the row, so a partial row is compared
            # with its own D runs
            d_same = dict(zip(d.pairs, d.test))
            d_mean = mean_std([d_same[p] for p in r.pairs if p in d_same])[0]
            g = gap_closed(d_mean + mean_std(r.gains)[0], d_mean, mean_std(oracle.test)[0])
            closed = '' if g is None else f'{100 * g:.0f} %'
        lines.append(f'| {display(name)} | {len(r.test)} | {_pm(r.test)} | {_gain(r)} | '
                     f'{closed} | {_pm(r.val)} |')
    return '\n'.join(lines)


def per_class_table(rows: List[RowResult], s_star: int) -> str:
    """Each row's mean test IoU per class at s*, with its paired gain over D in brackets
    (over the row's own (fold, seed) pairs, so a partial row is compared with its D runs)."""
    at = [r for r in rows if r.iters == s_star]
    if not at:
        return ''
    classes = list(at[0].per_class)
    lines = ['| training set | ' + ' | '.join(classes) + ' |', '|---|' + '---|' * len(classes)]
    for r in at:
        cells = [
            f'{r.per_class[c]:.1f}' + (f' ({r.class_gains[c]:+.1f})' if c in r.class_gains else '')
            for c in classes
        ]
        lines.append(f'| {display(r.row)} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def curve_table(rows: List[RowResult]) -> str:
    """Test mIoU and gain over D of every row at every schedule it ran."""
    its = sorted({r.iters for r in rows})
    lines = [
        '| training set | ' + ' | '.join(f'{i} it' for i in its) + ' |', '|---|' + '---|' * len(its)
    ]
    for name in ROWS:
        by_it = {r.iters: r for r in rows if r.row == name}
        if not by_it:
            continue
        cells = []
        for i in its:
            r = by_it.get(i)
            if r is None:
                cells.append('')
            elif name == 'D' or not r.gains:
                cells.append(f'{mean_std(r.test)[0]:.2f}')
            else:
                cells.append(f'{mean_std(r.test)[0]:.2f} ({mean_std(r.gains)[0]:+.2f})')
        lines.append(f'| {display(name)} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def target_check(rows: List[RowResult], s_star: int, target: float = 3.0) -> List[str]:
    """The issue's target in the main cell, each part said measured true or false."""
    at = {r.row: r for r in rows if r.iters == s_star}
    need = ('D', 'D u D\' (pool)', 'D u pseudo(U)', 'D u D\' u pseudo(U)')
    if not all(n in at for n in need):
        return [
            f'- target: not decidable yet (rows missing at s* = {s_star}: '
            f'{[display(n) for n in need if n not in at]})'
        ]
    pool, pseudo, both = (mean_std(at[n].test)[0] for n in need[1:])
    d = mean_std(at['D'].test)[0]
    return [
        f'- D ∪ D′ (pool) ≥ D + {target:.1f}: {pool - d:+.2f} → '
        f'{"met" if pool - d >= target else "not met"}',
        f'- D ∪ D′ (pool) ≥ D ∪ pseudo(U): {pool:.2f} vs {pseudo:.2f} → '
        f'{"met" if pool >= pseudo else "not met"}',
        f'- D ∪ D′ ∪ pseudo(U) above both: {both:.2f} → '
        f'{"met" if both > max(pool, pseudo) else "not met"}',
    ]


def plot_gain_vs_schedule(rows: List[RowResult], path: str, title: str) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for name in ROWS[1:]:
        pts = sorted((r.iters, r.interval) for r in rows if r.row == name and r.gains)
        if not pts:
            continue
        xs = [p[0] for p in pts]
        ax.plot(xs, [p[1][0] for p in pts], marker='o', label=display(name))
        lo = [p[1][1] for p in pts]
        if not any(math.isnan(v) for v in lo):
            ax.fill_between(xs, lo, [p[1][2] for p in pts], alpha=0.12)
    ax.axhline(0, color='k', lw=0.8)
    ax.set_xscale('log', base=2)
    _finish(fig, ax, path, title, 'segmentor iterations', 'test mIoU gain over D')


def plot_gain_vs_fraction(points: Dict[str, List[Tuple[float, float]]], path: str,
                          title: str) -> None:
    """``points``: row -> [(labelled fraction, mean gain at that fraction's s*)]."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for name, pts in points.items():
        pts = sorted(pts)
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker='o', label=display(name))
    ax.axhline(0, color='k', lw=0.8)
    ax.set_xscale('log', base=2)
    _finish(fig, ax, path, title, 'labelled share of the train images', 'test mIoU gain over D')


def read_commands(path: str) -> List[str]:
    """The commands that trained an experiment's runs, in order, from its ``command.json``
    (``{"commands": [...]}``; a file of one ``"command"`` from before is read too)."""
    if not osp.exists(path):
        return []
    with open(path) as f:
        data = json.load(f)
    return list(data.get('commands', [data['command']] if 'command' in data else []))


def write_low_label_report(exp,
                           runs: List[dict],
                           conv: Dict[tuple, dict],
                           compute: dict,
                           stages,
                           partial: bool = False,
                           archive: Optional[List[dict]] = None) -> dict:
    """``WORK_DIR/low_label.{md,json}`` and the pictures; copies under
    ``benchmarks/results/<exp.results>`` when set. Returns the JSON written.

    ``archive``: every finished run of the work dir; the JSON's ``runs`` keeps them all (those
    outside this report's cells too), so an invocation for one cell never drops another's
    runs from the results file, and a lost work dir is restored from it."""
    stem = osp.join(exp.work_dir, 'low_label')
    commands = [exp.command] if exp.command else []
    if partial:  # the commands that trained the runs
        commands = read_commands(osp.join(exp.work_dir, 'command.json')) or commands
    made_by = '; then '.join(f'`{c}`' for c in commands)
    md = [
        f'Made by {made_by}.' if commands else '', '',
        ('**Partial**: the runs finished so far (the experiment resumes with the same command '
         'without `report_only`); cells with fewer runs than the settings ask for.\n'
         if partial else ''),
        'mIoU over the real classes (Dubai\'s `unlabeled` class left out) on the held-out test '
        'images (`part009` of every tile); every choice on the validation images (`part008`). '
        'Gains are paired by (fold, seed) at an equal schedule, with the 95 % t interval. '
        f'Segmentor: `{exp.segmentor}`; generators: `{exp.generator}` (D only), '
        f'`{exp.generator_pool}` (D + pool), {exp.generator_iters} iterations, D′ = '
        f'{exp.dprime_ratio:g} × |D| pairs ({exp.sampler}-{exp.steps}), mixed at ratio '
        f'{exp.mix_ratio:g}; pseudo(U) kept where the D segmentor\'s confidence ≥ '
        f'{exp.pseudo_threshold:g}; the filtered row: the pool D′ FreeMask-filtered by the '
        f'same D segmentor (class-mean losses on D\'s real images, α = {exp.filter_alpha:g}). '
        f'Stages: {stages.describe()}.', ''
    ]
    summary = {}
    fraction_points: Dict[str, List[Tuple[float, float]]] = {}
    for (enc, fraction), c in sorted(conv.items(), key=lambda kv: (kv[0][0], kv[0][1])):
        rows = cell_rows(runs, enc, fraction)
        s = c['schedule']
        key = f'{enc} 1/{round(1 / fraction)}'
        curve = ', '.join(f'{k}: {v:.2f}' for k, v in sorted(c['curve'].items()))
        verdict = (f'converged: no longer schedule better by ≥ {exp.min_gain}'
                   if c['converged'] else 'not converged: the longest schedule still gains')
        md += [
            f'## {enc} encoder, {round(100 * fraction)} % labelled (1/{round(1 / fraction)})', '',
            f'D\'s validation curve (mean over {c.get("runs", "the")} runs) {curve} → s* = {s} '
            'iterations '
            f'({verdict}).', '', f'At s* = {s}:', '',
            cell_table(rows, s), '', 'Per-class test IoU at s* (mean over the row\'s runs; '
            'in brackets its paired gain over D):', '',
            per_class_table(rows, s), '', 'Every schedule (test mIoU, gain over D):', '',
            curve_table(rows), ''
        ]
        if enc == exp.main_encoder and fraction == exp.main_fraction:
            md += ['Target (main setting):', ''] + target_check(rows, s) + ['']
            main = [
                f'{"Partial (the runs finished so far): " if partial else ""}{enc} encoder, '
                f'1/{round(1 / fraction)} of the train images labelled, s* = {s} iterations '
                f'({"converged" if c["converged"] else "not converged"} on validation); test '
                'mIoU over the real classes, gains paired by (fold, seed):', '',
                cell_table(rows, s), ''
            ]
            atomic_write_text(stem + '_main.md', '\n'.join(main))
            plot_gain_vs_schedule(rows, stem + '_schedule.png',
                                  f'{enc} encoder, 1/{round(1 / fraction)} labels')
        if enc == exp.main_encoder:
            for r in rows:
                if r.iters == s and r.gains and r.row != 'D':
                    fraction_points.setdefault(r.row, []).append((fraction, mean_std(r.gains)[0]))
        summary[key] = dict(
            schedule=s,
            converged=c['converged'],
            val_curve={
                str(k): v
                for k, v in c['curve'].items()
            },
            rows=[dataclasses.asdict(r) | dict(interval=list(r.interval)) for r in rows])
    if len({f for pts in fraction_points.values() for f, _ in pts}) > 1:
        plot_gain_vs_fraction(fraction_points, stem + '_fraction.png',
                              f'{exp.main_encoder} encoder, at each fraction\'s s*')
    if compute:
        md += [
            'Generator compute (2-core CPU; peak RSS: the largest child process so far, an '
            'upper bound):', '', '| fold, generator | train wall time | iterations | '
            'sampling wall time | peak RSS |', '|---|---|---|---|---|'
        ]
        for name, t in sorted(compute.items()):
            samp = t.get('sample_seconds')
            md.append(f'| {name} | {t["seconds"] / 60:.1f} min | {t["iters"]} | ' +
                      (f'{samp / 60:.1f} min' if samp else '') +
                      f' | {t.get("peak_rss_mib_upper_bound", "")} MiB |')
        md.append('')
    text = '\n'.join(md)
    settings = {k: v for k, v in dataclasses.asdict(exp).items() if not k.startswith('_')}
    reported = {r['name'] for r in runs}
    out = dict(
        partial=partial,
        settings=settings,
        cells=summary,
        compute=compute,
        stages=stages.data,
        runs=runs + [r for r in archive or [] if r['name'] not in reported])
    atomic_write_text(stem + '.md', text)
    atomic_write_json(stem + '.json', out)
    if exp.results:
        dest = osp.join('benchmarks', 'results', exp.results)
        for ext in ('.md', '_main.md', '.json', '_schedule.png', '_fraction.png'):
            if osp.exists(stem + ext):
                shutil.copyfile(stem + ext, dest + ext)
    print(text)
    return out
