# Train a satsynth-mmseg generator, or any mmseg model, from a config (mmseg's CLI).
# A thin command line over satsynth_mmseg.cli.train.
from satsynth_mmseg.cli.train import main

if __name__ == '__main__':
    main()
