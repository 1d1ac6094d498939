"""satsynth-mmseg: grow mmsegmentation training sets with generated image-mask pairs.

``import satsynth_mmseg`` (or ``custom_imports=dict(imports=['satsynth_mmseg'])`` in an mmseg
config) registers every class of the plugin into mmseg's registries (``MODELS``,
``DATASETS``, ``HOOKS``, ``TASK_UTILS``) and allowlists the exact objects an mmengine
checkpoint pickles, so ``--resume`` works with torch's weights-only loading.
"""
# isort: off
# the allowlist is registered before the submodules import anything that loads checkpoints
# (flake8's E402 is waived for this file in setup.cfg)
from .version import __version__
from .utils import register_checkpoint_safe_globals

register_checkpoint_safe_globals()

from . import (bits, cli, datasets, diffusion, engine, evaluation, experiments, generation, models,
               utils, visualization)
# isort: on

__all__ = [
    '__version__', 'bits', 'cli', 'datasets', 'diffusion', 'engine', 'evaluation', 'experiments',
    'generation', 'models', 'utils', 'visualization'
]
