# The main job's best recipe on procedural scenes (tools/run_demo.sh): D' drawn by two
# generators, the pix2pix D' filtered by the D segmentor (FreeMask) and resampled by its loss,
# and D u D' of the joint generator beside it; one R, no D'-only rows.
#   python tools/benchmark_gain.py configs/experiments/gain_demo_procedural-cpu.py
_base_ = ['./gain_procedural-cpu.py']
generators = ['pix2pix', 'joint']
ratios = [1.0]
dprime_only = False
filter_alpha = 1.0
filter_generators = ['pix2pix']
synthetic_samplers = ['hardness']
# rows the recipe does not need (their D' is still made: the filtered one reads it)
skip_variants = ["D u D' pix2pix", "D u D' pix2pix filtered"]
results = 'demo_procedural_cpu'
work_dir = 'work_dirs/demo_procedural-cpu'
