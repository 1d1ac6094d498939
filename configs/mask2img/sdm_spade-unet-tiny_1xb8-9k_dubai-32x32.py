# The SDM-style Dubai ÷8 mask -> image generator of sdm_spade-unet-tiny_1xb8-3k_dubai-32x32.py
# trained three times longer: 9000 iterations (its training loss was still falling at 3000),
# the learning rate annealed to 1 % by a cosine after the warm-up, and a slower EMA (window
# ~500 updates instead of ~100) so the weights it samples with average over more of the
# annealed phase. Same network, data, guidance (p = 0.2 while training, s = 1.5 sampling).
_base_ = ['./sdm_spade-unet-tiny_1xb8-3k_dubai-32x32.py']
max_iters = 9000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-2, by_epoch=False, begin=0, end=100),
    dict(
        type='CosineAnnealingLR',
        T_max=max_iters - 100,
        eta_min=1e-5,
        by_epoch=False,
        begin=100,
        end=max_iters)
]
default_hooks = dict(
    checkpoint=dict(interval=1000, max_keep_ckpts=2),
    ema=dict(momentum=0.002),
    sample_grid=dict(interval=1000))
