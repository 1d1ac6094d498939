# Tiny CPU joint generator for Sentinel-1 SAR: 2 float bands (VV, VH, normalised to [-1, 1] by
# the pipeline's LoadRasterFromFile) + 1 analog bit (land / water), 32 x 32 crops of the
# 64 x 64 Sen1Floods11 patches. tools/generate.py writes its images back in dB as float32
# GeoTIFF; the sample grids show VV | VH | false colour | mask.
_base_ = [
    '../_base_/models/joint_ddpm_unet-tiny.py', '../_base_/datasets/sen1floods11_segmentation.py',
    '../_base_/schedules/generator_schedule_cpu.py', '../_base_/generator_runtime.py'
]
model = dict(
    num_classes=2,
    image_channels=2,
    data_preprocessor=dict(type='JointDataPreprocessor', float_images=True, bgr_to_rgb=False))
# a generator has no val/test loop
val_dataloader = val_cfg = val_evaluator = None
test_dataloader = test_cfg = test_evaluator = None
max_iters = 3000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
default_hooks = dict(sample_grid=dict(scale=3, display=dict(type='sar', vv=0, vh=1)))
env_cfg = dict(cudnn_benchmark=False)
randomness = dict(seed=0)
