"""Keep the checkpoint of the lowest (windowed mean) training loss: scarce-data training."""
from __future__ import annotations
import math
import os
import os.path as osp
from typing import List, Optional

from mmengine.hooks import Hook

from mmseg.registry import HOOKS
from ...utils.errors import ConfigError

#: message-hub keys of the best window so far (saved with every checkpoint, so resume keeps it)
BEST_LOSS_KEY = 'best_train_loss'
BEST_ITER_KEY = 'best_train_loss_iter'


@HOOKS.register_module()
class BestLossCheckpointHook(Hook):
    """Save ``best_loss.pth`` whenever the mean training loss of the last ``interval``
    iterations is the lowest so far.

    With a few hundred training pairs there is often no validation split to spare and a
    diffusion model's per-batch loss is noisy (it depends on the timesteps drawn); the
    scarce-data recipe of semantic diffusion keeps the checkpoint of the best *smoothed*
    training loss instead of the last one. Every ``interval`` iterations the mean of
    ``key`` over that window is compared with the best window so far; a lower one writes
    the full checkpoint (EMA weights included, so ``tools/generate.py`` and ``load_from``
    take it like any other) to ``best_loss.pth`` through a temporary file and an atomic
    rename: a crash leaves the previous best intact. The best value and its iteration live
    in the message hub (``best_train_loss``, ``best_train_loss_iter``), which mmengine saves
    in every checkpoint, so ``--resume`` does not forget them.

    Args:
        interval: iterations per window (> 0).
        key: the log variable compared (``loss``: the sum of every ``loss*`` term).
        filename: the file written in ``out_dir``.
        out_dir: default: the runner's work dir.
        min_iters: windows ending before this iteration are not considered (warm-up).

    Config:
        ``default_hooks = dict(best_loss=dict(type='BestLossCheckpointHook', interval=100))``.
    """
    priority = 'VERY_LOW'  # after EMAHook (NORMAL) has updated the averaged weights

    def __init__(self,
                 interval: int = 100,
                 key: str = 'loss',
                 filename: str = 'best_loss.pth',
                 out_dir: Optional[str] = None,
                 min_iters: int = 0):
        if int(interval) < 1:
            raise ConfigError(f'BestLossCheckpointHook needs interval >= 1, got {interval}')
        if not filename.endswith('.pth') or osp.basename(filename) != filename:
            raise ConfigError(f'BestLossCheckpointHook filename must be a .pth file name, '
                              f'got {filename!r}')
        self.interval = int(interval)
        self.key = key
        self.filename = filename
        self.out_dir = out_dir
        self.min_iters = int(min_iters)
        self._window: List[float] = []

    def before_train(self, runner) -> None:
        self._window = []
        self.out_dir = self.out_dir or runner.work_dir

    @property
    def path(self) -> str:
        return osp.join(self.out_dir, self.filename)

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        outputs = outputs or {}
        if self.key not in outputs:
            raise ConfigError(f'BestLossCheckpointHook: the model logs no {self.key!r} '
                              f'(it logs {sorted(outputs)}); set key= to one of them')
        value = outputs[self.key]
        self._window.append(float(value.detach() if hasattr(value, "detach") else value))
        if (runner.iter + 1) % self.interval:
            return
        window, self._window = self._window, []
        if runner.iter + 1 < self.min_iters or len(window) < self.interval:
            return  # a partial window right after a resume is not compared
        mean = sum(window) / len(window)
        best = float(runner.message_hub.get_info(BEST_LOSS_KEY, math.inf))
        if not mean < best:
            return
        runner.message_hub.update_info(BEST_LOSS_KEY, mean)
        runner.message_hub.update_info(BEST_ITER_KEY, runner.iter + 1)
        tmp = self.path + '.tmp'
        runner.save_checkpoint(self.out_dir, osp.basename(tmp), by_epoch=False)
        os.replace(tmp, self.path)
        runner.logger.info(f'best {self.key} so far ({mean:.5f}, mean of iterations '
                           f'{runner.iter + 2 - self.interval}-{runner.iter + 1}): '
                           f'saved {self.path}')
