# Score a x2 super-resolution model against interpolation on real pairs (PSNR, mask mIoU).
# A thin command line: the implementation is satsynth_mmseg.cli.evaluate_super_res (also: python -m satsynth_mmseg.cli.evaluate_super_res).
from satsynth_mmseg.cli.evaluate_super_res import main

if __name__ == '__main__':
    main()
