# x2 super-resolution of (image, analog-bit mask) pairs: the joint model's U-Net, conditioned
# on the low-resolution pair (JointSuperRes fills in the extra input channels).
_base_ = ['./joint_ddpm_unet.py']
model = dict(
    type='JointSuperRes',
    scale=2,
    sample_size=128,
    # the condition pins the content down, so a fast solver suffices (SatSynth uses
    # DPM-Solver++ for this stage)
    sampler='dpm-solver++')
