"""Write a grid of sampled (image | colourised mask) pairs during training."""
from __future__ import annotations
import os
import os.path as osp
from typing import Optional, Union

import numpy as np
import torch
from mmengine.dist import master_only
from mmengine.hooks import EMAHook, Hook
from mmengine.model import is_model_wrapper

from mmseg.registry import HOOKS
from ...models.generators.outputs import PairCondition
from ...utils.atomic_io import atomic_write_png
from ...visualization import make_pair_grid


@HOOKS.register_module()
class SampleGridHook(Hook):
    """Sample pairs from the generator every ``interval`` iterations and after training.

    For a super-resolution model (``JointSuperRes``) each row shows, for one pair of the first
    training batch, its downsampled version (nearest-neighbour enlarged), the model's
    super-resolved pair and the real high-resolution pair. For a mask-conditioned model
    (``MaskToImageDDPM``) each row shows the image rendered for the label map of one pair of
    the first training batch next to the map, then the real pair (mask | generated | real).

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
        display: how non-RGB images are shown (``satsynth_mmseg.visualization``), e.g.
            ``dict(type='sar', vv=0, vh=1)`` (VV | VH | false colour) or
            ``dict(type='bands', bands=(3, 2, 1))``; default: RGB, grey, or SAR for 2 bands.
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
                 after_train: bool = True,
                 display: Optional[dict] = None):
        self.interval = interval
        self.num_samples = num_samples
        self.num_steps = num_steps
        self.sampler = sampler
        self.seed = seed
        self.use_ema = use_ema
        self.ncols = ncols
        self.scale = scale
        self.write_after_train = after_train
        self.display = display
        self._batch = None  # first training batch: the super-resolution grid's inputs

    def _generator_model(self, runner):
        if self.use_ema:
            for hook in runner.hooks:
                if isinstance(hook, EMAHook) and hasattr(hook, 'ema_model'):
                    return hook.ema_model.module
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if self._batch is None and data_batch is not None:
            self._batch = data_batch
        # runner.iter is incremented after this hook: the iteration just done is iter + 1
        if self.interval > 0 and self.every_n_train_iters(runner, self.interval):
            self.write_grid(runner, runner.iter + 1)

    def after_train(self, runner) -> None:
        if self.write_after_train and (self.interval <= 0 or runner.iter % self.interval):
            self.write_grid(runner, runner.iter)

    def _first_batch(self, model):
        """The encoded first training batch (at most ``num_samples`` pairs)."""
        if self._batch is None:
            raise RuntimeError('no training batch seen yet for a conditional sample grid')
        n = min(self.num_samples, len(self._batch['inputs']))
        batch = dict(inputs=self._batch['inputs'][:n], data_samples=self._batch['data_samples'][:n])
        with torch.no_grad():
            return model.data_preprocessor(batch, False)['inputs']

    def _mask_to_image_rows(self, model, generator):
        """(rendered image | its map) then (real image | map) for the first training batch."""
        real_images, real_labels = model.real_of_batch(self._first_batch(model))
        out = model.sample_from(
            PairCondition(labels=real_labels),
            num_steps=self.num_steps,
            sampler=self.sampler,
            generator=generator)
        images = torch.stack([out['images'], real_images.to(out['images'].device)], 1).flatten(0, 1)
        labels = torch.stack([out['labels'], real_labels.to(out['labels'].device)], 1).flatten(0, 1)
        return images, labels, out, 2

    def _super_res_rows(self, model, generator):
        """(low-res enlarged | super-resolved | real) pairs of the first training batch."""
        hr = self._first_batch(model)
        with torch.no_grad():
            real_images, real_labels, low_images, low_labels = \
                model.real_and_low_res_of_batch(hr)
        out = model.sample_from(
            PairCondition(images=low_images, labels=low_labels),
            num_steps=self.num_steps,
            sampler=self.sampler,
            generator=generator)
        big, big_labels = model.enlarge(low_images), model.enlarge(low_labels)
        images = torch.stack(
            [big.to(out['images'].device), out['images'],
             real_images.to(out['images'].device)], 1).flatten(0, 1)
        labels = torch.stack([
            big_labels.to(out['labels'].device), out['labels'],
            real_labels.to(out['labels'].device)
        ], 1).flatten(0, 1)
        return images, labels, out, 3

    @master_only
    def write_grid(self, runner, step: int) -> str:
        """Sample and write the grid for training iteration ``step``; returns the PNG path."""
        model = self._generator_model(runner)
        device = next(model.parameters()).device
        generator = torch.Generator(device=device).manual_seed(self.seed)
        was_training = model.training
        model.eval()
        palette = runner.train_dataloader.dataset.metainfo.get('palette')
        if not palette:
            raise ValueError('the train dataset has no palette in its metainfo')
        try:
            if model.conditioning == 'low_res_pair':
                images, labels, out, ncols = self._super_res_rows(model, generator)
            elif model.conditioning == 'label_map':
                images, labels, out, ncols = self._mask_to_image_rows(model, generator)
            else:
                out = model.sample(
                    self.num_samples,
                    num_steps=self.num_steps,
                    sampler=self.sampler,
                    generator=generator)
                images, labels, ncols = out['images'], out['labels'], self.ncols
        finally:
            model.train(was_training)
        grid = make_pair_grid(
            images.cpu().numpy(),
            labels.cpu().numpy(),
            palette,
            ncols=ncols,
            scale=self.scale,
            display=self.display,
            classes=runner.train_dataloader.dataset.metainfo.get('classes'))
        path = osp.join(runner.work_dir, 'samples', f'iter_{step:07d}.png')
        os.makedirs(osp.dirname(path), exist_ok=True)
        atomic_write_png(path, np.ascontiguousarray(grid[..., ::-1]))  # cv2 writes BGR
        runner.visualizer.add_image('samples', grid, step=step)
        runner.logger.info(f'sample grid written to {path} '
                           f'({out["invalid_pixels"]} pixels decoded to codes >= K)')
        return path
