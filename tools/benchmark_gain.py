# SatSynth's experiment: does training on D u D' beat training on D alone?
# A thin command line: the implementation is satsynth_mmseg.cli.benchmark_gain (also: python -m satsynth_mmseg.cli.benchmark_gain).
from satsynth_mmseg.cli.benchmark_gain import main

if __name__ == '__main__':
    main()
