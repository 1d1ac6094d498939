"""The Dubai converter on small made-up raw tiles (RGB and palette-mode masks)."""
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from PIL import Image

from satsynth_mmseg.datasets import DUBAI_AERIAL_COLOURS
from satsynth_mmseg.datasets.converters import dubai_aerial as conv

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
            cv2.imwrite(
                osp.join(root, f'Tile {t}', 'images', f'image_part_{k:03d}.jpg'),
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
        got = cv2.imread(
            osp.join(out, 'ann_dir', split, f'tile{t}_part{k:03d}.png'), cv2.IMREAD_UNCHANGED)
        assert got.dtype == np.uint8 and np.array_equal(got, lab), (t, k)
        assert osp.exists(osp.join(out, 'img_dir', split, f'tile{t}_part{k:03d}.png'))


def test_patches_cover_the_image(tmp_path):
    raw, out = str(tmp_path / 'raw'), str(tmp_path / 'out')
    truth = _make_raw(raw, tiles=(1, ), parts=(1, 8), size=(40, 48))
    conv.convert(raw, out, patch_size=32, stride=16, progress=False)
    train = sorted(os.listdir(osp.join(out, 'ann_dir', 'train')))
    # rows: 0, 8 (edge-aligned); cols: 0, 16 -> 4 patches
    assert train == [
        'tile1_part001_00000_00000.png', 'tile1_part001_00000_00016.png',
        'tile1_part001_00008_00000.png', 'tile1_part001_00008_00016.png'
    ]
    patch = cv2.imread(osp.join(out, 'ann_dir', 'train', train[-1]), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(patch, truth[(1, 1)][8:40, 16:48])
    assert len(os.listdir(osp.join(out, 'ann_dir', 'val'))) == 4


def test_window_starts_small_image():
    assert conv.window_starts(20, 32, 16) == [0]
    assert conv.window_starts(64, 32, 32) == [0, 32]
    assert conv.window_starts(70, 32, 32) == [0, 32, 38]


def test_unknown_colour_names_file_and_colour(tmp_path):
    raw = str(tmp_path / 'raw')
    _make_raw(raw, tiles=(1, ), parts=(1, ))
    path = osp.join(raw, 'Tile 1', 'masks', 'image_part_001.png')
    rgb = np.array(Image.open(path).convert('RGB'))
    rgb[5, 5] = (1, 2, 3)
    Image.fromarray(rgb).save(path)
    with pytest.raises(ValueError, match=r'image_part_001\.png.*RGB\(1, 2, 3\) \(1 px\)'):
        conv.convert(raw, str(tmp_path / 'out'), progress=False)


def test_size_mismatch_is_an_error(tmp_path):
    raw = str(tmp_path / 'raw')
    _make_raw(raw, tiles=(1, ), parts=(1, ))
    cv2.imwrite(
        osp.join(raw, 'Tile 1', 'images', 'image_part_001.jpg'), np.zeros((10, 10, 3), np.uint8))
    with pytest.raises(ValueError, match='but its mask'):
        conv.convert(raw, str(tmp_path / 'out'), progress=False)


def test_missing_raw_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        conv.convert(str(tmp_path / 'nope'), str(tmp_path / 'out'), progress=False)


def test_downscale_keeps_labels_valid_and_exact_on_uniform_blocks(tmp_path):
    raw, out = str(tmp_path / 'raw'), str(tmp_path / 'out')
    truth = _make_raw(raw, tiles=(1, ), parts=(1, ), size=(40, 48))
    conv.convert(raw, out, progress=False, downscale=4)
    got = cv2.imread(osp.join(out, 'ann_dir', 'train', 'tile1_part001.png'), cv2.IMREAD_UNCHANGED)
    assert got.shape == (10, 12)
    # _labels is constant on 4x4 blocks, so majority = that block's label, exactly ...
    assert np.array_equal(got[1:], truth[(1, 1)][4::4, ::4])
    # ... except the first block row, half black gap (255), half class: the tie goes to the
    # smaller value, the class
    assert np.array_equal(got[0], truth[(1, 1)][2, ::4])
    img = cv2.imread(osp.join(out, 'img_dir', 'train', 'tile1_part001.png'))
    assert img.shape == (10, 12, 3)


def test_downsample_rules():
    from satsynth_mmseg.utils.downsample import downsample_labels_majority, downsample_pair
    lab = np.array([[1, 1, 2, 2], [1, 3, 255, 255], [0, 0, 4, 4], [0, 5, 4, 255]], np.uint8)
    # block majority; the ignore value votes like a class; ties -> the smaller value
    assert downsample_labels_majority(lab, 2).tolist() == [[1, 2], [0, 4]]
    img = np.arange(16, dtype=np.uint8).reshape(4, 4) * 10
    small, small_lab = downsample_pair(img, lab, 2)
    assert small.tolist() == [[25, 45], [105, 125]]  # area average of each 2x2 block
    assert set(np.unique(small_lab)) <= set(np.unique(lab))
    odd_img, odd_lab = downsample_pair(np.zeros((5, 7), np.uint8), np.zeros((5, 7), np.uint8), 2)
    assert odd_img.shape == odd_lab.shape == (2, 3)  # cropped to a multiple of the factor
    with pytest.raises(ValueError):
        downsample_labels_majority(lab[:3], 2)
    with pytest.raises(ValueError):
        downsample_pair(img, lab, 0)
