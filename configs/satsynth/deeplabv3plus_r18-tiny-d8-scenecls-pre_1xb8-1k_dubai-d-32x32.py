# The tiny DeepLabV3+ on Dubai ÷8 D alone, its encoder pretrained on the unlabelled pool (UC
# Merced scene classification, configs/pretrain/scenecls_r18-tiny_1xb64-1k_ucmerced-32x32.py)
# instead of random initialisation; everything else is the D config. The encoder is in the
# model zoo (made by benchmarks/encoder_pretraining.py); to make it yourself:
#   tools/train.py configs/pretrain/scenecls_r18-tiny_1xb64-1k_ucmerced-32x32.py
#   tools/export_encoder.py work_dirs/scenecls_r18-tiny_1xb64-1k_ucmerced-32x32/iter_1000.pth \
#       model_zoo/scenecls_r18-tiny_1xb64-1k_ucmerced-32x32.pth \
#       --segmentor-config configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py
# or point encoder_checkpoint at your own (--cfg-options model.backbone.init_cfg.checkpoint=PATH).
_base_ = ['./deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py']
encoder_checkpoint = 'model_zoo/scenecls_r18-tiny_1xb64-1k_ucmerced-32x32.pth'
model = dict(
    backbone=dict(
        init_cfg=dict(type='Pretrained', checkpoint=encoder_checkpoint, prefix='backbone.')))
