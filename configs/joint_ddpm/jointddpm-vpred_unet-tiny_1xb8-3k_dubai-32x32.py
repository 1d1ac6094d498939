# The tiny CPU Dubai generator with v-prediction (Salimans & Ho 2022): the network predicts
# v = sqrt(abar_t) eps - sqrt(1 - abar_t) x_0 instead of eps. v-prediction is now the default of
# every joint config (configs/_base_/models/joint_ddpm_unet.py), so this equals
# jointddpm_unet-tiny_1xb8-3k_dubai-32x32.py; it keeps the name under which the model-zoo release
# and the earlier measurements (README) were made.
_base_ = ['./jointddpm_unet-tiny_1xb8-3k_dubai-32x32.py']
model = dict(noise_scheduler=dict(prediction_type='v_prediction'))
