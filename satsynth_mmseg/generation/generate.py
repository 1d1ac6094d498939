"""Sample D' from a trained generator into a durable, resumable, shardable folder."""
from __future__ import annotations
import time
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Union

import numpy as np
import torch

from .class_target import draw_class_targeted
from .image_storage import ImageStorage
from .sampling import class_histograms, draw_pairs, labels_to_raw, sample_seed
from .writer import SyntheticDatasetWriter, iter_batches, sample_name


@torch.inference_mode()
def sample_and_write(model,
                     indices: Sequence[int],
                     seeds: Sequence[int],
                     sink: Callable[[int, np.ndarray, np.ndarray, dict], None],
                     sampler: Union[str, dict, None] = 'ddim',
                     steps: Optional[int] = None,
                     size: Optional[Sequence[int]] = None,
                     reduce_zero_label: bool = False,
                     super_res: Optional[dict] = None,
                     skip: Iterable[int] = (),
                     record_extra: Optional[dict] = None,
                     storage: Optional[ImageStorage] = None,
                     layouts: Optional[Callable[[Sequence[int]], torch.Tensor]] = None,
                     render: Optional[dict] = None,
                     class_target=None) -> List[dict]:
    """Sample one batch of pairs and hand each to ``sink`` ready to be written.

    The one path from a generator to D' files, shared by :func:`generate_synthetic_dataset`
    (``sink`` = :meth:`SyntheticDatasetWriter.write`) and the on-the-fly pool (``sink`` writes
    with :func:`~.writer.write_pair_files`). Sample ``j`` is drawn with its own CPU
    ``torch.Generator`` seeded ``seeds[j]``, so it does not depend on the batch's device.

    Args:
        model: a generator with ``sample()`` and ``num_classes`` (e.g. ``JointDDPM``), or a
            mask-conditioned one (``MaskToImageDDPM``) with ``layouts``.
        indices: sample numbers of the batch (file names, manifest ``index``).
        seeds: one seed per sample.
        sink: ``sink(index, image, raw_labels, record)``; ``image`` as ``storage`` writes it
            (:meth:`ImageStorage.encode`; by default uint8 as cv2 writes it),
            ``raw_labels`` uint8 (H, W) in the real dataset's convention, ``record`` the
            manifest fields (seed, size, class histogram, invalid pixels, ``record_extra``).
        sampler, steps, size: how to sample (defaults: the model's).
        reduce_zero_label: label convention of the written masks (:func:`labels_to_raw`).
        super_res: ``dict(model=JointSuperRes | InterpolationUpsampler, sampler=, steps=)`` to
            enlarge every sample, continuing the same generators.
        skip: indices already complete: sampled with the batch (the batch composition fixes
            the numbers) but not handed to ``sink``.
        record_extra: fields added to every record.
        storage: how images are stored (default :meth:`ImageStorage.for_model`).
        layouts: for a mask-conditioned ``model``: ``layouts(seeds)`` -> label maps (N, H, W)
            (e.g. :class:`~.mask_layouts.MaskLayouts`) it renders images for.
        render: ``dict(model=MaskToImageDDPM, sampler=, steps=, guidance_scale=)``: keep the
            labels ``model`` made and render their images again with this model (the hybrid
            mode), continuing the same generators.
        class_target: a :class:`~.class_target.ClassTarget`: draw candidates per sample until
            one is accepted (records get ``candidate`` and ``rejected``).

    Returns:
        The records handed to ``sink``.
    """
    storage = storage or ImageStorage.for_model(render['model'] if render else model)

    def draw(batch_seeds):
        return draw_pairs(model, batch_seeds, sampler, steps, size, super_res, layouts, render)

    extra = [{} for _ in indices]
    if class_target is None:
        out = draw(seeds)
    else:
        out, extra = draw_class_targeted(draw, seeds, class_target, model.num_classes)
    k = model.num_classes
    labels = out.labels
    raw = labels_to_raw(labels, k, reduce_zero_label).cpu().numpy()
    images = out.images.cpu().numpy()
    hists = class_histograms(labels, k)
    bad = (labels >= k).flatten(1).sum(1).cpu().numpy()
    skip = set(skip)
    records = []
    for j, i in enumerate(indices):
        if i in skip:
            continue
        record = dict(
            record_extra or {},
            file=sample_name(i),
            sample_seed=int(seeds[j]),
            size=list(labels.shape[-2:]),
            class_histogram=hists[j].tolist(),
            invalid_pixels=int(bad[j]),
            **extra[j])
        sink(i, storage.encode(images[j]), raw[j], record)
        records.append(record)
    return records


@torch.inference_mode()
def generate_synthetic_dataset(model,
                               writer: SyntheticDatasetWriter,
                               num_samples: int,
                               seed: int = 0,
                               sampler: Union[str, dict] = 'ddim',
                               steps: Optional[int] = None,
                               batch_size: int = 16,
                               size: Optional[Sequence[int]] = None,
                               reduce_zero_label: bool = False,
                               record_extra: Optional[dict] = None,
                               rank: int = 0,
                               world_size: int = 1,
                               progress: bool = True,
                               max_batches: Optional[int] = None,
                               super_res: Optional[dict] = None,
                               layouts: Optional[Callable] = None,
                               render: Optional[dict] = None,
                               class_target=None) -> Dict[str, float]:
    """Generate this rank's share of samples ``0 .. num_samples-1`` that are not yet complete.

    Sample ``i`` is drawn with its own ``torch.Generator`` seeded by ``sample_seed(seed, i)``
    (CPU generators, so the noise is the same on any device), inside batches whose composition
    does not depend on sharding or resuming (:func:`iter_batches`). A batch with any incomplete
    sample is regenerated whole and only its missing samples are written.

    Args:
        model: a generator with ``sample()`` and ``num_classes`` (e.g. ``JointDDPM``).
        writer: the prepared output folder.
        num_samples: N, size of D'.
        seed: base seed.
        sampler: name or config of the sampler.
        steps: sampling steps (default: the sampler's).
        batch_size: samples per forward pass.
        size: (H, W); default the model's ``sample_size``.
        reduce_zero_label: label convention of the written masks (see :func:`labels_to_raw`).
        record_extra: fields added to every manifest record (checkpoint hash, sampler, ...).
        rank: this process's rank.
        world_size: number of processes sharing the work.
        progress: show a progress bar (rate, ETA).
        max_batches: stop after this many generated batches (to simulate an interruption).
        super_res: ``dict(model=JointSuperRes, sampler=..., steps=...)`` to run the cascade:
            each low-resolution batch is upsampled by the model, continuing the same
            per-sample generators, so sample ``i`` still depends only on ``(seed, i)``.
        layouts, render: mask-conditioned generation (see :func:`sample_and_write`); layouts
            are drawn from the per-sample seeds, so they keep the same guarantees.
        class_target: class-targeted rejection sampling (:class:`~.class_target.ClassTarget`).

    Returns:
        ``dict(generated, skipped, seconds, pairs_per_s, invalid_pixels, pixels)`` for this
        rank.
    """
    if num_samples < 1:
        raise ValueError(f'num_samples must be >= 1, got {num_samples}')
    done = writer.completed()
    mine = [b for b in iter_batches(num_samples, batch_size, rank, world_size)]
    todo = [b for b in mine if not set(b) <= done]
    total = sum(len(b) for b in mine)
    skipped = total - sum(len([i for i in b if i not in done]) for b in todo)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(
            total=total,
            initial=skipped,
            unit='pair',
            dynamic_ncols=True,
            desc=f'generating{f" [rank {rank}]" if world_size > 1 else ""}')
    generated = invalid = pixels = 0
    t0 = time.perf_counter()
    try:
        for n_batch, batch in enumerate(todo):
            if max_batches is not None and n_batch >= max_batches:
                break
            records = sample_and_write(
                model,
                batch, [sample_seed(seed, i) for i in batch],
                writer.write,
                sampler=sampler,
                steps=steps,
                size=size,
                reduce_zero_label=reduce_zero_label,
                super_res=super_res,
                skip=done,
                record_extra=dict(record_extra or {}, seed=seed),
                storage=writer.storage,
                layouts=layouts,
                render=render,
                class_target=class_target)
            for r in records:
                generated += 1
                invalid += r['invalid_pixels']
                pixels += r['size'][0] * r['size'][1]
                if bar is not None:
                    bar.update(1)
    finally:
        writer.close()
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - t0
    return dict(
        generated=generated,
        skipped=skipped,
        seconds=seconds,
        pairs_per_s=generated / seconds if seconds > 0 else 0.0,
        invalid_pixels=invalid,
        pixels=pixels)


__all__: List[str] = [
    'generate_synthetic_dataset', 'sample_and_write', 'sample_seed', 'labels_to_raw'
]
