"""Make a resumed generator training bit-identical to an uninterrupted one (CPU)."""
from __future__ import annotations
from typing import Optional

import torch
from mmengine.hooks import Hook

from mmseg.registry import HOOKS

#: top-level checkpoint key of the saved torch RNG state
RNG_KEY = 'torch_rng_state'


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Save torch's RNG state with every checkpoint; restore it when training resumes.

    What an interrupted and resumed run needs to repeat exactly, and where it comes from:

    * weights, optimizer, EMA, LR schedule, iteration: mmengine's checkpoint;
    * the sampler's position and the numpy / python RNG that the data pipeline draws from:
      mmengine's ``IterBasedTrainLoop`` replays the dataloader over the iterations already
      done when it resumes, which reproduces both exactly (same seed, same draws);
    * torch's RNG (diffusion noise and timesteps, dropout): nothing replays it. This hook
      saves it (CPU, and every CUDA device) on ``before_save_checkpoint`` and puts it back
      right before the first resumed iteration (``before_train_iter``), after the replay.

    On CUDA, kernels that are not deterministic still make runs differ; on CPU the resumed
    run equals the uninterrupted one bit for bit (tested).
    """
    priority = 'LOWEST'

    def __init__(self):
        self._pending: Optional[dict] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = dict(cpu=torch.get_rng_state())
        if torch.cuda.is_available():
            state['cuda'] = torch.cuda.get_rng_state_all()
        checkpoint[RNG_KEY] = state

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # only when resuming: a run that starts from a checkpoint (load_from, fine-tuning)
        # keeps the randomness of its own seed
        if getattr(runner, '_resume', False):
            self._pending = checkpoint.get(RNG_KEY)

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        if self._pending is None:
            return
        state, self._pending = self._pending, None
        # on a GPU machine mmengine's resume loads the checkpoint onto the GPU (its default
        # map_location), the saved states included; torch takes RNG states only as CPU
        # ByteTensors ("RNG state must be a torch.ByteTensor", found on an H200)
        torch.set_rng_state(state['cpu'].cpu())
        if 'cuda' in state and torch.cuda.is_available():
            if len(state['cuda']) == torch.cuda.device_count():
                torch.cuda.set_rng_state_all([s.cpu() for s in state['cuda']])
