# pix2pix baseline on the Dubai data at the CPU experiment's scale (32 x 32 crops of
# data/dubai_aerial_x8), the same data config as the joint and SDM-style generators.
_base_ = [
    '../_base_/models/pix2pix_unet-s.py', '../_base_/datasets/dubai_aerial_crops.py',
    '../_base_/schedules/pix2pix_schedule_cpu.py', '../_base_/generator_runtime.py'
]
model = dict(num_classes=6)
crop_size = (32, 32)
train_pipeline = [
    dict(t, crop_size=crop_size) if t['type'] == 'RandomCrop' else t for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(data_root='data/dubai_aerial_x8', pipeline=train_pipeline))
max_iters = 3000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
default_hooks = dict(sample_grid=dict(scale=3, num_samples=8, ncols=2))
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0)
