# Encoder pretraining on the unlabelled pool, supervised by its scene labels (UC Merced Land Use,
# 21 classes as folder names; Yang & Newsam 2010): the segmentor's own backbone (the tiny
# DeepLabV3+'s ResNet-18 at a quarter width) + global pooling + a linear head, cross-entropy.
# Tiles are rescaled to Dubai ÷8's ground resolution (x0.125: 256 px at 0.3 m -> 32 px at
# ~2.4 m); every 5th tile is held out for the scene accuracy (benchmarks/encoder_pretraining.py).
# Then: tools/export_encoder.py WORK_DIR/iter_1000.pth OUT.pth --segmentor-config CFG, and the
# segmentor config loads OUT.pth with init_cfg=dict(type='Pretrained', prefix='backbone.').
_base_ = ['../_base_/models/deeplabv3plus_r18-tiny-d8.py', '../_base_/default_runtime.py']
pool_root = '../shared/data/ucmerced_landuse/images'
crop_size = (32, 32)
model = dict(
    _delete_=True,
    type='SceneClassifier',
    backbone=_base_.model.backbone,
    num_classes=21,
    in_channels=128,
    # the segmentor's normalisation (ImageNet mean/std, BGR -> RGB), without its padding
    data_preprocessor=dict(
        type='ImgDataPreprocessor',
        mean=_base_.data_preprocessor.mean,
        std=_base_.data_preprocessor.std,
        bgr_to_rgb=True))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RescaleUnlabelled', min_size=crop_size),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(type='PackSegInputs', meta_keys=('img_path', 'scene_label')),
]
train_dataloader = dict(
    batch_size=64,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='UnlabelledImagesDataset',
        data_root=pool_root,
        num_bands=3,
        scale_factor=0.125,
        holdout_every=5,
        subset='train',
        pipeline=train_pipeline))
val_dataloader = None
val_evaluator = None
val_cfg = None
test_dataloader = None
test_evaluator = None
test_cfg = None
max_iters = 1000
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters + 1)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=5e-4),
    clip_grad=None)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', by_epoch=False, begin=100, end=max_iters, eta_min=1e-4)
]
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=max_iters, max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'))
log_processor = dict(by_epoch=False)
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0)
