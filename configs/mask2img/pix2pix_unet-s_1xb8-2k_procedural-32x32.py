# pix2pix baseline on the embedded procedural scenes (the demo's data).
_base_ = [
    '../_base_/models/pix2pix_unet-s.py', '../_base_/datasets/procedural_scenes_generator.py',
    '../_base_/schedules/pix2pix_schedule_cpu.py', '../_base_/generator_runtime.py'
]
model = dict(num_classes=5)
max_iters = 2000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
default_hooks = dict(sample_grid=dict(scale=3, num_samples=8, ncols=2))
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0)
