# Fine-tuning the pool-pretrained mask -> image generator on Dubai ÷8 pairs (+ the pool, half of
# each batch) for 1k iterations; load_from is the pretraining run's last checkpoint.
_base_ = ['./sdm-pool_spade-unet-tiny_1xb8-3k_dubai-ucmerced-32x32.py']
load_from = 'work_dirs/sdm-pretrain_spade-unet-tiny_1xb8-2k_ucmerced-32x32/iter_2000.pth'
max_iters = 1000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
param_scheduler = []
