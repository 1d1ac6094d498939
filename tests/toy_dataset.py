"""A dataset class that lives only in the tests: registered here, named nowhere else.
``tests/test_dataset_contract.py`` uses it as the real D of the plugin's tools."""
from mmseg.registry import DATASETS
from satsynth_mmseg.datasets import PROCEDURAL_CLASSES, PROCEDURAL_PALETTE, CheckedSegDataset


@DATASETS.register_module()
class ToyTilesDataset(CheckedSegDataset):
    """Index-PNG tiles in mmseg's layout (the procedural scenes' folders, under a new name)."""
    METAINFO = dict(classes=tuple(PROCEDURAL_CLASSES), palette=PROCEDURAL_PALETTE)
    HOW_TO_CREATE = 'Create it with: make_toy_tiles DATA_ROOT'

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', **kwargs):
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix, **kwargs)
