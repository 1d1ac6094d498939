# SatSynth: DeepLabV3+ on the generated pairs D' alone (validated on real Dubai val).
_base_ = [
    './deeplabv3plus_r50-d8_1xb16-20k_dubai-d-128x128.py',
    '../_base_/datasets/dprime_training_sets.py'
]
dprime_root = 'data/dubai_dprime_128'
train_dataloader = dict(
    dataset=dict(**_base_.dprime_only, data_root=dprime_root, pipeline=_base_.train_pipeline))
