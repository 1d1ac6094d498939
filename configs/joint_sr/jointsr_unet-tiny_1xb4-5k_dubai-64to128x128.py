# CPU-sized x2 super-resolution for the Dubai data: 64 x 64 -> 128 x 128 pairs at the ground
# resolution of 512 patches shrunk x2 (the 64 x 64 generator's pairs are at x4). Make the data:
#   python tools/dataset_converters/dubai_aerial.py ../shared/data/dubai_aerial \
#       --out data/dubai_aerial_x2 --patch-size 512 --stride 256 --downscale 2
_base_ = [
    '../_base_/models/joint_sr_unet.py', '../_base_/schedules/generator_schedule_100k.py',
    '../_base_/default_runtime.py'
]
crop_size = (128, 128)
model = dict(
    sample_size=crop_size,
    denoiser=dict(
        block_out_channels=(32, 64, 64, 128),
        down_block_types=('DownBlock2D', 'DownBlock2D', 'DownBlock2D', 'AttnDownBlock2D'),
        up_block_types=('AttnUpBlock2D', 'UpBlock2D', 'UpBlock2D', 'UpBlock2D'),
        layers_per_block=1,
        attention_head_dim=16,
        norm_num_groups=16,
        dropout=0.0))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=1.0),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='DubaiAerialDataset',
        data_root='data/dubai_aerial_x2',
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
max_iters = 5000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [dict(type='LinearLR', start_factor=1e-2, by_epoch=False, begin=0, end=100)]
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=500, max_keep_ckpts=2))
custom_hooks = [
    dict(type='GeneratorDataCheckHook'),
    dict(type='CheckpointIntegrityHook'),
    dict(type='RNGStateHook'),
    dict(type='EMAHook', ema_type='ExponentialMovingAverage', momentum=0.01,
         update_buffers=True),
    dict(type='SampleGridHook', interval=500, num_samples=4, num_steps=20, scale=1),
]
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0)
