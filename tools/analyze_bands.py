# Per-band statistics of a raster training set (mean, std, percentiles) and the
# LoadRasterFromFile norm they give. A thin command line over satsynth_mmseg.cli.analyze_bands.
from satsynth_mmseg.cli.analyze_bands import main

if __name__ == '__main__':
    main()
