# Write the embedded default dataset (procedural aerial-like scenes) in mmseg's layout.
# A thin command line over satsynth_mmseg.cli.make_procedural_scenes.
from satsynth_mmseg.cli.make_procedural_scenes import main

if __name__ == '__main__':
    main()
