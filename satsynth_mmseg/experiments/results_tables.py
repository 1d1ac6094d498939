"""Results tables in the docs, made from the results files so that they cannot drift.

A markdown page marks a generated table with an HTML comment that names its source; the text
between the comment and ``<!-- /results -->`` is rewritten from that source by :func:`sync`
(``python -m satsynth_mmseg.experiments.results_tables``) and checked by the test suite::

    <!-- results: file benchmarks/results/encoder_pretraining.md -->
    (the file's text, verbatim: the tables its benchmark wrote from its JSON)
    <!-- /results -->

    <!-- results: gain benchmarks/results/gain_dubai_cpu.json -->
    (one row per training set: mIoU mean ± std, the paired gain over D with its 95 % interval,
    per-class IoU)
    <!-- /results -->

    <!-- results: summary
    Dubai ÷8 | filtered SDM-style D′ | benchmarks/results/X.json | D u D' mask2img filtered
    -->
    (one row per line: setting, D′, D and D ∪ D′ mIoU, the paired gain and its interval)
    <!-- /results -->

A table the generator does not make (a layout of its own) is instead *checked*: a
``<!-- checked: FILE [FILE ...] -->`` line right above it names the JSON results files, and
:func:`unchecked_numbers` lists every decimal number of the table that none of them holds at
that rounding (as a value or as a percentage of one).

A ``gain`` block takes ``rows="NAME|NAME"`` (variants to show, in that order; shell quoting)
after the path.
A ``summary`` line may name a fifth field, the results file whose ``D`` runs are the
reference (e.g. D trained as many iterations in all).
"""
from __future__ import annotations
import argparse
import dataclasses
import glob
import json
import os.path as osp
import re
import shlex
import sys
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import List, Optional, Sequence

from ..utils.atomic_io import atomic_write_text
from .report import display, mean_std, paired_gains, paired_interval

BLOCK = re.compile(r'(<!-- results: (\w+)(.*?)-->\n)(.*?)(<!-- /results -->)', re.S)


@dataclasses.dataclass
class StaleBlock:
    """A generated block whose text differs from what its source gives."""
    page: str
    kind: str
    source: str


def _read(root: str, path: str) -> str:
    """The text of a results file named by a block, relative to the repository root."""
    full = osp.join(root, path)
    if not osp.isfile(full):
        raise FileNotFoundError(f'results file {path!r} (named by a results block) not found')
    with open(full, encoding='utf-8') as f:
        return f.read()


def _load(root: str, path: str):
    """A JSON results file, or a JSON-lines one (a training log) as a list of its lines."""
    text = _read(root, path)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def _fmt_gain(gains: Sequence[float]) -> str:
    m, lo, hi = paired_interval(gains)
    if lo != lo:  # one pair: no interval
        return f'{m:+.2f}'
    return f'{m:+.2f} [{lo:+.2f}, {hi:+.2f}]'


def gain_table(root: str, path: str, rows: Optional[List[str]] = None) -> str:
    """Markdown table of one ``tools/benchmark_gain.py`` results file.

    Args:
        root: the repository root the path is relative to.
        path: a ``gain*.json`` (its ``runs``: variant, ratio, seed, metrics).
        rows: variant names to show, in this order (default: every variant, run order).

    Returns:
        One row per (variant, R): seeds, mIoU mean ± sample std, the paired gain over the same
        seed's D run with its 95 % t interval, and per-class IoU mean ± std.
    """
    data = _load(root, path)
    return gain_markdown(data['runs'], data.get('classes') or [], rows, source=path)


def gain_markdown(runs: List[dict],
                  classes: Sequence[str],
                  rows: Optional[List[str]] = None,
                  source: str = 'the runs') -> str:
    """The table of :func:`gain_table` for ``runs`` (a ``gain.json``'s) and ``classes``."""
    keys = []
    for r in runs:
        if (r['variant'], r['ratio']) not in keys:
            keys.append((r['variant'], r['ratio']))
    if rows:
        missing = [v for v in rows if v not in {k[0] for k in keys}]
        if missing:
            raise KeyError(f'{source}: no runs of variant(s) {missing}; it has '
                           f'{sorted({k[0] for k in keys})}')
        keys = [k for v in rows for k in keys if k[0] == v]
    gains = {(g.variant, g.ratio): g for g in paired_gains(runs)}
    lines = [
        '| training set | R | seeds | mIoU | gain over D [95 % CI] | ' + ' | '.join(classes) + ' |',
        '|---|---|---|---|---|' + '---|' * len(classes)
    ]
    for variant, ratio in keys:
        group = [r for r in runs if (r['variant'], r['ratio']) == (variant, ratio)]
        m, sd = mean_std([r['metrics']['mIoU'] for r in group])
        g = gains.get((variant, ratio))
        gain = '' if g is None or variant == 'D' else _fmt_gain(g.gains)
        cells = []
        for c in classes:
            cm, cs = mean_std([r['metrics'].get(f'IoU.{c}') for r in group])
            cells.append(f'{cm:.1f} ± {cs:.1f}')
        r_txt = '–' if ratio is None else f'{ratio:g}'
        lines.append(f'| {display(variant)} | {r_txt} | {len(group)} | {m:.2f} ± {sd:.2f} | '
                     f'{gain} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def summary_table(root: str, spec: str) -> str:
    """The status table: one line of ``spec`` per row (see the module docstring)."""
    lines = [
        '| setting | D′ | paired runs | D mIoU | with D′ | gain [95 % CI] |',
        '|---|---|---|---|---|---|'
    ]
    for raw in spec.strip().splitlines():
        if not raw.strip():
            continue
        fields = [f.strip() for f in raw.split('|')]
        if len(fields) not in (4, 5):
            raise ValueError(f'a summary line has 4 or 5 fields separated by |, got {raw!r}')
        setting, label, path, variant = fields[:4]
        runs = _load(root, path)['runs']
        base = _load(root, fields[4])['runs'] if len(fields) == 5 else None
        ref = {r['seed']: r for r in (base or runs) if r['variant'] == 'D'}
        group = [r for r in runs if r['variant'] == variant and r['seed'] in ref]
        if not group:
            raise KeyError(f'{path}: no runs of variant {variant!r} paired with a D run')
        g = [x for x in paired_gains(runs, base) if x.variant == variant][0]
        dm, ds = mean_std([ref[r['seed']]['metrics']['mIoU'] for r in group])
        vm, vs = mean_std([r['metrics']['mIoU'] for r in group])
        lines.append(f'| {setting} | {label} | {len(group)} | {dm:.2f} ± {ds:.2f} | '
                     f'{vm:.2f} ± {vs:.2f} | **{_fmt_gain(g.gains)}** |')
    return '\n'.join(lines) + '\n'


def _numbers(obj) -> List[float]:
    if isinstance(obj, bool):
        return []
    if isinstance(obj, (int, float)):
        return [float(obj)]
    if isinstance(obj, str):
        try:
            return [float(obj)]
        except ValueError:
            return []
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, (list, tuple)):
        return [x for v in obj for x in _numbers(v)]
    return []


def _file_numbers(root: str, path: str) -> List[Decimal]:
    """The numbers of a results file: every value of a JSON (or JSON-lines) file, every
    decimal number written in a markdown one."""
    if path.endswith('.md'):
        return [Decimal(t) for t in re.findall(r'\d+\.\d+', _read(root, path))]
    return [Decimal(repr(v)) for v in _numbers(_load(root, path))]


def unchecked_numbers(table: str, root: str, paths: Sequence[str]) -> List[str]:
    """The decimal numbers of a markdown ``table`` that no results file of ``paths`` holds.

    A number with d decimals is found when some value v of the files (JSON values, or the
    numbers of a markdown results file) rounds to it at d decimals, as itself or as a
    percentage (100 v). Targets (right after ``≥``, ``≤``, ``>`` or ``<``) and file sizes
    (followed by ``MB``, ``MiB``, ``kB`` or ``GB``) are not measurements and are skipped.
    """
    values = [v for p in paths for v in _file_numbers(root, p)]
    missing = []
    for m in re.finditer(r'(?<![\w.])[-+−]?\d+\.\d+', table):
        tok = m.group(0)
        if re.search(r'[≥≤<>]\s*$', table[:m.start()]) or re.match(r'\s*(MB|MiB|kB|GB)\b',
                                                                   table[m.end():]):
            continue
        x = Decimal(tok.replace('−', '-'))
        q = Decimal(1).scaleb(x.as_tuple().exponent)
        if not any(
                v.quantize(q, rounding) == x or (100 * v).quantize(q, rounding) == x for v in values
                for rounding in (ROUND_HALF_UP, ROUND_HALF_EVEN)):
            missing.append(tok)
    return missing


def render(root: str, kind: str, args: str) -> str:
    """The text of one block (``kind``: ``file``, ``gain`` or ``summary``)."""
    if kind == 'summary':
        return summary_table(root, args)
    parts = shlex.split(args)
    if not parts:
        raise ValueError(f'a {kind!r} results block names its results file')
    path, opts = parts[0], dict(p.split('=', 1) for p in parts[1:])
    if kind == 'file':
        return _read(root, path).rstrip('\n') + '\n'
    if kind == 'gain':
        rows = opts.get('rows')
        return gain_table(root, path, rows.split('|') if rows else None)
    raise ValueError(f'unknown results block kind {kind!r} (file, gain, summary)')


def sync_text(text: str, root: str) -> str:
    """``text`` with every results block rewritten from its source."""

    def rep(m):
        return m.group(1) + render(root, m.group(2), m.group(3)) + m.group(5)

    return BLOCK.sub(rep, text)


def pages(root: str) -> List[str]:
    """The pages that may hold results blocks: the README and every page under docs/ and
    configs/."""
    found = [osp.join(root, 'README.md')]
    for pattern in ('docs/**/*.md', 'configs/**/*.md', 'model_zoo/*.md'):
        found += sorted(glob.glob(osp.join(root, pattern), recursive=True))
    return [p for p in found if osp.isfile(p) and '_build' not in p]


def sync(root: str, check: bool = False) -> List[StaleBlock]:
    """Rewrite (or with ``check`` only list) every stale results block under ``root``."""
    stale = []
    for page in pages(root):
        with open(page, encoding='utf-8') as f:
            text = f.read()
        new = sync_text(text, root)
        if new == text:
            continue
        for old, cur in zip(BLOCK.finditer(text), BLOCK.finditer(new)):
            if old.group(4) != cur.group(4):
                stale.append(
                    StaleBlock(
                        osp.relpath(page, root), old.group(2),
                        old.group(3).strip().split('\n')[0]))
        if not check:
            atomic_write_text(page, new)
    return stale


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        description='Rewrite the generated results tables of the README and docs from '
        'benchmarks/results/ (--check: only report stale ones, exit 1 if any).')
    p.add_argument('--root', default='.', help='repository root')
    p.add_argument('--check', action='store_true')
    args = p.parse_args(argv)
    stale = sync(osp.abspath(args.root), check=args.check)
    for s in stale:
        print(f'{"stale" if args.check else "rewrote"}: {s.page} ({s.kind} {s.source})')
    return 1 if (stale and args.check) else 0


if __name__ == '__main__':
    sys.exit(main())
