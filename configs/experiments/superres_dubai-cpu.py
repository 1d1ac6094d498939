# SatSynth's Table 4 on real Dubai at CPU scale: is the x2 super-resolution cascade worth it
# for the segmentor? The tiny 32 x 32 joint generator (512 patches shrunk x8), the 32 -> 64
# JointSuperRes, and a tiny DeepLabV3+ on 64 x 64 crops of the real data shrunk x4; the same
# low-resolution D' enlarged x2 by interpolation and by the cascade.
#   python tools/benchmark_super_res.py configs/experiments/superres_dubai-cpu.py \
#       --raw-dir ../shared/data/dubai_aerial [--cfg-options generator_checkpoint=CKPT ...]
# Keys: the fields of satsynth_mmseg.experiments.super_res.SuperResExperiment.
work_dir = 'work_dirs/sr_gain_dubai-cpu'
data_root = 'data/dubai_aerial_x4'
convert = dict(patch_size=512, stride=None, downscale=4)
low_data_root = 'data/dubai_aerial_x8'
low_convert = dict(patch_size=512, stride=None, downscale=8)
seeds = [0, 1, 2]
ratio = 1.0
generator_config = 'configs/joint_ddpm/jointddpm_unet-tiny_1xb8-3k_dubai-32x32.py'
generator_checkpoint = None  # trained here (work_dir/generator) unless given
generator_iters = None
sr_config = 'configs/joint_sr/jointsr_unet-tiny_1xb8-3k_dubai-32to64x64.py'
sr_checkpoint = None  # trained here (work_dir/super_res) unless given
sr_iters = None
segmentor = 'configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-{}-64x64.py'
sampler = 'ddim'
steps = 50
sr_sampler = 'ddim'
sr_steps = 20
gen_batch_size = 32
eval_max_tiles = 128
seg_iters = None
dprime_only = False
results = None
