# Runtime of the generators: the project's, with a plain visualizer (sample grids are images,
# not segmentation predictions) writing to vis_data/ (add TensorBoard/W&B backends here).
_base_ = ['./default_runtime.py']
visualizer = dict(type='Visualizer', vis_backends=[dict(type='LocalVisBackend')], name='visualizer')
