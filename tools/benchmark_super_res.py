# SatSynth's Table 4: is the x2 super-resolution cascade worth it for the segmentor?
# A thin command line over satsynth_mmseg.cli.benchmark_super_res.
from satsynth_mmseg.cli.benchmark_super_res import main

if __name__ == '__main__':
    main()
