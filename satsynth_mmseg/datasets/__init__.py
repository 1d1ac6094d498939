from .augmented import AugmentedDataset, check_metainfo_agrees
from .base import CheckedSegDataset
from .dubai_aerial import (DUBAI_AERIAL_COLOURS, DUBAI_AERIAL_IGNORE_COLOUR,
                           DubaiAerialDataset)
from .on_the_fly import OnTheFlySyntheticDataset
from .procedural_scenes import (PROCEDURAL_CLASSES, PROCEDURAL_PALETTE,
                                ProceduralScenesDataset, make_procedural_dataset, make_scene)
from .synthetic_pairs import SyntheticPairsDataset

__all__ = ['AugmentedDataset', 'check_metainfo_agrees', 'OnTheFlySyntheticDataset',
           'CheckedSegDataset', 'DubaiAerialDataset', 'DUBAI_AERIAL_COLOURS',
           'DUBAI_AERIAL_IGNORE_COLOUR', 'ProceduralScenesDataset', 'make_procedural_dataset',
           'make_scene', 'PROCEDURAL_CLASSES', 'PROCEDURAL_PALETTE', 'SyntheticPairsDataset']
