# The main job's D'-only run: the tiny procedural generator's pairs alone.
_base_ = ['./deeplabv3plus_r18-tiny-d8_1xb8-1k_procedural-d-32x32.py']
dprime_root = 'work_dirs/gain_procedural-cpu/dprime'  # made by tools/benchmark_gain.py --preset procedural-cpu
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='SyntheticPairsDataset',
        data_root=dprime_root,
        pipeline=_base_.train_pipeline))
