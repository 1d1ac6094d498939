"""Building D': load a generator, sample pairs into a durable folder, analyse them."""
from ..datasets.dprime_format import read_manifest, sample_name
from .analysis import (dataset_label_maps, label_statistics, markdown_table,
                       plot_class_distribution, write_comparison, write_preview, write_report)
from .checkpoint import (check_cascade, check_checkpoint_matches, file_sha256, load_generator,
                         select_weights)
from .generate import generate_synthetic_dataset, sample_and_write
from .image_storage import ImageStorage, image_name, storage_for_generator, to_storage_image
from .mask_layouts import MaskLayouts
from .on_the_fly import OnTheFlySyntheticDataset
from .sampling import labels_to_raw, sample_seed
from .upsample import InterpolationUpsampler, interpolate_pair
from .writer import SyntheticDatasetWriter, iter_batches, write_pair_files

__all__ = [
    'load_generator', 'select_weights', 'check_checkpoint_matches', 'check_cascade', 'file_sha256',
    'generate_synthetic_dataset', 'sample_seed', 'labels_to_raw', 'SyntheticDatasetWriter',
    'iter_batches', 'read_manifest', 'sample_name', 'label_statistics', 'dataset_label_maps',
    'markdown_table', 'plot_class_distribution', 'write_report', 'write_preview',
    'write_comparison', 'InterpolationUpsampler', 'interpolate_pair', 'sample_and_write',
    'to_storage_image', 'write_pair_files', 'ImageStorage', 'image_name', 'storage_for_generator',
    'MaskLayouts', 'OnTheFlySyntheticDataset'
]
