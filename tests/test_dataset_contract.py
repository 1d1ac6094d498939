"""A dataset is one class: a toy dataset registered only in tests/toy_dataset.py is the real D
of tools/generate.py (--ratio, --real-config, --report), of AugmentedDataset and of the
pair check, with no other file naming it (the page: docs/en/advanced_guides/add_dataset.md)."""
import pytest
from mmengine.config import Config

from mmseg.registry import DATASETS
from satsynth_mmseg.cli import generate as gen_tool
from satsynth_mmseg.datasets import AugmentedDataset
from tests import toy_dataset  # noqa: F401  (registers ToyTilesDataset)
from tests.conftest import SEG_CFG


def _toy(root, split='train', pipeline=()):
    return dict(
        type='ToyTilesDataset',
        data_root=root,
        data_prefix=dict(img_path=f'img_dir/{split}', seg_map_path=f'ann_dir/{split}'),
        pipeline=list(pipeline))


def test_a_new_dataset_class_is_the_real_data_of_every_tool(procedural_root, tiny_generator,
                                                            tmp_path):
    cfg = Config.fromfile(SEG_CFG)
    cfg.custom_imports = dict(imports=['tests.toy_dataset'], allow_failed_imports=False)
    cfg.train_dataloader.dataset = _toy(procedural_root, pipeline=cfg.train_pipeline)
    real_cfg = str(tmp_path / 'toy_seg.py')
    cfg.dump(real_cfg)
    out = tmp_path / 'dprime'
    result = gen_tool.main([
        *tiny_generator, '--out',
        str(out), '--ratio', '0.5', '--real-config', real_cfg, '--report', '--no-progress'
    ])
    assert result.num_samples == 6  # half of the toy D's 12 tiles
    assert (out / 'report.md').read_text().count('D (real)') >= 1
    ds = AugmentedDataset(real=_toy(procedural_root), synthetic=str(out), ratio=1.0)
    assert ds.num_real == 12 and len(ds) == 24
    assert ds.metainfo['classes'] == toy_dataset.ToyTilesDataset.METAINFO['classes']


def test_a_new_dataset_class_refuses_an_empty_or_missing_folder(tmp_path):
    (tmp_path / 'img_dir' / 'train').mkdir(parents=True)
    (tmp_path / 'ann_dir' / 'train').mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match='make_toy_tiles'):
        DATASETS.build(_toy(str(tmp_path)))
    with pytest.raises(ValueError, match='does not exist.*make_toy_tiles'):
        DATASETS.build(_toy(str(tmp_path / 'nothing')))


def test_the_readme_drop_in_forms_wrap_the_users_own_dataset(procedural_root, tiny_generator,
                                                             tmp_path):
    """The README's two ways into an existing project: a child config, and wrapping the
    dataset in the project's own file; both train on *that* file's dataset."""
    dprime = str(tmp_path / 'dprime')
    gen_tool.main([*tiny_generator, '--out', dprime, '--num-samples', '4', '--no-progress'])
    mine = tmp_path / 'my_config.py'
    mine.write_text(f'''
train_dataloader = dict(batch_size=3, num_workers=0, dataset=dict(
    type='ToyTilesDataset', data_root={procedural_root!r}, pipeline=[],
    data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train')))
custom_imports = dict(imports=['tests.toy_dataset'], allow_failed_imports=False)
''')
    child = tmp_path / 'my_config_dprime.py'
    child.write_text(f'''
_base_ = ['./my_config.py']
custom_imports = dict(imports=['satsynth_mmseg', 'tests.toy_dataset'], allow_failed_imports=False)
train_dataloader = dict(dataset=dict(_delete_=True, type='AugmentedDataset', ratio=1.0,
    real={{{{_base_.train_dataloader.dataset}}}}, synthetic={dprime!r}))
''')
    in_file = tmp_path / 'my_config_in_file.py'
    in_file.write_text(mine.read_text() + f'''
train_dataloader['dataset'] = dict(type='AugmentedDataset', ratio=1.0,
                                   real=train_dataloader['dataset'], synthetic={dprime!r})
''')
    for path in (child, in_file):
        cfg = Config.fromfile(str(path))
        assert cfg.train_dataloader.batch_size == 3  # the file's other loader settings kept
        ds = DATASETS.build(cfg.train_dataloader.dataset)
        assert ds.num_real == 12 and ds.real.__class__.__name__ == 'ToyTilesDataset'
