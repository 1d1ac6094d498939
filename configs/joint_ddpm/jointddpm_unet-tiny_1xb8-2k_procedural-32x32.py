# Tiny CPU config for the demo and the tests: the embedded procedural scenes at 32x32
# (5 classes -> 3 analog bits), a small U-Net, a few minutes on 2 cores.
_base_ = [
    '../_base_/models/joint_ddpm_unet-tiny.py', '../_base_/datasets/procedural_scenes_generator.py',
    '../_base_/schedules/generator_schedule_cpu.py', '../_base_/generator_runtime.py'
]
model = dict(num_classes=5)
max_iters = 2000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
default_hooks = dict(sample_grid=dict(scale=3))
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0)
