# Iteration-based schedule for diffusion generators: AdamW, constant LR after a warm-up,
# EMA weights (mmengine EMAHook; momentum 1e-4 == decay 0.9999), checkpoints and sample grids.
max_iters = 100000
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999), weight_decay=0.0),
    clip_grad=dict(max_norm=1.0))
param_scheduler = [dict(type='LinearLR', start_factor=1e-3, by_epoch=False, begin=0, end=1000)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters + 1)
val_cfg = None
test_cfg = None
# Every hook is a named entry of default_hooks, so a child config changes one setting
# (e.g. default_hooks = dict(ema=dict(momentum=0.01))) instead of restating a hook list.
# data_check: the dataset fits the model (classes, pair sizes) before the first step;
# integrity: a content hash in every checkpoint, verified on load;
# rng_state: torch's RNG saved with it, so --resume repeats an uninterrupted run exactly.
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=5000, max_keep_ckpts=3, save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    data_check=dict(type='GeneratorDataCheckHook'),
    integrity=dict(type='CheckpointIntegrityHook'),
    rng_state=dict(type='RNGStateHook'),
    # decay 0.9999 reached after a warm-up (window ~k^0.75 updates at iteration k): a run
    # stopped early (a time budget, a short GPU lease) still has useful EMA weights
    ema=dict(
        type='EMAHook',
        ema_type='WarmupExponentialMovingAverage',
        momentum=1e-4,
        warmup_power=0.75,
        update_buffers=True),
    sample_grid=dict(type='SampleGridHook', interval=5000, num_samples=16, ncols=4))
custom_hooks = []  # the user's own hooks
