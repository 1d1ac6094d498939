# Generation-quality metrics of a generator checkpoint or a D' folder (Fréchet distance, KID,
# k-NN precision/recall, mask-image agreement). A thin command line over
# satsynth_mmseg.cli.evaluate_generator.
from satsynth_mmseg.cli.evaluate_generator import main

if __name__ == '__main__':
    main()
