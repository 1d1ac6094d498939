# CPU-sized SatSynth: tiny DeepLabV3+ on D u D' (Dubai x8 + pairs from the tiny 32 x 32 Dubai
# generator, R generated per real sample). Make D' with:
#   python tools/generate.py configs/joint_ddpm/jointddpm_unet-tiny_1xb8-3k_dubai-32x32.py \
#       CHECKPOINT --out data/dubai_dprime_32 --ratio 2 --real-config THIS_CONFIG
_base_ = [
    './deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py',
    '../_base_/datasets/dprime_training_sets.py'
]
dprime_root = 'data/dubai_dprime_32'
train_dataloader = dict(
    dataset=dict(
        **_base_.d_union_dprime, real=_base_.train_dataloader.dataset, synthetic=dprime_root))
