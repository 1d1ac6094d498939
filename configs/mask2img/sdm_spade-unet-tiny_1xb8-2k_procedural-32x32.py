# Tiny CPU mask -> image generator on the embedded procedural scenes (the demo's data).
_base_ = [
    '../_base_/models/sdm_spade-unet-tiny.py', '../_base_/datasets/procedural_scenes_generator.py',
    '../_base_/schedules/generator_schedule_cpu.py', '../_base_/generator_runtime.py'
]
model = dict(num_classes=5)
max_iters = 2000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
default_hooks = dict(sample_grid=dict(scale=3, num_samples=8, ncols=2))
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0)
