"""Generator training data that mixes labelled pairs and unlabelled images per batch.

A config names the two parts and the share of unlabelled images in every batch::

    train_dataloader = dict(
        batch_size=8,
        sampler=dict(type='InfiniteSampler', shuffle=True),
        batch_sampler=dict(type='LabelledUnlabelledBatchSampler', unlabelled_ratio=0.5),
        dataset=dict(type='LabelledUnlabelledDataset',
                     labelled=dict(type='DubaiAerialDataset', ...),
                     unlabelled=dict(type='UnlabelledImagesDataset', ...)))

Each batch of 8 then holds exactly 4 labelled pairs and 4 unlabelled images. The unlabelled
samples reach the generator without ``gt_sem_seg``; a generator that can learn from them says
so (``learns_from_unlabelled``) and any other refuses the batch with the image's name.
"""
from __future__ import annotations
import math
from typing import Iterator, List, Union

import torch
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Dataset, Sampler

from mmseg.registry import DATA_SAMPLERS, DATASETS
from ..utils.errors import ConfigError, DataError


def _build(cfg):
    return DATASETS.build(cfg) if isinstance(cfg, dict) else cfg


@DATASETS.register_module()
class LabelledUnlabelledDataset(Dataset):
    """Labelled pairs followed by unlabelled images: indices ``[0, L)`` are the labelled
    dataset's, ``[L, L + U)`` the unlabelled one's.

    Args:
        labelled: config (or instance) of a dataset of image–mask pairs; its ``metainfo``
            (classes, palette) is this dataset's.
        unlabelled: config (or instance) of a dataset of images without masks, e.g.
            :class:`~satsynth_mmseg.datasets.UnlabelledImagesDataset` (its items must carry
            no mask: its pipeline must not load annotations).
    """

    def __init__(self, labelled: Union[dict, Dataset], unlabelled: Union[dict, Dataset]):
        self.labelled = _build(labelled)
        self.unlabelled = _build(unlabelled)
        self.num_labelled = len(self.labelled)
        self.num_unlabelled = len(self.unlabelled)
        if not self.num_labelled:
            raise DataError('LabelledUnlabelledDataset: the labelled dataset is empty')
        if not self.num_unlabelled:
            raise DataError('LabelledUnlabelledDataset: the unlabelled dataset is empty')

    @property
    def metainfo(self) -> dict:
        """The labelled dataset's meta information (classes, palette)."""
        return self.labelled.metainfo

    def full_init(self) -> None:
        """Nothing to do: both parts are initialised when built (mmengine's wrapper API)."""

    def __len__(self) -> int:
        return self.num_labelled + self.num_unlabelled

    def __getitem__(self, idx: int) -> dict:
        if idx < 0:
            idx += len(self)
        if idx < self.num_labelled:
            return self.labelled[idx]
        item = self.unlabelled[idx - self.num_labelled]
        sample = item.get('data_samples') if isinstance(item, dict) else None
        if sample is not None and 'gt_sem_seg' in sample:
            raise DataError(f'unlabelled image {sample.metainfo.get("img_path", "?")} came '
                            'with a mask: remove LoadAnnotations from the unlabelled pipeline')
        return item


@DATA_SAMPLERS.register_module()
class LabelledUnlabelledBatchSampler(Sampler):
    """Batches with a fixed share of unlabelled images, from a
    :class:`LabelledUnlabelledDataset`.

    Every batch holds ``k = round(batch_size * unlabelled_ratio)`` unlabelled images and
    ``batch_size - k`` labelled pairs, each part drawn without replacement from its own
    permutation (a new one when a part is used up). One pass (``len``) covers the labelled
    part once (the unlabelled part once when ``k == batch_size``). The order depends only on
    ``seed`` (default: the run's synchronised seed), the rank and the pass.

    Args:
        sampler: the dataloader's sampler, used only for its dataset (mmengine passes it).
        batch_size: samples per batch (mmengine passes the dataloader's).
        unlabelled_ratio: share of unlabelled images per batch, in [0, 1].
        seed: base seed; None: ``mmengine.dist.sync_random_seed()``.
    """

    def __init__(self,
                 sampler: Sampler,
                 batch_size: int,
                 unlabelled_ratio: float = 0.5,
                 seed: Union[int, None] = None):
        dataset = getattr(sampler, 'dataset', None)
        if not isinstance(dataset, LabelledUnlabelledDataset):
            raise ConfigError('LabelledUnlabelledBatchSampler needs a LabelledUnlabelledDataset '
                              f'as the dataloader\'s dataset, got {type(dataset).__name__}')
        if not 0 <= unlabelled_ratio <= 1:
            raise ConfigError(f'unlabelled_ratio must be in [0, 1], got {unlabelled_ratio}')
        if batch_size < 1:
            raise ConfigError(f'batch_size must be >= 1, got {batch_size}')
        self.sampler = sampler  # mmengine's DistSamplerSeedHook looks for it
        self.dataset = dataset
        self.batch_size = batch_size
        self.num_unlabelled = int(round(batch_size * unlabelled_ratio))
        self.num_labelled = batch_size - self.num_unlabelled
        rank, _ = get_dist_info()
        self.seed = (sync_random_seed() if seed is None else int(seed)) + 1_000_003 * rank
        self.epoch = 0

    def __len__(self) -> int:
        if self.num_labelled:
            return math.ceil(self.dataset.num_labelled / self.num_labelled)
        return math.ceil(self.dataset.num_unlabelled / self.num_unlabelled)

    def set_epoch(self, epoch: int) -> None:
        """Draw the permutations of pass ``epoch`` next."""
        self.epoch = epoch

    def _stream(self, size: int, offset: int, g: torch.Generator) -> Iterator[int]:
        while True:
            for i in torch.randperm(size, generator=g).tolist():
                yield offset + i

    def __iter__(self) -> Iterator[List[int]]:
        g = torch.Generator().manual_seed(self.seed + self.epoch)
        self.epoch += 1
        lab = self._stream(self.dataset.num_labelled, 0, g)
        unl = self._stream(self.dataset.num_unlabelled, self.dataset.num_labelled, g)
        for _ in range(len(self)):
            yield ([next(lab) for _ in range(self.num_labelled)] +
                   [next(unl) for _ in range(self.num_unlabelled)])
