from .atomic_io import (TMP_SUFFIX, atomic_save_figure, atomic_write_bytes, atomic_write_json,
                        atomic_write_png, atomic_write_text)
from .checkpoint_io import (content_sha256, load_verified_checkpoint, read_checkpoint,
                            verify_checkpoint)
from .checkpoint_safe_globals import (CHECKPOINT_SAFE_GLOBALS, history_buffer_statistic,
                                      register_checkpoint_safe_globals)
from .errors import (CheckpointError, ConfigError, DataError, FolderLockedError,
                     FolderMismatchError, IncompleteOutputError, SatSynthError, UnknownNameError)

__all__ = [
    'CHECKPOINT_SAFE_GLOBALS', 'history_buffer_statistic', 'register_checkpoint_safe_globals',
    'atomic_write_bytes', 'atomic_write_png', 'atomic_write_text', 'atomic_write_json',
    'atomic_save_figure', 'TMP_SUFFIX', 'CheckpointError', 'content_sha256', 'read_checkpoint',
    'verify_checkpoint', 'load_verified_checkpoint', 'SatSynthError', 'ConfigError', 'DataError',
    'FolderLockedError', 'FolderMismatchError', 'IncompleteOutputError', 'UnknownNameError'
]
