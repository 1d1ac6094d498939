# CPU experiment-sized x2 super-resolution for the Dubai data: 32 x 32 -> 64 x 64 pairs. Its
# low-resolution side matches the tiny 32 x 32 CPU generator (512 patches shrunk x8), so the
# cascade makes 64 x 64 pairs at the ground resolution of 512 patches shrunk x4. Make the data:
#   python tools/dataset_converters/dubai_aerial.py ../shared/data/dubai_aerial \
#       --out data/dubai_aerial_x4 --patch-size 512 --downscale 4
_base_ = ['./jointsr_unet-tiny_1xb4-5k_dubai-64to128x128.py']
crop_size = (64, 64)
model = dict(
    sample_size=crop_size,
    denoiser=dict(
        block_out_channels=(32, 32, 64),
        down_block_types=('DownBlock2D', 'DownBlock2D', 'AttnDownBlock2D'),
        up_block_types=('AttnUpBlock2D', 'UpBlock2D', 'UpBlock2D')))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=1.0),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8,
    dataset=dict(data_root='data/dubai_aerial_x4', pipeline=train_pipeline))
max_iters = 3000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
custom_hooks = [
    dict(type='GeneratorDataCheckHook'),
    dict(type='CheckpointIntegrityHook'),
    dict(type='RNGStateHook'),
    dict(type='EMAHook', ema_type='ExponentialMovingAverage', momentum=0.01,
         update_buffers=True),
    dict(type='SampleGridHook', interval=500, num_samples=4, num_steps=20, scale=2),
]
