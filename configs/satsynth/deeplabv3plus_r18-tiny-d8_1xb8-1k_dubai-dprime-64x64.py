# CPU-sized SatSynth with the x2 cascade: tiny DeepLabV3+ on the 64 x 64 generated pairs D'
# alone (validated on real val). Make D' as in the d+dprime sibling.
_base_ = [
    './deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-64x64.py',
    '../_base_/datasets/dprime_training_sets.py'
]
dprime_root = 'data/dubai_dprime_64'
train_dataloader = dict(
    dataset=dict(**_base_.dprime_only, data_root=dprime_root, pipeline=_base_.train_pipeline))
