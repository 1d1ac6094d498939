# The unlabelled pool: UC Merced Land Use (2,100 real aerial RGB tiles, ~256 px at 0.3 m, USGS
# public domain; cite Yang & Newsam, ACM SIGSPATIAL GIS 2010), never committed: point
# unlabelled_root at ../shared/data/ucmerced_landuse/images or any folder of your own imagery.
# scale_factor brings its 0.3 m tiles near the labelled data's ground resolution (0.125 for
# Dubai ÷8, about 2.4 m); the crop is the generator's sample size. A generator config mixes it
# with its labelled pairs (LabelledUnlabelledDataset + LabelledUnlabelledBatchSampler: see
# configs/joint_ddpm/jointddpm-vpred-pool_unet-tiny_1xb8-3k_dubai-ucmerced-32x32.py).
unlabelled_root = '../shared/data/ucmerced_landuse/images'
unlabelled_crop = (32, 32)
unlabelled_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RescaleUnlabelled', min_size=unlabelled_crop),  # a 247-px tile still fills a crop
    dict(type='RandomCrop', crop_size=unlabelled_crop),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
unlabelled_dataset = dict(
    type='UnlabelledImagesDataset',
    data_root=unlabelled_root,
    num_bands=3,
    scale_factor=0.125,
    pipeline=unlabelled_pipeline)
