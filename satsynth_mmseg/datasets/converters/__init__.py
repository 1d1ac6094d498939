"""Raw datasets -> mmseg's ``img_dir/ann_dir`` layout (the library side of
``tools/dataset_converters/*.py``)."""
from .dubai_aerial import convert as convert_dubai_aerial
from .sen1floods11 import convert as convert_sen1floods11

__all__ = ['convert_dubai_aerial', 'convert_sen1floods11']
