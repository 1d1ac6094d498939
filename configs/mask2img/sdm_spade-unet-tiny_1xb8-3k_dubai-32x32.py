# Tiny CPU mask -> image generator for the Dubai data at the CPU experiment's scale: 32 x 32
# crops of the 64 x 64 tiles in data/dubai_aerial_x8, the joint generator's data config.
# Its D' comes from tools/generate.py --masks-from (real masks, new layouts) or
# --mask-generator (a joint generator's masks, re-rendered: the hybrid).
_base_ = [
    '../_base_/models/sdm_spade-unet-tiny.py', '../_base_/datasets/dubai_aerial_crops.py',
    '../_base_/schedules/generator_schedule_cpu.py', '../_base_/generator_runtime.py'
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
