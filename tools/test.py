# Test (evaluate) an mmseg segmentor from a config and a checkpoint, as mmseg's tools/test.py.
# A thin command line: the implementation is satsynth_mmseg.cli.test (also: python -m satsynth_mmseg.cli.test).
from satsynth_mmseg.cli.test import main

if __name__ == '__main__':
    main()
