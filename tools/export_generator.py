# Small release copy (EMA weights only, with its config) of a generator checkpoint for the
# model zoo. A thin command line over satsynth_mmseg.cli.export_generator.
from satsynth_mmseg.cli.export_generator import main

if __name__ == '__main__':
    main()
