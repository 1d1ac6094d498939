# Convert the raw Dubai aerial dataset to mmseg's img_dir/ann_dir layout with index masks.
# A thin command line over satsynth_mmseg.cli.convert_dubai_aerial.
from satsynth_mmseg.cli.convert_dubai_aerial import main

if __name__ == '__main__':
    main()
