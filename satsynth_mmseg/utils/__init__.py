from .atomic_io import TMP_SUFFIX, atomic_write_bytes, atomic_write_png
from .checkpoint_safe_globals import (CHECKPOINT_SAFE_GLOBALS, history_buffer_statistic,
                                      register_checkpoint_safe_globals)

__all__ = ['CHECKPOINT_SAFE_GLOBALS', 'history_buffer_statistic',
           'register_checkpoint_safe_globals', 'atomic_write_bytes', 'atomic_write_png',
           'TMP_SUFFIX']
