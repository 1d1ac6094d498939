"""The D′ folder format: a folder of the earlier release still loads, and a damaged one is
refused at build time naming the files (satsynth_mmseg.datasets.dprime_format)."""
import json
import os
import os.path as osp
import shutil

import pytest
from mmengine.registry import init_default_scope

from mmseg.registry import DATASETS
from satsynth_mmseg.datasets import dprime_format as fmt
from satsynth_mmseg.datasets.synthetic_sampling import manifest_records
from satsynth_mmseg.utils import DataError, IncompleteOutputError

V1 = osp.join(osp.dirname(__file__), 'data', 'dprime_v1_procedural')


@pytest.fixture
def v1(tmp_path):
    out = str(tmp_path / 'dprime')
    shutil.copytree(V1, out)
    return out


def build(folder, **kwargs):
    return DATASETS.build(
        dict(type='SyntheticPairsDataset', data_root=folder, pipeline=[], **kwargs))


def test_a_folder_of_the_earlier_release_loads(v1):
    with open(osp.join(v1, 'meta.json')) as f:
        assert 'format_version' not in json.load(f)  # written before the field existed
    meta = fmt.read_meta(v1)
    assert meta.format_version == 1 and meta.num_samples == 3
    assert meta.generation['format_version'] == 1
    ds = build(v1)
    assert len(ds) == 3
    assert ds.metainfo['classes'][0] == 'bare_soil'
    assert [osp.basename(ds.get_data_info(i)['img_path'])
            for i in range(3)] == ['gen_0000000.png', 'gen_0000001.png', 'gen_0000002.png']
    assert set(manifest_records(ds)) == {'gen_0000000', 'gen_0000001', 'gen_0000002'}
    init_default_scope('mmseg')
    item = DATASETS.build(
        dict(
            type='SyntheticPairsDataset',
            data_root=v1,
            pipeline=[dict(type='LoadImageFromFile'),
                      dict(type='LoadAnnotations')]))[2]
    assert item['img'].shape == (32, 32, 3) and item['gt_seg_map'].shape == (32, 32)


def test_meta_round_trip_keeps_unknown_keys_and_refuses_newer_versions(v1):
    meta = fmt.read_meta(v1)
    data = dict(meta.to_dict(), added_later={'x': 1})
    again = fmt.DPrimeMeta.from_dict(data)
    assert again.extra == {'added_later': {'x': 1}}
    assert again.to_dict() == data
    with pytest.raises(DataError, match='newer than this satsynth-mmseg'):
        fmt.DPrimeMeta.from_dict(dict(data, format_version=fmt.FORMAT_VERSION + 1), 'm.json')
    with pytest.raises(DataError, match='m.json is not a D′ meta.json'):
        fmt.DPrimeMeta.from_dict({'palette': None}, 'm.json')


def test_a_missing_pair_is_refused_naming_it(v1):
    os.remove(osp.join(v1, 'img_dir', 'gen_0000001.png'))
    with pytest.raises(IncompleteOutputError) as e:
        build(v1)
    assert 'img_dir/gen_0000001.png' in str(e.value)
    assert 'rerun the tools/generate.py' in str(e.value)
    shutil.copytree(V1, v1 + '2')
    os.remove(osp.join(v1 + '2', 'ann_dir', 'gen_0000002.png'))
    with pytest.raises(IncompleteOutputError, match='ann_dir/gen_0000002.png'):
        build(v1 + '2')


def test_files_the_manifest_does_not_list_are_not_read(v1):
    for sub in ('img_dir', 'ann_dir'):
        shutil.copy(osp.join(v1, sub, 'gen_0000000.png'), osp.join(v1, sub, 'gen_0000099.png'))
    assert len(build(v1)) == 3


def test_manifest_and_meta_disagreeing_is_refused(v1):
    path = osp.join(v1, 'manifest.jsonl')
    with open(path) as f:
        lines = f.readlines()
    with open(path, 'w') as f:
        f.writelines(lines[:2])
    with pytest.raises(IncompleteOutputError, match='lists 2 pairs but meta.json says 3'):
        build(v1)


def test_a_cut_manifest_line_names_the_file_and_line(v1):
    path = osp.join(v1, 'manifest.jsonl')
    with open(path) as f:
        lines = f.readlines()
    lines[1] = lines[1][:20] + '\n'
    with open(path, 'w') as f:
        f.writelines(lines)
    with pytest.raises(DataError) as e:
        build(v1)
    assert f'{path}, line 2: not a JSON record' in str(e.value)
    assert 'same arguments' in str(e.value)


def test_a_writer_part_file_skips_a_cut_last_line(tmp_path):
    path = str(tmp_path / 'part.jsonl')
    assert fmt.parse_record_lines(path, ['{"index": 0}\n', '{"ind'], strict=False) == [{'index': 0}]
    with pytest.raises(DataError, match='line 2'):
        fmt.parse_record_lines(path, ['{"index": 0}\n', '{"ind'])


def test_names_and_finished_state(v1, tmp_path):
    assert fmt.sample_name(7) == 'gen_0000007.png'
    assert fmt.image_file_name('gen_0000007.png', '.tif') == 'gen_0000007.tif'
    assert fmt.is_finished(v1) and fmt.is_finished(v1, 3) and not fmt.is_finished(v1, 4)
    assert not fmt.is_finished(str(tmp_path / 'nothing'))
    with pytest.raises(FileNotFoundError, match='no meta.json'):
        fmt.read_meta(str(tmp_path / 'nothing'))
