# Dubai aerial data for training a generator. Make data_root with:
#   python tools/dataset_converters/dubai_aerial.py ../shared/data/dubai_aerial \
#       --out data/dubai_aerial --patch-size 512 --stride 256
# Patches are resized so that `crop_size` tiles cover a useful field of view, then cropped.
_base_ = ['./dubai_aerial_crops.py']
data_root = 'data/dubai_aerial'
resize_scale = (128, 128)
# the crops' pipeline with a random resize before the crop
train_pipeline = [
    *_base_.train_pipeline[:2],
    dict(type='RandomResize', scale=resize_scale, ratio_range=(0.75, 1.5), keep_ratio=True),
    *_base_.train_pipeline[2:]
]
train_dataloader = dict(
    batch_size=16, num_workers=4, dataset=dict(data_root=data_root, pipeline=train_pipeline))
