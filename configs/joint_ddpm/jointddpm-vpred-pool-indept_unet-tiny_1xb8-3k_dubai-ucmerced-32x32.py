# The D + pool joint generator (jointddpm-vpred-pool_...) where a labelled pair also draws the
# mask's timestep independently of the image's half of the time (UniDiffuser, Bao et al. 2023).
# Such a pair teaches the model to denoise a mask beside an image at another noise level: the
# same network can then label a real image (image at t = 0, mask from t = T). Pairs are sampled
# as before (both timesteps equal). Measured against p = 0 in benchmarks/generator_unlabelled.py.
_base_ = ['./jointddpm-vpred-pool_unet-tiny_1xb8-3k_dubai-ucmerced-32x32.py']
model = dict(independent_timestep_prob=0.5)
