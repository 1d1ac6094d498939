# Dubai aerial tiles (converted with tools/dataset_converters/dubai_aerial.py --downscale N)
# for the CPU generators: random crops of crop_size and flips, no resizing. A config that
# needs another crop size changes the RandomCrop of this pipeline (see the joint_sr configs).
dataset_type = 'DubaiAerialDataset'
data_root = 'data/dubai_aerial_x4'
crop_size = (64, 64)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=1.0),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
