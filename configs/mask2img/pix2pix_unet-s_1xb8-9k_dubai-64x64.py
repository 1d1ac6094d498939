# pix2pix_unet-s_1xb8-3k_dubai-64x64.py trained three times longer, with pix2pix's own
# schedule shape (Isola et al. 2017): the learning rate constant for the first half, then
# decayed linearly to zero over the second half, for both optimizers.
_base_ = ['./pix2pix_unet-s_1xb8-3k_dubai-64x64.py']
max_iters = 9000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
_decay = [
    dict(
        type='LinearLR',
        start_factor=1.0,
        end_factor=0.0,
        by_epoch=False,
        begin=max_iters // 2,
        end=max_iters)
]
param_scheduler = dict(_delete_=True, generator=_decay, discriminator=_decay)
default_hooks = dict(
    checkpoint=dict(interval=1000, max_keep_ckpts=2), sample_grid=dict(interval=1000))
