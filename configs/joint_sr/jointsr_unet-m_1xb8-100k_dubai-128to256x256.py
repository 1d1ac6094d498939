# GPU-sized x2 super-resolution for the Dubai data: 128 x 128 -> 256 x 256 pairs at full
# resolution (the 128 x 128 generator's pairs are at x2). Make the data:
#   python tools/dataset_converters/dubai_aerial.py ../shared/data/dubai_aerial \
#       --out data/dubai_aerial --patch-size 512 --stride 256
_base_ = [
    '../_base_/models/joint_sr_unet.py', '../_base_/schedules/generator_schedule_100k.py',
    '../_base_/default_runtime.py'
]
crop_size = (256, 256)
model = dict(
    sample_size=crop_size,
    denoiser=dict(
        block_out_channels=(64, 128, 128, 256, 256),
        down_block_types=('DownBlock2D', 'DownBlock2D', 'DownBlock2D', 'AttnDownBlock2D',
                          'DownBlock2D'),
        up_block_types=('UpBlock2D', 'AttnUpBlock2D', 'UpBlock2D', 'UpBlock2D',
                        'UpBlock2D')))
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
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='DubaiAerialDataset',
        data_root='data/dubai_aerial',
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
custom_hooks = [
    dict(type='GeneratorDataCheckHook'),
    dict(type='CheckpointIntegrityHook'),
    dict(type='RNGStateHook'),
    dict(type='EMAHook', ema_type='ExponentialMovingAverage', momentum=0.0001,
         update_buffers=True),
    dict(type='SampleGridHook', interval=5000, num_samples=8, num_steps=20, scale=1),
]
