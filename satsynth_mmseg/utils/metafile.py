"""The ``metafile.yml`` beside each config family (mmseg's schema) and the results table
that each family's ``README.md`` shows from it.

The table sits between ``<!-- metafile:begin -->`` and ``<!-- metafile:end -->``;
``python -m satsynth_mmseg.utils.metafile`` rewrites every family's, and a test fails when one
is stale, so a README and its metafile cannot disagree.
"""
from __future__ import annotations
import glob
import os.path as osp
import re
import sys
from typing import Dict, List

import yaml

BEGIN, END = '<!-- metafile:begin -->', '<!-- metafile:end -->'


def read_metafile(path: str) -> Dict:
    """The parsed metafile (``Collections``, ``Models``)."""
    with open(path, encoding='utf-8') as f:
        data = yaml.safe_load(f) or {}
    for key in ('Collections', 'Models'):
        if not isinstance(data.get(key), list):
            raise ValueError(f'{path}: no {key} list (mmseg metafile schema)')
    return data


def results_table(data: Dict) -> str:
    """A markdown table: one row per model, its metrics, iterations and weights."""
    metrics: List[str] = []
    for m in data['Models']:
        for k in m['Results']['Metrics']:
            if k not in metrics:
                metrics.append(k)
    lines = [
        '| model | dataset | iterations | ' + ' | '.join(metrics) + ' | config | weights |',
        '|---|---|---|' + '---|' * len(metrics) + '---|---|'
    ]
    for m in data['Models']:
        vals = [str(m['Results']['Metrics'].get(k, '')) for k in metrics]
        weights = (f'`{m["Weights"]}` (SHA-256 `{m["Metadata"]["SHA256"][:12]}…`)'
                   if m.get('Weights') else 'not released')
        lines.append(f'| {m["Name"]} | {m["Results"]["Dataset"]} | '
                     f'{m["Metadata"]["Training Iterations"]} | ' + ' | '.join(vals) +
                     f' | [config]({osp.basename(m["Config"])}) | {weights} |')
    return '\n'.join(lines)


def with_table(readme_text: str, table: str, path: str = 'README.md') -> str:
    """``readme_text`` with the text between the markers replaced by ``table``."""
    pattern = re.compile(re.escape(BEGIN) + '.*?' + re.escape(END), re.S)
    if not pattern.search(readme_text):
        raise ValueError(f'{path} has no {BEGIN} ... {END} block for its results table')
    return pattern.sub(lambda _: f'{BEGIN}\n{table}\n{END}', readme_text)


def family_metafiles(repo: str) -> List[str]:
    """Every ``configs/*/metafile.yml``."""
    return sorted(glob.glob(osp.join(repo, 'configs', '*', 'metafile.yml')))


def main(repo: str) -> int:
    """Rewrite the results table of every family README; returns how many changed."""
    changed = 0
    for meta in family_metafiles(repo):
        readme = osp.join(osp.dirname(meta), 'README.md')
        with open(readme, encoding='utf-8') as f:
            old = f.read()
        new = with_table(old, results_table(read_metafile(meta)), readme)
        if new != old:
            with open(readme, 'w', encoding='utf-8') as f:
                f.write(new)
            changed += 1
            print(f'wrote the results table of {readme}')
    return changed


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) >
         1 else osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))
