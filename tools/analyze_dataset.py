# Class statistics of a real dataset D and/or synthetic datasets D' (table, JSON, bar chart).
# A thin command line over satsynth_mmseg.cli.analyze_dataset.
from satsynth_mmseg.cli.analyze_dataset import main

if __name__ == '__main__':
    main()
