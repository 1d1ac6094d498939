# Scarce-data semantic diffusion: train, fine-tune for classifier-free guidance, sample D'.
# A thin command line over satsynth_mmseg.cli.sdm_scarce.
from satsynth_mmseg.cli.sdm_scarce import main

if __name__ == '__main__':
    main()
