# CPU-sized baseline at the super-resolution cascade's scale: tiny DeepLabV3+ on the real
# Dubai data D alone, 64 x 64 crops of 128 x 128 tiles (512 patches shrunk x4: the ground
# resolution of the tiny 32 x 32 generator's pairs after the x2 super-resolution). Make the
# data with:
#   python tools/dataset_converters/dubai_aerial.py ../shared/data/dubai_aerial \
#       --out data/dubai_aerial_x4 --patch-size 512 --downscale 4
_base_ = ['./deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py']
data_root = 'data/dubai_aerial_x4'
crop_size = (64, 64)
train_pipeline = [
    dict(t, crop_size=crop_size) if t['type'] == 'RandomCrop' else t for t in _base_.train_pipeline
]
model = dict(data_preprocessor=dict(size=crop_size))
train_dataloader = dict(dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
