"""Writes the CLI reference page from the argument parsers of ``satsynth_mmseg.cli``.

Each ``tools/*.py`` is a shim over ``satsynth_mmseg.cli.<name>.main``; the page shows what
``--help`` prints for each, so it cannot disagree with the code.
"""
import contextlib
import importlib
import io
import os
import os.path as osp
import sys

#: tool path -> cli module, in the order a user meets them
TOOLS = [
    ('tools/train.py', 'train'),
    ('tools/test.py', 'test'),
    ('tools/generate.py', 'generate'),
    ('tools/filter_synthetic.py', 'filter_synthetic'),
    ('tools/pseudo_label.py', 'pseudo_label'),
    ('tools/evaluate_generator.py', 'evaluate_generator'),
    ('tools/benchmark_gain.py', 'benchmark_gain'),
    ('tools/benchmark_low_label.py', 'benchmark_low_label'),
    ('tools/sdm_scarce.py', 'sdm_scarce'),
    ('tools/benchmark_super_res.py', 'benchmark_super_res'),
    ('tools/evaluate_super_res.py', 'evaluate_super_res'),
    ('tools/export_generator.py', 'export_generator'),
    ('tools/export_encoder.py', 'export_encoder'),
    ('tools/analyze_dataset.py', 'analyze_dataset'),
    ('tools/analyze_bands.py', 'analyze_bands'),
    ('tools/dataset_converters/dubai_aerial.py', 'convert_dubai_aerial'),
    ('tools/dataset_converters/sen1floods11.py', 'convert_sen1floods11'),
    ('tools/dataset_converters/procedural_scenes.py', 'make_procedural_scenes'),
]


def help_text(module: str, prog: str) -> str:
    """What ``prog --help`` prints (the module's ``parse_args``)."""
    mod = importlib.import_module(f'satsynth_mmseg.cli.{module}')
    buf = io.StringIO()
    env, argv0 = os.environ.get('COLUMNS'), sys.argv[0]
    os.environ['COLUMNS'] = '100'
    sys.argv[0] = prog  # argparse names the program after it
    try:
        with contextlib.redirect_stdout(buf):
            try:
                mod.parse_args(['--help'])
            except SystemExit:
                pass
    finally:
        sys.argv[0] = argv0
        if env is None:
            os.environ.pop('COLUMNS', None)
        else:
            os.environ['COLUMNS'] = env
    return buf.getvalue()


def write(path: str) -> None:
    lines = [
        '# Command-line reference', '',
        'Every tool takes `-h`; this page is what each prints (made from the argument parsers '
        'when the docs are built). The tools are thin: each parses, builds a typed spec and '
        'calls the library (`satsynth_mmseg.cli.<name>`).', ''
    ]
    for prog, module in TOOLS:
        lines += [f'## `{prog}`', '', '```text', help_text(module, prog).rstrip(), '```', '']
    text = '\n'.join(lines)
    os.makedirs(osp.dirname(path), exist_ok=True)
    if not osp.exists(path) or open(path, encoding='utf-8').read() != text:
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
