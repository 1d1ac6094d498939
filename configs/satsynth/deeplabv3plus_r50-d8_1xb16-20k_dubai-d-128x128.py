# SatSynth baseline: DeepLabV3+ (R-50-D8, ImageNet-pretrained) on the real Dubai data D alone.
# Identical to the D u D' and D'-only configs next to it except for the training set.
# GPU-sized; the CPU-sized twin is deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py.
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py',
    '../_base_/datasets/dubai_aerial_segmentation.py', '../_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_20k.py'
]
crop_size = (128, 128)
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=6, norm_cfg=norm_cfg),
    auxiliary_head=dict(num_classes=6, norm_cfg=norm_cfg),
    test_cfg=dict(mode='whole'))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=20000, val_interval=2000)
default_hooks = dict(
    checkpoint=dict(
        type='CheckpointHook', by_epoch=False, interval=2000, max_keep_ckpts=2, save_best='mIoU'))
# logs the share of generated samples per batch (0 here: D only)
custom_hooks = [dict(type='DataSourceLoggerHook')]
