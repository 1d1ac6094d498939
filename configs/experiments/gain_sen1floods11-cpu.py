# The experiment on SAR: Sentinel-1 VV/VH (float dB) of the Sen1Floods11 sample, 64 x 64
# patches split by chip, 32 x 32 crops; D' written as float32 GeoTIFF in dB.
#   python tools/benchmark_gain.py configs/experiments/gain_sen1floods11-cpu.py \
#       --raw-dir PATH/TO/sen1floods11_sample
preset = 'sen1floods11-cpu'
settings = dict(
    data='sen1floods11',
    data_root='data/sen1floods11',
    convert=dict(patch_size=64),
    generator='configs/joint_ddpm/jointddpm_unet-tiny_1xb8-3k_sen1floods11-32x32.py',
    segmentor='configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_sen1floods11-{}-32x32.py',
    sampler='ddim',
    steps=50,
    gen_batch_size=32)
