# CPU experiment-sized x2 super-resolution for the Dubai data: 32 x 32 -> 64 x 64 pairs. Its
# low-resolution side matches the tiny 32 x 32 CPU generator (512 patches shrunk x8), so the
# cascade makes 64 x 64 pairs at the ground resolution of 512 patches shrunk x4. Make the data:
#   python tools/dataset_converters/dubai_aerial.py ../shared/data/dubai_aerial \
#       --out data/dubai_aerial_x4 --patch-size 512 --downscale 4
_base_ = [
    '../_base_/models/joint_sr_unet.py', '../_base_/datasets/dubai_aerial_crops.py',
    '../_base_/schedules/generator_schedule_cpu.py', '../_base_/generator_runtime.py'
]
model = dict(
    sample_size=(64, 64),
    denoiser=dict(
        block_out_channels=(32, 32, 64),
        down_block_types=('DownBlock2D', 'DownBlock2D', 'AttnDownBlock2D'),
        up_block_types=('AttnUpBlock2D', 'UpBlock2D', 'UpBlock2D'),
        layers_per_block=1,
        attention_head_dim=16,
        norm_num_groups=16,
        dropout=0.0))
max_iters = 3000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
default_hooks = dict(sample_grid=dict(num_samples=4, num_steps=20, scale=2))
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0)
