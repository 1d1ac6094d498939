# Tiny CPU config for the demo and the tests: the embedded procedural scenes at 32x32
# (5 classes -> 3 analog bits), a small U-Net, a few minutes on 2 cores.
_base_ = [
    '../_base_/models/joint_ddpm_unet.py',
    '../_base_/datasets/procedural_scenes_generator.py',
    '../_base_/schedules/generator_schedule_100k.py', '../_base_/default_runtime.py'
]
crop_size = (32, 32)
model = dict(
    num_classes=5,
    sample_size=crop_size,
    denoiser=dict(
        block_out_channels=(32, 64, 64),
        down_block_types=('DownBlock2D', 'AttnDownBlock2D', 'DownBlock2D'),
        up_block_types=('UpBlock2D', 'AttnUpBlock2D', 'UpBlock2D'),
        layers_per_block=1,
        attention_head_dim=16,
        norm_num_groups=16,
        dropout=0.0),
    sampler=dict(num_inference_steps=25))  # DDIM-25 for the sample grids
max_iters = 2000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [dict(type='LinearLR', start_factor=1e-2, by_epoch=False, begin=0, end=100)]
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=500, max_keep_ckpts=2))
custom_hooks = [
    dict(type='GeneratorDataCheckHook'),
    dict(type='CheckpointIntegrityHook'),
    dict(type='RNGStateHook'),
    dict(type='EMAHook', ema_type='ExponentialMovingAverage', momentum=0.01,
         update_buffers=True),
    dict(type='SampleGridHook', interval=500, num_samples=16, ncols=4, scale=3),
]
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0)
