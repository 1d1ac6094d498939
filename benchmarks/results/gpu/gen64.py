crop_size = (
    64,
    64,
)
custom_hooks = [
    dict(seconds=150.0, type='TrainTimeBudgetHook'),
]
custom_imports = dict(
    allow_failed_imports=False, imports=[
        'satsynth_mmseg',
    ])
data_root = 'data/dubai_aerial'
dataset_type = 'DubaiAerialDataset'
default_hooks = dict(
    checkpoint=dict(
        by_epoch=False,
        interval=1000,
        max_keep_ckpts=3,
        save_last=True,
        type='CheckpointHook'),
    data_check=dict(type='GeneratorDataCheckHook'),
    ema=dict(
        ema_type='ExponentialMovingAverage',
        momentum=0.0001,
        type='EMAHook',
        update_buffers=True),
    integrity=dict(type='CheckpointIntegrityHook'),
    logger=dict(interval=50, log_metric_by_epoch=False, type='LoggerHook'),
    param_scheduler=dict(type='ParamSchedulerHook'),
    rng_state=dict(type='RNGStateHook'),
    sample_grid=dict(
        interval=1000, ncols=4, num_samples=16, type='SampleGridHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    timer=dict(type='IterTimerHook'))
default_scope = 'mmseg'
env_cfg = dict(
    cudnn_benchmark=True,
    dist_cfg=dict(backend='nccl'),
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))
launcher = 'none'
load_from = None
log_level = 'INFO'
log_processor = dict(by_epoch=False)
max_iters = 100000
model = dict(
    data_preprocessor=dict(bgr_to_rgb=True, type='JointDataPreprocessor'),
    denoiser=dict(
        attention_head_dim=32,
        block_out_channels=(
            64,
            128,
            256,
            256,
        ),
        down_block_types=(
            'DownBlock2D',
            'DownBlock2D',
            'AttnDownBlock2D',
            'DownBlock2D',
        ),
        dropout=0.1,
        layers_per_block=2,
        norm_num_groups=32,
        type='DiffusersUNet2D',
        up_block_types=(
            'UpBlock2D',
            'AttnUpBlock2D',
            'UpBlock2D',
            'UpBlock2D',
        )),
    ignore_index=255,
    image_channels=3,
    mask_loss_weight=1.0,
    noise_scheduler=dict(
        beta_schedule='linear',
        num_train_timesteps=1000,
        prediction_type='v_prediction',
        type='DDPMScheduler'),
    num_classes=6,
    sample_size=(
        64,
        64,
    ),
    sampler=dict(num_inference_steps=50, type='DDIMScheduler'),
    type='JointDDPM')
optim_wrapper = dict(
    clip_grad=dict(max_norm=1.0),
    dtype='bfloat16',
    loss_scale=1.0,
    optimizer=dict(
        betas=(
            0.9,
            0.999,
        ), lr=0.0001, type='AdamW', weight_decay=0.0),
    type='AmpOptimWrapper')
param_scheduler = [
    dict(
        begin=0, by_epoch=False, end=1000, start_factor=0.001,
        type='LinearLR'),
]
resize_scale = (
    128,
    128,
)
resume = False
test_cfg = None
train_cfg = dict(
    max_iters=3000, type='IterBasedTrainLoop', val_interval=100001)
train_dataloader = dict(
    batch_size=16,
    dataset=dict(
        data_prefix=dict(
            img_path='img_dir/train', seg_map_path='ann_dir/train'),
        data_root='data/dubai_aerial_x4',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(
                keep_ratio=True,
                ratio_range=(
                    0.75,
                    1.5,
                ),
                scale=(
                    128,
                    128,
                ),
                type='RandomResize'),
            dict(cat_max_ratio=1.0, crop_size=(
                64,
                64,
            ), type='RandomCrop'),
            dict(direction='horizontal', prob=0.5, type='RandomFlip'),
            dict(direction='vertical', prob=0.5, type='RandomFlip'),
            dict(type='PackSegInputs'),
        ],
        type='DubaiAerialDataset'),
    num_workers=8,
    persistent_workers=True,
    sampler=dict(shuffle=True, type='InfiniteSampler'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        keep_ratio=True,
        ratio_range=(
            0.75,
            1.5,
        ),
        scale=(
            128,
            128,
        ),
        type='RandomResize'),
    dict(cat_max_ratio=1.0, crop_size=(
        64,
        64,
    ), type='RandomCrop'),
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
