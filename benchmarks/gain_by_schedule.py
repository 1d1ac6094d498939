# The paired gain of D ∪ D′ over D against the segmentor's schedule, from results files.
"""Plot and tabulate each variant's mIoU gain over D (D trained as many iterations) against
the segmentor's iterations, from several tools/benchmark_gain.py results files:

    .venv/bin/python benchmarks/gain_by_schedule.py \\
        benchmarks/results/gain_dubai_cpu_m2i_alpha1.0_5seeds.json \\
        benchmarks/results/gain_dubai_cpu_m2i_seg2k_5seeds.json \\
        benchmarks/results/gain_dubai_cpu_m2i_seg4k_5seeds.json \\
        --target 3.0 --out benchmarks/results/gain_dubai_cpu_m2i_schedule

writes OUT.png and OUT.md.
"""
import argparse
import json

from satsynth_mmseg.experiments.report import display, gain_by_schedule, plot_gain_by_schedule
from satsynth_mmseg.utils.atomic_io import atomic_write_text


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('results', nargs='+', help='gain.json files (benchmarks/results/<NAME>.json)')
    p.add_argument('--out', required=True, help='output stem: OUT.png and OUT.md')
    p.add_argument('--target', type=float, help='draw this gain as a dashed line')
    p.add_argument('--title', default='D ∪ D′ against D trained as long')
    args = p.parse_args(argv)
    loaded = []
    for path in args.results:
        with open(path) as f:
            loaded.append(json.load(f))
    points = gain_by_schedule(loaded)
    if not points:
        raise SystemExit(f'no D u D\' rows at an equal schedule in {args.results}')
    lines = [
        f'{args.title}; from: ' + ', '.join(f'`{r}`' for r in args.results), '',
        '| training set | D′ pairs | iterations | seeds | mean gain | per seed |',
        '|---|---|---|---|---|---|'
    ]
    for pt in points:
        m, s = pt.mean_std
        lines.append(f'| {display(pt.variant)} | {pt.n_synthetic} | {pt.iters} | '
                     f'{len(pt.seeds)} | {m:+.2f} ± {s:.2f} | ' +
                     ', '.join(f'{g:+.2f}' for g in pt.gains) + ' |')
    md = '\n'.join(lines) + '\n'
    atomic_write_text(args.out + '.md', md)
    plot_gain_by_schedule(points, args.out + '.png', args.title, args.target)
    print(md)
    return points


if __name__ == '__main__':
    main()
