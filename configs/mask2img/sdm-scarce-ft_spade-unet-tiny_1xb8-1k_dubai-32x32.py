# Semantic diffusion for scarce data, stage 2 of 2 (fine-tune; `tools/sdm_scarce.py finetune`):
# starts from stage 1's best_loss.pth (load_from, set by the tool) and fine-tunes with the map
# dropped for 20 % of the samples, so the same network learns the unconditional branch that
# classifier-free guidance needs (SDM's second stage), at a fifth of stage 1's learning rate;
# the best training-loss checkpoint is kept again. Sampling: guidance s = 1.5, 300 respaced
# ancestral steps (`tools/sdm_scarce.py sample`).
_base_ = ['./sdm-scarce_spade-unet-tiny_1xb8-3k_dubai-32x32.py']
model = dict(cond_drop_prob=0.2, guidance_scale=1.5)
max_iters = 1000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
optim_wrapper = dict(optimizer=dict(lr=2e-4))
param_scheduler = [dict(type='LinearLR', start_factor=1e-1, by_epoch=False, begin=0, end=50)]
default_hooks = dict(best_loss=dict(min_iters=100))
load_from = None  # stage 1's best_loss.pth; tools/sdm_scarce.py finetune sets it
