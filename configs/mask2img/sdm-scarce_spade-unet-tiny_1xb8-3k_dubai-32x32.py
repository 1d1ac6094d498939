# Semantic diffusion for scarce data, stage 1 of 2 (train; `tools/sdm_scarce.py train`): the
# SDM-style mask -> image model of sdm_spade-unet-tiny_1xb8-3k_dubai-32x32.py trained as SDM
# trains it before guidance exists: always conditioned (no map dropped), learned variance with
# the hybrid loss (L_simple + 0.001 L_vlb, Nichol & Dhariwal 2021), and the checkpoint of the
# lowest training loss kept (best_loss.pth: mean of each 100-iteration window, from iteration
# 500 on) instead of a validation split the few real pairs cannot spare. Sampling: 300
# respaced ancestral steps (the 'ddpm-respaced' sampler), which use the learned variance.
# Stage 2 (classifier-free guidance) is sdm-scarce-ft_spade-unet-tiny_1xb8-1k_dubai-32x32.py.
_base_ = ['./sdm_spade-unet-tiny_1xb8-3k_dubai-32x32.py']
model = dict(
    learn_sigma=True,
    vlb_weight=0.001,
    cond_drop_prob=0.0,
    guidance_scale=1.0,  # no unconditional branch is trained yet: plain conditional sampling
    sampler=dict(type='DDPMScheduler', timestep_spacing='linspace', num_inference_steps=300))
default_hooks = dict(
    best_loss=dict(type='BestLossCheckpointHook', interval=100, min_iters=500),
    sample_grid=dict(num_steps=50))
