# The experiment at the scale of 512 patches shrunk x4 (64 x 64 crops): D' is the x8
# generator's samples enlarged x2 by interpolation (SatSynth's Table 4 baseline).
#   python tools/benchmark_gain.py configs/experiments/gain_dubai-cpu-64.py --raw-dir PATH
preset = 'dubai-cpu-64'
settings = dict(
    data='dubai',
    data_root='data/dubai_aerial_x4',
    convert=dict(patch_size=512, stride=None, downscale=4),
    generator='configs/joint_ddpm/jointddpm_unet-tiny_1xb8-3k_dubai-32x32.py',
    generator_data_root='data/dubai_aerial_x8',
    generator_convert=dict(patch_size=512, stride=None, downscale=8),
    dprime_options=dict(interp_scale=2),
    segmentor='configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-{}-64x64.py',
    sampler='ddim',
    steps=50,
    gen_batch_size=32)
