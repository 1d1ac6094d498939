# Tiny CPU generator for the Dubai data at the CPU experiment's scale: 32 x 32 crops of the
# 64 x 64 tiles in data/dubai_aerial_x8 (see configs/satsynth/*_dubai-d-32x32.py).
_base_ = ['./jointddpm_unet-tiny_1xb8-2k_procedural-32x32.py']
model = dict(num_classes=6)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomCrop', crop_size=(32, 32), cat_max_ratio=1.0),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='DubaiAerialDataset',
        data_root='data/dubai_aerial_x8',
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
max_iters = 3000
train_cfg = dict(max_iters=max_iters, val_interval=max_iters + 1)
