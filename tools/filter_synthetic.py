# FreeMask filtering of a synthetic dataset D': noisy generated pixels become ignored, bad pairs
# are dropped. A thin command line over satsynth_mmseg.cli.filter_synthetic.
from satsynth_mmseg.cli.filter_synthetic import main

if __name__ == '__main__':
    main()
