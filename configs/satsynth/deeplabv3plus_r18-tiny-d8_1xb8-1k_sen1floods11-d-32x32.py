# CPU-sized SatSynth baseline on SAR: tiny DeepLabV3+ with a 2-band (VV, VH) input on the real
# Sen1Floods11 patches D alone, 32 x 32 crops of 64 x 64 patches (the generator's scale). The
# pipeline normalises the bands (LoadRasterFromFile), so the data preprocessor only pads.
_base_ = [
    '../_base_/models/deeplabv3plus_r18-tiny-d8.py',
    '../_base_/datasets/sen1floods11_segmentation.py', '../_base_/default_runtime.py',
    '../_base_/schedules/segmentor_schedule_cpu_1k.py'
]
crop_size = (32, 32)
model = dict(
    data_preprocessor=dict(size=crop_size, mean=None, std=None, bgr_to_rgb=False),
    backbone=dict(in_channels=2),
    decode_head=dict(num_classes=2),
    auxiliary_head=dict(num_classes=2))
custom_hooks = [dict(type='DataSourceLoggerHook')]
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0)
