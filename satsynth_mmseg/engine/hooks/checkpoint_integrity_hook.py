"""Write a content hash into every checkpoint and verify it on every load by the Runner."""
from __future__ import annotations

from mmengine.hooks import Hook

from mmseg.registry import HOOKS
from ...utils.checkpoint_io import HASH_KEY, content_sha256, verify_checkpoint


@HOOKS.register_module()
class CheckpointIntegrityHook(Hook):
    """Content hash on save, verification on load (resume and ``load_from``).

    On ``before_save_checkpoint`` (priority ``LOWEST``: after ``EMAHook`` has added the EMA
    weights) it stores :func:`~satsynth_mmseg.utils.checkpoint_io.content_sha256` in
    ``meta['content_sha256']``. On ``after_load_checkpoint`` it recomputes it and refuses a
    mismatch or a non-finite weight with a :class:`~satsynth_mmseg.utils.CheckpointError`
    naming the file. The hash does not depend on which dict holds the raw and the EMA weights,
    so ``EMAHook``'s swaps on save and load do not matter.
    """
    priority = 'LOWEST'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault('meta', {})[HASH_KEY] = content_sha256(checkpoint)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        # mmengine does not tell the hook which file it loaded; tools/train.py checks the file
        # by name before the Runner starts, so the message there names it
        verify_checkpoint(checkpoint, 'the checkpoint being loaded')
