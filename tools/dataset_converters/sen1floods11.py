# Convert Sen1Floods11 hand-labelled Sentinel-1 chips to mmseg's img_dir/ann_dir layout.
# A thin command line over satsynth_mmseg.cli.convert_sen1floods11.
from satsynth_mmseg.cli.convert_sen1floods11 import main

if __name__ == '__main__':
    main()
