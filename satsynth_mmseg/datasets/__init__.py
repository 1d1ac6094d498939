from .augmented import AugmentedDataset, check_metainfo_agrees
from .band_norm import BandNorm, find_band_norm, find_raster_loader
from .base import CheckedSegDataset
from .builder import build_train_dataset, train_dataset_config
from .dubai_aerial import DUBAI_AERIAL_COLOURS, DUBAI_AERIAL_IGNORE_COLOUR, DubaiAerialDataset
from .label_stats import dataset_label_maps, label_statistics, read_label_map
from .labelled_unlabelled import LabelledUnlabelledBatchSampler, LabelledUnlabelledDataset
from .pair_check import check_dataset_pairs, check_pair, check_pairs
from .procedural_scenes import ProceduralScenesDataset, make_procedural_dataset
from .raster_io import Raster, atomic_write_raster, raster_size, read_raster
from .scene_painter import PROCEDURAL_CLASSES, PROCEDURAL_PALETTE, make_scene
from .sen1floods11 import SEN1FLOODS11_BANDS, Sen1Floods11Dataset
from .synthetic_pairs import SyntheticPairsDataset
from .transforms import (ClassAwareCopyPaste, DecodeAnalogBits, EncodeAnalogBits,
                         LoadRasterAnnotations, LoadRasterFromFile, RandomCutMix, RescaleUnlabelled)
from .unlabelled import UnlabelledImagesDataset, list_images

__all__ = [
    'AugmentedDataset', 'check_metainfo_agrees', 'dataset_label_maps', 'label_statistics',
    'read_label_map', 'CheckedSegDataset', 'DubaiAerialDataset', 'DUBAI_AERIAL_COLOURS',
    'DUBAI_AERIAL_IGNORE_COLOUR', 'ProceduralScenesDataset', 'make_procedural_dataset',
    'make_scene', 'PROCEDURAL_CLASSES', 'PROCEDURAL_PALETTE', 'SyntheticPairsDataset',
    'build_train_dataset', 'check_pair', 'check_pairs', 'check_dataset_pairs', 'RandomCutMix',
    'ClassAwareCopyPaste', 'Sen1Floods11Dataset', 'SEN1FLOODS11_BANDS', 'BandNorm',
    'find_band_norm', 'find_raster_loader', 'train_dataset_config', 'Raster', 'atomic_write_raster',
    'raster_size', 'read_raster', 'LoadRasterFromFile', 'LoadRasterAnnotations', 'EncodeAnalogBits',
    'DecodeAnalogBits', 'RescaleUnlabelled', 'UnlabelledImagesDataset', 'list_images',
    'LabelledUnlabelledDataset', 'LabelledUnlabelledBatchSampler'
]
