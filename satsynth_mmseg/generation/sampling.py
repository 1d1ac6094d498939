"""Drawing pairs from a generator with per-sample seeds (no files): the seeds of D′, the
label convention of its masks, one batch of pairs through the optional render / super-resolution
stages."""
from __future__ import annotations

import numpy as np
import torch

from ..models.generators.outputs import PairCondition


def sample_seed(seed: int, index: int) -> int:
    """The seed of sample ``index``: a function of ``(seed, index)`` only (63-bit)."""
    state = np.random.SeedSequence([seed, index]).generate_state(1, dtype=np.uint64)[0]
    return int(state) & ((1 << 63) - 1)


def labels_to_raw(labels: torch.Tensor,
                  num_classes: int,
                  reduce_zero_label: bool,
                  invalid_index: int = 255) -> torch.Tensor:
    """Class indices -> the dataset's raw label values, as ``LoadAnnotations`` reads them back.

    Args:
        labels: long (N, H, W) in [0, K) or ``invalid_index``.
        num_classes: K.
        reduce_zero_label: the real dataset's convention. When True, raw 0 means "ignore" and
            raw k + 1 is class k (mmseg subtracts 1 on loading), so classes are written +1 and
            invalid pixels as 0; otherwise classes are written as they are and invalid pixels
            as ``invalid_index`` (255, the ignore index).

    Returns:
        uint8 (N, H, W).
    """
    valid = labels < num_classes
    if reduce_zero_label:
        if num_classes > 255:
            raise ValueError('reduce_zero_label needs num_classes <= 255')
        raw = torch.where(valid, labels + 1, torch.zeros_like(labels))
    else:
        raw = torch.where(valid, labels, torch.full_like(labels, invalid_index))
    return raw.to(torch.uint8)


def draw_pairs(model, seeds, sampler, steps, size, super_res=None, layouts=None, render=None):
    """One batch of pairs, sample ``j`` from its own CPU generator seeded ``seeds[j]``: the
    model's samples (or renders of ``layouts(seeds)``), re-rendered by ``render`` and
    upsampled by ``super_res`` when given, every stage continuing the same generators."""
    gens = [torch.Generator().manual_seed(int(s)) for s in seeds]
    if layouts is not None:
        out = model.sample_from(
            PairCondition(labels=layouts(seeds)), num_steps=steps, sampler=sampler, generator=gens)
    else:
        out = model.sample(len(seeds), num_steps=steps, sampler=sampler, generator=gens, size=size)
    if render is not None:
        out = render['model'].sample_from(
            PairCondition(labels=out.labels),
            num_steps=render.get('steps'),
            sampler=render.get('sampler'),
            generator=gens,
            guidance_scale=render.get('guidance_scale'))
    if super_res is not None:
        out = super_res['model'].sample_from(
            PairCondition(images=out.images, labels=out.labels),
            num_steps=super_res.get('steps'),
            sampler=super_res.get('sampler'),
            generator=gens)
    return out


def class_histograms(labels: torch.Tensor, num_classes: int) -> np.ndarray:
    """(N, K) class pixel counts of label maps (N, H, W); values >= K are not counted."""
    return torch.stack([
        torch.bincount(lab[lab < num_classes].flatten(), minlength=num_classes) for lab in labels
    ]).cpu().numpy()
