crop_size = (
    32,
    32,
)
custom_hooks = []
custom_imports = dict(
    allow_failed_imports=False, imports=[
        'satsynth_mmseg',
    ])
data_root = 'data/dubai_aerial_x4'
dataset_type = 'DubaiAerialDataset'
default_hooks = dict(
    checkpoint=dict(
        backend_args=dict(backend='satsynth_atomic'),
        by_epoch=False,
        interval=1000,
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
        interval=1000, ncols=4, num_samples=16, scale=3,
        type='SampleGridHook'),
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
    denoiser=dict(
        attention_head_dim=16,
        block_out_channels=(
            32,
            64,
            64,
        ),
        down_block_types=(
            'DownBlock2D',
            'AttnDownBlock2D',
            'DownBlock2D',
        ),
        dropout=0.0,
        layers_per_block=1,
        norm_num_groups=16,
        type='DiffusersUNet2D',
        up_block_types=(
            'UpBlock2D',
            'AttnUpBlock2D',
            'UpBlock2D',
        )),
    ignore_index=255,
    image_channels=3,
    mask_loss_weight=1.0,
    mask_timestep_embedding=True,
    noise_scheduler=dict(
        beta_schedule='linear',
        num_train_timesteps=1000,
        prediction_type='v_prediction',
        type='DDPMScheduler'),
    num_classes=6,
    sample_size=(
        32,
        32,
    ),
    sampler=dict(num_inference_steps=25, type='DDIMScheduler'),
    type='JointDDPM')
optim_wrapper = dict(
    clip_grad=dict(max_norm=1.0),
    optimizer=dict(
        betas=(
            0.9,
            0.999,
        ), lr=0.001, type='AdamW', weight_decay=0.0),
    type='OptimWrapper')
param_scheduler = [
    dict(begin=0, by_epoch=False, end=100, start_factor=0.01, type='LinearLR'),
]
randomness = dict(seed=0)
resume = True
test_cfg = None
train_cfg = dict(max_iters=1000, type='IterBasedTrainLoop', val_interval=1001)
train_dataloader = dict(
    batch_sampler=dict(
        type='LabelledUnlabelledBatchSampler', unlabelled_ratio=1.0),
    batch_size=8,
    dataset=dict(
        labelled=dict(
            data_prefix=dict(
                img_path='img_dir/train', seg_map_path='ann_dir/train'),
            data_root='data/dubai_aerial_x8',
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(type='LoadAnnotations'),
                dict(
                    cat_max_ratio=1.0, crop_size=(
                        32,
                        32,
                    ), type='RandomCrop'),
                dict(direction='horizontal', prob=0.5, type='RandomFlip'),
                dict(direction='vertical', prob=0.5, type='RandomFlip'),
                dict(type='PackSegInputs'),
            ],
            type='DubaiAerialDataset'),
        type='LabelledUnlabelledDataset',
        unlabelled=dict(
            data_root='../shared/data/ucmerced_landuse/images',
            num_bands=3,
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(min_size=(
                    32,
                    32,
                ), type='RescaleUnlabelled'),
                dict(crop_size=(
                    32,
                    32,
                ), type='RandomCrop'),
                dict(prob=0.5, type='RandomFlip'),
                dict(type='PackSegInputs'),
            ],
            scale_factor=0.125,
            type='UnlabelledImagesDataset')),
    num_workers=2,
    persistent_workers=True,
    sampler=dict(shuffle=True, type='InfiniteSampler'))
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(cat_max_ratio=1.0, crop_size=(
        32,
        32,
    ), type='RandomCrop'),
    dict(direction='horizontal', prob=0.5, type='RandomFlip'),
    dict(direction='vertical', prob=0.5, type='RandomFlip'),
    dict(type='PackSegInputs'),
]
tta_model = dict(_scope_='mmseg', type='SegTTAModel')
unlabelled_crop = (
    32,
    32,
)
unlabelled_dataset = dict(
    data_root='../shared/data/ucmerced_landuse/images',
    num_bands=3,
    pipeline=[
        dict(type='LoadImageFromFile'),
        dict(min_size=(
            32,
            32,
        ), type='RescaleUnlabelled'),
        dict(crop_size=(
            32,
            32,
        ), type='RandomCrop'),
        dict(prob=0.5, type='RandomFlip'),
        dict(type='PackSegInputs'),
    ],
    scale_factor=0.125,
    type='UnlabelledImagesDataset')
unlabelled_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(min_size=(
        32,
        32,
    ), type='RescaleUnlabelled'),
    dict(crop_size=(
        32,
        32,
    ), type='RandomCrop'),
    dict(prob=0.5, type='RandomFlip'),
    dict(type='PackSegInputs'),
]
unlabelled_ratio = 1.0
unlabelled_root = '../shared/data/ucmerced_landuse/images'
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
