# Dubai aerial data for training a generator. Make data_root with:
#   python tools/dataset_converters/dubai_aerial.py ../shared/data/dubai_aerial \
#       --out data/dubai_aerial --patch-size 512 --stride 256
# Patches are resized so that `crop_size` tiles cover a useful field of view, then cropped.
dataset_type = 'DubaiAerialDataset'
data_root = 'data/dubai_aerial'
crop_size = (64, 64)
resize_scale = (128, 128)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=resize_scale, ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=1.0),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=train_pipeline))
