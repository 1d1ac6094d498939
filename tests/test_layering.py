"""The package's imports run one way: a test that walks them with ``ast``.

Every subpackage has a layer (:data:`LAYERS`, bottom first). A module may import modules of
its own subpackage and of *lower* layers only; subpackages of one layer are independent. The
package's face, ``satsynth_mmseg/__init__.py``, stands above everything and nothing inside
imports it. On top of that, no two modules import each other through any chain (no cycles),
and imports of the package's own modules sit at the top of a file, not inside functions,
except where :data:`LOCAL_IMPORTS_ALLOWED` says why.

The dependency table in ``docs/en/advanced_guides/architecture.md`` (between the ``layers``
markers) is made from the same walk; ``python tests/test_layering.py`` rewrites it after a change.
"""
import ast
import os
import os.path as osp
import sys
from collections import defaultdict
from typing import Dict, List, Set, Tuple

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PACKAGE = 'satsynth_mmseg'
DOC = osp.join(REPO, 'docs', 'en', 'advanced_guides', 'architecture.md')
BEGIN, END = '<!-- layers:begin -->', '<!-- layers:end -->'

#: subpackages by layer, bottom first; each line may import only the lines above it
LAYERS: List[Tuple[str, ...]] = [
    ('utils', ),
    ('bits', 'diffusion', 'visualization'),
    ('models', 'evaluation', 'datasets'),
    ('generation', 'engine'),
    ('experiments', ),
    ('cli', ),
]

#: ``module -> reason`` for function-local imports of the package's own modules
LOCAL_IMPORTS_ALLOWED: Dict[str, str] = {}


def _module_name(path: str) -> str:
    rel = osp.relpath(path, REPO)[:-3].replace(os.sep, '.')
    return rel[:-len('.__init__')] if rel.endswith('.__init__') else rel


def _modules() -> Dict[str, str]:
    out = {}
    for d, _, files in os.walk(osp.join(REPO, PACKAGE)):
        for f in files:
            if f.endswith('.py'):
                out[_module_name(osp.join(d, f))] = osp.join(d, f)
    return out


def _targets(node, module: str, is_package: bool, modules: Dict[str, str]) -> List[str]:
    """The package modules an import statement loads (a ``from P import n`` loads ``P.n``
    when that is a module, else ``P``)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name.split('.')[0] == PACKAGE]
    if node.level:
        base = module.split('.') if is_package else module.split('.')[:-1]
        base = base[:len(base) - node.level + 1]
        src = '.'.join(base + ([node.module] if node.module else []))
    else:
        src = node.module or ''
    if src.split('.')[0] != PACKAGE:
        return []
    out = []
    for a in node.names:
        sub = f'{src}.{a.name}'
        out.append(sub if sub in modules else src)
    return sorted(set(out))


def import_graph():
    """``(edges, local)``: module -> imported package modules (every import statement), and
    module -> those imported inside a function or class body."""
    modules = _modules()
    edges: Dict[str, Set[str]] = defaultdict(set)
    local: Dict[str, Set[str]] = defaultdict(set)
    for module, path in modules.items():
        with open(path) as f:
            tree = ast.parse(f.read(), path)
        top = {id(n) for n in tree.body}
        for n in tree.body:  # `if TYPE_CHECKING:` / try-blocks at module level count as top
            if isinstance(n, (ast.If, ast.Try)):
                top |= {id(c) for c in ast.walk(n)}
        is_package = path.endswith('__init__.py')
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for t in _targets(node, module, is_package, modules):
                    if t != module:
                        edges[module].add(t)
                        if id(node) not in top:
                            local[module].add(t)
    return edges, local


def subpackage(module: str) -> str:
    parts = module.split('.')
    return parts[1] if len(parts) > 1 and parts[1] != 'version' else ''


def layer_of(sub: str) -> int:
    if sub == '':
        return len(LAYERS)  # the face
    for i, names in enumerate(LAYERS):
        if sub in names:
            return i
    raise AssertionError(f'{PACKAGE}/{sub} has no layer: add it to LAYERS in {__file__}')


def upward_imports(edges) -> List[str]:
    bad = []
    for a, bs in sorted(edges.items()):
        for b in sorted(bs):
            sa, sb = subpackage(a), subpackage(b)
            if sa == sb or (sa == '' and b == f'{PACKAGE}.version'):
                continue
            if b == PACKAGE or layer_of(sb) >= layer_of(sa):
                bad.append(f'{a} -> {b}')
    return bad


def cycles(edges) -> List[List[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def dependency_table(edges) -> str:
    """The markdown table of ``docs/en/advanced_guides/architecture.md``: layer, subpackage,
    what it imports."""
    deps: Dict[str, Set[str]] = defaultdict(set)
    for a, bs in edges.items():
        for b in bs:
            sa, sb = subpackage(a), subpackage(b)
            if sa and sb and sa != sb:
                deps[sa].add(sb)
    lines = ['| layer | subpackage | imports (measured) |', '|---|---|---|']
    for i in reversed(range(len(LAYERS))):
        for name in LAYERS[i]:
            used = ', '.join(f'`{d}`'
                             for d in sorted(deps[name], key=lambda d: (layer_of(d), d))) or '—'
            lines.append(f'| {i} | `{name}/` | {used} |')
    return '\n'.join(lines)


def _doc_parts():
    with open(DOC) as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        raise AssertionError(f'{DOC} has no {BEGIN} ... {END} block')
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head, tail


def test_every_subpackage_has_a_layer():
    subs = {subpackage(m) for m in _modules()} - {''}
    named = {n for names in LAYERS for n in names}
    assert subs == named, f'not in LAYERS: {sorted(subs - named)}; gone: {sorted(named - subs)}'


def test_no_upward_imports():
    edges, _ = import_graph()
    assert upward_imports(edges) == []


def test_no_import_cycles():
    edges, _ = import_graph()
    assert cycles(edges) == []


def test_no_function_local_self_imports():
    _, local = import_graph()
    found = {m: sorted(t) for m, t in local.items() if m not in LOCAL_IMPORTS_ALLOWED}
    assert found == {}


def test_the_checker_sees_a_planted_violation():
    edges = {
        f'{PACKAGE}.utils.a': {f'{PACKAGE}.cli.b'},
        f'{PACKAGE}.cli.b': {f'{PACKAGE}.utils.a'},
        f'{PACKAGE}.models.x': {f'{PACKAGE}.datasets.y', PACKAGE},
    }
    assert upward_imports(edges) == [
        f'{PACKAGE}.models.x -> {PACKAGE}', f'{PACKAGE}.models.x -> {PACKAGE}.datasets.y',
        f'{PACKAGE}.utils.a -> {PACKAGE}.cli.b'
    ]
    assert cycles(edges) == [[f'{PACKAGE}.cli.b', f'{PACKAGE}.utils.a']]


def test_architecture_doc_table_is_the_measured_one():
    edges, _ = import_graph()
    head, tail = _doc_parts()
    with open(DOC) as f:
        text = f.read()
    expected = f'{head}{BEGIN}\n{dependency_table(edges)}\n{END}{tail}'
    assert text == expected, ('docs/en/advanced_guides/architecture.md is stale: run python '
                              'tests/test_layering.py')


if __name__ == '__main__':
    head, tail = _doc_parts()
    with open(DOC, 'w') as f:
        f.write(f'{head}{BEGIN}\n{dependency_table(import_graph()[0])}\n{END}{tail}')
    print(f'wrote the layer table of {DOC}')
