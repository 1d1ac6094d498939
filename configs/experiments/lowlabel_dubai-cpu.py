# The low-label experiment on real Dubai ÷8 (2-core CPU scale): the train images split by image
# into a labelled fraction and an unlabelled part (its masks hidden from every row but the
# oracle), several disjoint folds; the val images split into a validation part (every choice)
# and a held-out test part (the reported numbers). Rows: D, D + Copy-Paste, D ∪ pseudo(U),
# D ∪ D′ (mask -> image generator on D only), D ∪ D′ (generator that also learned from the pool:
# U + UC Merced), the same D′ FreeMask-filtered by D's segmentor, D ∪ D′ ∪ pseudo(U), the
# oracle; each at several schedules, the reported one chosen on D's validation curve.
#   python tools/benchmark_low_label.py configs/experiments/lowlabel_dubai-cpu.py \
#       --raw-dir ../shared/data/dubai_aerial
# Why ÷8 (32 x 32 crops of 64 x 64 tiles) and not ÷4: on 2 CPU cores a ÷4 segmentor iteration
# costs ~4x as much, and the generators and pretrained encoder of the model zoo are ÷8 models.
work_dir = 'work_dirs/lowlabel_dubai-cpu'
data_root = 'data/dubai_aerial_x8'
convert = dict(patch_size=512, stride=None, downscale=8)
fractions = [0.25]  # the main setting; add 0.125 and 0.5 for the label-fraction curve
folds = None  # every fold of each fraction (4 at 1/4)
seeds = [0]  # runs per cell: folds x seeds (>= 5 asked for the main cell: add a seed)
split_seed = 0
schedules = [500, 1000, 2000, 4000]
row_schedules = None  # the other rows: the same schedules
encoders = dict(pretrained='model_zoo/scenecls_r18-tiny_1xb64-1k_ucmerced-32x32.pth')
main_encoder = 'pretrained'
main_fraction = 0.25
segmentor = 'configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py'
segmentor_mixed = 'configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d+dprime-32x32.py'
generator = 'configs/mask2img/sdm_spade-unet-tiny_1xb8-3k_dubai-32x32.py'
generator_pool = 'configs/mask2img/sdm-pool_spade-unet-tiny_1xb8-3k_dubai-ucmerced-32x32.py'
generator_iters = 1500
dprime_ratio = 1.0
mix_ratio = 1.0
sampler = 'ddim'
steps = 25
gen_batch_size = 32
pool_root = '../shared/data/ucmerced_landuse/images'
pool_scale = 0.125
pseudo_threshold = 0.9
filter_alpha = 1.25  # FreeMask's own (class-mean losses on D's real images)
min_gain = 0.5
results = 'lowlabel_dubai_cpu'
