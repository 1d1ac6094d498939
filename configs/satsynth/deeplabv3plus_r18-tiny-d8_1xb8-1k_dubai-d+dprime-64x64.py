# CPU-sized SatSynth with the x2 cascade: tiny DeepLabV3+ on D u D' at 64 x 64 (Dubai x4 + 64 x 64
# pairs: 32 x 32 generator samples enlarged x2 by JointSuperRes, or by interpolation for the
# baseline). Make D' with (tools/benchmark_super_res.py does both):
#   python tools/generate.py configs/joint_ddpm/jointddpm_unet-tiny_1xb8-3k_dubai-32x32.py \
#       GEN_CKPT --out data/dubai_dprime_64 --ratio 1 --real-config THIS_CONFIG \
#       --sr-config configs/joint_sr/jointsr_unet-tiny_1xb8-3k_dubai-32to64x64.py \
#       --sr-checkpoint SR_CKPT          # or --interp-scale 2 for the baseline
_base_ = [
    './deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-64x64.py',
    '../_base_/datasets/dprime_training_sets.py'
]
dprime_root = 'data/dubai_dprime_64'
train_dataloader = dict(
    dataset=dict(
        **_base_.d_union_dprime, real=_base_.train_dataloader.dataset, synthetic=dprime_root))
