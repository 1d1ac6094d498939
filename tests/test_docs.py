"""The front page and the docs: results tables made from their results files, the README's
size and entry links, and the table generator itself on a hand-computed case."""
import json
import os.path as osp
import re

import pytest

from satsynth_mmseg.experiments import results_tables as rt

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def tables(text: str):
    """(line, how, marker, rows) of every markdown table outside code: ``how`` is ``block``
    (inside a results block), ``history`` or ``checked`` (right after such a marker; ``marker``
    its text) or ``hand``."""
    out, fence, block, marker = [], False, False, None
    lines = text.split('\n')
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith('```'):
            fence = not fence
        if line.startswith('<!-- results:'):
            block = True
        if line.startswith('<!-- /results'):
            block = False
        m = re.match(r'^<!-- (history|checked):(.*)-->$', line)
        if m:
            marker = (m.group(1), m.group(2).strip())
        elif line.strip() and not line.startswith('|'):
            marker = None
        if line.startswith('|') and not fence:
            start = i
            while i < len(lines) and lines[i].startswith('|'):
                i += 1
            rows = lines[start:i]
            if len(rows) > 1 and re.match(r'^\|[\s:|-]*-[\s:|-]*$', rows[1]):
                how = 'block' if block else marker[0] if marker else 'hand'
                out.append((start + 1, how, marker[1] if marker and not block else '', rows))
            marker = None
            continue
        i += 1
    return out


def hand_tables(text: str, measured=r'±'):
    """(line, first row) of every table with a measurement (a row matching ``measured``, by
    default a ``±``) that is neither generated nor marked history nor checked."""
    return [(n, rows[0]) for n, how, _, rows in tables(text)
            if how == 'hand' and any(re.search(measured, r) for r in rows[2:])]


def test_results_blocks_match_their_results_files():
    stale = rt.sync(REPO, check=True)
    assert not stale, ('results tables differ from their files: ' +
                       ', '.join(f'{s.page} ({s.source})' for s in stale) +
                       '; run python -m satsynth_mmseg.experiments.results_tables')


@pytest.mark.parametrize('page', [osp.relpath(p, REPO) for p in rt.pages(REPO)])
def test_no_hand_typed_results_table(page):
    with open(osp.join(REPO, page), encoding='utf-8') as f:
        # results pages: any table of decimal numbers is a measurement
        strict = page.startswith(('docs/en/results/', 'docs/en/gpu.md'))
        found = hand_tables(f.read(), r'±|\d\.\d' if strict else r'±')
    assert not found, (f'{page}: results tables typed by hand (make them a results block, or '
                       f'mark them <!-- history: COMMAND -->): {found}')


@pytest.mark.parametrize('page', [osp.relpath(p, REPO) for p in rt.pages(REPO)])
def test_checked_tables_hold_their_files_numbers(page):
    with open(osp.join(REPO, page), encoding='utf-8') as f:
        found = [(n, m, rows) for n, how, m, rows in tables(f.read()) if how == 'checked']
    for line, marker, rows in found:
        missing = rt.unchecked_numbers('\n'.join(rows), REPO, marker.split())
        assert not missing, f'{page}:{line}: numbers not in {marker}: {missing}'


def test_hand_table_detector():
    text = ('|D| ± 1 is prose\n\n| a | b |\n|---|---|\n| x | 1 ± 2 |\n\n'
            '<!-- results: file f.md -->\n| a |\n|---|\n'
            '| 1 ± 1 |\n<!-- /results -->\n\n<!-- history: old command -->\n| a |\n|---|\n'
            '| 2 ± 1 |\n\n```\n| 3 ± 3 |\n```\n| plain | table |\n|---|---|\n')
    assert hand_tables(text) == [(3, '| a | b |')]
    text = '<!-- checked: x.json -->\n| a |\n|---|\n| 1.5 |\n'
    assert tables(text) == [(2, 'checked', 'x.json', ['| a |', '|---|', '| 1.5 |'])]


def test_readme_is_a_front_page():
    with open(osp.join(REPO, 'README.md'), encoding='utf-8') as f:
        text = f.read()
    assert len(text.split('\n')) <= 300
    # the four pages a newcomer looks for, linked from the README
    for page in ('docs/en/user_guides/train_segmentor.md',
                 'docs/en/advanced_guides/dprime_format.md',
                 'docs/en/advanced_guides/add_dataset.md', 'docs/en/results/index.md'):
        assert f']({page}' in text, page
    for target in re.findall(r'\]\(([^)#\s]+)[^)]*\)', text):
        if not re.match(r'^[a-z]+:', target):
            assert osp.exists(osp.join(REPO, target)), f'README links to a missing file {target}'


def _gain_file(tmp_path):
    runs = []
    for seed, (d, g) in enumerate([(30.0, 32.0), (31.0, 32.0), (29.0, 33.0)]):
        runs.append(dict(variant='D', ratio=0.0, seed=seed, metrics={'mIoU': d, 'IoU.a': d}))
        runs.append(
            dict(variant="D u D'", ratio=1.0, seed=seed, metrics={
                'mIoU': g,
                'IoU.a': g + 1
            }))
    path = tmp_path / 'gain.json'
    path.write_text(json.dumps(dict(runs=runs, classes=['a'])))
    return path


def test_gain_table_hand_computed(tmp_path):
    path = _gain_file(tmp_path)
    table = rt.gain_table(str(tmp_path), path.name)
    rows = table.strip().split('\n')
    assert rows[2].startswith('| D | 0 | 3 | 30.00 ± 1.00 |  |')
    # gains 2, 1, 4: mean 7/3, s = 1.5275, t95(2) = 4.303 -> half width 3.795
    assert rows[3].startswith('| D ∪ D′ | 1 | 3 | 32.33 ± 0.58 | +2.33 [-1.46, +6.13] |')
    assert rows[3].endswith('| 33.3 ± 0.6 |')
    with pytest.raises(KeyError, match='no runs of variant'):
        rt.gain_table(str(tmp_path), path.name, rows=['D + nothing'])


def test_summary_and_sync_round_trip(tmp_path):
    _gain_file(tmp_path)
    page = tmp_path / 'README.md'
    page.write_text("x\n<!-- results: summary\nset | label | gain.json | D u D'\n-->\nold\n"
                    '<!-- /results -->\ny\n')
    stale = rt.sync(str(tmp_path), check=True)
    assert [s.kind for s in stale] == ['summary'] and 'old' in page.read_text()
    assert rt.sync(str(tmp_path)) and rt.sync(str(tmp_path), check=True) == []
    text = page.read_text()
    assert '| set | label | 3 | 30.00 ± 1.00 | 32.33 ± 0.58 | **+2.33 [-1.46, +6.13]** |' in text
    assert text.startswith('x\n') and text.endswith('<!-- /results -->\ny\n')


def test_missing_results_file_is_named(tmp_path):
    (tmp_path / 'README.md').write_text('<!-- results: file nope.md -->\n<!-- /results -->\n')
    with pytest.raises(FileNotFoundError, match='nope.md'):
        rt.sync(str(tmp_path))
