# x2 super-resolution of (image, analog-bit mask) pairs: a conditional joint DDPM. The U-Net
# sees x_t (C + B channels) next to the low-resolution pair upsampled to the high resolution
# (C + B more); in/out channels are filled in by JointSuperRes. Training pairs are real
# high-resolution crops; their low-resolution version is made on the batch (image: area
# average, labels: majority vote).
model = dict(
    type='JointSuperRes',
    scale=2,
    num_classes=6,
    image_channels=3,
    ignore_index=255,
    sample_size=128,
    mask_loss_weight=1.0,
    data_preprocessor=dict(type='JointDataPreprocessor', bgr_to_rgb=True),
    denoiser=dict(
        type='DiffusersUNet2D',
        block_out_channels=(64, 128, 256, 256),
        down_block_types=('DownBlock2D', 'DownBlock2D', 'AttnDownBlock2D', 'DownBlock2D'),
        up_block_types=('UpBlock2D', 'AttnUpBlock2D', 'UpBlock2D', 'UpBlock2D'),
        layers_per_block=2,
        attention_head_dim=32,
        norm_num_groups=32,
        dropout=0.1),
    noise_scheduler=dict(type='DDPMScheduler', num_train_timesteps=1000,
                         beta_schedule='linear', prediction_type='epsilon'),
    # the condition pins the content down, so a fast solver suffices (SatSynth uses
    # DPM-Solver++ for this stage)
    sampler='dpm-solver++')
