# Pseudo-label unlabelled images with a segmentor trained on D, into a D' folder (offline
# self-training, ST++). A thin command line over satsynth_mmseg.cli.pseudo_label.
from satsynth_mmseg.cli.pseudo_label import main

if __name__ == '__main__':
    main()
