from .best_loss_checkpoint_hook import BestLossCheckpointHook
from .checkpoint_integrity_hook import CheckpointIntegrityHook
from .data_check_hook import GeneratorDataCheckHook
from .data_source_hook import DataSourceLoggerHook
from .rng_state_hook import RNGStateHook
from .sample_grid_hook import SampleGridHook
from .train_time_budget_hook import TrainTimeBudgetHook

__all__ = [
    'SampleGridHook', 'GeneratorDataCheckHook', 'DataSourceLoggerHook', 'CheckpointIntegrityHook',
    'RNGStateHook', 'TrainTimeBudgetHook', 'BestLossCheckpointHook'
]
