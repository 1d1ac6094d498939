"""Sensors beyond RGB: raster reading, band normalisation, loading and bit transforms, D' for
any band count and dtype, the Sen1Floods11 converter, SAR display."""
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmseg.registry import DATASETS, MODELS, TRANSFORMS
from satsynth_mmseg.bits import labels_to_bits
from satsynth_mmseg.cli import generate as gen_tool
from satsynth_mmseg.datasets import BandNorm, atomic_write_raster, read_raster
from satsynth_mmseg.datasets.band_stats import band_statistics
from satsynth_mmseg.datasets.converters import sen1floods11 as s1conv
from satsynth_mmseg.generation import (ImageStorage, SyntheticDatasetWriter,
                                       generate_synthetic_dataset, read_manifest)
from satsynth_mmseg.utils import ConfigError, DataError, atomic_write_png
from satsynth_mmseg.visualization import display_panels, make_pair_grid
from tests.conftest import REPO, TINY_UNET, on_the_fly_source, tiny_model_cfg

SAR_GEN = osp.join(REPO, 'configs', 'joint_ddpm',
                   'jointddpm_unet-tiny_1xb8-3k_sen1floods11-32x32.py')
SAR_SEG = osp.join(REPO, 'configs', 'satsynth',
                   'deeplabv3plus_r18-tiny-d8_1xb8-1k_sen1floods11-d+dprime-32x32.py')


@pytest.fixture(autouse=True)
def _scope():
    init_default_scope('mmseg')


# ------------------------------------------------------------------ reading and writing rasters
@pytest.mark.parametrize('suffix', ['.tif', '.npy'])
def test_raster_round_trip_any_band_count_and_dtype(tmp_path, suffix):
    rng = np.random.default_rng(0)
    for bands, dtype in ((2, np.float32), (4, np.uint8), (13, np.uint16)):
        data = (rng.random((bands, 5, 7)) * 200).astype(dtype)
        path = str(tmp_path / f'x{bands}{suffix}')
        atomic_write_raster(path, data)
        back = read_raster(path)
        assert back.data.dtype == dtype and back.data.shape == (bands, 5, 7)
        np.testing.assert_array_equal(back.data, data)
    assert not [f for f in os.listdir(tmp_path) if f.endswith('.partial')]


def test_hdf5_and_band_last_arrays(tmp_path):
    import h5py
    data = np.arange(2 * 3 * 4, dtype=np.float32).reshape(3, 4, 2)  # (H, W, C)
    path = str(tmp_path / 'x.h5')
    with h5py.File(path, 'w') as f:
        f.create_dataset('sar', data=data)
    r = read_raster(path, band_axis=-1)
    np.testing.assert_array_equal(r.data, data.transpose(2, 0, 1))
    with h5py.File(path, 'a') as f:
        f.create_dataset('other', data=data)
    with pytest.raises(DataError, match='2 HDF5 datasets.*hdf5_key'):
        read_raster(path)
    assert read_raster(path, band_axis=-1, hdf5_key='sar').data.shape == (2, 3, 4)


def test_nodata_and_nan_are_invalid(tmp_path):
    data = np.zeros((2, 3, 3), np.float32)
    data[0, 0, 0] = np.nan
    data[1, 2, 2] = -9999
    path = str(tmp_path / 'x.tif')
    atomic_write_raster(path, data, nodata=-9999)
    inv = read_raster(path).invalid
    assert inv.sum() == 2 and inv[0, 0] and inv[2, 2]


def test_unknown_dtype_and_unreadable_file_name_the_file(tmp_path):
    path = str(tmp_path / 'c.npy')
    np.save(path, np.zeros((2, 4, 4), np.complex64))
    with pytest.raises(DataError, match=r'c\.npy.*unsupported raster dtype \'complex64\''):
        read_raster(path)
    bad = tmp_path / 'broken.tif'
    bad.write_bytes(b'not a tiff')
    with pytest.raises(DataError, match='broken.tif'):
        read_raster(str(bad))


# ------------------------------------------------------------------ band normalisation
def test_band_norm_range_and_mean_std_invert():
    x = np.stack([np.linspace(-30, 0, 16), np.linspace(-40, -10, 16)]).reshape(2, 4, 4)
    norm = BandNorm(type='range', low=[-30, -40], high=[0, -10])
    y = norm.normalize(x)
    assert y.min() == -1 and y.max() == 1
    np.testing.assert_allclose(norm.denormalize(y), x, atol=1e-5)
    # outside the range: clipped to its edge
    assert norm.normalize(np.full((2, 1, 1), 50.0)).ravel().tolist() == [1, 1]
    ms = BandNorm(type='mean_std', mean=[-15, -25], std=[5, 5], num_std=3)
    np.testing.assert_allclose(ms.denormalize(ms.normalize(x)), x, atol=1e-5)
    with pytest.raises(ConfigError, match='high > low'):
        BandNorm(type='range', low=[0], high=[0])
    with pytest.raises(ConfigError, match='2 bands, the raster 3'):
        norm.normalize(np.zeros((3, 1, 1)))


def test_band_statistics_skip_nan():
    a = np.array([[[1.0, 2.0], [3.0, np.nan]]], np.float32)
    s = band_statistics([a, a + 1], percentiles=(0, 100))
    assert s.num_images == 2 and s.valid_fraction == 6 / 8
    assert s.mean == [pytest.approx(2.5)] and s.low == [1.0] and s.high == [4.0]
    assert s.norm('range') == dict(type='range', low=[1.0], high=[4.0])


# ------------------------------------------------------------------ loading transforms
def _pair(tmp_path, img, labels, name='p'):
    ip, lp = str(tmp_path / f'{name}.tif'), str(tmp_path / f'{name}_lab.tif')
    atomic_write_raster(ip, img)
    atomic_write_raster(lp, labels)
    return dict(img_path=ip, seg_map_path=lp, reduce_zero_label=False, seg_fields=[])


def test_load_raster_nan_becomes_ignored_and_value_map(tmp_path):
    img = np.full((2, 4, 4), -20.0, np.float32)
    img[:, 0, 0] = np.nan
    labels = np.array([[-1, 0, 1, 1]] * 4, np.int16)[None]
    results = _pair(tmp_path, img, labels)
    load = TRANSFORMS.build(
        dict(type='LoadRasterFromFile', norm=dict(type='range', low=-30, high=-10), num_bands=2))
    ann = TRANSFORMS.build(dict(type='LoadRasterAnnotations', value_map={-1: 255}))
    out = ann(load(results))
    assert out['img'].shape == (4, 4, 2) and out['img'].dtype == np.float32
    assert np.isfinite(out['img']).all() and out['img'][0, 0].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(out['img'][1:, 1:], 0.0, atol=1e-6)  # -20 dB is mid-range
    gt = out['gt_seg_map']
    assert gt.dtype == np.uint8 and gt[0, 0] == 255  # NaN pixel
    assert gt[1].tolist() == [255, 0, 1, 1]  # -1 -> 255
    assert out['seg_fields'] == ['gt_seg_map']


def test_load_raster_bad_inputs_name_the_files(tmp_path):
    results = _pair(tmp_path, np.zeros((3, 4, 4), np.float32), np.zeros((1, 4, 5), np.uint8))
    with pytest.raises(DataError, match=r'p\.tif has 3 bands, the model expects 2'):
        TRANSFORMS.build(dict(type='LoadRasterFromFile', num_bands=2))(dict(results))
    load = TRANSFORMS.build(dict(type='LoadRasterFromFile'))
    with pytest.raises(DataError, match=r'sizes differ: .*p\.tif is 4x4 but .*p_lab\.tif is 5x4'):
        TRANSFORMS.build(dict(type='LoadRasterAnnotations'))(load(dict(results)))
    two_band = _pair(tmp_path, np.zeros((1, 4, 4)), np.zeros((2, 4, 4), np.uint8), 'q')
    with pytest.raises(DataError, match='q_lab.tif has 2 bands'):
        TRANSFORMS.build(dict(type='LoadRasterAnnotations'))(two_band)
    neg = _pair(tmp_path, np.zeros((1, 4, 4)), np.full((1, 4, 4), -1, np.int16), 'r')
    with pytest.raises(DataError, match=r'r_lab\.tif has values \[-1\].*value_map'):
        TRANSFORMS.build(dict(type='LoadRasterAnnotations'))(neg)


def test_annotations_follow_reduce_zero_label_like_mmseg(tmp_path):
    raw = np.array([[0, 1, 2, 255], [3, 0, 1, 4]], np.uint8)
    lp = str(tmp_path / 'l.png')
    atomic_write_png(lp, raw)
    mine = TRANSFORMS.build(dict(type='LoadRasterAnnotations'))(
        dict(seg_map_path=lp, reduce_zero_label=True, seg_fields=[]))
    ref = TRANSFORMS.build(dict(type='LoadAnnotations'))(
        dict(seg_map_path=lp, reduce_zero_label=True, seg_fields=[]))
    np.testing.assert_array_equal(mine['gt_seg_map'], ref['gt_seg_map'])


# ------------------------------------------------------------------ analog-bit transforms
@pytest.mark.parametrize('k', [2, 6, 151])
def test_bit_transforms_equal_the_batch_encoder_and_invert(k):
    rng = np.random.default_rng(k)
    labels = rng.integers(0, k, (9, 11)).astype(np.uint8)
    labels[0, :3] = 255
    enc = TRANSFORMS.build(dict(type='EncodeAnalogBits', num_classes=k))
    dec = TRANSFORMS.build(dict(type='DecodeAnalogBits', num_classes=k))
    out = enc(dict(gt_seg_map=labels.copy()))
    pre = MODELS.build(dict(type='JointDataPreprocessor', num_classes=k, image_channels=1))
    joint = pre.encode(torch.zeros(1, 1, 9, 11), torch.from_numpy(labels.astype(np.int64))[None])
    np.testing.assert_array_equal(out['gt_bits'], joint[0, 1:].numpy())
    np.testing.assert_array_equal(out['gt_bits'],
                                  labels_to_bits(torch.from_numpy(labels)[None].long(), k)[0])
    back = dec(dict(gt_bits=out['gt_bits']))
    np.testing.assert_array_equal(back['gt_seg_map'], labels)


# ------------------------------------------------------------------ D' for N bands
def _toy_generator(bands, float_images):
    pre = dict(type='JointDataPreprocessor', float_images=float_images, bgr_to_rgb=False)
    torch.manual_seed(0)
    return MODELS.build(
        tiny_model_cfg(num_classes=3, image_channels=bands, size=8, data_preprocessor=pre)).eval()


@pytest.mark.parametrize('bands,float_images,fmt', [(4, False, 'tiff'), (13, True, 'tiff'),
                                                    (13, True, 'npy'), (2, True, 'tiff')])
def test_n_band_generator_writes_and_reads_back_dprime(tmp_path, bands, float_images, fmt):
    model = _toy_generator(bands, float_images)
    norm = None
    if float_images:  # e.g. reflectance 0..10000 (Sentinel-2) or dB (SAR)
        norm = BandNorm(type='range', low=[0.0] * bands, high=[10000.0] * bands)
    storage = ImageStorage.for_model(model, norm, fmt)
    writer = SyntheticDatasetWriter(str(tmp_path / 'd'), dict(bands=bands), storage=storage)
    writer.prepare()
    generate_synthetic_dataset(model, writer, 3, seed=5, steps=2, batch_size=2, progress=False)
    writer.finalize(3, dict(classes=['a', 'b', 'c'], palette=None, **storage.meta()))
    writer.release()
    ref = model.sample(
        3,
        num_steps=2,
        generator=[
            torch.Generator().manual_seed(s)
            for s in [rec['sample_seed'] for rec in read_manifest(writer.out_dir)]
        ])
    load = TRANSFORMS.build(dict(type='LoadRasterFromFile', norm=norm and norm.to_dict()))
    ds = DATASETS.build(dict(type='SyntheticPairsDataset', data_root=writer.out_dir, pipeline=[]))
    assert len(ds) == 3
    for i in range(3):
        info = ds.get_data_info(i)
        assert info['img_path'].endswith(storage.suffix)
        raw = read_raster(info['img_path']).data
        if float_images:
            # physical units, float32: the generated value mapped back; the tolerance is the
            # float noise between batch compositions (1e-6 of the range), not quantisation
            assert raw.dtype == np.float32 and raw.min() >= 0 and raw.max() <= 10000
            np.testing.assert_allclose(raw, norm.denormalize(ref.images[i].numpy()), atol=1e-2)
            img = load(dict(img_path=info['img_path']))['img']
            np.testing.assert_allclose(img.transpose(2, 0, 1), ref.images[i].numpy(), atol=1e-5)
        else:
            assert raw.dtype == np.uint8
            np.testing.assert_array_equal(raw, ref.images[i].numpy())


def test_png_refuses_more_than_three_bands_and_float_images():
    with pytest.raises(ConfigError, match='4-band images cannot be stored as PNG'):
        ImageStorage.for_model(_toy_generator(4, False), image_format='png')
    with pytest.raises(ConfigError, match='float images'):
        ImageStorage('png', float_images=True)
    assert ImageStorage.for_model(_toy_generator(3, False)).format == 'png'
    assert ImageStorage.for_model(_toy_generator(4, False)).format == 'tiff'


# ------------------------------------------------------------------ display
def test_sar_and_multispectral_display():
    sar = np.stack([np.full((4, 4), 1.0), np.full((4, 4), -1.0)]).astype(np.float32)
    vv, vh, fc = display_panels(sar, dict(type='sar', vv=0, vh=1))
    assert vv[0, 0].tolist() == [255] * 3 and vh[0, 0].tolist() == [0] * 3
    assert fc[0, 0].tolist() == [255, 0, 255]  # VV - VH large -> blue
    ms = np.zeros((13, 4, 4), np.uint8)
    ms[3], ms[2], ms[1] = 200, 100, 50
    (rgb, ) = display_panels(ms, dict(type='bands', bands=(3, 2, 1)))
    assert rgb[0, 0].tolist() == [200, 100, 50]
    grid = make_pair_grid(
        sar[None], np.zeros((1, 4, 4), int), [[1, 2, 3]], pad=0, scale=1, display=dict(type='sar'))
    assert grid.shape == (4, 16, 3)  # VV | VH | false colour | mask
    with pytest.raises(ValueError, match='do not exist'):
        display_panels(ms, dict(type='bands', bands=(20, )))


# ------------------------------------------------------------------ Sen1Floods11
def _raw_sen1floods11(root, size=16):
    """A Sen1Floods11-like tree: 3 train chips (one all-NaN), 1 val chip."""
    rng = np.random.default_rng(0)
    for d in ('S1', 'Labels'):
        os.makedirs(osp.join(root, d), exist_ok=True)
    for chip in ('Ghana_1', 'India_2', 'Paraguay_3', 'Mekong_4'):
        sar = rng.normal(-15, 4, (2, size, size)).astype(np.float32)
        lab = rng.integers(-1, 2, (1, size, size)).astype(np.int16)
        if chip.startswith('Paraguay'):
            sar[:] = np.nan
        if chip.startswith('India'):
            sar[:, :2, :2] = np.nan
        atomic_write_raster(osp.join(root, 'S1', f'{chip}_S1Hand.tif'), sar)
        atomic_write_raster(osp.join(root, 'Labels', f'{chip}_LabelHand.tif'), lab)
    return root


def test_sen1floods11_converter(tmp_path):
    raw = _raw_sen1floods11(str(tmp_path / 'raw'))
    out = str(tmp_path / 'data')
    with pytest.warns(UserWarning, match='Paraguay_3_S1Hand.tif.*entirely no-data'):
        counts = s1conv.convert(raw, out, patch_size=8, val_events=['Mekong'], progress=False)
    assert counts['skipped_chips'] == 1 and counts['train_chips'] == 2 and counts['val_chips'] == 1
    assert counts['train'] == 8 and counts['val'] == 4
    assert not osp.exists(out + '.incomplete')
    lab = read_raster(osp.join(out, 'ann_dir', 'train', 'India_2_y000_x000.png')).data[0]
    assert set(np.unique(lab)) <= {0, 1, 255} and (lab[:2, :2] == 255).all()  # NaN -> 255
    stats = json.load(open(osp.join(out, 'band_stats.json')))
    assert stats['bands'] == ['VV', 'VH'] and len(stats['low']) == 2
    # a label raster of another size is an error naming it
    atomic_write_raster(
        osp.join(raw, 'Labels', 'Ghana_1_LabelHand.tif'), np.zeros((1, 8, 8), np.int16))
    with pytest.raises(DataError, match=r'Ghana_1_LabelHand\.tif is 8x8 but its chip'):
        s1conv.convert(raw, str(tmp_path / 'data2'), patch_size=8, progress=False)
    assert not osp.exists(str(tmp_path / 'data2'))


def test_sar_generator_to_augmented_dataset_end_to_end(tmp_path):
    """Converter -> SAR generator (2 float bands) trained 2 iterations -> tools/generate.py ->
    AugmentedDataset mixing real and generated SAR through one pipeline."""
    from mmengine.runner import Runner
    raw = _raw_sen1floods11(str(tmp_path / 'raw'), size=32)
    data = str(tmp_path / 'data')
    with pytest.warns(UserWarning):
        s1conv.convert(raw, data, patch_size=16, val_events=['Mekong'], progress=False)
    cfg = Config.fromfile(SAR_GEN)
    cfg.work_dir = str(tmp_path / 'gen')
    cfg.model.denoiser = dict(TINY_UNET)
    cfg.model.sample_size = (16, 16)
    cfg.model.noise_scheduler.num_train_timesteps = 50
    cfg.train_dataloader.update(batch_size=2, num_workers=0, persistent_workers=False)
    cfg.train_dataloader.dataset.data_root = data
    cfg.train_dataloader.dataset.pipeline[2].crop_size = (16, 16)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=2, val_interval=3)
    cfg.default_hooks.checkpoint.interval = 2
    cfg.default_hooks.sample_grid.update(interval=2, num_samples=2, num_steps=2)
    cfg.log_level = 'WARNING'
    Runner.from_cfg(cfg).train()
    grid = osp.join(cfg.work_dir, 'samples', 'iter_0000002.png')
    assert osp.exists(grid)
    gen_cfg = str(tmp_path / 'gen.py')
    cfg.dump(gen_cfg)

    seg = Config.fromfile(SAR_SEG)
    seg.train_dataloader.dataset.real.data_root = data
    seg.train_dataloader.dataset.synthetic = str(tmp_path / 'dprime')
    seg_cfg = str(tmp_path / 'seg.py')
    seg.dump(seg_cfg)
    args = [
        gen_cfg,
        osp.join(cfg.work_dir, 'iter_2.pth'), '--out',
        str(tmp_path / 'dprime'), '--ratio', '1', '--real-config', seg_cfg, '--steps', '2',
        '--batch-size', '3', '--no-progress', '--device', 'cpu'
    ]
    gen_tool.main(args)
    out = tmp_path / 'dprime'
    meta = json.load(open(out / 'meta.json'))
    assert meta['img_suffix'] == '.tif' and meta['image_dtype'] == 'float32'
    assert meta['band_norm']['low'] == [-25.0, -40.3]
    tifs = sorted(os.listdir(out / 'img_dir'))
    assert len(tifs) == 8 and all(t.endswith('.tif') for t in tifs)
    db = read_raster(str(out / 'img_dir' / tifs[0])).data
    assert db.shape == (2, 16, 16) and db.dtype == np.float32
    assert (db[0] >= -25.0).all() and (db[0] <= -4.7).all()  # VV in dB, within the clip range
    assert (out / 'preview.png').exists()
    # rerun: resumes (nothing to do) and the files are unchanged
    before = {t: (out / 'img_dir' / t).read_bytes() for t in tifs}
    gen_tool.main(args)
    assert {t: (out / 'img_dir' / t).read_bytes() for t in tifs} == before
    # the segmentor's dataset mixes real and generated SAR through LoadRasterFromFile
    aug = DATASETS.build(Config.fromfile(seg_cfg).train_dataloader.dataset)
    sources = set()
    for i in range(len(aug)):
        s = aug[i]
        assert s['inputs'].shape == (2, 16, 16)  # a 16 x 16 patch (real) or sample (D')
        assert s['inputs'].dtype == torch.float32 and s['inputs'].abs().max() <= 1
        sources.add(s['data_samples'].data_source)
    assert sources == {'real', 'synthetic'}
    # D' made on the fly by the same generator: GeoTIFF pairs in dB, read by the same loader
    from satsynth_mmseg.generation import OnTheFlySyntheticDataset
    otf_cfg = on_the_fly_source((gen_cfg, osp.join(cfg.work_dir, 'iter_2.pth')),
                                tmp_path,
                                pool_size=2)
    otf = OnTheFlySyntheticDataset(**{k: v for k, v in otf_cfg.items() if k != 'type'})
    try:
        otf.full_init()
        info = otf.get_data_info(0)
        assert info['img_path'].endswith('.tif') and osp.exists(info['img_path'])
        db = read_raster(info['img_path']).data
        assert db.dtype == np.float32 and (db[1] >= -40.3).all() and (db[1] <= -10.9).all()
        img = TRANSFORMS.build(dict(type='LoadRasterFromFile',
                                    norm=seg.sar_norm))(dict(img_path=info['img_path']))['img']
        assert img.shape == (16, 16, 2) and np.abs(img).max() <= 1
    finally:
        otf.close()


def test_float_dprime_resume_is_byte_identical(tmp_path):
    """An interrupted float (GeoTIFF) D' finished by a rerun equals an uninterrupted one."""
    model = _toy_generator(2, True)
    norm = BandNorm(type='range', low=[-25.0, -40.0], high=[-5.0, -10.0])

    def run(out, max_batches=None):
        storage = ImageStorage.for_model(model, norm)
        writer = SyntheticDatasetWriter(str(out), dict(seed=1), storage=storage)
        writer.prepare()
        generate_synthetic_dataset(
            model,
            writer,
            5,
            seed=1,
            steps=2,
            batch_size=2,
            progress=False,
            max_batches=max_batches)
        if max_batches is None:
            writer.finalize(5, dict(classes=['a', 'b', 'c'], **storage.meta()))
        writer.release()

    run(tmp_path / 'a')
    run(tmp_path / 'b', max_batches=1)
    assert len(os.listdir(tmp_path / 'b' / 'img_dir')) == 2
    run(tmp_path / 'b')
    for sub in ('img_dir', 'ann_dir'):
        names = sorted(os.listdir(tmp_path / 'a' / sub))
        assert names == sorted(os.listdir(tmp_path / 'b' / sub)) and len(names) == 5
        for n in names:
            assert (tmp_path / 'a' / sub / n).read_bytes() == (tmp_path / 'b' / sub /
                                                               n).read_bytes()


def test_generate_refuses_a_generator_with_another_band_count(tmp_path):
    gen = str(tmp_path / 'gen.py')
    cfg = Config(dict(model=tiny_model_cfg(num_classes=2, image_channels=3, size=8)))
    cfg.model['data_preprocessor'] = dict(type='JointDataPreprocessor', float_images=True)
    cfg.dump(gen)
    torch.save(
        dict(
            state_dict=MODELS.build(cfg.model).state_dict(),
            meta=dict(dataset_meta=dict(classes=['land', 'water']))), tmp_path / 'g.pth')
    raw = _raw_sen1floods11(str(tmp_path / 'raw'))
    with pytest.warns(UserWarning):
        s1conv.convert(
            raw, str(tmp_path / 'data'), patch_size=8, val_events=['Mekong'], progress=False)
    seg = Config.fromfile(SAR_SEG)
    seg.train_dataloader.dataset.real.data_root = str(tmp_path / 'data')
    seg.dump(str(tmp_path / 'seg.py'))
    with pytest.raises(SystemExit, match='makes 3-band images but .*seg.py loads 2-band'):
        gen_tool.main([
            gen,
            str(tmp_path / 'g.pth'), '--out',
            str(tmp_path / 'd'), '--num-samples', '2', '--real-config',
            str(tmp_path / 'seg.py'), '--device', 'cpu', '--no-progress'
        ])
    assert not osp.exists(tmp_path / 'd')
