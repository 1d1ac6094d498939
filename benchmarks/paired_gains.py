# Per-seed mIoU gains over D from a tools/benchmark_gain.py results file.
"""Print every variant's gain over D seed by seed (the same seed's D run), as the README's
"per seed" columns quote them:

    .venv/bin/python benchmarks/paired_gains.py \
        benchmarks/results/gain_dubai_cpu_m2i_pretrain.json
    # against the D runs of another results file (same seeds), e.g. D trained 2000 iterations:
    .venv/bin/python benchmarks/paired_gains.py \
        benchmarks/results/gain_dubai_cpu_m2i_pretrain.json \
        --baseline benchmarks/results/gain_dubai_cpu_m2i_seg2k.json
"""
import argparse
import json

from satsynth_mmseg.experiments.report import display, paired_gains


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('results', help='a gain.json (benchmarks/results/<NAME>.json)')
    p.add_argument('--baseline', help='take the D runs from this results file instead')
    args = p.parse_args(argv)
    with open(args.results) as f:
        runs = json.load(f)['runs']
    baseline = None
    if args.baseline:
        with open(args.baseline) as f:
            baseline = json.load(f)['runs']
    rows = paired_gains(runs, baseline)
    print('| training set | R | seeds | iterations (run / D) | mean gain | per seed |\n'
          '|---|---|---|---|---|---|')
    for row in rows:
        r = '–' if row.ratio is None else f'{row.ratio:g}'
        print(f'| {display(row.variant)} | {r} | {row.seeds} | {schedule(row)} | '
              f'{row.mean:+.2f} | ' + ', '.join(f'{g:+.2f}' for g in row.gains) + ' |')
    unequal = [display(row.variant) for row in rows if not row.equal_schedule]
    if unequal:
        print('\nnot at an equal schedule (these runs trained a different number of iterations '
              'in all than their D runs; --baseline takes D runs trained as long from another '
              'results file): ' + '; '.join(unequal))
    return rows


def schedule(row) -> str:
    """'1000 / 1000', or every distinct pair when seeds differ ('?' where a run does not say)."""
    pairs = sorted({(i, d) for i, d in zip(row.iters, row.d_iters)}, key=str)
    return ', '.join(f'{"?" if i is None else i} / {"?" if d is None else d}' for i, d in pairs)


if __name__ == '__main__':
    main()
