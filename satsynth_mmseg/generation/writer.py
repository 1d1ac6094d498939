"""A synthetic dataset D' on disk, written durably and resumably.

The folder's layout, names, manifest and ``meta.json`` are the D′ format of
:mod:`satsynth_mmseg.datasets.dprime_format`; this module is its writer.

Concurrency: each writer holds an exclusive lock (``manifest/lock-{rank}``, ``flock``) from
:meth:`SyntheticDatasetWriter.prepare` until :meth:`~SyntheticDatasetWriter.release`; a second
process writing the same rank of the same folder is refused with the first one's pid. The
operating system drops the lock when a process dies, even by ``kill -9``.

Durability: a sample's mask and then its image are written to ``*.partial`` and renamed when
complete; only then its manifest line is appended (flushed and fsynced). A sample counts as
done when its manifest line exists and both files do. ``kill -9`` at any moment therefore loses
at most the batch in flight and never leaves a ``*.png`` that is not complete.
"""
from __future__ import annotations
import fcntl
import glob
import json
import os
import os.path as osp
from typing import Dict, Iterable, List, Optional, Set, Union

import numpy as np

from ..datasets.dprime_format import (ANN_DIR, IDENTITY_FILE, IMG_DIR, MANIFEST_DIR, DPrimeMeta,
                                      parse_record_lines, sample_name, write_manifest, write_meta)
from ..utils.atomic_io import atomic_write_bytes, atomic_write_png
from ..utils.errors import FolderLockedError, FolderMismatchError, IncompleteOutputError
from .image_storage import ImageStorage, image_name


def write_pair_files(img_dir: str,
                     ann_dir: str,
                     name: str,
                     image: np.ndarray,
                     raw_labels: np.ndarray,
                     fsync: bool = True,
                     storage: Optional[ImageStorage] = None) -> None:
    """Write one generated pair: the mask, then the image, each atomically.

    mmseg datasets list the images, so an image appears only once its mask is complete.
    Used for every D' file the plugin writes (``tools/generate.py`` and the on-the-fly pool).

    Args:
        img_dir, ann_dir: the folders.
        name: mask file name, e.g. :func:`sample_name`; the image's has the storage's suffix.
        image: what ``storage`` writes (:meth:`ImageStorage.encode`): by default uint8
            (H, W, C) as cv2 writes it (BGR for 3 bands) or (H, W).
        raw_labels: uint8 (H, W) in the dataset's raw label convention.
        fsync: flush each file to disk before it is renamed into place.
        storage: the image format (default PNG).
    """
    atomic_write_png(osp.join(ann_dir, name), raw_labels, fsync=fsync)
    storage = storage or ImageStorage()
    storage.write(osp.join(img_dir, image_name(name, storage)), image, fsync=fsync)


class SyntheticDatasetWriter:
    """Write D' into ``out_dir`` as one of ``world_size`` cooperating processes.

    Args:
        out_dir: the dataset folder.
        identity: JSON-able dict of everything the samples depend on (checkpoint hash,
            sampler, steps, seed, number of samples, ...). Stored in ``generation.json``; a
            folder made with a different identity is refused.
        rank: this process's rank (its manifest part is ``part-{rank:05d}.jsonl``).
        storage: the image format (default PNG).
    """

    def __init__(self,
                 out_dir: str,
                 identity: dict,
                 rank: int = 0,
                 storage: Optional[ImageStorage] = None):
        self.out_dir = out_dir
        self.identity = json.loads(json.dumps(identity))  # normalise (tuples -> lists)
        self.rank = rank
        self.storage = storage or ImageStorage()
        self.img_dir = osp.join(out_dir, IMG_DIR)
        self.ann_dir = osp.join(out_dir, ANN_DIR)
        self.manifest_dir = osp.join(out_dir, MANIFEST_DIR)
        self._part = None
        self._lock = None

    # --------------------------------------------------------------------------- set-up
    def prepare(self) -> None:
        """Create the folders and record the identity, or check it against the stored one."""
        try:
            for d in (self.img_dir, self.ann_dir, self.manifest_dir):
                os.makedirs(d, exist_ok=True)
        except OSError as e:
            raise OSError(f'cannot create the output folders in {self.out_dir!r}: {e}') from e
        self._acquire_lock()
        path = osp.join(self.out_dir, IDENTITY_FILE)
        if osp.exists(path):
            with open(path) as f:
                stored = json.load(f)
            if stored != self.identity:
                diff = FolderMismatchError.differences(stored, self.identity)
                lines = '\n'.join(f'  {k}: folder has {a!r}, now {b!r}'
                                  for k, (a, b) in diff.items())
                raise FolderMismatchError(
                    f'{self.out_dir} was generated with other arguments:\n{lines}\n'
                    'Use another --out, or the same arguments to resume.')
        elif self.rank == 0:
            atomic_write_bytes(path, json.dumps(self.identity, indent=1, sort_keys=True).encode())

    def _acquire_lock(self) -> None:
        if self._lock is not None:
            return
        path = osp.join(self.manifest_dir, f'lock-{self.rank:05d}')
        f = open(path, 'a+')
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read().strip() or 'unknown'
            f.close()
            raise FolderLockedError(
                f'{self.out_dir} is being written by another process (pid {holder}, rank '
                f'{self.rank}); wait for it to finish (rerun the same command afterwards to '
                'resume or check it) or use another --out') from None
        f.seek(0)
        f.truncate()
        f.write(str(os.getpid()))
        f.flush()
        self._lock = f

    def release(self) -> None:
        """Close the manifest part and give up the folder lock (also done at process exit)."""
        self.close()
        if self._lock is not None:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    # --------------------------------------------------------------------------- state
    def records(self) -> Dict[int, dict]:
        """Manifest records of complete samples, by index (all parts, any rank)."""
        out: Dict[int, dict] = {}
        for path in sorted(glob.glob(osp.join(self.manifest_dir, 'part-*.jsonl'))):
            with open(path) as f:  # a line cut by a crash is skipped: that sample is redone
                for rec in parse_record_lines(path, f, strict=False):
                    out[int(rec['index'])] = rec
        return out

    def completed(self) -> Set[int]:
        """Indices whose manifest line exists and whose two files exist."""
        return {
            i
            for i in self.records()
            if osp.exists(osp.join(self.img_dir, image_name(sample_name(i), self.storage)))
            and osp.exists(osp.join(self.ann_dir, sample_name(i)))
        }

    # --------------------------------------------------------------------------- writing
    def write(self, index: int, image: np.ndarray, raw_labels: np.ndarray, record: dict) -> None:
        """Write one complete sample: mask, image, then its manifest line.

        Args:
            index: sample index.
            image: what the storage writes (:meth:`ImageStorage.encode`), by default uint8
                (H, W, C) as cv2 writes it (BGR for 3 bands).
            raw_labels: uint8 (H, W) in the dataset's raw label convention.
            record: JSON-able manifest record (``index`` is set here).
        """
        write_pair_files(
            self.img_dir, self.ann_dir, sample_name(index), image, raw_labels, storage=self.storage)
        if self._part is None:
            self._part = self._open_part()
        self._part.write(json.dumps(dict(record, index=index), sort_keys=True) + '\n')
        self._part.flush()
        os.fsync(self._part.fileno())

    def _open_part(self):
        """Open this rank's manifest part for appending, ending a line cut by a crash first
        (otherwise the next record would be glued onto it and lost too)."""
        path = osp.join(self.manifest_dir, f'part-{self.rank:05d}.jsonl')
        f = open(path, 'a+b')
        if f.tell() > 0:
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b'\n':
                f.write(b'\n')
        f.close()
        return open(path, 'a')

    def close(self) -> None:
        if self._part is not None:
            self._part.close()
            self._part = None

    def finalize(self, num_samples: int, meta: Union[DPrimeMeta, dict]) -> List[dict]:
        """Merge the manifest parts into ``manifest.jsonl`` and write ``meta.json`` (last:
        from then on the folder is finished).

        Returns:
            The records of samples ``0 .. num_samples-1`` sorted by index.

        Raises:
            RuntimeError: when some samples are missing (e.g. a rank did not finish).
        """
        self.close()
        done = self.completed()
        missing = sorted(set(range(num_samples)) - done)
        if missing:
            raise IncompleteOutputError(f'{len(missing)} samples are not complete (first: '
                                        f'{missing[:5]}); rerun the same command to finish them')
        recs = self.records()
        ordered = [recs[i] for i in range(num_samples)]
        if not isinstance(meta, DPrimeMeta):  # a plain dict of meta.json keys
            meta = DPrimeMeta.from_dict(dict(dict(num_samples=num_samples), **meta))
        write_manifest(self.out_dir, ordered)
        write_meta(self.out_dir, meta)
        return ordered


def iter_batches(num_samples: int,
                 batch_size: int,
                 rank: int = 0,
                 world_size: int = 1) -> Iterable[List[int]]:
    """The batches of indices that ``rank`` generates.

    Batch ``b`` is always ``[b*B, min(N, (b+1)*B))`` and goes to rank ``b % world_size``: the
    composition of every batch is the same however the work is sharded or resumed, so the
    numerical results are too.
    """
    n_batches = -(-num_samples // batch_size)
    for b in range(rank, n_batches, world_size):
        yield list(range(b * batch_size, min(num_samples, (b + 1) * batch_size)))
