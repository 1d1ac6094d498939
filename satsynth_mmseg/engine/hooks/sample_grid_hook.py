"""Write a grid of sampled (image | colourised mask) pairs during training."""
from __future__ import annotations

import os
import os.path as osp
from typing import Optional, Union

import mmcv
import torch
from mmengine.dist import master_only
from mmengine.hooks import EMAHook, Hook
from mmengine.model import is_model_wrapper

from mmseg.registry import HOOKS
from ...visualization import make_pair_grid


@HOOKS.register_module()
class SampleGridHook(Hook):
    """Sample pairs from the generator every ``interval`` iterations and after training.

    The picture (image | colourised mask per pair) goes to
    ``{work_dir}/samples/iter_{iter:07d}.png`` and to the runner's visualizer backends
    (``vis_data/`` locally, TensorBoard/W&B when configured). With an :class:`EMAHook` in the
    runner, the EMA weights are used, as they would be for generation.

    Args:
        interval: iterations between grids (0 disables the periodic grids).
        num_samples: pairs per grid.
        num_steps: sampler steps (default: the model's sampler config).
        sampler: sampler name or config (default: the model's).
        seed: sampling seed; the same seed every time, so grids are comparable over training.
        use_ema: sample with the EMA weights when an EMAHook is present.
        ncols: pairs per grid row.
        scale: nearest-neighbour magnification of small samples.
        after_train: also write a grid when training ends.
    """
    priority = 'LOW'  # after EMAHook's update

    def __init__(self,
                 interval: int = 1000,
                 num_samples: int = 8,
                 num_steps: Optional[int] = None,
                 sampler: Union[str, dict, None] = None,
                 seed: int = 0,
                 use_ema: bool = True,
                 ncols: int = 4,
                 scale: int = 2,
                 after_train: bool = True):
        self.interval = interval
        self.num_samples = num_samples
        self.num_steps = num_steps
        self.sampler = sampler
        self.seed = seed
        self.use_ema = use_ema
        self.ncols = ncols
        self.scale = scale
        self.write_after_train = after_train

    def _generator_model(self, runner):
        if self.use_ema:
            for hook in runner.hooks:
                if isinstance(hook, EMAHook) and hasattr(hook, 'ema_model'):
                    return hook.ema_model.module
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        # runner.iter is incremented after this hook: the iteration just done is iter + 1
        if self.interval > 0 and self.every_n_train_iters(runner, self.interval):
            self.write_grid(runner, runner.iter + 1)

    def after_train(self, runner) -> None:
        if self.write_after_train and (self.interval <= 0 or runner.iter % self.interval):
            self.write_grid(runner, runner.iter)

    @master_only
    def write_grid(self, runner, step: int) -> str:
        """Sample and write the grid for training iteration ``step``; returns the PNG path."""
        model = self._generator_model(runner)
        device = next(model.parameters()).device
        generator = torch.Generator(device=device).manual_seed(self.seed)
        was_training = model.training
        model.eval()
        try:
            out = model.sample(self.num_samples, num_steps=self.num_steps,
                               sampler=self.sampler, generator=generator)
        finally:
            model.train(was_training)
        palette = runner.train_dataloader.dataset.metainfo.get('palette')
        if not palette:
            raise ValueError('the train dataset has no palette in its metainfo')
        grid = make_pair_grid(out['images'].cpu().numpy(), out['labels'].cpu().numpy(),
                              palette, ncols=self.ncols, scale=self.scale)
        path = osp.join(runner.work_dir, 'samples', f'iter_{step:07d}.png')
        os.makedirs(osp.dirname(path), exist_ok=True)
        mmcv.imwrite(grid[..., ::-1], path)  # mmcv writes BGR
        runner.visualizer.add_image('samples', grid, step=step)
        runner.logger.info(f'sample grid written to {path} '
                           f'({out["invalid_pixels"]} pixels decoded to codes >= K)')
        return path
