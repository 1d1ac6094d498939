# The tiny CPU Dubai generator with v-prediction (Salimans & Ho 2022): the network predicts
# v = sqrt(abar_t) eps - sqrt(1 - abar_t) x_0 instead of eps. In benchmarks/generator_ablation.py
# (equal iterations, equal wall time) it was the one option that changed the generation metrics
# a lot (README, "How good is a generator?").
_base_ = ['./jointddpm_unet-tiny_1xb8-3k_dubai-32x32.py']
model = dict(noise_scheduler=dict(prediction_type='v_prediction'))
