"""Unlabelled imagery as a data source: UnlabelledImagesDataset and RescaleUnlabelled."""
import os

import numpy as np
import pytest
from mmengine.registry import init_default_scope
from PIL import Image

from mmseg.registry import DATASETS, TRANSFORMS
from satsynth_mmseg.utils import DataError

PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='RescaleUnlabelled'),
    dict(type='RandomCrop', crop_size=(8, 8)),
    dict(type='PackSegInputs')
]


def _pool(root, bands=3):
    """images/<scene>/x.{png,jpg} in two scene folders, a hidden file and a text file."""
    rng = np.random.default_rng(0)
    for scene, n in (('forest', 2), ('river', 3)):
        os.makedirs(root / 'images' / scene)
        for i in range(n):
            arr = rng.integers(0, 255, (16, 16, bands) if bands > 1 else (16, 16), np.uint8)
            ext = 'png' if i % 2 else 'jpg'
            Image.fromarray(arr).save(root / 'images' / scene / f'{scene}{i}.{ext}')
    (root / 'images' / 'river' / '.hidden.png').write_bytes(b'')
    (root / 'images' / 'river' / 'notes.txt').write_text('not an image')
    return str(root / 'images')


def build(**kwargs):
    init_default_scope('mmseg')
    return DATASETS.build(dict(type='UnlabelledImagesDataset', **kwargs))


def test_a_folder_is_listed_recursively_with_scene_labels(tmp_path):
    root = _pool(tmp_path)
    ds = build(data_root=root, num_bands=3, scale_factor=0.5, pipeline=PIPELINE)
    assert len(ds) == 5 and ds.scene_classes == ('forest', 'river')
    infos = [ds.get_data_info(i) for i in range(5)]
    assert [os.path.basename(i['img_path']) for i in infos
            ] == ['forest0.jpg', 'forest1.png', 'river0.jpg', 'river1.png', 'river2.jpg']
    assert [i['scene_label'] for i in infos] == [0, 0, 1, 1, 1]
    assert all(i['unlabelled'] and i['seg_map_path'] is None for i in infos)
    item = ds[0]  # loaded, rescaled 16 -> 8, cropped, packed without a mask
    assert tuple(item['inputs'].shape) == (3, 8, 8)
    assert 'gt_sem_seg' not in item['data_samples']
    assert len(build(data_root=root, max_items=2)) == 2


def test_the_images_of_a_labelled_dataset_with_its_masks_dropped(procedural_root):
    source = dict(
        type='ProceduralScenesDataset',
        data_root=procedural_root,
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'))
    ds = build(source=source)
    assert len(ds) == 12
    info = ds.get_data_info(3)
    assert info['seg_map_path'] is None and info['img_path'].endswith('.png')
    assert info['scene_label'] is None


def test_bad_pools_are_refused_naming_the_folder_or_file(tmp_path):
    with pytest.raises(DataError, match='does not exist'):
        build(data_root=str(tmp_path / 'none'))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(DataError, match='no images in .*empty'):
        build(data_root=str(tmp_path / 'empty'))
    root = _pool(tmp_path / 'grey', bands=1)
    with pytest.raises(DataError, match='forest0.jpg has 1 bands; the generator makes 3-band'):
        build(data_root=root, num_bands=3)
    broken = _pool(tmp_path / 'broken')
    bad = os.path.join(broken, 'forest', 'forest1.png')
    open(bad, 'wb').close()
    with pytest.raises(DataError, match=f'unlabelled image {bad} is empty'):
        build(data_root=broken)
    with pytest.raises(DataError, match='not both or neither'):
        build()
    with pytest.raises(DataError, match='scale_factor must be > 0'):
        build(data_root=root, scale_factor=0)


def test_rescale_shrinks_by_the_items_factor_and_keeps_bands():
    t = TRANSFORMS.build(dict(type='RescaleUnlabelled'))
    img = np.arange(16 * 12 * 3, dtype=np.uint8).reshape(16, 12, 3)
    out = t(dict(img=img.copy(), scale_factor=0.25))
    assert out['img'].shape == (4, 3, 3) and out['img_shape'] == (4, 3)
    grey = t(dict(img=np.zeros((8, 8, 1), np.uint8), scale_factor=2.0))
    assert grey['img'].shape == (16, 16, 1)
    assert t(dict(img=img))['img'] is img  # factor 1 (or none): untouched


def test_the_shared_pool_base_config_builds_on_a_folder(tmp_path):
    from mmengine.config import Config

    from tests.conftest import REPO
    cfg = Config.fromfile(os.path.join(REPO, 'configs/_base_/datasets/ucmerced_unlabelled.py'))
    ds_cfg = dict(cfg.unlabelled_dataset, data_root=_pool(tmp_path, bands=3))
    ds_cfg['pipeline'] = [dict(t) for t in ds_cfg['pipeline']]
    ds_cfg['pipeline'][2] = dict(type='RandomCrop', crop_size=(2, 2))  # 16 px * 0.125
    ds = build(**{k: v for k, v in ds_cfg.items() if k != 'type'})
    assert len(ds) == 5 and tuple(ds[0]['inputs'].shape) == (3, 2, 2)


def test_rescale_keeps_at_least_the_crop_size():
    t = TRANSFORMS.build(dict(type='RescaleUnlabelled', min_size=32))
    out = t(dict(img=np.zeros((247, 256, 3), np.uint8), scale_factor=0.125))
    assert out['img'].shape == (32, 33, 3)  # 247 * 0.125 = 31 < 32: the factor grows
    out = t(dict(img=np.zeros((256, 256, 3), np.uint8), scale_factor=0.125))
    assert out['img'].shape == (32, 32, 3)
