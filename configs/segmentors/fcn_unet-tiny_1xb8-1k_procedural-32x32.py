# A small FCN + U-Net segmentor (plain mmseg classes) for the procedural scenes, CPU-sized.
# Used to judge generated pairs: does a segmentor trained on real data agree with the masks
# the generator drew? (benchmarks/sampling_throughput.py)
_base_ = [
    'mmseg::_base_/models/fcn_unet_s5-d16.py',
    '../_base_/datasets/procedural_scenes_segmentation.py', '../_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_20k.py'
]
crop_size = (32, 32)
norm_cfg = dict(type='BN', requires_grad=True)  # SyncBN needs distributed GPUs
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        base_channels=16,
        num_stages=4,
        strides=(1, 1, 1, 1),
        enc_num_convs=(2, 2, 2, 2),
        dec_num_convs=(2, 2, 2),
        downsamples=(True, True, True),
        enc_dilations=(1, 1, 1, 1),
        dec_dilations=(1, 1, 1),
        norm_cfg=norm_cfg),
    decode_head=dict(in_channels=16, in_index=3, channels=16, num_classes=5, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=32, in_index=2, channels=16, num_classes=5, norm_cfg=norm_cfg),
    test_cfg=dict(mode='whole'))
optimizer = dict(type='AdamW', lr=3e-3, weight_decay=1e-4)
optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=optimizer, clip_grad=None)
param_scheduler = [dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end=1000, by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=1000, val_interval=500)
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=500, max_keep_ckpts=1),
    visualization=dict(type='SegVisualizationHook', draw=False))
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0)
