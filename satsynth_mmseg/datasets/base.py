"""Shared behaviour of the plugin's dataset classes."""
from __future__ import annotations
import os.path as osp
from typing import List

from mmseg.datasets import BaseSegDataset
from ..utils.errors import DataError
from .pair_check import check_pairs


class CheckedSegDataset(BaseSegDataset):
    """``BaseSegDataset`` that refuses to be empty or to hold mismatched pairs.

    mmengine's ``InfiniteSampler`` spins forever on an empty dataset; an explicit error naming
    the folder that was searched is more useful. Every pair is checked from the file headers
    when the list is loaded, before any pipeline could resize a mask to its image's size:
    a mask of another size, or an RGB colour mask, is an error naming both files.
    """
    #: pair_check.check_dataset_pairs skips a dataset that checked its own pairs
    pairs_checked = True

    #: printed in the error, e.g. the command that creates the data
    HOW_TO_CREATE = ''

    def load_data_list(self) -> List[dict]:
        # mmengine has joined data_root into the prefixes already
        img_dir = self.data_prefix.get('img_path', '') or (self.data_root or '')
        if not self.ann_file and not osp.isdir(img_dir):
            hint = f' {self.HOW_TO_CREATE}' if self.HOW_TO_CREATE else ''
            raise DataError(f'{type(self).__name__}: the image folder {img_dir!r} does not exist '
                            f'(data_root={self.data_root!r}).{hint}')
        data_list = super().load_data_list()
        if not data_list and not self.test_mode:
            hint = f' {self.HOW_TO_CREATE}' if self.HOW_TO_CREATE else ''
            raise FileNotFoundError(
                f'{type(self).__name__}: no images with suffix {self.img_suffix!r} found in '
                f'{img_dir!r} (ann_file={self.ann_file!r}).{hint}')
        check_pairs(data_list)
        return data_list
