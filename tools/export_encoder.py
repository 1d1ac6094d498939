# Export the backbone of an encoder-pretraining checkpoint for an mmseg segmentor, checked to
# fit. A thin command line over satsynth_mmseg.cli.export_encoder.
from satsynth_mmseg.cli.export_encoder import main

if __name__ == '__main__':
    main()
