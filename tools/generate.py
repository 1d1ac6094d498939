# Turn a trained generator checkpoint into a synthetic dataset D' that mmseg reads.
# A thin command line over satsynth_mmseg.cli.generate.
from satsynth_mmseg.cli.generate import main

if __name__ == '__main__':
    main()
