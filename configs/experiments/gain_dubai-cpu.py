# SatSynth's experiment at CPU size on real Dubai aerial imagery, 512 patches shrunk x8:
# segmentors trained on D, on D u D' for every R and on D' alone, same seeds and schedule.
#   python tools/benchmark_gain.py configs/experiments/gain_dubai-cpu.py \
#       --raw-dir PATH/TO/dubai_aerial [--cfg-options seeds="[0,1,2,3,4]"]
# (--raw-dir only the first time: the converted data stays in data/dubai_aerial_x8.)
preset = 'dubai-cpu'
settings = dict(
    data='dubai',
    data_root='data/dubai_aerial_x8',
    convert=dict(patch_size=512, stride=None, downscale=8),
    generator='configs/joint_ddpm/jointddpm_unet-tiny_1xb8-3k_dubai-32x32.py',
    mask2img='configs/mask2img/sdm_spade-unet-tiny_1xb8-3k_dubai-32x32.py',
    pix2pix='configs/mask2img/pix2pix_unet-s_1xb8-3k_dubai-32x32.py',
    # {} is the training set's tag: d, d+dprime, dprime
    segmentor='configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-{}-32x32.py',
    sampler='ddim',
    steps=50,
    gen_batch_size=32)
