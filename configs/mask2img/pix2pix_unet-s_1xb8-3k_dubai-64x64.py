# pix2pix at the scale of the /4 experiment (dubai-cpu-64): 64 x 64 crops of the 128 x 128
# tiles in data/dubai_aerial_x4, so its D' needs no enlargement (benchmark_gain
# --conditional-scale data). The /8 recipe with one more U-Net level (64 -> 1) and the
# paper's 3-layer PatchGAN (70 x 70 receptive field); L1 weight 100, 3000 iterations.
_base_ = ['./pix2pix_unet-s_1xb8-3k_dubai-32x32.py']
model = dict(sample_size=(64, 64), generator=dict(num_downs=6), discriminator=dict(num_layers=3))
crop_size = (64, 64)
train_pipeline = [
    dict(t, crop_size=crop_size) if t['type'] == 'RandomCrop' else t for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(data_root='data/dubai_aerial_x4', pipeline=train_pipeline))
