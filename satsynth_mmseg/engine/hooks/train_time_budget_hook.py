"""Stop training after a wall-clock budget, with a checkpoint of the last iteration."""
from __future__ import annotations
import os.path as osp
import time
from typing import Optional

from mmengine.hooks import CheckpointHook, Hook

from mmseg.registry import HOOKS
from ...utils.errors import ConfigError

#: message-hub key of the training seconds spent so far (saved with every checkpoint)
SECONDS_KEY = 'train_seconds'


@HOOKS.register_module()
class TrainTimeBudgetHook(Hook):
    """End training once ``seconds`` of training wall time are spent ("what is the best
    generator my CPU gives me in 10 minutes?", and ablations at equal wall time).

    The seconds spent are kept in the message hub (``train_seconds``, logged and saved in
    every checkpoint), so a resumed run continues the same budget. When the budget is
    reached after an iteration, the loop's ``stop_training`` flag is set (mmengine's
    early-stopping mechanism) and the :class:`~mmengine.hooks.CheckpointHook` saves that
    iteration unless it just did, so the run's ``last_checkpoint`` is its final state.

    Args:
        seconds: the training budget (> 0).

    Config:
        ``custom_hooks = [dict(type='TrainTimeBudgetHook', seconds=600)]`` with a large
        ``train_cfg.max_iters``.
    """
    priority = 'LOWEST'  # after CheckpointHook (VERY_LOW) and the EMA hook

    def __init__(self, seconds: float):
        if not seconds > 0:
            raise ConfigError(f'TrainTimeBudgetHook needs seconds > 0, got {seconds}')
        self.seconds = float(seconds)
        self._spent_before = 0.0
        self._start: Optional[float] = None

    def before_train(self, runner) -> None:
        self._spent_before = float(runner.message_hub.get_info(SECONDS_KEY, 0.0))
        self._start = time.perf_counter()

    def spent(self) -> float:
        """Training seconds spent so far, this run and the runs it resumed."""
        return self._spent_before + (time.perf_counter() - (self._start or time.perf_counter()))

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        spent = self.spent()
        runner.message_hub.update_info(SECONDS_KEY, spent)
        if spent < self.seconds or runner.iter + 1 >= runner.max_iters:
            return
        runner.train_loop.stop_training = True
        runner.logger.info(f'training time budget of {self.seconds:.0f} s reached after '
                           f'{runner.iter + 1} iterations ({spent:.0f} s): stopping')
        for hook in runner.hooks:
            if isinstance(hook, CheckpointHook):
                name = osp.join(hook.out_dir or runner.work_dir, f'iter_{runner.iter + 1}.pth')
                if not osp.exists(name):
                    hook._save_checkpoint(runner)
