# The project's runtime: mmseg's, with the plugin registered in every process
# (custom_imports), for segmentors and generators alike.
_base_ = ['mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['satsynth_mmseg'], allow_failed_imports=False)
