"""A generator family is one class: a toy generator registered only in the tests
(tests/toy_generator.py) trains with the Runner and its sample-grid hook, makes D′ with
tools/generate.py, is scored by tools/evaluate_generator.py and runs through the downstream
experiment, with no other file naming it. What the tools know of it, they ask of the
declared contract (BaseGenerator)."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmseg.registry import DATASETS
from satsynth_mmseg.cli import benchmark_gain as gain
from satsynth_mmseg.cli import evaluate_generator as eval_tool
from satsynth_mmseg.cli import generate as gen_tool
from satsynth_mmseg.generation import load_generator
from satsynth_mmseg.models import (BaseGenerator, JointDDPM, JointSuperRes, MaskToImageDDPM,
                                   Pix2PixGAN)
from satsynth_mmseg.models.generators import CONDITIONINGS
from tests import toy_generator  # noqa: F401  (registers ToyPairGenerator)
from tests.conftest import SEG_CFG, tiny_train_cfg


@pytest.fixture(scope='module')
def toy(procedural_root, tmp_path_factory):
    """The toy generator trained 2 iterations by the Runner: (config, checkpoint, work dir)."""
    from mmengine.runner import Runner
    work = tmp_path_factory.mktemp('toy_work')
    cfg = tiny_train_cfg(procedural_root, work, max_iters=2, ckpt_interval=2)
    cfg.custom_imports = dict(imports=['tests.toy_generator'], allow_failed_imports=False)
    cfg.model = dict(
        type='ToyPairGenerator',
        num_classes=5,
        sample_size=16,
        data_preprocessor=dict(type='JointDataPreprocessor', bgr_to_rgb=True))
    Runner.from_cfg(cfg).train()
    path = str(work / 'toy.py')
    cfg.dump(path)
    return path, str(work / 'iter_2.pth'), work


def test_every_family_declares_what_it_is():
    declared = {
        cls.__name__: (cls.conditioning, cls.has_sampler, cls.supports_guidance)
        for cls in (JointDDPM, JointSuperRes, MaskToImageDDPM, Pix2PixGAN)
    }
    assert declared == {
        'JointDDPM': ('none', True, False),
        'JointSuperRes': ('low_res_pair', True, False),
        'MaskToImageDDPM': ('label_map', True, True),
        'Pix2PixGAN': ('label_map', False, False),
    }
    assert all(c in CONDITIONINGS for c, _, _ in declared.values())


def test_toy_generator_trains_with_the_sample_grid(toy):
    _, ckpt, work = toy
    assert osp.exists(ckpt)
    assert osp.exists(osp.join(work, 'samples', 'iter_0000002.png'))


def test_toy_generator_makes_dprime_with_the_generate_tool(toy, tmp_path):
    cfg, ckpt, _ = toy
    model, _ = load_generator(cfg, ckpt)
    assert isinstance(model, BaseGenerator) and model.capabilities().conditioning == 'none'
    assert model.colours.abs().sum() > 0  # trained, and loaded from the checkpoint
    out = tmp_path / 'dprime'
    result = gen_tool.main(
        [cfg, ckpt, '--out',
         str(out), '--num-samples', '5', '--batch-size', '2', '--no-progress'])
    assert result.num_samples == 5 and result.generated == 5
    ds = DATASETS.build(dict(type='SyntheticPairsDataset', data_root=str(out), pipeline=[]))
    assert len(ds) == 5
    # the contract, not a probe: a sampler-less generator records no steps
    assert ds.generation_meta['generation']['steps'] is None


def test_toy_generator_is_scored_by_evaluate_generator(toy, segmentor_checkpoint, tmp_path):
    cfg, ckpt, _ = toy

    class Feats(torch.nn.Module):  # a stand-in for the TorchScript InceptionV3

        def forward(self, x: torch.Tensor, return_features: bool = True) -> torch.Tensor:
            return x.float().mean(dim=(2, 3))

    inc = str(tmp_path / 'inception.pt')
    torch.jit.save(torch.jit.script(Feats()), inc)
    report = eval_tool.main([
        cfg, ckpt, '--real-config', SEG_CFG, '--segmentor-checkpoint', segmentor_checkpoint,
        '--num-samples', '4', '--seeds', '0', '--batch-size', '4', '--inception-weights', inc,
        '--out',
        str(tmp_path / 'q')
    ])
    assert len(report.per_seed) == 1 and 'seg_fd' in report.summary


def test_toy_generator_runs_through_the_downstream_experiment(procedural_root, toy, tmp_path):
    cfg, ckpt, _ = toy
    report = gain.main([
        '--preset', 'procedural-cpu', '--work-dir',
        str(tmp_path / 'gain'), '--data-root', procedural_root, '--generator-config', cfg,
        '--generator-checkpoint', ckpt, '--seeds', '0', '--ratios', '1', '--seg-iters', '2',
        '--no-dprime-only'
    ])
    assert [r['variant'] for r in report['rows']] == ['D', 'D u D\'']


def test_a_segmentor_config_is_refused_as_a_generator(segmentor_checkpoint):
    with pytest.raises(
            SystemExit, match='builds a EncoderDecoder \\(a segmentor\\), not a '
            'generator'):
        gen_tool.main([SEG_CFG, segmentor_checkpoint, '--out', 'unused', '--num-samples', '2'])
    assert Config.fromfile(SEG_CFG).model.type == 'EncoderDecoder'
