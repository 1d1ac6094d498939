# SatSynth's experiment: does training on D u D' beat training on D alone?
# A thin command line over satsynth_mmseg.cli.benchmark_gain.
from satsynth_mmseg.cli.benchmark_gain import main

if __name__ == '__main__':
    main()
