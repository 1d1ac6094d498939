# pix2pix (Isola et al. 2017) for label map -> image, sized for 32 x 32 CPU tiles: U-Net
# generator with 5 downsamplings (32 -> 1), a PatchGAN discriminator with 2 stride-2 layers
# (34 x 34 receptive field: the paper's 70 x 70 needs 3 layers and larger tiles), L1 weight
# 100 (its two optimizers: configs/_base_/schedules/pix2pix_schedule_cpu.py). A perceptual loss
# needs a local TorchScript feature network:
# model = dict(perceptual_weight=..., perceptual_network=PATH).
model = dict(
    type='Pix2PixGAN',
    num_classes=6,
    image_channels=3,
    ignore_index=255,
    sample_size=(32, 32),
    l1_weight=100.0,
    data_preprocessor=dict(type='JointDataPreprocessor', bgr_to_rgb=True),
    generator=dict(type='UNetImageGenerator', base_channels=32, num_downs=5, max_channels=128),
    discriminator=dict(type='PatchDiscriminator', base_channels=32, num_layers=2))
