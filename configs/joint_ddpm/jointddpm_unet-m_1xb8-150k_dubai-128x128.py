# Joint image + mask DDPM on Dubai aerial imagery at 128x128 (GPU-sized).
_base_ = [
    '../_base_/models/joint_ddpm_unet.py', '../_base_/datasets/dubai_aerial_generator.py',
    '../_base_/schedules/generator_schedule_100k.py', '../_base_/generator_runtime.py'
]
crop_size = (128, 128)
model = dict(
    num_classes=6,
    sample_size=crop_size,
    denoiser=dict(
        block_out_channels=(64, 128, 128, 256, 256),
        down_block_types=('DownBlock2D', 'DownBlock2D', 'DownBlock2D', 'AttnDownBlock2D',
                          'DownBlock2D'),
        up_block_types=('UpBlock2D', 'AttnUpBlock2D', 'UpBlock2D', 'UpBlock2D', 'UpBlock2D')))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(256, 256), ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=1.0),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(type='PackSegInputs'),
]
max_iters = 150000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
train_dataloader = dict(batch_size=8, dataset=dict(pipeline=train_pipeline))
