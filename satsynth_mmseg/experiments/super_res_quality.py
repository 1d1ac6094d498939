"""How much the ×2 super-resolution model adds over plain interpolation, on real pairs.

Real high-resolution pairs of a split are cut into non-overlapping tiles of the model's size,
downsampled ×2 exactly as the model was trained (image: area average; labels: majority vote),
then brought back to the high resolution by

* (a) bilinear interpolation of the image and nearest-neighbour upsampling of the mask;
* (b) the super-resolution model (per-tile seeds: ``sample_seed(seed, tile index)``).

Scored against the real high-resolution pair: image PSNR (dB, 8-bit range, mean over tiles)
and mask mIoU / pixel accuracy (IoU per class summed over all tiles, as mmseg; pixels the
method leaves without a valid class count as wrong). ``tools/evaluate_super_res.py`` is its
command line.
"""
from __future__ import annotations
import dataclasses
import os
import os.path as osp
from typing import Optional

import numpy as np
import torch

from ..evaluation import IoUAccumulator
from ..generation import interpolate_pair, load_generator, sample_seed
from ..models import PairCondition
from ..utils import atomic_write_json, atomic_write_png, atomic_write_text
from ..utils.errors import ConfigError, DataError
from ..utils.tool_config import read_config
from ..visualization import make_pair_grid

#: the methods compared: key -> name in the report
METHODS = dict(interpolation='bilinear image + nearest mask', super_resolution='JointSuperRes')


@dataclasses.dataclass
class SuperResEvalSpec:
    """What to evaluate (the flags of ``tools/evaluate_super_res.py``).

    Attributes:
        config, checkpoint: the super-resolution model.
        data_root: real data in mmseg layout (default: the config's training data root).
        split: the split whose pairs are tiled.
        max_tiles: at most this many tiles (None: all).
        sampler, steps: the model's sampler (None: its default, DPM-Solver++).
        batch_size, seed: tiles per batch; tile ``i`` draws from ``sample_seed(seed, i)``.
        num_pictures: tiles shown in ``sr_eval.png``.
        device: None picks CUDA when there is one.
        out: output folder (default: ``sr_eval`` beside the checkpoint).
        progress: a progress bar over tiles.
    """
    config: str
    checkpoint: str
    data_root: Optional[str] = None
    split: str = 'val'
    max_tiles: Optional[int] = None
    sampler: Optional[str] = None
    steps: Optional[int] = None
    batch_size: int = 8
    seed: int = 0
    num_pictures: int = 4
    device: Optional[str] = None
    out: Optional[str] = None
    progress: bool = True


def psnr(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR (dB) of uint8 tensors (N, C, H, W)."""
    mse = (a.float() - b.float()).pow(2).flatten(1).mean(1)
    return 10 * torch.log10(255.0**2 / mse.clamp_min(1e-10))


def tiles_of(dataset, size, max_tiles):
    """Yield (name, uint8 image (C, H, W) as stored, labels (H, W)) tiles of ``size`` from
    a dataset whose pipeline loads the image and the annotation."""
    n = 0
    for i in range(len(dataset)):
        results = dataset[i]
        img, ann = results['img'], results['gt_seg_map']
        if img.ndim == 2:
            img = img[..., None]
        h, w = ann.shape
        for y in range(0, h - size[0] + 1, size[0]):
            for x in range(0, w - size[1] + 1, size[1]):
                yield (f'{osp.basename(results["img_path"])}@{y},{x}',
                       torch.from_numpy(
                           np.ascontiguousarray(img[y:y + size[0],
                                                    x:x + size[1]].transpose(2, 0, 1))),
                       torch.from_numpy(ann[y:y + size[0], x:x + size[1]].copy()))
                n += 1
                if max_tiles is not None and n >= max_tiles:
                    return


def load_tiles(cfg, spec: SuperResEvalSpec, sample_size):
    """The real ``spec.split`` pairs of the SR config's dataset (or ``spec.data_root``) as
    ``(dataset, tiles)``; tiles as :func:`tiles_of` yields them."""
    from mmseg.registry import DATASETS
    ds_cfg = cfg.train_dataloader.dataset.to_dict()
    ds_cfg.update(
        pipeline=[
            dict(type='LoadImageFromFile', color_type='unchanged'),
            dict(type='LoadAnnotations')
        ],
        data_prefix=dict(img_path=f'img_dir/{spec.split}', seg_map_path=f'ann_dir/{spec.split}'))
    if spec.data_root:
        ds_cfg['data_root'] = spec.data_root
    dataset = DATASETS.build(ds_cfg)
    tiles = list(tiles_of(dataset, sample_size, spec.max_tiles))
    if not tiles:
        raise DataError(f'no {sample_size} tiles in the {spec.split} split of '
                        f'{ds_cfg.get("data_root")}')
    return dataset, tiles


def collate(chunk):
    """Tiles as the batch a data preprocessor takes."""
    from mmengine.structures import PixelData

    from mmseg.structures import SegDataSample
    batch = dict(inputs=[t[1] for t in chunk], data_samples=[])
    for _, _, lab in chunk:
        ds = SegDataSample()
        ds.gt_sem_seg = PixelData(data=lab[None])
        batch['data_samples'].append(ds)
    return batch


def score_tiles(model, tiles, spec: SuperResEvalSpec):
    """Both methods on every tile: ``(psnr lists, IoUAccumulator per method, picture rows,
    picture tile names)``."""
    scores = {m: IoUAccumulator(model.num_classes) for m in METHODS}
    psnrs = {m: [] for m in METHODS}
    pictures, names = [], []
    bar = None
    if not not spec.progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=len(tiles), unit='tile', desc='super-resolving')
    for start in range(0, len(tiles), spec.batch_size):
        chunk = tiles[start:start + spec.batch_size]
        with torch.no_grad():
            hr = model.data_preprocessor(collate(chunk), False)['inputs']
            real_img, real_lab, low_img, low_lab = model.real_and_low_res_of_batch(hr)
            interp_img, interp_lab = interpolate_pair(low_img, low_lab, model.scale)
        gens = [
            torch.Generator().manual_seed(sample_seed(spec.seed, start + j))
            for j in range(len(chunk))
        ]
        sr = model.sample_from(
            PairCondition(images=low_img, labels=low_lab),
            num_steps=spec.steps,
            sampler=spec.sampler,
            generator=gens)
        for method, (img, lab) in (('interpolation', (interp_img, interp_lab)),
                                   ('super_resolution', (sr['images'], sr['labels']))):
            psnrs[method] += psnr(img.cpu(), real_img.cpu()).tolist()
            scores[method].update(lab.cpu(), real_lab.cpu())
        for j in range(len(chunk)):
            if len(pictures) < 4 * spec.num_pictures:
                pictures += [(model.enlarge(low_img[j:j + 1])[0], interp_lab[j]),
                             (interp_img[j], interp_lab[j]), (sr['images'][j], sr['labels'][j]),
                             (real_img[j], real_lab[j])]
                names.append(chunk[j][0])
        if bar is not None:
            bar.update(len(chunk))
    if bar is not None:
        bar.close()
    return psnrs, scores, pictures, names


def markdown(rows, n_tiles, split, size, scale, config) -> str:
    lines = [
        f'x{scale} super-resolution on {n_tiles} real {split} tiles of '
        f'{size[0]}x{size[1]} (`{osp.basename(config)}`)', '',
        '| method | image PSNR (dB) | mask mIoU (%) | mask pixel acc. (%) |', '|---|---|---|---|'
    ]
    for m, r in rows.items():
        lines.append(f'| {METHODS[m]} | {r["psnr_db"]:.2f} | {r["mIoU"]:.1f} | '
                     f'{r["aAcc"]:.1f} |')
    return '\n'.join(lines) + '\n'


def write_outputs(out_dir, md, report, pictures, palette, sample_size, classes=None) -> None:
    """``sr_eval.md``, ``sr_eval.json`` and the picture ``sr_eval.png``, atomically."""
    atomic_write_text(osp.join(out_dir, 'sr_eval.md'), md)
    atomic_write_json(osp.join(out_dir, 'sr_eval.json'), report)
    imgs = torch.stack([p[0].cpu() for p in pictures]).numpy()
    labs = torch.stack([p[1].cpu() for p in pictures]).numpy()
    grid = make_pair_grid(
        imgs, labs, palette, ncols=4, scale=max(1, 128 // sample_size[0]), classes=classes)
    atomic_write_png(osp.join(out_dir, 'sr_eval.png'), np.ascontiguousarray(grid[..., ::-1]))


def evaluate_super_res(spec: SuperResEvalSpec) -> dict:
    """Both methods on every tile; writes ``OUT/sr_eval.{json,md,png}`` (picture rows:
    low-res enlarged | interpolation | super-resolution | real, each image | mask).

    Returns:
        the report written to ``sr_eval.json`` (``results``: method -> ``psnr_db``, ``mIoU``,
        ``aAcc``, per-class ``IoU``) with its markdown under ``markdown``.
    """
    from mmengine.registry import init_default_scope

    device = spec.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    cfg = read_config(spec.config, 'super-resolution config')
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model, info = load_generator(cfg, spec.checkpoint, device=device)
    if model.conditioning != 'low_res_pair':
        raise ConfigError(f'{spec.config} does not build a super-resolution model')
    dataset, tiles = load_tiles(cfg, spec, model.sample_size)
    out_dir = spec.out or osp.join(osp.dirname(osp.abspath(spec.checkpoint)), 'sr_eval')
    os.makedirs(out_dir, exist_ok=True)
    psnrs, scores, pictures, names = score_tiles(model, tiles, spec)
    rows = {}
    for m in METHODS:
        s = scores[m].result()
        rows[m] = dict(psnr_db=float(np.mean(psnrs[m])), mIoU=s.mIoU, aAcc=s.aAcc, IoU=s.per_class)
    report = dict(
        config=spec.config,
        checkpoint=spec.checkpoint,
        checkpoint_sha256=info['sha256'],
        split=spec.split,
        tiles=len(tiles),
        size=list(model.sample_size),
        scale=model.scale,
        sampler=spec.sampler or 'model default',
        steps=spec.steps,
        seed=spec.seed,
        classes=list(dataset.metainfo['classes']),
        results=rows,
        picture_tiles=names)
    md = markdown(rows, len(tiles), spec.split, model.sample_size, model.scale, spec.config)
    write_outputs(out_dir, md, report, pictures, dataset.metainfo['palette'], model.sample_size,
                  dataset.metainfo.get('classes'))
    return dict(report, markdown=md, out_dir=out_dir)
