# pix2pix on CPU: the CPU generator schedule's hooks (checkpoints, grids, EMA) with pix2pix's
# two optimizers, Adam 2e-4 / betas (0.5, 0.999) for generator and discriminator (mmengine
# builds an OptimWrapperDict keyed by the model's submodules), constant learning rate.
_base_ = ['./generator_schedule_cpu.py']
optim_wrapper = dict(
    _delete_=True,
    constructor='MultiOptimWrapperConstructor',
    generator=dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))),
    discriminator=dict(
        type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999))))
param_scheduler = []
