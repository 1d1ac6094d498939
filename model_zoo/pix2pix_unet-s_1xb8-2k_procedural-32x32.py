crop_size = (
    32,
    32,
)
custom_hooks = []
custom_imports = dict(
    allow_failed_imports=False, imports=[
        'satsynth_mmseg',
    ])
data_root = 'data/procedural_scenes'
dataset_type = 'ProceduralScenesDataset'
default_hooks = dict(
    checkpoint=dict(
        backend_args=dict(backend='satsynth_atomic'),
        by_epoch=False,
        interval=500,
        max_keep_ckpts=2,
        save_last=True,
        type='CheckpointHook'),
    data_check=dict(type='GeneratorDataCheckHook'),
    ema=dict(
        ema_type='ExponentialMovingAverage',
        momentum=0.01,
        type='EMAHook',
        update_buffers=True),
    integrity=dict(type='CheckpointIntegrityHook'),
    logger=dict(interval=50, log_metric_by_epoch=False, type='LoggerHook'),
    param_scheduler=dict(type='ParamSchedulerHook'),
    rng_state=dict(type='RNGStateHook'),
    sample_grid=dict(
        interval=500, ncols=2, num_samples=8, scale=3, type='SampleGridHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    timer=dict(type='IterTimerHook'))
default_scope = 'mmseg'
env_cfg = dict(
    cudnn_benchmark=False,
    dist_cfg=dict(backend='nccl'),
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))
launcher = 'none'
load_from = None
log_level = 'INFO'
log_processor = dict(by_epoch=False)
max_iters = 2000
model = dict(
    data_preprocessor=dict(bgr_to_rgb=True, type='JointDataPreprocessor'),
    discriminator=dict(
        base_channels=32, num_layers=2, type='PatchDiscriminator'),
    generator=dict(
        base_channels=32,
        max_channels=128,
        num_downs=5,
        type='UNetImageGenerator'),
    ignore_index=255,
    image_channels=3,
    l1_weight=100.0,
    num_classes=5,
    sample_size=(
        32,
        32,
    ),
    type='Pix2PixGAN')
optim_wrapper = dict(
    constructor='MultiOptimWrapperConstructor',
    discriminator=dict(
        optimizer=dict(betas=(
            0.5,
            0.999,
        ), lr=0.0002, type='Adam'),
        type='OptimWrapper'),
    generator=dict(
        optimizer=dict(betas=(
            0.5,
            0.999,
        ), lr=0.0002, type='Adam'),
        type='OptimWrapper'))
param_scheduler = []
randomness = dict(seed=0)
resume = False
test_cfg = None
train_cfg = dict(max_iters=2000, type='IterBasedTrainLoop', val_interval=2001)
train_dataloader = dict(
    batch_size=8,
    dataset=dict(
        data_prefix=dict(
            img_path='img_dir/train', seg_map_path='ann_dir/train'),
        data_root='data/procedural_scenes',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(keep_ratio=False, scale=(
                32,
                32,
            ), type='Resize'),
            dict(direction='horizontal', prob=0.5, type='RandomFlip'),
            dict(direction='vertical', prob=0.5, type='RandomFlip'),
            dict(type='PackSegInputs'),
        ],
        type='ProceduralScenesDataset'),
    num_workers=2,
    persistent_workers=True,
    sampler=dict(shuffle=True, type='InfiniteSampler'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(keep_ratio=False, scale=(
        32,
        32,
    ), type='Resize'),
    dict(direction='horizontal', prob=0.5, type='RandomFlip'),
    dict(direction='vertical', prob=0.5, type='RandomFlip'),
    dict(type='PackSegInputs'),
]
tta_model = dict(_scope_='mmseg', type='SegTTAModel')
val_cfg = None
vis_backends = [
    dict(_scope_='mmseg', type='LocalVisBackend'),
]
visualizer = dict(
    _scope_='mmseg',
    name='visualizer',
    type='Visualizer',
    vis_backends=[
        dict(type='LocalVisBackend'),
    ])
