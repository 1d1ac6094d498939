"""Sen1Floods11 Sentinel-1 flood chips (Bonafilia et al., CVPRW 2020; CC BY 4.0), converted to
mmseg's layout by ``tools/dataset_converters/sen1floods11.py``."""
from mmseg.registry import DATASETS
from .base import CheckedSegDataset

#: Sentinel-1 GRD bands of the chips, in file order (backscatter in dB)
SEN1FLOODS11_BANDS = ('VV', 'VH')


@DATASETS.register_module()
class Sen1Floods11Dataset(CheckedSegDataset):
    """Sentinel-1 flood mapping, 2 classes (land, water), 2 float bands (VV, VH in dB).

    Layout: ``data_root/img_dir/{train,val}/*.tif`` (float32 GeoTIFF, NaN = no data) and
    ``data_root/ann_dir/{train,val}/*.png`` (index PNGs: 0 land, 1 water, 255 = no data, which
    the raw labels call -1). Load with ``LoadRasterFromFile`` + ``LoadRasterAnnotations``.

    Cite: D. Bonafilia, B. Tellman, T. Anderson, E. Issenberg, "Sen1Floods11: a georeferenced
    dataset to train and test deep learning flood algorithms for Sentinel-1", CVPR Workshops
    2020, pp. 210-211.
    """
    METAINFO = dict(classes=('land', 'water'), palette=[[156, 124, 72], [40, 110, 230]])
    HOW_TO_CREATE = ('Create it with: python tools/dataset_converters/sen1floods11.py '
                     'RAW_DIR --out DATA_ROOT')

    def __init__(self, img_suffix='.tif', seg_map_suffix='.png', reduce_zero_label=False, **kwargs):
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=reduce_zero_label,
            **kwargs)
