# The tiny Dubai ÷8 joint generator that also learns from unlabelled imagery: every batch of 8
# holds 4 labelled Dubai crops and 4 UC Merced tiles (rescaled to ~2.4 m, 32 x 32 crops). The mask
# has its own timestep (UniDiffuser): an unlabelled tile's mask bits sit at t = T with no loss,
# so it trains the image channels only; pairs are sampled as before. Point unlabelled_root
# (configs/_base_/datasets/ucmerced_unlabelled.py) at your own archive with --cfg-options
# train_dataloader.dataset.unlabelled.data_root=PATH.
_base_ = [
    './jointddpm-vpred_unet-tiny_1xb8-3k_dubai-32x32.py',
    '../_base_/datasets/ucmerced_unlabelled.py'
]
model = dict(mask_timestep_embedding=True)
unlabelled_ratio = 0.5
train_dataloader = dict(
    batch_sampler=dict(type='LabelledUnlabelledBatchSampler', unlabelled_ratio=unlabelled_ratio),
    dataset=dict(
        _delete_=True,
        type='LabelledUnlabelledDataset',
        labelled=_base_.train_dataloader.dataset,
        unlabelled=_base_.unlabelled_dataset))
