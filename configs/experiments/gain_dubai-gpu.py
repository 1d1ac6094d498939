# SatSynth's experiment at the paper's scale (GPU): Dubai 512 patches halved (stride 256),
# the 128 x 128 joint generator and DeepLabV3+ R-50, 20k iterations.
#   python tools/benchmark_gain.py configs/experiments/gain_dubai-gpu.py --raw-dir PATH
preset = 'dubai-gpu'
settings = dict(
    data='dubai',
    data_root='data/dubai_aerial_x2',
    convert=dict(patch_size=512, stride=256, downscale=2),
    generator='configs/joint_ddpm/jointddpm_unet-m_1xb8-150k_dubai-128x128.py',
    segmentor='configs/satsynth/deeplabv3plus_r50-d8_1xb16-20k_dubai-{}-128x128.py',
    sampler='ddim',
    steps=50,
    gen_batch_size=64)
