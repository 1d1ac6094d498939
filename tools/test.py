# Test (evaluate) an mmseg segmentor from a config and a checkpoint, as mmseg's tools/test.py.
# A thin command line over satsynth_mmseg.cli.test.
from satsynth_mmseg.cli.test import main

if __name__ == '__main__':
    main()
