"""The Dubai converter on small made-up raw tiles (RGB and palette-mode masks)."""
import importlib.util
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from PIL import Image

from satsynth_mmseg.datasets import DUBAI_AERIAL_COLOURS
from tests.conftest import REPO

spec = importlib.util.spec_from_file_location(
    'dubai_converter', osp.join(REPO, 'tools', 'dataset_converters', 'dubai_aerial.py'))
conv = importlib.util.module_from_spec(spec)
spec.loader.exec_module(conv)

COLOURS = [rgb for _, rgb in DUBAI_AERIAL_COLOURS]


def _labels(h, w, seed):
    rng = np.random.default_rng(seed)
    lab = rng.integers(0, 6, (h // 4, w // 4)).repeat(4, 0).repeat(4, 1)[:h, :w]
    lab[:2, :] = 255  # a black gap
    return lab.astype(np.uint8)


def _rgb(lab):
    lut = np.zeros((256, 3), np.uint8)
    lut[:6] = COLOURS
    return lut[lab]


def _make_raw(root, tiles=(1, 2), parts=range(1, 10), size=(40, 48)):
    truth = {}
    for t in tiles:
        for sub in ('images', 'masks'):
            os.makedirs(osp.join(root, f'Tile {t}', sub), exist_ok=True)
        for k in parts:
            lab = _labels(*size, seed=t * 10 + k)
            truth[(t, k)] = lab
            cv2.imwrite(osp.join(root, f'Tile {t}', 'images', f'image_part_{k:03d}.jpg'),
                        np.full((*size, 3), 100, np.uint8))
            rgb = _rgb(lab)
            path = osp.join(root, f'Tile {t}', 'masks', f'image_part_{k:03d}.png')
            if t == 2:
                # palette mode whose indices are NOT class ids: shuffled palette order
                used = [(0, 0, 0)] + COLOURS[::-1]
                idx = np.zeros(lab.shape, np.uint8)
                for i, c in enumerate(used):
                    idx[(rgb == c).all(-1)] = i
                im = Image.fromarray(idx, mode='P')
                im.putpalette([v for c in used for v in c] + [0] * (768 - 3 * len(used)))
                im.save(path)
            else:
                Image.fromarray(rgb).save(path)
    return truth


def test_convert_whole_images_and_split(tmp_path):
    raw, out = str(tmp_path / 'raw'), str(tmp_path / 'out')
    truth = _make_raw(raw)
    counts = conv.convert(raw, out, progress=False)
    assert counts == dict(train=14, val=4)
    for (t, k), lab in truth.items():
        split = 'train' if k <= 7 else 'val'
        got = cv2.imread(osp.join(out, 'ann_dir', split, f'tile{t}_part{k:03d}.png'),
                         cv2.IMREAD_UNCHANGED)
        assert got.dtype == np.uint8 and np.array_equal(got, lab), (t, k)
        assert osp.exists(osp.join(out, 'img_dir', split, f'tile{t}_part{k:03d}.png'))


def test_patches_cover_the_image(tmp_path):
    raw, out = str(tmp_path / 'raw'), str(tmp_path / 'out')
    truth = _make_raw(raw, tiles=(1,), parts=(1, 8), size=(40, 48))
    conv.convert(raw, out, patch_size=32, stride=16, progress=False)
    train = sorted(os.listdir(osp.join(out, 'ann_dir', 'train')))
    # rows: 0, 8 (edge-aligned); cols: 0, 16 -> 4 patches
    assert train == ['tile1_part001_00000_00000.png', 'tile1_part001_00000_00016.png',
                     'tile1_part001_00008_00000.png', 'tile1_part001_00008_00016.png']
    patch = cv2.imread(osp.join(out, 'ann_dir', 'train', train[-1]), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(patch, truth[(1, 1)][8:40, 16:48])
    assert len(os.listdir(osp.join(out, 'ann_dir', 'val'))) == 4


def test_window_starts_small_image():
    assert conv.window_starts(20, 32, 16) == [0]
    assert conv.window_starts(64, 32, 32) == [0, 32]
    assert conv.window_starts(70, 32, 32) == [0, 32, 38]


def test_unknown_colour_names_file_and_colour(tmp_path):
    raw = str(tmp_path / 'raw')
    _make_raw(raw, tiles=(1,), parts=(1,))
    path = osp.join(raw, 'Tile 1', 'masks', 'image_part_001.png')
    rgb = np.array(Image.open(path).convert('RGB'))
    rgb[5, 5] = (1, 2, 3)
    Image.fromarray(rgb).save(path)
    with pytest.raises(ValueError, match=r'image_part_001\.png.*RGB\(1, 2, 3\) \(1 px\)'):
        conv.convert(raw, str(tmp_path / 'out'), progress=False)


def test_size_mismatch_is_an_error(tmp_path):
    raw = str(tmp_path / 'raw')
    _make_raw(raw, tiles=(1,), parts=(1,))
    cv2.imwrite(osp.join(raw, 'Tile 1', 'images', 'image_part_001.jpg'),
                np.zeros((10, 10, 3), np.uint8))
    with pytest.raises(ValueError, match='but its mask'):
        conv.convert(raw, str(tmp_path / 'out'), progress=False)


def test_missing_raw_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        conv.convert(str(tmp_path / 'nope'), str(tmp_path / 'out'), progress=False)
