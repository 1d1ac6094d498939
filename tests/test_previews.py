"""Pictures people read at a glance: the class legend under every preview, and real pairs
beside generated ones with the masks overlaid."""
import numpy as np
import pytest
from mmengine.registry import init_default_scope

from mmseg.registry import DATASETS
from satsynth_mmseg.generation import write_comparison
from satsynth_mmseg.visualization import (add_legend, make_comparison_grid, make_pair_grid,
                                          overlay_labels)

PALETTE = [(200, 0, 0), (0, 180, 0), (0, 0, 220)]
CLASSES = ['building', 'grass', 'water']


def _has(picture, colour):
    return bool((picture.reshape(-1, 3) == np.asarray(colour, np.uint8)).all(1).any())


def test_legend_shows_every_class_colour_and_ignored():
    picture = np.full((20, 30, 3), 128, np.uint8)
    out = add_legend(picture, CLASSES, PALETTE)
    assert out.shape[0] > 20 and out.shape[1] >= 30
    assert (out[:20, :30] == 128).all()  # the picture itself is unchanged
    legend = out[20:]
    for colour in PALETTE + [(0, 0, 0)]:
        assert _has(legend, colour), colour
    # a wide legend wraps onto more lines in a narrow picture than in a wide one
    many = [f'class_{i}' for i in range(12)]
    pal = [(i * 20, 255 - i * 20, 100) for i in range(12)]
    narrow = add_legend(np.zeros((4, 160, 3), np.uint8), many, pal)
    wide = add_legend(np.zeros((4, 1200, 3), np.uint8), many, pal)
    assert narrow.shape[0] > wide.shape[0]


def test_pair_grid_gets_a_legend_when_given_classes():
    imgs = np.zeros((2, 3, 8, 8), np.uint8)
    labels = np.stack([np.zeros((8, 8), int), np.full((8, 8), 2)])
    plain = make_pair_grid(imgs, labels, PALETTE, ncols=2)
    with_legend = make_pair_grid(imgs, labels, PALETTE, ncols=2, classes=CLASSES)
    assert with_legend.shape[0] > plain.shape[0]
    assert (with_legend[:plain.shape[0], :plain.shape[1]] == plain).all()


def test_overlay_blends_classes_and_leaves_ignored_pixels():
    img = np.full((2, 2, 3), 100, np.uint8)
    labels = np.array([[0, 255], [2, 1]])
    out = overlay_labels(img, labels, PALETTE, alpha=0.5)
    assert (out[0, 1] == 100).all()  # ignored: the image as it is
    assert tuple(out[0, 0]) == (150, 50, 50)
    assert tuple(out[1, 0]) == (50, 50, 160)


def test_comparison_grid_real_left_generated_right():
    real = np.zeros((2, 3, 4, 4), np.uint8)
    gen = np.full((2, 3, 4, 4), 255, np.uint8)
    labels = np.zeros((2, 4, 4), int)
    grid = make_comparison_grid(real, labels, gen, labels, PALETTE, scale=1, pad=1, gap=4)
    body = grid[18:22]  # the first row, under the header strip
    # real image | real overlay (pad 1) | gap 4 | generated image | generated overlay
    assert (body[:, :4] == 0).all() and (body[:, 13:17] == 255).all()
    assert tuple(body[0, -1]) == tuple(
        overlay_labels(gen[0].transpose(1, 2, 0), labels[0], PALETTE)[0, 0])
    with pytest.raises(ValueError, match='differ in size'):
        make_comparison_grid(real, labels, gen[:, :, :2], labels[:, :2], PALETTE)


def test_write_comparison_from_datasets(procedural_root, tmp_path):
    init_default_scope('mmseg')
    ds = DATASETS.build(
        dict(
            type='ProceduralScenesDataset',
            data_root=procedural_root,
            data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
            pipeline=[]))
    import cv2
    path = write_comparison(ds, ds, str(tmp_path / 'cmp.png'), num=3)
    picture = cv2.imread(path)[..., ::-1]
    palette = ds.metainfo['palette']
    assert picture.shape[1] > 4 * 32  # four cells a row
    for colour in palette:  # the legend
        assert _has(picture, colour)
