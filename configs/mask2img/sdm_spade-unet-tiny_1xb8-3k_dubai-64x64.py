# The SDM-style mask -> image generator at the scale of the /4 experiment (dubai-cpu-64):
# 64 x 64 crops of the 128 x 128 tiles in data/dubai_aerial_x4, so its D' needs no
# enlargement (benchmark_gain --conditional-scale data). The /8 network unchanged except
# that self-attention moves one level down (16 x 16 tokens, as at /8), 3000 iterations.
_base_ = ['./sdm_spade-unet-tiny_1xb8-3k_dubai-32x32.py']
model = dict(sample_size=(64, 64), denoiser=dict(attention_levels=(2, )))
crop_size = (64, 64)
train_pipeline = [
    dict(t, crop_size=crop_size) if t['type'] == 'RandomCrop' else t for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(data_root='data/dubai_aerial_x4', pipeline=train_pipeline))
