# Pretraining the tiny mask -> image generator on the unlabelled pool alone: the null-map
# (unconditional image) branch learns aerial imagery; fine-tune with
# sdm-ft_spade-unet-tiny_1xb8-1k_dubai-ucmerced-32x32.py (2k + 1k iterations).
_base_ = ['./sdm-pool_spade-unet-tiny_1xb8-3k_dubai-ucmerced-32x32.py']
unlabelled_ratio = 1.0
train_dataloader = dict(batch_sampler=dict(unlabelled_ratio=unlabelled_ratio))
max_iters = 2000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
