# The two training sets every segmentor family adds to its D config, defined once; a child
# inherits this file beside its D config:
#   _base_ = ['./<family>-d-<size>.py', '../_base_/datasets/dprime_training_sets.py']
#   D u D': real samples mixed with D' pairs, `ratio` D' draws per real one (AugmentedDataset);
#   D' only: the generated pairs alone, through the D config's train pipeline.
# mmengine cannot bind a base to its child's values, so a child fills in what it alone knows:
#   train_dataloader = dict(dataset=dict(
#       **_base_.d_union_dprime, real=_base_.train_dataloader.dataset, synthetic=dprime_root))
#   train_dataloader = dict(dataset=dict(
#       **_base_.dprime_only, data_root=dprime_root, pipeline=_base_.train_pipeline))
d_union_dprime = dict(_delete_=True, type='AugmentedDataset', ratio=1.0)
dprime_only = dict(_delete_=True, type='SyntheticPairsDataset')
