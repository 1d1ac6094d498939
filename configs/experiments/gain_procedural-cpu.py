# The experiment on procedural scenes (painted on first use; no download), minutes on a CPU.
#   python tools/benchmark_gain.py configs/experiments/gain_procedural-cpu.py
preset = 'procedural-cpu'
settings = dict(
    data='procedural',
    data_root='data/procedural_scenes',
    convert=dict(),
    generator='configs/joint_ddpm/jointddpm_unet-tiny_1xb8-2k_procedural-32x32.py',
    mask2img='configs/mask2img/sdm_spade-unet-tiny_1xb8-2k_procedural-32x32.py',
    pix2pix='configs/mask2img/pix2pix_unet-s_1xb8-2k_procedural-32x32.py',
    segmentor='configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_procedural-{}-32x32.py',
    sampler='ddim',
    steps=25,
    gen_batch_size=32)
