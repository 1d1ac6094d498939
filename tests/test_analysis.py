import os.path as osp

import numpy as np
import pytest

from satsynth_mmseg.generation import label_statistics, markdown_table, write_report
from satsynth_mmseg.visualization import colorize_labels, make_pair_grid
from tests.conftest import load_json


def test_label_statistics_fixed_numbers():
    a = np.array([[0, 0], [1, 255]])
    b = np.array([[2, 2], [2, 7]])  # 7 >= K: counted as ignored/invalid
    s = label_statistics([a, b], num_classes=3)
    assert s['samples'] == 2 and s['pixels'] == 8
    assert s['class_pixels'] == [2, 1, 3]
    assert s['class_share'] == pytest.approx([2 / 6, 1 / 6, 3 / 6])
    assert s['ignored_pixels'] == 2
    assert s['distinct_classes_hist'] == [0, 1, 1, 0]
    assert s['distinct_classes_mean'] == 1.5


def test_report_files(tmp_path):
    stats = {
        'D': label_statistics([np.array([[0, 1]])], 2),
        "D'": label_statistics([np.array([[1, 1]])], 2)
    }
    md = markdown_table(['a', 'b'], stats)
    assert '| a | 50.0 % | 0.0 % |' in md and '| b | 50.0 % | 100.0 % |' in md
    paths = write_report(['a', 'b'], stats, str(tmp_path / 'rep'), [[0, 0, 0], [255, 0, 0]])
    assert load_json(paths['json'])['datasets']["D'"]['class_pixels'] == [0, 2]
    assert osp.getsize(paths['chart']) > 1000


def test_pair_grid_layout_and_colours():
    images = np.zeros((3, 3, 4, 5), np.uint8)
    images[1] = 200
    labels = np.zeros((3, 4, 5), np.int64)
    labels[2] = 255  # invalid -> black
    palette = [[10, 20, 30]]
    grid = make_pair_grid(images, labels, palette, ncols=2, scale=1, pad=1)
    assert grid.shape == (2 * (4 + 1) + 1, 2 * (10 + 1) + 1, 3)
    assert (grid[1, 1 + 5] == [10, 20, 30]).all()  # mask half of the first pair
    assert (grid[1, 1 + 11] == [200, 200, 200]).all()  # image of the second pair
    assert (colorize_labels(labels[2], palette) == 0).all()
