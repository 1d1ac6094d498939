# Joint image + mask DDPM on Dubai aerial imagery at 64x64 (6 classes -> 3 analog bits).
_base_ = [
    '../_base_/models/joint_ddpm_unet.py', '../_base_/datasets/dubai_aerial_generator.py',
    '../_base_/schedules/generator_schedule_100k.py', '../_base_/generator_runtime.py'
]
model = dict(num_classes=6, sample_size=(64, 64))
