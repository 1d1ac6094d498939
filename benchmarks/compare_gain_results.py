# Are two runs of tools/benchmark_gain.py the same experiment with the same numbers?
"""Compare the ``gain.json`` of two work dirs run by ``tools/benchmark_gain.py`` with the same
arguments (e.g. by two commits of the code): every segmentor run's metrics, and the D′ files.
Prints the verdict and writes it to ``benchmarks/results/<--results>.{json,md}``.

    # the same command from a checkout of each commit, into two work dirs:
    python tools/benchmark_gain.py --preset procedural-cpu --work-dir A --data-root DATA \\
        --generator-config model_zoo/jointddpm_unet-tiny_1xb8-2k_procedural-32x32.py \\
        --generator-checkpoint model_zoo/jointddpm_unet-tiny_1xb8-2k_procedural-32x32.pth \\
        --seeds 0 1 --ratios 1 --steps 5 --seg-iters 150 --no-dprime-only --filter-alpha 1.0
    python benchmarks/compare_gain_results.py A B --labels 5a56a71 fac510c
"""
import argparse
import filecmp
import json
import os
import os.path as osp
import sys

from satsynth_mmseg.utils import atomic_write_json, atomic_write_text

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def dprime_folders(work: str):
    return sorted(
        d for d in os.listdir(work)
        if d.startswith('dprime') and osp.isfile(osp.join(work, d, 'manifest.jsonl')))


def same_files(a: str, b: str) -> bool:
    """Every image and mask of D′ folder ``a`` is byte-identical in ``b``, and the manifests."""
    names = [
        osp.join(sub, f) for sub in ('img_dir', 'ann_dir') for f in os.listdir(osp.join(a, sub))
    ]
    names.append('manifest.jsonl')
    return all(filecmp.cmp(osp.join(a, n), osp.join(b, n), shallow=False) for n in names)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('a')
    p.add_argument('b')
    p.add_argument('--labels', nargs=2, default=['a', 'b'])
    p.add_argument('--results', default='refactor_equivalence_procedural')
    args = p.parse_args(argv)
    runs, commands = [], []
    for work in (args.a, args.b):
        with open(osp.join(work, 'gain.json')) as f:
            report = json.load(f)
        runs.append({r['name']: r['metrics'] for r in report['runs']})
        commands.append(report.get('command', ''))
    names = sorted(set(runs[0]) | set(runs[1]))
    rows = [
        dict(
            run=n,
            a=runs[0].get(n, {}).get('mIoU'),
            b=runs[1].get(n, {}).get('mIoU'),
            identical=runs[0].get(n) == runs[1].get(n)) for n in names
    ]
    folders = dprime_folders(args.a)
    files = {d: same_files(osp.join(args.a, d), osp.join(args.b, d)) for d in folders}
    same = all(r['identical'] for r in rows) and all(files.values())
    la, lb = args.labels
    md = [
        f'Same command, two commits ({la} vs {lb}): '
        f'{"identical" if same else "DIFFERENT"} results.', '',
        f'| run | mIoU {la} | mIoU {lb} | every metric identical |', '|---|---|---|---|'
    ]
    md += [f'| {r["run"]} | {r["a"]:.4f} | {r["b"]:.4f} | {r["identical"]} |' for r in rows]
    md += [
        '', 'D′ folders byte-identical (images, masks, manifest): ' +
        ', '.join(f'{d} {v}' for d, v in files.items())
    ]
    text = '\n'.join(md) + '\n'
    print(text)
    out = osp.join(REPO, 'benchmarks', 'results', args.results)
    atomic_write_text(out + '.md', text)
    atomic_write_json(
        out + '.json',
        dict(
            identical=same,
            labels=args.labels,
            runs=rows,
            dprime_files_identical=files,
            commands=commands,
            command=' '.join(sys.argv)))
    return same


if __name__ == '__main__':
    sys.exit(0 if main() else 1)
