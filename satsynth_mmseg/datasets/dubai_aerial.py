"""Dubai aerial imagery (Humans in the Loop / MBRSC, CC0), converted to mmseg's layout."""
from mmseg.registry import DATASETS
from .base import CheckedSegDataset

#: True mask colours (RGB) of the raw dataset, by class index. The colours listed in the
#: dataset's own ``classes_original.json`` do not occur in its masks; these do.
DUBAI_AERIAL_COLOURS = (
    ('building', (60, 16, 152)),
    ('land', (132, 41, 246)),
    ('road', (110, 193, 228)),
    ('vegetation', (254, 221, 58)),
    ('water', (226, 169, 41)),
    ('unlabeled', (155, 155, 155)),
)
#: Colour of the black gaps, which become the ignore index (255), not a class.
DUBAI_AERIAL_IGNORE_COLOUR = (0, 0, 0)


@DATASETS.register_module()
class DubaiAerialDataset(CheckedSegDataset):
    """Dubai aerial segmentation data, 6 classes, as written by
    ``tools/dataset_converters/dubai_aerial.py``.

    Layout: ``data_root/img_dir/{train,val}/*.png`` and ``data_root/ann_dir/{train,val}/*.png``
    (index PNGs, 0..5 and 255 = ignore). ``reduce_zero_label`` is False: 0 is "building".
    """
    METAINFO = dict(
        classes=tuple(name for name, _ in DUBAI_AERIAL_COLOURS),
        palette=[list(rgb) for _, rgb in DUBAI_AERIAL_COLOURS])
    HOW_TO_CREATE = ('Create it with: python tools/dataset_converters/dubai_aerial.py '
                     'RAW_DIR --out DATA_ROOT')

    def __init__(self, img_suffix='.png', seg_map_suffix='.png', reduce_zero_label=False, **kwargs):
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)
