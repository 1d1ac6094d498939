# Tiny DeepLabV3+ on D ∪ pseudo(U): Dubai ÷8 + the unlabelled pool pseudo-labelled by the D
# segmentor (offline self-training, ST++). The pseudo folder is a D′ folder, so this is the
# D ∪ D′ config with another root. Make it with:
#   python tools/train.py configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py
#   python tools/pseudo_label.py ../shared/data/ucmerced_landuse/images \
#       --segmentor-config configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py \
#       --checkpoint work_dirs/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32/iter_1000.pth \
#       --out data/dubai_pseudo_ucmerced --scale-factor 0.125 --threshold 0.9
# D ∪ D′ ∪ pseudo(U): synthetic=[dprime_root, pseudo_root] (AugmentedDataset draws from both).
_base_ = ['./deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d+dprime-32x32.py']
pseudo_root = 'data/dubai_pseudo_ucmerced'
train_dataloader = dict(dataset=dict(synthetic=pseudo_root))
