# SatSynth's experiment on the procedural scenes (tools/benchmark_gain.py), D'-only run:
# the tiny procedural generator's pairs alone.
_base_ = [
    './deeplabv3plus_r18-tiny-d8_1xb8-1k_procedural-d-32x32.py',
    '../_base_/datasets/dprime_training_sets.py'
]
# made by tools/benchmark_gain.py --preset procedural-cpu
dprime_root = 'work_dirs/gain_procedural-cpu/dprime'
train_dataloader = dict(
    dataset=dict(**_base_.dprime_only, data_root=dprime_root, pipeline=_base_.train_pipeline))
