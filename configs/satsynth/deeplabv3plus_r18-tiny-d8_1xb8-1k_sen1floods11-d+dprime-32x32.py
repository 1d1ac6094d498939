# CPU-sized SatSynth on SAR: the D config on D u D' (real Sen1Floods11 patches + pairs from the
# tiny SAR generator, written as float32 GeoTIFF in dB and read by the same LoadRasterFromFile).
# Make D' with:
#   python tools/generate.py configs/joint_ddpm/jointddpm_unet-tiny_1xb8-3k_sen1floods11-32x32.py \
#       CHECKPOINT --out data/sen1floods11_dprime_32 --ratio 1 --real-config THIS_CONFIG
_base_ = [
    './deeplabv3plus_r18-tiny-d8_1xb8-1k_sen1floods11-d-32x32.py',
    '../_base_/datasets/dprime_training_sets.py'
]
dprime_root = 'data/sen1floods11_dprime_32'
train_dataloader = dict(
    dataset=dict(
        **_base_.d_union_dprime, real=_base_.train_dataloader.dataset, synthetic=dprime_root))
