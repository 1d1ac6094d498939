# The super-resolution experiment with the model-zoo v-prediction generator for the
# low-resolution pairs and the residual x0-prediction SR model (trained first with
# tools/train.py configs/joint_sr/jointsr-residual-x0_unet-tiny_1xb8-3k_dubai-32to64x64.py
# --work-dir work_dirs/sr_residual_x0_dubai-32to64).
_base_ = ['./superres_dubai-cpu.py']
work_dir = 'work_dirs/sr_gain_dubai-cpu-residual'
generator_config = 'model_zoo/jointddpm-vpred_unet-tiny_1xb8-3k_dubai-32x32.py'
generator_checkpoint = 'model_zoo/jointddpm-vpred_unet-tiny_1xb8-3k_dubai-32x32.pth'
sr_config = 'configs/joint_sr/jointsr-residual-x0_unet-tiny_1xb8-3k_dubai-32to64x64.py'
sr_checkpoint = 'work_dirs/sr_residual_x0_dubai-32to64/iter_3000.pth'
results = 'sr_gain_dubai_cpu_residual'
