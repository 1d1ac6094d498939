"""The low-label protocol's data splits and its convergence rule.

The question a user asks: with a fraction of my imagery labelled and the rest not, trained to
the end, does D′ beat what I would do anyway? The protocol answers it on real data, with the
choices kept apart from the answer:

* **Images, not patches.** Every split is made over the *source images* a patch was cut from
  (``tile3_part005_00132_00285`` comes from ``tile3_part005``), so no image contributes to two
  parts.
* **Validation and test.** The Dubai val images (``part008``, ``part009`` of every tile) are
  divided by image: ``part008`` is the validation part (every choice: schedule, α, guidance,
  R, the filter segmentor), ``part009`` the held-out test part, used only for the reported
  numbers.
* **Labelled fraction and folds.** The train images are shuffled once with a seed and cut into
  ``round(1 / fraction)`` disjoint folds; fold k is the labelled set D, the others are the
  unlabelled part U. Their masks exist on disk but only the oracle row may read them: U is
  given to every other row as :class:`~satsynth_mmseg.datasets.UnlabelledImagesDataset` with
  ``source`` (masks dropped).
* **Convergence.** Each row is trained at several schedules; the reported schedule is decided
  on D's *validation* curve by :func:`converged_schedule`.

Splits are written as mmseg ``ann_file`` lists (one patch stem per line), the standard way to
restrict an mmseg dataset to some of its files.
"""
from __future__ import annotations
import dataclasses
import math
import os
import os.path as osp
import random
import re
from typing import Dict, List, Optional, Sequence, Tuple

from ..utils.atomic_io import atomic_write_text
from ..utils.errors import ConfigError

#: the rows, in the order the tables show them (``oracle`` reads every train mask)
ROWS = ('D', 'D + copy-paste', 'D u pseudo(U)', 'D u D\'', 'D u D\' (pool)',
        'D u D\' (pool, filtered)', 'D u D\' u pseudo(U)', 'oracle')
#: a row's short name in run names and folders
ROW_TAGS = {
    'D': 'd',
    'D + copy-paste': 'd_cp',
    'D u pseudo(U)': 'd+pseudo',
    'D u D\'': 'd+dprime',
    'D u D\' (pool)': 'd+dprime-pool',
    'D u D\' (pool, filtered)': 'd+dprime-pool-filtered',
    'D u D\' u pseudo(U)': 'd+dprime-pool+pseudo',
    'oracle': 'oracle'
}
#: the classes left out of the reported mIoU (IoU 0 in every run: they only dilute it)
NOT_REAL_CLASSES = ('unlabeled', )


def real_miou(metrics: Dict[str, float], exclude=NOT_REAL_CLASSES) -> float:
    """The mean IoU over the classes not in ``exclude`` (``IoU.<class>`` keys; NaN classes,
    absent from the test part, left out), in percent."""
    values = [
        v for k, v in metrics.items()
        if k.startswith('IoU.') and k[4:] not in exclude and not math.isnan(v)
    ]
    if not values:
        raise ConfigError(f'no per-class IoU in the metrics: {sorted(metrics)[:5]}')
    return sum(values) / len(values)


_SOURCE = re.compile(r'^(tile\d+_part\d+)_\d+_\d+$')


def source_image(patch_stem: str) -> str:
    """The source image of a converted Dubai patch: ``tile3_part005_00132_00285`` ->
    ``tile3_part005``."""
    m = _SOURCE.match(patch_stem)
    if not m:
        raise ConfigError(
            f'{patch_stem!r} is not a converted Dubai patch name '
            '(tileN_partNNN_Y_X); convert with tools/dataset_converters/dubai_aerial.py')
    return m.group(1)


def patches_by_image(img_dir: str, suffix: str = '.png') -> Dict[str, List[str]]:
    """Patch stems of a folder, grouped by source image (both sorted)."""
    if not osp.isdir(img_dir):
        raise ConfigError(f'the image folder {img_dir} does not exist')
    out: Dict[str, List[str]] = {}
    for f in sorted(os.listdir(img_dir)):
        if f.endswith(suffix):
            stem = f[:-len(suffix)]
            out.setdefault(source_image(stem), []).append(stem)
    if not out:
        raise ConfigError(f'no {suffix} patches in {img_dir}')
    return out


@dataclasses.dataclass(frozen=True)
class LowLabelSplit:
    """One labelled fraction and fold: source-image names of each part.

    Attributes:
        fraction: the labelled share of the train images (e.g. 0.25).
        fold: which of the ``round(1 / fraction)`` disjoint folds is labelled.
        labelled: the images of D (masks used).
        unlabelled: the other train images (masks hidden from every row but the oracle).
        val: the validation images (every choice is made on them).
        test: the held-out test images (only reported).
    """
    fraction: float
    fold: int
    labelled: Tuple[str, ...]
    unlabelled: Tuple[str, ...]
    val: Tuple[str, ...]
    test: Tuple[str, ...]

    @property
    def name(self) -> str:
        return f'f{round(1 / self.fraction)}_fold{self.fold}'


def num_folds(fraction: float) -> int:
    """``round(1 / fraction)``: how many disjoint labelled sets a fraction allows."""
    if not 0 < fraction <= 1:
        raise ConfigError(f'a labelled fraction must be in (0, 1], got {fraction}')
    n = round(1 / fraction)
    if abs(n * fraction - 1) > 1e-6:
        raise ConfigError(f'the labelled fraction must be 1/n (1/8, 1/4, 1/2), got {fraction}')
    return n


def make_splits(train_images: Sequence[str],
                val_images: Sequence[str],
                fraction: float,
                seed: int = 0,
                test_marker: str = 'part009') -> List[LowLabelSplit]:
    """Every fold of one labelled fraction.

    Args:
        train_images: source-image names of the train split.
        val_images: those of the val split; names containing ``test_marker`` form the test
            part, the others the validation part.
        fraction: 1/n.
        seed: the shuffle of the train images (the same seed gives the same folds).

    Returns:
        n splits whose labelled sets are disjoint and cover the train images.
    """
    n = num_folds(fraction)
    images = sorted(set(train_images))
    if len(images) < n:
        raise ConfigError(f'{len(images)} train images cannot make {n} folds')
    if set(images) & set(val_images):
        raise ConfigError('train and val share images: '
                          f'{sorted(set(images) & set(val_images))[:3]}')
    random.Random(seed).shuffle(images)
    folds = [sorted(images[k::n]) for k in range(n)]
    val = tuple(sorted(v for v in val_images if test_marker not in v))
    test = tuple(sorted(v for v in val_images if test_marker in v))
    if not val or not test:
        raise ConfigError(f'the val images must hold both a validation and a test part '
                          f'(test: names with {test_marker!r})')
    return [
        LowLabelSplit(fraction, k, tuple(folds[k]),
                      tuple(sorted(x for j, f in enumerate(folds) if j != k for x in f)), val, test)
        for k in range(n)
    ]


def write_split_files(split: LowLabelSplit, train_patches: Dict[str, List[str]],
                      val_patches: Dict[str, List[str]], out_dir: str) -> Dict[str, str]:
    """One mmseg ``ann_file`` per part (patch stems, one per line) in ``out_dir``.

    Returns:
        ``{'labelled' | 'unlabelled' | 'val' | 'test': path}``.
    """
    os.makedirs(out_dir, exist_ok=True)
    paths = {}
    for part, images, patches in (('labelled', split.labelled,
                                   train_patches), ('unlabelled', split.unlabelled, train_patches),
                                  ('val', split.val, val_patches), ('test', split.test,
                                                                    val_patches)):
        stems = [s for im in images for s in patches[im]]
        path = osp.join(
            out_dir,
            f'{split.name}_{part}.txt' if part in ('labelled', 'unlabelled') else f'{part}.txt')
        atomic_write_text(path, '\n'.join(stems) + '\n')
        paths[part] = path
    return paths


def converged_schedule(curve: Dict[int, float], min_gain: float = 0.5) -> Tuple[int, bool]:
    """The schedule at which a validation curve has stopped improving.

    The rule: the shortest measured schedule s such that no longer schedule is better than
    s by ``min_gain`` or more (mIoU points; the validation noise between seeds is about that
    size at this scale). When even the longest schedule gains ``min_gain`` over every shorter
    one the curve has not converged; the longest is returned with ``False``.

    Args:
        curve: iterations -> mean validation mIoU (over seeds × folds) of D.
        min_gain: the smallest improvement that counts.

    Returns:
        ``(iterations, converged)``.
    """
    if len(curve) < 2:
        raise ConfigError('a convergence decision needs the curve at >= 2 schedules')
    its = sorted(curve)
    for i, s in enumerate(its):
        if all(curve[t] < curve[s] + min_gain for t in its[i + 1:]):
            # the longest is chosen only when it beats every shorter one by min_gain
            return s, i < len(its) - 1
    raise AssertionError('unreachable: the longest schedule always satisfies the rule')


def gap_closed(row: float, d: float, oracle: float) -> Optional[float]:
    """The share of the gap from D to the oracle that a row closes, ``(row - D) / (oracle -
    D)``; None when the oracle is not better than D."""
    gap = oracle - d
    return None if gap <= 0 else (row - d) / gap
