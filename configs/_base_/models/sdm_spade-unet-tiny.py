# Mask -> image diffusion (SDM-style): a small SPADE U-Net conditioned on the one-hot label map,
# classifier-free guidance (map dropped with p = 0.2 while training, s = 1.5 when sampling).
# Same data preprocessor as the joint model, so the joint model's dataset configs train it.
# v-prediction: the option that measured best for the joint tiny generator at equal CPU time
# (benchmarks/results/generator_ablation_dubai_cpu.md).
model = dict(
    type='MaskToImageDDPM',
    num_classes=6,
    image_channels=3,
    ignore_index=255,
    sample_size=(32, 32),
    cond_drop_prob=0.2,
    guidance_scale=1.5,
    data_preprocessor=dict(type='JointDataPreprocessor', bgr_to_rgb=True),
    denoiser=dict(
        type='SPADEUNet',
        block_out_channels=(32, 64, 64),
        layers_per_block=1,
        attention_levels=(1, ),
        spade_encoder=False,
        norm_num_groups=16,
        spade_hidden=16,
        attention_head_dim=16,
        dropout=0.0),
    noise_scheduler=dict(
        type='DDPMScheduler',
        num_train_timesteps=1000,
        beta_schedule='linear',
        prediction_type='v_prediction'),
    sampler=dict(type='DDIMScheduler', num_inference_steps=25))
