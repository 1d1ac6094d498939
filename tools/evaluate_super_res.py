# Score a x2 super-resolution model against interpolation on real pairs (PSNR, mask mIoU).
# A thin command line over satsynth_mmseg.cli.evaluate_super_res.
from satsynth_mmseg.cli.evaluate_super_res import main

if __name__ == '__main__':
    main()
