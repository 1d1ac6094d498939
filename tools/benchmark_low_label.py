# The low-label experiment: few labels, pretrained encoders, schedules run to convergence.
# A thin command line over satsynth_mmseg.cli.benchmark_low_label.
from satsynth_mmseg.cli.benchmark_low_label import main

if __name__ == '__main__':
    main()
