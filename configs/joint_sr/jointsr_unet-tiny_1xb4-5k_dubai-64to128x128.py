# CPU-sized x2 super-resolution for the Dubai data: 64 x 64 -> 128 x 128 pairs at the ground
# resolution of 512 patches shrunk x2 (the 64 x 64 generator's pairs are at x4). Make the data:
#   python tools/dataset_converters/dubai_aerial.py ../shared/data/dubai_aerial \
#       --out data/dubai_aerial_x2 --patch-size 512 --stride 256 --downscale 2
_base_ = ['./jointsr_unet-tiny_1xb8-3k_dubai-32to64x64.py']
crop_size = (128, 128)
model = dict(
    sample_size=crop_size,
    denoiser=dict(
        block_out_channels=(32, 64, 64, 128),
        down_block_types=('DownBlock2D', 'DownBlock2D', 'DownBlock2D', 'AttnDownBlock2D'),
        up_block_types=('AttnUpBlock2D', 'UpBlock2D', 'UpBlock2D', 'UpBlock2D')))
train_pipeline = [
    dict(t, crop_size=crop_size) if t['type'] == 'RandomCrop' else t for t in _base_.train_pipeline
]
train_dataloader = dict(
    batch_size=4, dataset=dict(data_root='data/dubai_aerial_x2', pipeline=train_pipeline))
max_iters = 5000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
default_hooks = dict(sample_grid=dict(scale=1))
