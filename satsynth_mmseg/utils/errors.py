"""The plugin's own error types.

Everything the plugin raises for bad input or bad state (a config that does not fit a
checkpoint, a corrupted file, a folder another process is writing) derives from
:class:`SatSynthError`, and also from the builtin it would otherwise be (``ValueError``, ...),
so existing ``except ValueError`` code keeps working. The command-line tools turn exactly
these, plus operating-system errors on their outputs, into a one-line ``error: ...`` exit;
anything else is a bug and keeps its traceback.
"""


class SatSynthError(Exception):
    """Base of the errors the command lines report in one line."""


class ConfigError(SatSynthError, ValueError):
    """A config, an argument or a checkpoint that do not fit each other."""


class DataError(SatSynthError, ValueError):
    """Data that cannot be used as it is (sizes, channels, label values, conventions)."""


class CheckpointError(SatSynthError, ValueError):
    """A checkpoint file that cannot be used: unreadable, corrupted or non-finite."""


class FolderLockedError(SatSynthError, RuntimeError):
    """Another process is writing the same output folder."""


class FolderMismatchError(SatSynthError, FileExistsError):
    """An output folder made with other arguments (resume only with the same ones)."""

    @staticmethod
    def differences(stored: dict, asked: dict) -> dict:
        """``{key: (stored value, asked value)}`` for every key whose values differ (a key
        missing on one side counts as ``None`` there), in key order."""
        return {
            k: (stored.get(k), asked.get(k))
            for k in sorted(set(stored) | set(asked)) if stored.get(k) != asked.get(k)
        }


class IncompleteOutputError(SatSynthError, RuntimeError):
    """An output that some process has not finished (rerun to complete it)."""


class UnknownNameError(ConfigError, KeyError):
    """A name (sampler, registered type) that is not known; also a ``KeyError``."""

    __str__ = Exception.__str__  # KeyError would quote the message
