import os

import cv2
import numpy as np
import pytest

from satsynth_mmseg.datasets import PROCEDURAL_CLASSES, make_procedural_dataset, make_scene
from tests.conftest import load_json


def test_scene_is_deterministic_by_seed():
    a_img, a_mask = make_scene(0, 'train', 3, 32)
    b_img, b_mask = make_scene(0, 'train', 3, 32)
    c_img, _ = make_scene(1, 'train', 3, 32)
    d_img, _ = make_scene(0, 'val', 3, 32)
    assert np.array_equal(a_img, b_img) and np.array_equal(a_mask, b_mask)
    assert not np.array_equal(a_img, c_img) and not np.array_equal(a_img, d_img)
    assert a_img.dtype == np.uint8 and a_img.shape == (32, 32, 3)


def test_scenes_use_the_classes():
    values = set()
    for i in range(40):
        values |= set(np.unique(make_scene(0, 'train', i, 64)[1]).tolist())
    assert values <= set(range(len(PROCEDURAL_CLASSES))) | {255}
    assert set(range(len(PROCEDURAL_CLASSES))) <= values
    assert 255 in values, 'some scenes carry a no-data strip (ignore index)'


def test_dataset_writer_is_idempotent_and_refuses_other_args(tmp_path):
    out = str(tmp_path)
    first = make_procedural_dataset(out, num_train=3, num_val=2, size=32, seed=5)
    assert first['written'] == 5
    os.remove(os.path.join(out, 'img_dir', 'train', 'scene_00001.png'))
    again = make_procedural_dataset(out, num_train=3, num_val=2, size=32, seed=5)
    assert again['written'] == 1
    img = cv2.imread(os.path.join(out, 'img_dir', 'train', 'scene_00001.png'))
    assert np.array_equal(img[..., ::-1], make_scene(5, 'train', 1, 32)[0])
    assert load_json(os.path.join(out, 'meta.json'))['seed'] == 5
    with pytest.raises(FileExistsError):
        make_procedural_dataset(out, num_train=3, num_val=2, size=32, seed=6)
    assert not [f for f in os.listdir(os.path.join(out, 'img_dir', 'train')) if 'partial' in f]
