"""satsynth-mmseg: grow mmsegmentation training sets with generated image-mask pairs.

``import satsynth_mmseg`` (or ``custom_imports=dict(imports=['satsynth_mmseg'])`` in an mmseg
config) registers every class of the plugin into mmseg's registries (``MODELS``,
``DATASETS``, ``HOOKS``, ``TASK_UTILS``) and allowlists the exact objects an mmengine
checkpoint pickles, so ``--resume`` works with torch's weights-only loading.
"""
from .version import __version__
from .utils import register_checkpoint_safe_globals

register_checkpoint_safe_globals()

from . import (bits, datasets, diffusion, engine, evaluation, generation,  # noqa: E402,F401
               models, visualization)

__all__ = ['__version__', 'bits', 'datasets', 'diffusion', 'engine', 'generation', 'models',
           'visualization']
