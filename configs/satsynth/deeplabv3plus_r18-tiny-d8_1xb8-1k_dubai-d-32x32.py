# CPU-sized SatSynth baseline: tiny DeepLabV3+ on the real Dubai data D alone, 32 x 32 crops of
# 64 x 64 tiles (512 patches shrunk x8; the scale of the tiny 32 x 32 Dubai generator). Make
# the data with:
#   python tools/dataset_converters/dubai_aerial.py ../shared/data/dubai_aerial \
#       --out data/dubai_aerial_x8 --patch-size 512 --downscale 8
_base_ = [
    '../_base_/models/deeplabv3plus_r18-tiny-d8.py',
    '../_base_/datasets/dubai_aerial_segmentation.py', '../_base_/default_runtime.py',
    '../_base_/schedules/segmentor_schedule_cpu_1k.py'
]
data_root = 'data/dubai_aerial_x8'
crop_size = (32, 32)
# the base pipeline at this crop size, without PhotoMetricDistortion (too strong at this scale)
train_pipeline = [
    dict(t, crop_size=crop_size) if t['type'] == 'RandomCrop' else t for t in _base_.train_pipeline
    if t['type'] != 'PhotoMetricDistortion'
]
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=6),
    auxiliary_head=dict(num_classes=6))
train_dataloader = dict(
    batch_size=8, num_workers=2, dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
custom_hooks = [dict(type='DataSourceLoggerHook')]
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0)
