"""Generators that learn from unlabelled images: the joint model's per-modality timesteps
(UniDiffuser), the mask→image model's null-map branch, refusals, and batches that mix
labelled pairs with unlabelled images."""
import copy
import os

import numpy as np
import pytest
import torch
from mmengine.registry import init_default_scope
from mmengine.structures import PixelData
from PIL import Image

from mmseg.registry import DATA_SAMPLERS, DATASETS, MODELS
from mmseg.structures import SegDataSample
from satsynth_mmseg.utils import ConfigError, DataError
from tests.conftest import tiny_gan_cfg, tiny_m2i_cfg, tiny_model_cfg, tiny_train_cfg

K, C, S = 5, 3, 16


def _batch(n_labelled=2, n_unlabelled=2, seed=0):
    """A collated batch as the data loader gives it: uint8 images, masks only for the first
    ``n_labelled`` samples."""
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for i in range(n_labelled + n_unlabelled):
        inputs.append(torch.randint(0, 256, (C, S, S), generator=g, dtype=torch.uint8))
        s = SegDataSample(metainfo=dict(img_path=f'img{i}.png'))
        if i < n_labelled:
            s.gt_sem_seg = PixelData(data=torch.randint(0, K, (1, S, S), generator=g))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def _model(cfg):
    init_default_scope('mmseg')
    torch.manual_seed(0)
    return MODELS.build(cfg)


def _joint(**kwargs):
    return _model(tiny_model_cfg(num_classes=K, size=S, mask_timestep_embedding=True, **kwargs))


def _output_grad(model, batch):
    """Gradient of the loss w.r.t. the denoiser's output, (N, C_out, H, W)."""
    seen = {}

    def hook(_, __, out):
        out.retain_grad()
        seen['out'] = out

    handle = model.denoiser.register_forward_hook(hook)
    data = model.data_preprocessor(batch, True)
    losses = model.loss(data['inputs'], data['data_samples'])
    sum(losses.values()).backward()
    handle.remove()
    return seen['out'].grad, losses


def test_an_unlabelled_image_trains_the_image_channels_and_not_the_mask():
    model = _joint()
    grad, losses = _output_grad(model, _batch(2, 2))
    assert set(losses) == {'loss_image', 'loss_mask'}
    image, mask = grad[:, :C], grad[:, C:]
    assert bool((mask[2:] == 0).all()), 'an unlabelled sample sends gradient to the mask'
    assert bool((image[2:].abs().sum((1, 2, 3)) > 0).all())
    assert bool((mask[:2].abs().sum((1, 2, 3)) > 0).all())  # labelled pairs train both


def test_unlabelled_masks_sit_at_pure_noise_and_labelled_ones_share_t():
    model = _joint()
    t = torch.tensor([3, 40, 7, 90])
    labelled = torch.tensor([True, True, False, False])
    t_mask = model.mask_timesteps(t, labelled)
    assert t_mask.tolist() == [3, 40, 99, 99]
    always = _joint(independent_timestep_prob=1.0)
    torch.manual_seed(1)
    drawn = always.mask_timesteps(t.repeat(50), labelled.repeat(50))
    assert bool((drawn[~labelled.repeat(50)] == 99).all())
    assert bool((drawn[labelled.repeat(50)] != t.repeat(50)[labelled.repeat(50)]).any())


def test_the_mask_timestep_embedding_changes_the_network_output():
    model = _joint().eval()
    assert model.denoiser.config.class_embed_type == 'timestep'
    x = torch.randn(2, model.data_preprocessor.joint_channels, S, S)
    t = torch.tensor([10, 10])
    with torch.no_grad():
        same = model.predict_model_output(x, t)  # sampling: t_mask = t
        explicit = model.predict_model_output(x, t, t_mask=t)
        other = model.predict_model_output(x, t, t_mask=torch.tensor([99, 99]))
    torch.testing.assert_close(same, explicit)
    assert (same - other).abs().max() > 1e-4
    assert model.capabilities().learns_from_unlabelled


def test_pairs_are_still_sampled_with_the_embedding():
    out = _joint().sample(2, num_steps=2, generator=torch.Generator().manual_seed(0))
    assert tuple(out.images.shape) == (2, C, S, S) and tuple(out.labels.shape) == (2, S, S)


def test_a_mask_is_denoised_for_a_given_real_image():
    model = _joint(independent_timestep_prob=0.5).eval()
    images = torch.stack(_batch(3, 0)['inputs'])
    seen = []
    real = model.denoiser.forward

    def spy(x, t, class_labels=None):
        seen.append((x[:, :C].clone(), t.clone(), class_labels.clone()))
        return real(x, t, class_labels)

    model.denoiser.forward = spy
    gen = [torch.Generator().manual_seed(i) for i in range(3)]
    labels = model.sample_masks_for(images, num_steps=3, generator=gen)
    assert labels.shape == (3, S, S) and labels.dtype == torch.long
    x_img, t_img, t_mask = seen[0]
    assert bool((t_img == 0).all()) and bool((t_mask > 0).all())  # clean image, noisy mask
    expect = (images.float().flip(1) - 127.5) / 127.5  # BGR -> RGB, [-1, 1]
    torch.testing.assert_close(x_img, expect)
    again = model.sample_masks_for(
        images, num_steps=3, generator=[torch.Generator().manual_seed(i) for i in range(3)])
    assert torch.equal(labels, again)
    with pytest.raises(ConfigError, match='mask_timestep_embedding'):
        _model(tiny_model_cfg(num_classes=K, size=S)).sample_masks_for(images)


def test_the_null_map_branch_trains_on_unlabelled_images():
    model = _model(tiny_m2i_cfg(num_classes=K, size=S, cond_drop_prob=0.0))
    assert model.learns_from_unlabelled
    conds = []
    real = model.denoiser.forward

    def spy(x, t, cond):
        conds.append(cond.detach().clone())
        return real(x, t, cond)

    model.denoiser.forward = spy
    grad_batch = _batch(2, 2)
    data = model.data_preprocessor(grad_batch, True)
    losses = model.loss(data['inputs'], data['data_samples'])
    losses['loss_image'].backward()
    cond = conds[0]
    assert bool((cond[2:] == 0).all()), 'an unlabelled image must see the null map'
    assert bool((cond[:2].sum(1) == 1).all()), 'labelled pairs keep their map (drop prob 0)'
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


@pytest.mark.parametrize('name', ['plain joint', 'pix2pix', 'super-res'])
def test_a_pool_given_to_a_model_that_cannot_use_it_is_refused(name):
    if name == 'plain joint':
        model, match = _model(tiny_model_cfg(num_classes=K, size=S)), 'mask_timestep_embedding'
    elif name == 'pix2pix':
        model, match = _model(tiny_gan_cfg(num_classes=K)), 'cannot learn from images'
    else:
        cfg = tiny_model_cfg(num_classes=K, size=S, type='JointSuperRes', scale=2)
        model, match = _model(cfg), 'low-resolution \\*pair\\*'
    assert not model.learns_from_unlabelled
    batch = _batch(1, 1)
    with pytest.raises(ConfigError, match=match) as err:
        if name == 'pix2pix':
            from mmengine.optim import OptimWrapper, OptimWrapperDict
            opt = OptimWrapperDict(
                generator=OptimWrapper(torch.optim.Adam(model.generator.parameters())),
                discriminator=OptimWrapper(torch.optim.Adam(model.discriminator.parameters())))
            model.train_step(batch, opt)
        else:
            data = model.data_preprocessor(batch, True)
            model.loss(data['inputs'], data['data_samples'])
    assert 'img1.png' in str(err.value) and 'img0.png' not in str(err.value)


def test_bad_options_are_refused():
    with pytest.raises(ConfigError, match='needs mask_timestep_embedding'):
        _model(tiny_model_cfg(num_classes=K, size=S, independent_timestep_prob=0.5))
    with pytest.raises(ConfigError, match='DiffusersUNet2D'):
        cfg = tiny_model_cfg(num_classes=K, size=S, mask_timestep_embedding=True)
        cfg['denoiser'] = dict(type='SPADEUNet')
        _model(cfg)


def _pool(root, n=5, bands=3):
    os.makedirs(root, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        shape = (32, 32, bands) if bands > 1 else (32, 32)
        Image.fromarray(rng.integers(0, 255, shape, np.uint8)).save(os.path.join(root, f'u{i}.png'))
    return str(root)


def _mixed(procedural_root, pool, ratio=0.5, batch_size=4, seed=0):
    init_default_scope('mmseg')
    labelled = dict(
        type='ProceduralScenesDataset',
        data_root=procedural_root,
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadAnnotations'),
            dict(type='PackSegInputs')
        ])
    unlabelled = dict(
        type='UnlabelledImagesDataset',
        data_root=pool,
        num_bands=3,
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='PackSegInputs')])
    ds = DATASETS.build(
        dict(type='LabelledUnlabelledDataset', labelled=labelled, unlabelled=unlabelled))
    sampler = DATA_SAMPLERS.build(dict(type='InfiniteSampler', dataset=ds, seed=0))
    bs = DATA_SAMPLERS.build(
        dict(type='LabelledUnlabelledBatchSampler', unlabelled_ratio=ratio, seed=seed),
        default_args=dict(sampler=sampler, batch_size=batch_size))
    return ds, bs


def test_every_batch_holds_the_configured_share_of_unlabelled_images(procedural_root, tmp_path):
    ds, bs = _mixed(procedural_root, _pool(tmp_path / 'pool'), ratio=0.25, batch_size=4)
    assert (ds.num_labelled, ds.num_unlabelled) == (12, 5) and ds.metainfo['classes']
    batches = list(bs)
    assert len(batches) == len(bs) == 4  # 12 labelled / 3 per batch
    for b in batches:
        assert sum(i < 12 for i in b) == 3 and sum(i >= 12 for i in b) == 1
    assert sorted(i for b in batches for i in b if i < 12) == list(range(12))
    _, again = _mixed(procedural_root, str(tmp_path / 'pool'), ratio=0.25, batch_size=4)
    assert list(again) == batches  # the same seed, the same order
    assert list(bs) != batches  # the next pass reshuffles
    assert 'gt_sem_seg' not in ds[13]['data_samples'] and 'gt_sem_seg' in ds[0]['data_samples']


def test_mixing_is_refused_with_a_clear_error(procedural_root, tmp_path):
    with pytest.raises(ConfigError, match='unlabelled_ratio must be in'):
        _mixed(procedural_root, _pool(tmp_path / 'pool'), ratio=1.5)
    init_default_scope('mmseg')
    plain = DATASETS.build(dict(type='UnlabelledImagesDataset', data_root=str(tmp_path / 'pool')))
    sampler = DATA_SAMPLERS.build(dict(type='InfiniteSampler', dataset=plain, seed=0))
    with pytest.raises(ConfigError, match='needs a LabelledUnlabelledDataset'):
        DATA_SAMPLERS.build(
            dict(type='LabelledUnlabelledBatchSampler'),
            default_args=dict(sampler=sampler, batch_size=2))
    grey = _pool(tmp_path / 'grey', bands=1)
    with pytest.raises(DataError, match='u0.png has 1 bands'):
        _mixed(procedural_root, grey)


def test_the_runner_trains_a_joint_model_on_pairs_and_a_pool(procedural_root, tmp_path):
    from mmengine.runner import Runner
    cfg = tiny_train_cfg(
        procedural_root,
        tmp_path / 'work',
        max_iters=2,
        ckpt_interval=2,
        mask_timestep_embedding=True)
    cfg.default_hooks.pop('sample_grid')
    labelled = copy.deepcopy(cfg.train_dataloader.dataset)
    unlabelled = dict(
        type='UnlabelledImagesDataset',
        data_root=_pool(tmp_path / 'pool'),
        num_bands=3,
        scale_factor=0.5,
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(type='RescaleUnlabelled'),
            dict(type='PackSegInputs')
        ])
    cfg.train_dataloader.dataset = dict(
        type='LabelledUnlabelledDataset', labelled=labelled, unlabelled=unlabelled)
    cfg.train_dataloader.batch_sampler = dict(
        type='LabelledUnlabelledBatchSampler', unlabelled_ratio=0.5)
    cfg.train_dataloader.pop('batch_size')
    cfg.train_dataloader.batch_size = 2
    Runner.from_cfg(cfg).train()
    assert os.path.isfile(tmp_path / 'work' / 'iter_2.pth')


def test_mask_denoising_scores_score_the_denoised_masks_and_seed_per_image():
    """The benchmark's image → mask score: each real image's mask from
    ``sample_masks_for`` with image ``i``'s noise from ``sample_seed(seed, i)`` across
    batches, against the true masks, by the project's one IoU."""
    from satsynth_mmseg.experiments.generator_quality import mask_denoising_scores
    from satsynth_mmseg.generation.generate import sample_seed
    truth = torch.randint(0, K, (5, S, S))
    seeds = []

    class Fake:

        def sample_masks_for(self, images, num_steps=None, sampler=None, generator=None):
            seeds.extend(g.initial_seed() for g in generator)
            out = truth[images[:, 0, 0, 0].long()].clone()
            out[0] = (out[0] + 1) % K  # the first image of every batch is labelled wrong
            return out

    images = torch.arange(5).view(5, 1, 1, 1).expand(5, 3, S, S)
    batches = [(images[:3], truth[:3]), (images[3:], truth[3:])]
    scores = mask_denoising_scores(Fake(), iter(batches), K, seed=7)
    assert seeds == [sample_seed(7, i) for i in range(5)]
    assert scores.aAcc == pytest.approx(100 * 3 / 5)
    perfect = mask_denoising_scores(Fake(), iter([(images[:1], (truth[:1] + 1) % K)]), K)
    assert perfect.mIoU == pytest.approx(100)
