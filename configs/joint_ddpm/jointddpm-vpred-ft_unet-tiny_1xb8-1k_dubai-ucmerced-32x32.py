# Fine-tuning the pool-pretrained joint generator on Dubai ÷8 pairs (+ the pool, half of each
# batch) for 1k iterations: the recipe "pretrain on the archive, fine-tune on the labels".
# load_from is the pretraining run's last checkpoint (train it first:
#   tools/train.py configs/joint_ddpm/jointddpm-vpred-pretrain_unet-tiny_1xb8-2k_ucmerced-32x32.py);
# change it with --cfg-options load_from=PATH.
_base_ = ['./jointddpm-vpred-pool_unet-tiny_1xb8-3k_dubai-ucmerced-32x32.py']
load_from = 'work_dirs/jointddpm-vpred-pretrain_unet-tiny_1xb8-2k_ucmerced-32x32/iter_2000.pth'
max_iters = 1000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
param_scheduler = []  # no second warm-up
