# SatSynth's experiment on the procedural scenes (tools/benchmark_gain.py), D u D' run:
# procedural scenes + pairs from the tiny procedural generator.
_base_ = [
    './deeplabv3plus_r18-tiny-d8_1xb8-1k_procedural-d-32x32.py',
    '../_base_/datasets/dprime_training_sets.py'
]
# made by tools/benchmark_gain.py --preset procedural-cpu
dprime_root = 'work_dirs/gain_procedural-cpu/dprime'
train_dataloader = dict(
    dataset=dict(
        **_base_.d_union_dprime, real=_base_.train_dataloader.dataset, synthetic=dprime_root))
