# GPU-sized x2 super-resolution for the Dubai data: 128 x 128 -> 256 x 256 pairs at full
# resolution (the 128 x 128 generator's pairs are at x2). Make the data:
#   python tools/dataset_converters/dubai_aerial.py ../shared/data/dubai_aerial \
#       --out data/dubai_aerial --patch-size 512 --stride 256
_base_ = [
    '../_base_/models/joint_sr_unet.py', '../_base_/datasets/dubai_aerial_crops.py',
    '../_base_/schedules/generator_schedule_100k.py', '../_base_/generator_runtime.py'
]
crop_size = (256, 256)
model = dict(
    sample_size=crop_size,
    denoiser=dict(
        block_out_channels=(64, 128, 128, 256, 256),
        down_block_types=('DownBlock2D', 'DownBlock2D', 'DownBlock2D', 'AttnDownBlock2D',
                          'DownBlock2D'),
        up_block_types=('UpBlock2D', 'AttnUpBlock2D', 'UpBlock2D', 'UpBlock2D', 'UpBlock2D')))
train_pipeline = [
    dict(t, crop_size=crop_size) if t['type'] == 'RandomCrop' else t for t in _base_.train_pipeline
]
train_dataloader = dict(
    num_workers=4, dataset=dict(data_root='data/dubai_aerial', pipeline=train_pipeline))
default_hooks = dict(sample_grid=dict(num_samples=8, num_steps=20, scale=1))
