# The tiny U-Net of the CPU generators (about 0.4 M parameters; a few minutes on 2 cores).
_base_ = ['./joint_ddpm_unet.py']
model = dict(
    sample_size=(32, 32),
    denoiser=dict(
        block_out_channels=(32, 64, 64),
        down_block_types=('DownBlock2D', 'AttnDownBlock2D', 'DownBlock2D'),
        up_block_types=('UpBlock2D', 'AttnUpBlock2D', 'UpBlock2D'),
        layers_per_block=1,
        attention_head_dim=16,
        norm_num_groups=16,
        dropout=0.0),
    sampler=dict(num_inference_steps=25))  # DDIM-25 for the sample grids
