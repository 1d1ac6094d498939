# The tiny CPU generators: a larger learning rate with a short warm-up, checkpoints, sample
# grids and a fast EMA every few hundred iterations (set max_iters / train_cfg in the config).
_base_ = ['./generator_schedule_100k.py']
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [dict(type='LinearLR', start_factor=1e-2, by_epoch=False, begin=0, end=100)]
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=500, max_keep_ckpts=2),
    # a plain EMA with a short window (the model-zoo generators and README numbers use it)
    ema=dict(
        _delete_=True,
        type='EMAHook',
        ema_type='ExponentialMovingAverage',
        momentum=0.01,
        update_buffers=True),
    sample_grid=dict(interval=500))
