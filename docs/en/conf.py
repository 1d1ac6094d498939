# Sphinx configuration of the satsynth-mmseg docs (Sphinx + MyST, as OpenMMLab projects do).
# Build: bash tools/build_docs.sh (warnings are errors: broken links and anchors fail it).
import os
import os.path as osp
import re
import sys

DOCS = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(osp.dirname(DOCS))
sys.path.insert(0, ROOT)
sys.path.insert(0, DOCS)

project = 'satsynth-mmseg'
author = 'the satsynth-mmseg developers'
copyright = '2026, ' + author

extensions = ['myst_parser', 'sphinx.ext.autodoc', 'sphinx.ext.napoleon']
source_suffix = {'.md': 'markdown'}
exclude_patterns = ['_build']
myst_heading_anchors = 4
myst_enable_extensions = ['colon_fence']
# ``repofile:PATH`` (made by _repo_links below): a plain relative link, not a document
myst_url_schemes = {
    'http': None,
    'https': None,
    'mailto': None,
    'repofile': {
        'url': '{{path}}{{fragment}}'
    },
}
html_theme = 'furo'
html_title = 'satsynth-mmseg'
autodoc_typehints = 'description'
autodoc_member_order = 'bysource'
napoleon_google_docstring = True
napoleon_numpy_docstring = False
# the package's own docstrings quote tensors and shapes in reST; unresolved cross-references
# in them (type names of torch, mmengine) are not broken links of these pages
nitpicky = False
suppress_warnings = ['myst.header']

#: where links to repository files (outside docs/en) point: the source tree by default, so a
#: local build links to the files beside it; SATSYNTH_DOCS_SOURCE_URL for a hosted copy
SOURCE_URL = os.environ.get('SATSYNTH_DOCS_SOURCE_URL')
LINK = re.compile(r'(!?)(\[[^\]]*\])\(([^)\s#]+)(#[^)\s]*)?\)')


def _repo_links(app, docname, source):
    """Rewrite links to repository files outside ``docs/en`` (results files, configs, the
    model zoo) into plain URLs; a link to a file that does not exist is left alone, so MyST
    reports it (and ``-W`` fails the build)."""
    page_dir = osp.dirname(osp.join(DOCS, docname))
    out_dir = osp.dirname(osp.join(app.outdir, docname))

    def rep(m):
        bang, text, target, frag = m.group(1), m.group(2), m.group(3), m.group(4) or ''
        if bang or re.match(r'^[a-z]+:', target):
            return m.group(0)
        full = osp.normpath(osp.join(page_dir, target))
        if full.startswith(DOCS + os.sep) or not osp.exists(full):
            return m.group(0)
        if SOURCE_URL:
            return f'{text}({SOURCE_URL.rstrip("/")}/{osp.relpath(full, ROOT)}{frag})'
        return f'{text}(repofile:{osp.relpath(full, out_dir)}{frag})'

    source[0] = LINK.sub(rep, source[0])


def _generate(app):
    import cli_reference
    cli_reference.write(osp.join(DOCS, '_generated', 'cli.md'))


def setup(app):
    app.connect('builder-inited', _generate)
    app.connect('source-read', _repo_links)
