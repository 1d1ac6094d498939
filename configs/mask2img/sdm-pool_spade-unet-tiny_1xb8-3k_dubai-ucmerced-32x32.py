# The tiny Dubai ÷8 mask -> image generator that also learns from unlabelled imagery: every
# batch of 8 holds 4 labelled Dubai crops and 4 UC Merced tiles; an unlabelled tile trains the
# unconditional (null-map) branch that classifier-free guidance uses.
_base_ = [
    './sdm_spade-unet-tiny_1xb8-3k_dubai-32x32.py', '../_base_/datasets/ucmerced_unlabelled.py'
]
unlabelled_ratio = 0.5
train_dataloader = dict(
    batch_sampler=dict(type='LabelledUnlabelledBatchSampler', unlabelled_ratio=unlabelled_ratio),
    dataset=dict(
        _delete_=True,
        type='LabelledUnlabelledDataset',
        labelled=_base_.train_dataloader.dataset,
        unlabelled=_base_.unlabelled_dataset))
