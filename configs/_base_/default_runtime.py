# mmseg's runtime (default_scope='mmseg', LocalVisBackend, log_processor by iteration) plus
# the plugin, so these configs also work with mmseg's own tools/train.py.
_base_ = ['mmseg::_base_/default_runtime.py']
custom_imports = dict(imports=['satsynth_mmseg'], allow_failed_imports=False)
visualizer = dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')],
                  name='visualizer')
