# CPU-sized SatSynth on SAR: the D config trained on D' alone (generated pairs only).
_base_ = [
    './deeplabv3plus_r18-tiny-d8_1xb8-1k_sen1floods11-d-32x32.py',
    '../_base_/datasets/dprime_training_sets.py'
]
dprime_root = 'data/sen1floods11_dprime_32'
train_dataloader = dict(
    dataset=dict(**_base_.dprime_only, data_root=dprime_root, pipeline=_base_.train_pipeline))
