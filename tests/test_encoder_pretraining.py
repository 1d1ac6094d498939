"""Encoder pretraining on an unlabelled pool's scene labels, and loading it into mmseg."""
import copy
import math
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.structures import BaseDataElement
from PIL import Image

from mmseg.registry import DATASETS, MODELS
from satsynth_mmseg.experiments.report import paired_interval, t95
from satsynth_mmseg.models.encoders import check_encoder_fits, export_encoder
from satsynth_mmseg.utils import CheckpointError, DataError
from tests.conftest import REPO

PRETRAIN = osp.join(REPO, 'configs', 'pretrain', 'scenecls_r18-tiny_1xb64-1k_ucmerced-32x32.py')
SEG = osp.join(REPO, 'configs', 'satsynth', 'deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py')
SEG_PRE = osp.join(REPO, 'configs', 'satsynth',
                   'deeplabv3plus_r18-tiny-d8-scenecls-pre_1xb8-1k_dubai-d-32x32.py')


def _classifier():
    init_default_scope('mmseg')
    torch.manual_seed(0)
    return MODELS.build(Config.fromfile(PRETRAIN).model)


def _samples(labels):
    return [
        BaseDataElement(metainfo=dict(img_path=f'tile{i}.png', scene_label=lab))
        for i, lab in enumerate(labels)
    ]


def test_the_scene_classifier_trains_on_scene_labels():
    model = _classifier()
    data = model.data_preprocessor(
        dict(
            inputs=[torch.randint(0, 256, (3, 32, 32), dtype=torch.uint8) for _ in range(4)],
            data_samples=_samples([0, 3, 20, 3])), True)
    losses = model(data['inputs'], data['data_samples'], mode='loss')
    assert losses['loss_cls'] > 0 and 0 <= float(losses['acc']) <= 1
    losses['loss_cls'].backward()
    assert model.backbone.stem[0].weight.grad.abs().sum() > 0
    assert model(data['inputs']).shape == (4, 21)
    pred = model(data['inputs'], _samples([0, 0, 0, 0]), mode='predict')
    assert pred[0].pred_score.shape == (21, ) and 0 <= pred[0].pred_label < 21
    with pytest.raises(DataError, match='tile1.png has no scene label'):
        model(data['inputs'], _samples([0, None, 1, 1]), mode='loss')


def _checkpoint(tmp_path, drop=None):
    model = _classifier()
    state = model.state_dict()
    if drop:
        state.pop(drop)
    path = str(tmp_path / 'pretrain.pth')
    torch.save(dict(state_dict=state, meta={}), path)
    return path, model


def test_the_encoder_loads_into_the_mmseg_backbone_with_every_key_matched(tmp_path):
    ckpt, model = _checkpoint(tmp_path)
    enc = str(tmp_path / 'new_folder' / 'encoder.pth')  # the folder is made
    n = export_encoder(ckpt, enc, SEG)
    assert n == len(model.backbone.state_dict())
    assert all(k.startswith('backbone.') for k in torch.load(enc)['state_dict'])
    # the segmentor config with init_cfg Pretrained loads exactly these weights
    cfg = Config.fromfile(SEG_PRE)
    cfg.model.backbone.init_cfg.checkpoint = enc
    init_default_scope('mmseg')
    seg = MODELS.build(cfg.model)
    seg.init_weights()
    for k, v in model.backbone.state_dict().items():
        torch.testing.assert_close(seg.backbone.state_dict()[k], v, msg=k)


def test_an_encoder_that_does_not_fit_is_refused_naming_the_keys(tmp_path):
    ckpt, _ = _checkpoint(tmp_path, drop='backbone.layer4.1.bn2.weight')
    with pytest.raises(CheckpointError, match='1 weights missing.*layer4.1.bn2.weight'):
        check_encoder_fits(SEG, ckpt)
    torch.save(dict(state_dict={'head.weight': torch.zeros(1)}), tmp_path / 'head.pth')
    with pytest.raises(CheckpointError, match="no weights under 'backbone.'"):
        check_encoder_fits(SEG, str(tmp_path / 'head.pth'))
    wide = Config.fromfile(SEG)
    wide.model.backbone.base_channels = 32
    wide.dump(str(tmp_path / 'wide.py'))
    ckpt, _ = _checkpoint(tmp_path)
    with pytest.raises(CheckpointError, match='of another shape'):
        check_encoder_fits(str(tmp_path / 'wide.py'), ckpt)


def _scene_pool(root, per_class=5):
    rng = np.random.default_rng(0)
    for scene in ('beach', 'forest', 'harbor'):
        os.makedirs(root / scene)
        for i in range(per_class):
            Image.fromarray(rng.integers(0, 255, (64, 62, 3),
                                         np.uint8)).save(root / scene / f'{scene}{i:02d}.png')
    return str(root)


def test_the_pool_holds_out_every_nth_tile(tmp_path):
    root = _scene_pool(tmp_path / 'pool')
    init_default_scope('mmseg')
    kw = dict(type='UnlabelledImagesDataset', data_root=root, holdout_every=5)
    train = DATASETS.build(dict(kw, subset='train'))
    held = DATASETS.build(dict(kw, subset='holdout'))
    a = {train.get_data_info(i)['img_path'] for i in range(len(train))}
    b = {held.get_data_info(i)['img_path'] for i in range(len(held))}
    assert (len(a), len(b)) == (12, 3) and not a & b
    assert sorted(held.get_data_info(i)['scene_label'] for i in range(3)) == [0, 1, 2]
    with pytest.raises(DataError, match='holdout_every must be >= 2'):
        DATASETS.build(dict(kw, holdout_every=1))


def test_the_pretraining_config_trains_with_the_runner(tmp_path):
    from mmengine.runner import Runner
    cfg = Config.fromfile(PRETRAIN)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.train_dataloader.update(batch_size=4, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset.data_root = _scene_pool(tmp_path / 'pool')
    cfg.train_dataloader.dataset.scale_factor = 0.5
    cfg.train_cfg.max_iters = 2
    cfg.default_hooks.checkpoint.interval = 2
    cfg.param_scheduler = []
    cfg.log_level = 'WARNING'
    Runner.from_cfg(cfg).train()
    ckpt = str(tmp_path / 'work' / 'iter_2.pth')
    assert check_encoder_fits(SEG, ckpt) > 100


def test_the_paired_interval_against_a_hand_computed_case():
    m, lo, hi = paired_interval([1.0, 2.0, 3.0])  # s = 1, n = 3, t(2) = 4.303
    half = 4.303 / math.sqrt(3)
    assert (m, lo, hi) == pytest.approx((2.0, 2.0 - half, 2.0 + half))
    assert t95(1) == 12.706 and t95(200) == 1.96
    m, lo, hi = paired_interval([0.5])
    assert m == 0.5 and math.isnan(lo) and math.isnan(hi)
    assert copy.copy(paired_interval([-1.0, 1.0]))[0] == 0.0


def test_the_model_zoo_encoder_fits_the_segmentor_it_is_made_for():
    cfg = Config.fromfile(SEG_PRE)
    zoo = osp.join(REPO, cfg.encoder_checkpoint)
    assert osp.isfile(zoo) and check_encoder_fits(SEG, zoo) > 100
