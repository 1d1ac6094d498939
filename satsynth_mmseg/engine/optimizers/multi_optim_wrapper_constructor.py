"""One optimizer per sub-network (a GAN's generator and discriminator) from one config."""
from __future__ import annotations
import copy

from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict

from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MultiOptimWrapperConstructor:
    """Build an ``OptimWrapperDict``: an optim wrapper for each named submodule of the model.

    mmengine's runner accepts a dict of optim wrappers only when they are already built; this
    constructor builds them from a config such as::

        optim_wrapper = dict(
            constructor='MultiOptimWrapperConstructor',
            generator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-4)),
            discriminator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-4)))

    Each entry is built by mmengine's ``DefaultOptimWrapperConstructor`` (``paramwise_cfg``
    allowed) over ``model.<name>``.

    Args:
        optim_wrapper_cfg: ``{submodule name: optim wrapper config}``.
        paramwise_cfg: unused (each entry may carry its own).
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg=None):
        if not isinstance(optim_wrapper_cfg, dict) or not optim_wrapper_cfg:
            raise ValueError('MultiOptimWrapperConstructor needs a dict of optim wrapper '
                             'configs keyed by submodule name')
        self.cfgs = {k: copy.deepcopy(dict(v)) for k, v in optim_wrapper_cfg.items()}

    def __call__(self, model) -> OptimWrapperDict:
        module = getattr(model, 'module', model)
        wrappers = {}
        for name, cfg in self.cfgs.items():
            sub = getattr(module, name, None)
            if sub is None:
                raise ValueError(f'optim_wrapper names {name!r} but the model '
                                 f'({type(module).__name__}) has no such submodule')
            paramwise = cfg.pop('paramwise_cfg', None)
            wrappers[name] = DefaultOptimWrapperConstructor(cfg, paramwise)(sub)
        return OptimWrapperDict(**wrappers)
