import pytest
import torch
from mmengine.structures import PixelData

from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from satsynth_mmseg.models import JointDDPM
from tests.conftest import TINY_UNET, tiny_model_cfg


def _batch(n=2, size=16, k=5, channels=3, ignore_corner=True, seed=0):
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(n):
        inputs.append(torch.randint(0, 256, (channels, size, size), generator=g, dtype=torch.uint8))
        seg = torch.randint(0, k, (1, size, size), generator=g).to(torch.uint8)
        if ignore_corner:
            seg[:, :4, :4] = 255
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=seg)
        s.set_metainfo(dict(img_path='x.png', seg_map_path='x_mask.png'))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def test_build_from_registry_fills_channels():
    model = MODELS.build(tiny_model_cfg(num_classes=6))
    assert isinstance(model, JointDDPM)
    assert model.num_bits == 3
    assert model.denoiser.config.in_channels == 6 and model.denoiser.config.out_channels == 6
    assert model.data_preprocessor.num_classes == 6


def test_preprocessor_encodes_batch():
    model = MODELS.build(tiny_model_cfg())
    data = _batch()
    out = model.data_preprocessor(data, True)
    x = out['inputs']
    assert x.shape == (2, 6, 16, 16) and x.dtype == torch.float32
    assert x[:, :3].min() >= -1 and x[:, :3].max() <= 1
    # BGR -> RGB: channel 0 of the joint tensor is the loaded image's channel 2
    img = data['inputs'][0].float()
    assert torch.allclose(x[0, 0], img[2] / 127.5 - 1, atol=1e-6)
    # ignore pixels are all-zero bits, labelled pixels are +-1
    assert (x[:, 3:, :4, :4] == 0).all()
    assert set(x[:, 3:, 8:, 8:].unique().tolist()) <= {-1.0, 1.0}
    images, labels = model.data_preprocessor.decode(x)
    assert torch.equal(images[0], data['inputs'][0].flip(0))
    seg = data['data_samples'][0].gt_sem_seg.data[0].long()
    assert torch.equal(labels[0][4:, 4:], seg[4:, 4:])


def test_loss_backward_reports_both_terms():
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg())
    data = model.data_preprocessor(_batch(), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_image', 'loss_mask'}
    assert all(torch.isfinite(v) and v > 0 for v in losses.values())
    sum(losses.values()).backward()
    grads = [p.grad for p in model.denoiser.parameters() if p.requires_grad]
    assert all(g is not None for g in grads)
    assert sum(g.abs().sum() for g in grads) > 0


def test_mask_loss_ignores_ignore_pixels():
    """Bits at ignored pixels carry no gradient: changing the prediction there changes nothing."""
    model = MODELS.build(tiny_model_cfg())
    x0 = model.data_preprocessor(_batch(), True)['inputs']

    class Fixed(torch.nn.Module):

        def __init__(self, poison):
            super().__init__()
            self.poison = poison

        def forward(self, x, t):
            out = torch.zeros_like(x)
            if self.poison:
                out[:, 3:, :4, :4] = 1e3  # huge error, but only on ignored pixels
            return out

    torch.manual_seed(1)
    model.denoiser = Fixed(False)
    clean = model.loss(x0)
    torch.manual_seed(1)
    model.denoiser = Fixed(True)
    poisoned = model.loss(x0)
    assert torch.allclose(clean['loss_mask'], poisoned['loss_mask'])
    assert torch.allclose(clean['loss_image'], poisoned['loss_image'])


def test_mask_loss_weight():
    model = MODELS.build(tiny_model_cfg(mask_loss_weight=0.0))
    x0 = model.data_preprocessor(_batch(), True)['inputs']
    assert model.loss(x0)['loss_mask'] == 0


@pytest.mark.parametrize('sampler', ['ddpm', 'ddim', 'dpm-solver++'])
def test_sample_shapes_ranges_and_determinism(sampler):
    model = MODELS.build(tiny_model_cfg()).eval()

    def run(seed):
        return model.sample(
            3, num_steps=3, sampler=sampler, generator=torch.Generator().manual_seed(seed))

    a, b, c = run(0), run(0), run(1)
    assert a['images'].shape == (3, 3, 16, 16) and a['images'].dtype == torch.uint8
    assert a['labels'].shape == (3, 16, 16) and a['labels'].dtype == torch.long
    valid = (a['labels'] < 5) | (a['labels'] == 255)
    assert valid.all()
    assert a['invalid_pixels'] == int((a['labels'] == 255).sum())
    assert torch.equal(a['images'], b['images']) and torch.equal(a['labels'], b['labels'])
    assert not torch.equal(a['joint'], c['joint'])


def test_sample_per_item_generators_are_independent_of_batch():
    model = MODELS.build(tiny_model_cfg()).eval()
    gens = lambda seeds: [torch.Generator().manual_seed(s) for s in seeds]  # noqa: E731
    both = model.sample(2, num_steps=2, sampler='ddim', generator=gens([7, 8]))
    alone = model.sample(1, num_steps=2, sampler='ddim', generator=gens([8]))
    assert torch.allclose(both['joint'][1], alone['joint'][0], atol=1e-5)


def test_predict_mode_returns_seg_samples():
    model = MODELS.build(tiny_model_cfg()).eval()
    data = model.data_preprocessor(_batch(), False)
    with torch.no_grad():
        out = model(**data, mode='predict')
    assert len(out) == 2
    assert out[0].pred_sem_seg.data.shape == (1, 16, 16)
    assert out[0].gen_img.shape == (3, 16, 16)


def test_tensor_mode():
    model = MODELS.build(tiny_model_cfg())
    x = torch.randn(2, 6, 16, 16)
    assert model(x, mode='tensor').shape == x.shape


def test_unknown_sampler_and_too_many_steps():
    model = MODELS.build(tiny_model_cfg())
    with pytest.raises(KeyError, match='unknown sampler'):
        model.sample(1, sampler='euler-maruyama')
    with pytest.raises(ValueError, match=r'\[1, 100\]'):
        model.sample(1, num_steps=101)


def test_config_disagreement_is_an_error():
    with pytest.raises(ValueError, match='in_channels'):
        MODELS.build(tiny_model_cfg(denoiser=dict(TINY_UNET, in_channels=4)))
    with pytest.raises(ValueError, match='num_classes'):
        MODELS.build(
            tiny_model_cfg(data_preprocessor=dict(type='JointDataPreprocessor', num_classes=7)))


def test_bad_masks_are_errors():
    model = MODELS.build(tiny_model_cfg(num_classes=4))
    with pytest.raises(ValueError, match='outside'):
        model.data_preprocessor(_batch(k=5, seed=3), True)  # labels 4 >= K=4
    data = _batch()
    data['data_samples'][1].gt_sem_seg = PixelData(data=torch.zeros(1, 8, 16, dtype=torch.uint8))
    with pytest.raises(ValueError, match='sizes differ'):
        model.data_preprocessor(data, True)


def test_single_band_sar_model():
    model = MODELS.build(tiny_model_cfg(num_classes=2, image_channels=1))
    data = _batch(k=2, channels=1)
    x = model.data_preprocessor(data, True)['inputs']
    assert x.shape == (2, 2, 16, 16)
    sum(model.loss(x).values()).backward()


class _OracleDenoiser(torch.nn.Module):
    """Exact epsilon for data that is always ``x0``: eps = (x_t - sqrt(abar) x0) / sqrt(1-abar)."""

    def __init__(self, x0, alphas_cumprod):
        super().__init__()
        self.register_buffer('x0', x0)
        self.register_buffer('abar', alphas_cumprod)
        self.dummy = torch.nn.Parameter(torch.zeros(()))

    def forward(self, x, t):
        a = self.abar[t.long()].view(-1, 1, 1, 1)
        return (x - a.sqrt() * self.x0) / (1 - a).sqrt()


@pytest.mark.parametrize('sampler,steps', [('ddpm', 100), ('ddim', 10), ('dpm-solver++', 10),
                                           ('dpm-solver++', 20)])
def test_samplers_recover_a_point_mass(sampler, steps):
    """With the ideal denoiser every sampler must return the one data point (fixed numbers)."""
    model = MODELS.build(tiny_model_cfg(num_classes=5, size=8))
    labels = torch.full((1, 8, 8), 3)
    x0 = model.data_preprocessor.encode(torch.full((1, 3, 8, 8), 191.0), labels)
    assert x0[0, :3].allclose(torch.tensor(191 / 127.5 - 1))
    model.denoiser = _OracleDenoiser(x0, model.noise_scheduler.alphas_cumprod)
    out = model.sample(
        2, num_steps=steps, sampler=sampler, generator=torch.Generator().manual_seed(0))
    assert (out['labels'] == 3).all()
    assert out['invalid_pixels'] == 0
    assert (out['images'].int() - 191).abs().max() <= 2


def test_min_snr_weights_follow_the_formula():
    from diffusers.training_utils import compute_snr
    t = torch.tensor([0, 10, 50, 99])
    for kind in ('epsilon', 'v_prediction', 'sample'):
        model = MODELS.build(
            tiny_model_cfg(
                snr_gamma=5.0,
                noise_scheduler=dict(
                    type='DDPMScheduler', num_train_timesteps=100, prediction_type=kind)))
        snr = compute_snr(model.noise_scheduler, t)
        w = model.loss_weights(t)
        expect = {
            'epsilon': snr.clamp(max=5) / snr,
            'v_prediction': snr.clamp(max=5) / (snr + 1),
            'sample': snr.clamp(max=5)
        }[kind]
        assert torch.allclose(w, expect)
        if kind == 'epsilon':  # low noise (high SNR) is down-weighted, high noise is not
            assert w[0] < 0.5 and w[-1] == 1.0
    with pytest.raises(ValueError, match='snr_gamma'):
        MODELS.build(tiny_model_cfg(snr_gamma=0))


def test_min_snr_with_a_huge_gamma_is_the_plain_loss():
    data = _batch()
    out = []
    for gamma in (None, 1e12):
        torch.manual_seed(0)
        model = MODELS.build(tiny_model_cfg(snr_gamma=gamma))
        torch.manual_seed(1)
        out.append(model(**model.data_preprocessor(data, True), mode='loss'))
    for k in out[0]:
        assert torch.allclose(out[0][k], out[1][k], rtol=1e-5)


@pytest.mark.parametrize(
    'options', [
        dict(snr_gamma=5.0),
        dict(
            noise_scheduler=dict(
                type='DDPMScheduler', num_train_timesteps=100, prediction_type='v_prediction')),
        dict(
            snr_gamma=5.0,
            noise_scheduler=dict(
                type='DDPMScheduler', num_train_timesteps=100, prediction_type='v_prediction')),
        dict(
            noise_scheduler=dict(
                type='DDPMScheduler', num_train_timesteps=100, beta_schedule='squaredcos_cap_v2')),
        dict(
            noise_scheduler=dict(
                type='DDPMScheduler', num_train_timesteps=100, beta_schedule='scaled_linear')),
    ],
    ids=['min-snr', 'v', 'v+min-snr', 'cosine', 'scaled-linear'])
def test_every_loss_option_trains_and_samples(options):
    torch.manual_seed(0)
    model = MODELS.build(tiny_model_cfg(**options))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    before = [p.detach().clone() for p in model.denoiser.parameters()]
    for step in range(2):
        losses = model(**model.data_preprocessor(_batch(seed=step), True), mode='loss')
        assert all(torch.isfinite(v) for v in losses.values())
        opt.zero_grad()
        sum(losses.values()).backward()
        opt.step()
    assert any(not torch.equal(a, b) for a, b in zip(before, model.denoiser.parameters()))
    out = model.sample(2, num_steps=3, generator=torch.Generator().manual_seed(0))
    assert out.images.shape == (2, 3, 16, 16) and out.labels.shape == (2, 16, 16)
    assert torch.isfinite(out.joint).all()
