"""Every config family has a README and an mmseg-schema metafile; every
metafile entry's config and weights exist, the weights have the entry's SHA-256 and the model
zoo's, and each family README shows the table generated from its metafile."""
import os.path as osp

import pytest

from satsynth_mmseg.generation import file_sha256
from satsynth_mmseg.utils.metafile import family_metafiles, read_metafile, results_table, with_table
from tests.conftest import REPO

METAFILES = family_metafiles(REPO)


def _zoo_rows():
    """(file, sha256) of every row of model_zoo/README.md's tables (generators, encoders)."""
    rows = []
    with open(osp.join(REPO, 'model_zoo', 'README.md'), encoding='utf-8') as f:
        for line in f:
            cells = [c.strip(' `') for c in line.strip().strip('|').split('|')]
            files = [c for c in cells if c.endswith('.pth') and '/' not in c]
            shas = [c for c in cells if len(c) == 64 and all(x in '0123456789abcdef' for x in c)]
            if files and shas:
                rows.append((osp.join(REPO, 'model_zoo', files[0]), shas[0]))
    return rows


def test_the_families_with_weights_have_metafiles():
    names = {osp.basename(osp.dirname(m)) for m in METAFILES}
    assert {'joint_ddpm', 'mask2img', 'joint_sr', 'pretrain', 'satsynth'} <= names


def test_every_config_family_has_a_readme_and_a_metafile():
    import glob
    families = [
        d for d in sorted(glob.glob(osp.join(REPO, 'configs', '*')))
        if osp.isdir(d) and osp.basename(d) not in (
            '_base_', 'experiments') and glob.glob(osp.join(d, '*.py'))
    ]
    assert len(families) >= 6
    for d in families:
        assert osp.isfile(osp.join(d, 'README.md')), f'{d} has no README.md'
        assert osp.join(d, 'metafile.yml') in METAFILES, f'{d} has no metafile.yml'


@pytest.mark.parametrize('path', METAFILES, ids=lambda p: osp.basename(osp.dirname(p)))
def test_every_entry_exists_and_its_checksum_matches(path):
    data = read_metafile(path)
    collections = {c['Name'] for c in data['Collections']}
    zoo = {osp.relpath(f, REPO): sha for f, sha in _zoo_rows()}
    for m in data['Models']:
        assert m['In Collection'] in collections, m['Name']
        assert osp.isfile(osp.join(REPO, m['Config'])), m['Config']
        assert m['Results']['Metrics'], m['Name']
        if 'Weights' not in m:  # a family without released weights (the segmentors) names
            # the results file its numbers come from, and they are in it
            from satsynth_mmseg.experiments.results_tables import unchecked_numbers
            source = m['Results']['Source']
            assert not unchecked_numbers(str(m['Results']['Metrics']), REPO, [source]), m['Name']
            continue
        weights = osp.join(REPO, m['Weights'])
        assert osp.isfile(weights), m['Weights']
        assert file_sha256(weights) == m['Metadata']['SHA256'], m['Name']
        assert zoo.get(m['Weights']) == m['Metadata']['SHA256'], f'{m["Weights"]}: zoo row'
        assert m['Results']['Metrics'], m['Name']


def test_every_zoo_release_is_in_a_metafile():
    listed = {m.get('Weights') for p in METAFILES for m in read_metafile(p)['Models']}
    assert {osp.relpath(f, REPO) for f, _ in _zoo_rows()} <= listed


@pytest.mark.parametrize('path', METAFILES, ids=lambda p: osp.basename(osp.dirname(p)))
def test_the_family_readme_shows_the_metafile_table(path):
    readme = osp.join(osp.dirname(path), 'README.md')
    with open(readme, encoding='utf-8') as f:
        text = f.read()
    assert with_table(
        text, results_table(read_metafile(path)),
        readme) == text, (f'{readme} is stale: run python -m satsynth_mmseg.utils.metafile')


def test_a_stale_or_markerless_readme_is_caught():
    data = {'Collections': [], 'Models': []}
    with pytest.raises(ValueError, match='no <!-- metafile:begin -->'):
        with_table('# a README without the block', results_table(data))
