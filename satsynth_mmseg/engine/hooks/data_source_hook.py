"""Log how many real and how many generated samples the segmentor trains on."""
from __future__ import annotations
from typing import Optional

from mmengine.hooks import Hook
from mmengine.logging import print_log

from mmseg.registry import HOOKS


@HOOKS.register_module()
class DataSourceLoggerHook(Hook):
    """Count the ``data_source`` of every training sample (set by ``AugmentedDataset``).

    Each iteration it adds ``train/synthetic_fraction`` (share of generated samples in the
    batch) to the message hub, so mmengine's ``LoggerHook`` prints its mean over the logging
    window next to the losses; at the end of training it logs the totals. Samples without a
    ``data_source`` (a plain dataset) count as real.
    """
    priority = 'NORMAL'

    def __init__(self):
        self.counts = dict(real=0, synthetic=0)

    def before_train(self, runner) -> None:
        self.counts = dict(real=0, synthetic=0)

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs=None) -> None:
        samples = (data_batch or {}).get('data_samples') or []
        if not samples:
            return
        synthetic = sum(1 for s in samples if s.metainfo.get('data_source') == 'synthetic')
        self.counts['synthetic'] += synthetic
        self.counts['real'] += len(samples) - synthetic
        runner.message_hub.update_scalar('train/synthetic_fraction', synthetic / len(samples))

    def after_train(self, runner) -> None:
        total = sum(self.counts.values())
        if total:
            print_log(
                f'trained on {self.counts["real"]} real and {self.counts["synthetic"]} '
                f'generated samples ({100 * self.counts["synthetic"] / total:.1f} % '
                'generated) on this rank',
                logger='current')
