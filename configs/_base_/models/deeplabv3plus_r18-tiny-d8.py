# A CPU-sized DeepLabV3+: mmseg's DeepLabV3+ (ResNetV1c-D8 encoder, depthwise-separable ASPP,
# low-level skip from stage 1) with ResNet-18 blocks at a quarter of the width, small ASPP
# dilations for 32 x 32 crops, plain BN and no pretrained weights (nothing to download).
_base_ = ['mmseg::_base_/models/deeplabv3plus_r50-d8.py']
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    pretrained=None,
    backbone=dict(depth=18, stem_channels=16, base_channels=16, norm_cfg=norm_cfg),
    decode_head=dict(
        in_channels=128,
        channels=32,
        dilations=(1, 2, 3, 4),
        c1_in_channels=16,
        c1_channels=8,
        norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=64, channels=16, norm_cfg=norm_cfg),
    test_cfg=dict(mode='whole'))
