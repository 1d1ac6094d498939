# SatSynth: DeepLabV3+ on D u D' -- the real Dubai data plus generated pairs (ratio R
# generated per real sample), one pipeline for both. Make D' with:
#   python tools/generate.py configs/joint_ddpm/jointddpm_unet-m_1xb8-150k_dubai-128x128.py \
#       CHECKPOINT --out data/dubai_dprime_128 --ratio 2 --real-config THIS_CONFIG
_base_ = [
    './deeplabv3plus_r50-d8_1xb16-20k_dubai-d-128x128.py',
    '../_base_/datasets/dprime_training_sets.py'
]
dprime_root = 'data/dubai_dprime_128'
train_dataloader = dict(
    dataset=dict(
        **_base_.d_union_dprime, real=_base_.train_dataloader.dataset, synthetic=dprime_root))
