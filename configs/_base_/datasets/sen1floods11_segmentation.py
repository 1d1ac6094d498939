# Sen1Floods11 Sentinel-1 chips (2 float bands, VV/VH in dB), converted with
#   python tools/dataset_converters/sen1floods11.py ../shared/data/sen1floods11_sample \
#       --out data/sen1floods11 --patch-size 64
# Bands are clipped to the 1st..99th percentiles of the train patches and mapped to [-1, 1]
# (the values come from data/sen1floods11/band_stats.json, which the converter writes; for
# other data print them with tools/analyze_bands.py CONFIG). NaN (no data) pixels become label
# 255 (ignored) and image value 0. Data: Bonafilia et al., CVPR Workshops 2020, CC BY 4.0.
dataset_type = 'Sen1Floods11Dataset'
data_root = 'data/sen1floods11'
crop_size = (32, 32)
sar_norm = dict(type='range', low=[-25.0, -40.3], high=[-4.7, -10.9])
train_pipeline = [
    dict(type='LoadRasterFromFile', norm=sar_norm, num_bands=2),
    dict(type='LoadRasterAnnotations'),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=1.0),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandomFlip', prob=0.5, direction='vertical'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadRasterFromFile', norm=sar_norm, num_bands=2),
    dict(type='LoadRasterAnnotations'),
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
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='img_dir/val', seg_map_path='ann_dir/val'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
