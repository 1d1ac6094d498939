# CPU-sized SatSynth: tiny DeepLabV3+ on the generated pairs D' alone (validated on real val).
_base_ = [
    './deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py',
    '../_base_/datasets/dprime_training_sets.py'
]
dprime_root = 'data/dubai_dprime_32'
train_dataloader = dict(
    dataset=dict(**_base_.dprime_only, data_root=dprime_root, pipeline=_base_.train_pipeline))
