# Test (evaluate) an mmseg segmentor from a config and a checkpoint, as mmseg's tools/test.py.
import argparse

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from satsynth_mmseg.utils.tool_config import add_launcher_args, load_tool_config, set_local_rank


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='mmseg test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the directory to save the file containing '
        'evaluation metrics')
    parser.add_argument('--out', help='the directory to save the output prediction maps')
    parser.add_argument('--show-dir', help='directory where painted images will be saved')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override some settings in the used config (key=value)')
    add_launcher_args(parser)
    parser.add_argument('--tta', action='store_true', help='test time augmentation')
    args = parser.parse_args(argv)
    set_local_rank(args.local_rank)
    return args


def build_config(args) -> Config:
    cfg = load_tool_config(args.config, args.launcher, args.cfg_options, args.work_dir)
    cfg.load_from = args.checkpoint
    if args.show_dir:
        hooks = cfg.default_hooks
        if 'visualization' not in hooks:
            raise KeyError('--show-dir needs a SegVisualizationHook in default_hooks')
        hooks.visualization.update(draw=True, show=False)
        cfg.visualizer['save_dir'] = args.show_dir
    if args.tta:
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True
    return cfg


def main(argv=None):
    args = parse_args(argv)
    runner = Runner.from_cfg(build_config(args))
    return runner.test()


if __name__ == '__main__':
    main()
