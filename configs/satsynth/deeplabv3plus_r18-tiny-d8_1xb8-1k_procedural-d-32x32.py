# The main job's segmentor: tiny DeepLabV3+ on the embedded procedural scenes D alone
# (scenes resized to 32 x 32, the generator's scale). Twins: *-d+dprime-*, *-dprime-*.
_base_ = [
    '../_base_/models/deeplabv3plus_r18-tiny-d8.py',
    '../_base_/datasets/procedural_scenes_segmentation.py', '../_base_/default_runtime.py',
    '../_base_/schedules/segmentor_schedule_cpu_1k.py'
]
crop_size = (32, 32)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=5),
    auxiliary_head=dict(num_classes=5))
custom_hooks = [dict(type='DataSourceLoggerHook')]
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0)
