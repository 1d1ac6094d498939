# The SatSynth configuration: DeepLabV3+ trained on the Dubai data D u its generated D'.
# Siblings, identical except for the training set (configs/satsynth/):
#   deeplabv3plus_r50-d8_1xb16-20k_dubai-d-128x128.py         D alone (baseline)
#   deeplabv3plus_r50-d8_1xb16-20k_dubai-d+dprime-128x128.py  D u D' (this one)
#   deeplabv3plus_r50-d8_1xb16-20k_dubai-dprime-128x128.py    D' alone
# and their CPU-sized twins deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-*-32x32.py.
# tools/benchmark_gain.py runs the comparison end to end.
_base_ = ['./satsynth/deeplabv3plus_r50-d8_1xb16-20k_dubai-d+dprime-128x128.py']
