# Pretraining the tiny joint generator on the unlabelled pool alone (every sample a UC Merced
# tile: unlabelled_ratio = 1), to fine-tune on Dubai pairs with
# jointddpm-vpred-ft_unet-tiny_1xb8-1k_dubai-ucmerced-32x32.py (2k + 1k iterations: the
# schedule of the 3k D-only generator). The labelled dataset is named only for its metainfo
# (classes, palette of the sample grids) and the data checks; no pair is drawn.
_base_ = ['./jointddpm-vpred-pool_unet-tiny_1xb8-3k_dubai-ucmerced-32x32.py']
unlabelled_ratio = 1.0
train_dataloader = dict(batch_sampler=dict(unlabelled_ratio=unlabelled_ratio))
max_iters = 2000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
