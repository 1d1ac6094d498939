"""D′ produced during training: a background process keeps a pool of fresh generated pairs."""
from __future__ import annotations
import atexit
import collections
import json
import logging
import os
import os.path as osp
import shutil
import tempfile
import threading
import time
from typing import Optional

import torch
from mmengine.logging import print_log

from mmseg.registry import DATASETS
from ..datasets.dprime_format import ANN_DIR, IMG_DIR
from ..utils.atomic_io import atomic_write_bytes
from ..utils.checkpoint_io import read_checkpoint
from .checkpoint import load_generator
from .generate import sample_and_write
from .image_storage import image_name, storage_for_generator
from .sampling import sample_seed
from .writer import sample_name, write_pair_files

POOL_INDEX = 'pool.json'
#: seconds a pair stays on disk after it leaves pool.json: readers refresh their copy of the
#: list every 0.5 s and read a pair right after picking it, so they always find its files
RETENTION_S = 60.0


def _read_pool_index(pool_dir: str) -> Optional[dict]:
    try:
        with open(osp.join(pool_dir, POOL_INDEX)) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _write_pool_index(pool_dir: str, index: dict) -> None:
    atomic_write_bytes(osp.join(pool_dir, POOL_INDEX), json.dumps(index).encode(), fsync=False)


def produce_pool(cfg: dict,
                 pool_dir: str,
                 parent_pid: int,
                 stop_event=None,
                 start_seq: int = 0) -> None:
    """Body of the producer process: fill ``pool_dir`` with generated pairs, then keep
    replacing the oldest ones (when ``cfg['refresh']``) until told to stop or the parent dies.

    Pairs are sampled and written by the same code as ``tools/generate.py``'s
    (:func:`~satsynth_mmseg.generation.sample_and_write`, mask first, then image, each
    atomically), so a reader never sees a half-written pair. ``pool.json`` lists the newest
    ``pool_size`` complete pairs; a pair's files stay on disk for ``RETENTION_S`` seconds after
    it leaves that list (however fast the producer is), so a reader holding an older list
    still finds them. Errors are written to ``pool.json`` for the readers to raise. A
    restarted producer continues the sample sequence at ``start_seq`` (pairs already made).
    """
    # a freshly spawned interpreter: importing this module imported the package first, which
    # registered the plugin and allowlisted the checkpoint globals
    index = dict(
        entries=list(range(max(0, start_seq - cfg['pool_size']), start_seq)),
        produced=start_seq,
        error=None,
        pid=os.getpid())
    try:
        if cfg['num_threads']:
            torch.set_num_threads(max(1, int(cfg['num_threads'])))
        gen_cfg = cfg['generator_config']
        if isinstance(gen_cfg, str):
            from mmengine.config import Config
            gen_cfg = Config.fromfile(gen_cfg)
        model, _ = load_generator(gen_cfg, cfg['checkpoint'], ema=cfg['ema'], device=cfg['device'])
        storage = storage_for_generator(gen_cfg, model)
        index['img_suffix'] = storage.suffix
        img_dir, ann_dir = osp.join(pool_dir, IMG_DIR), osp.join(pool_dir, ANN_DIR)
        for sub in (img_dir, ann_dir):
            os.makedirs(sub, exist_ok=True)

        def to_pool(index, image, raw, record):
            write_pair_files(
                img_dir, ann_dir, sample_name(index), image, raw, fsync=False, storage=storage)

        seq = start_seq
        retired = collections.deque()  # (pair, time it left pool.json)
        pool_size, bsz = cfg['pool_size'], cfg['batch_size']
        while True:
            if stop_event is not None and stop_event.is_set():
                return
            if os.getppid() != parent_pid:  # the training process is gone
                return
            if not cfg['refresh'] and seq >= pool_size:
                time.sleep(0.5)
                continue
            ids = list(range(seq, seq + bsz))
            # global sample number: distinct across ranks, a function of (seed, rank, seq)
            seeds = [sample_seed(cfg['seed'], i * cfg['world_size'] + cfg['rank']) for i in ids]
            sample_and_write(
                model,
                ids,
                seeds,
                to_pool,
                sampler=cfg['sampler'],
                steps=cfg['steps'],
                reduce_zero_label=cfg['reduce_zero_label'],
                storage=storage)
            seq += bsz
            now = time.monotonic()
            retired.extend(
                (i, now) for i in range(max(0, seq - bsz - pool_size), max(0, seq - pool_size)))
            index['entries'] = list(range(max(0, seq - pool_size), seq))
            index['produced'] = seq
            _write_pool_index(pool_dir, index)
            while retired and now - retired[0][1] > RETENTION_S:
                i, _ = retired.popleft()
                for path in (osp.join(img_dir,
                                      image_name(sample_name(i),
                                                 storage)), osp.join(ann_dir, sample_name(i))):
                    try:
                        os.remove(path)
                    except OSError:
                        pass
    except BaseException as e:  # tell the readers why the pool stays empty
        index['error'] = f'{type(e).__name__}: {e}'
        _write_pool_index(pool_dir, index)
        raise


@DATASETS.register_module()
class OnTheFlySyntheticDataset:
    """D′ sampled while the segmentor trains, from a generator config + checkpoint.

    :meth:`full_init` (called in the main process of each rank, before dataloader workers
    start) spawns a producer process that loads the generator (EMA weights) on ``device``
    (the GPU when there is one) and keeps a pool of ``pool_size`` generated pairs in
    ``pool_dir``, written the way ``tools/generate.py`` writes D′; with ``refresh`` it keeps
    replacing the oldest pairs, so training sees an endless stream. Readers (the main process
    or any dataloader worker) only read files, so several workers and ranks work; each rank
    has its own pool and its own part of the sample sequence. Sample ``i`` of rank ``r`` is
    drawn with seed ``sample_seed(seed, i * world_size + r)``; which pairs a given step reads
    depends on timing, so runs with an on-the-fly source are not bit-reproducible (use a D′
    cache for that).

    Use it as ``AugmentedDataset``'s ``synthetic``. ``len()`` is ``pool_size``; the first
    read waits (up to ``wait_timeout`` s) for the first batch.

    Args:
        generator_config: the generator's config file.
        checkpoint: its checkpoint (classes and palette are read from its ``meta``).
        pool_size: pairs kept available.
        pool_dir: where the pool lives (default: a temporary folder, removed at exit);
            replaced pairs are deleted ``RETENTION_S`` seconds after they leave the pool.
        batch_size: pairs per generator call.
        sampler: ``'ddim'``, ``'dpm-solver++'``, ``'ddpm'`` or a scheduler config.
        steps: sampling steps (default: the sampler's).
        seed: base seed of the sample sequence.
        device: ``'cuda'``/``'cpu'``; default cuda when available.
        reduce_zero_label: label convention to write masks in (the real dataset's);
            default: the one recorded with the checkpoint's training data.
        refresh: keep replacing pairs after the pool is full.
        ema: generate with the EMA weights.
        num_threads: torch CPU threads of the producer (``None``: torch's default).
        wait_timeout: seconds a read waits for the first pairs before raising.
        max_restarts: how often a producer that died is restarted before reads fail.
        metainfo: overrides classes/palette read from the checkpoint.
        lazy_init: defer starting the producer to :meth:`full_init`.
        pipeline: accepted for config compatibility; ``AugmentedDataset`` applies its own.
    """

    def __init__(self,
                 generator_config: str,
                 checkpoint: str,
                 pool_size: int = 256,
                 pool_dir: Optional[str] = None,
                 batch_size: int = 16,
                 sampler='ddim',
                 steps: Optional[int] = None,
                 seed: int = 0,
                 device: Optional[str] = None,
                 reduce_zero_label: Optional[bool] = None,
                 refresh: bool = True,
                 ema: bool = True,
                 num_threads: Optional[int] = None,
                 wait_timeout: float = 600.0,
                 max_restarts: int = 3,
                 metainfo: Optional[dict] = None,
                 lazy_init: bool = False,
                 pipeline=None):
        for path, what in ((generator_config, 'generator_config'), (checkpoint, 'checkpoint')):
            if not osp.isfile(path):
                raise FileNotFoundError(f'OnTheFlySyntheticDataset: {what} {path!r} not found')
        if pool_size < 1 or batch_size < 1:
            raise ValueError('pool_size and batch_size must be >= 1')
        ckpt = read_checkpoint(checkpoint)  # weights-only; one-line error when unreadable
        ds_meta = dict((ckpt.get('meta') or {}).get('dataset_meta') or {})
        del ckpt
        ds_meta.update(metainfo or {})
        if not ds_meta.get('classes'):
            raise ValueError(f'{checkpoint} records no classes (meta.dataset_meta); pass '
                             'metainfo=dict(classes=..., palette=...)')
        if reduce_zero_label is None:  # the convention of the generator's training data
            reduce_zero_label = bool(ds_meta.get('reduce_zero_label', False))
        self._metainfo = dict(
            classes=tuple(ds_meta['classes']),
            palette=ds_meta.get('palette'),
            reduce_zero_label=bool(reduce_zero_label),
            label_map=None)
        self.cfg = dict(
            generator_config=generator_config,
            checkpoint=checkpoint,
            pool_size=int(pool_size),
            batch_size=int(batch_size),
            sampler=sampler,
            steps=steps,
            seed=int(seed),
            reduce_zero_label=bool(reduce_zero_label),
            refresh=bool(refresh),
            ema=bool(ema),
            num_threads=num_threads,
            device=device or ('cuda' if torch.cuda.is_available() else 'cpu'))
        self.pool_size = int(pool_size)
        self.pool_dir_arg = pool_dir
        self.pool_dir = None
        self.wait_timeout = wait_timeout
        self.max_restarts = int(max_restarts)
        self.restarts = 0
        self._process = None
        self._stop = None
        self._watchdog = None
        self._closing = None
        self._owner_pid = None
        self._index = None
        self._index_time = 0.0
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return dict(self._metainfo)

    def full_init(self) -> None:
        """Start this rank's producer and its watchdog (once, in the process that builds the
        dataset: the main process of each rank, before dataloader workers start)."""
        if self._fully_initialized:
            return
        from mmengine.dist import get_dist_info
        self._rank, self._world_size = get_dist_info()
        root = self.pool_dir_arg or tempfile.mkdtemp(prefix='satsynth_pool_')
        self.pool_dir = osp.join(root, f'rank_{self._rank}')
        if osp.isdir(self.pool_dir):
            shutil.rmtree(self.pool_dir)  # a previous run's pool: scratch, not data
        os.makedirs(self.pool_dir)
        _write_pool_index(self.pool_dir, dict(entries=[], produced=0, error=None, pid=None))
        self._owner_pid = os.getpid()
        self._start_producer(0)
        self._closing = threading.Event()
        self._watchdog = threading.Thread(
            target=self._watch, name='satsynth-pool-watchdog', daemon=True)
        self._watchdog.start()
        atexit.register(self.close, remove=self.pool_dir_arg is None, root=root)
        self._fully_initialized = True

    def _start_producer(self, start_seq: int) -> None:
        ctx = torch.multiprocessing.get_context('spawn')
        self._stop = ctx.Event()
        self._process = ctx.Process(
            target=produce_pool,
            name=f'satsynth-pool-{self._rank}',
            daemon=True,
            args=(dict(self.cfg, rank=self._rank, world_size=self._world_size), self.pool_dir,
                  os.getpid(), self._stop, start_seq))
        self._process.start()

    def _watch(self, interval: float = 1.0) -> None:
        """Watchdog thread of the owner process: a producer that dies (killed, out of memory)
        is restarted up to ``max_restarts`` times, continuing the sample sequence; after that
        the failure is written to ``pool.json``, so the next read in any process raises
        instead of training on a frozen pool."""
        while not self._closing.wait(interval):
            proc = self._process
            if proc is None or proc.is_alive():
                continue
            index = _read_pool_index(self.pool_dir) or {}
            if index.get('error'):
                return  # the producer reported its own failure; readers raise it
            produced = int(index.get('produced', 0))
            what = (f'the on-the-fly generator process (pid {proc.pid}) exited with code '
                    f'{proc.exitcode} after {produced} pairs')
            if not self.cfg['refresh'] and produced >= self.pool_size:
                print_log(
                    f'{what}; the pool is complete and refresh=False, so training goes '
                    'on with it',
                    logger='current',
                    level=logging.WARNING)
                return
            if self.restarts < self.max_restarts:
                self.restarts += 1
                print_log(
                    f'{what}; restarting it ({self.restarts}/{self.max_restarts})',
                    logger='current',
                    level=logging.WARNING)
                self._start_producer(produced)
                continue
            index['error'] = (f'{what}; restarted {self.restarts} time(s) '
                              f'(max_restarts={self.max_restarts}). Training stops rather than '
                              'go on with a pool that no longer changes')
            _write_pool_index(self.pool_dir, index)
            print_log(index['error'], logger='current', level=logging.ERROR)
            return

    def close(self, remove: bool = False, root: Optional[str] = None) -> None:
        """Stop the watchdog and the producer (and remove a temporary pool)."""
        if os.getpid() != self._owner_pid:
            return  # only the process that started the producer stops it
        if self._closing is not None:
            self._closing.set()
            if self._watchdog is not None and self._watchdog is not threading.current_thread():
                self._watchdog.join(timeout=10)
        if self._process is not None and self._process.pid is not None:
            self._stop.set()
            self._process.join(timeout=10)
            if self._process.is_alive():
                self._process.terminate()
            self._process = None
        if remove and root and osp.isdir(root):
            shutil.rmtree(root, ignore_errors=True)

    def __getstate__(self):  # dataloader workers started with spawn: no handles, no threads
        state = dict(self.__dict__)
        state['_process'] = state['_stop'] = state['_watchdog'] = state['_closing'] = None
        return state

    def __len__(self) -> int:
        return self.pool_size

    def _entries(self) -> list:
        """Current pool entries; waits for the first batch, raises when the producer failed."""
        deadline = time.monotonic() + self.wait_timeout
        while True:
            now = time.monotonic()
            if self._index is None or now - self._index_time > 0.5 or not self._index['entries']:
                self._index = _read_pool_index(self.pool_dir) or dict(entries=[], error=None)
                self._index_time = now
            if self._index.get('error'):
                raise RuntimeError(f'the on-the-fly generator failed: {self._index["error"]}')
            if self._index['entries']:
                return self._index['entries']
            # only the owner may ask multiprocessing about its child (in a dataloader worker
            # that raises "can only test a child process"); workers learn of a dead
            # producer through the error the owner's watchdog writes to pool.json
            if (os.getpid() == self._owner_pid and self._process is not None
                    and not self._process.is_alive() and self.restarts >= self.max_restarts
                    and not self._index['entries']):
                raise RuntimeError(f'the on-the-fly generator process exited with code '
                                   f'{self._process.exitcode} before producing any pair')
            if now > deadline:
                raise TimeoutError(f'no generated pair after {self.wait_timeout:.0f} s in '
                                   f'{self.pool_dir}')
            time.sleep(0.1)

    def get_data_info(self, idx: int) -> dict:
        """Paths of pool entry ``idx`` (modulo the pairs available now)."""
        entries = self._entries()
        name = sample_name(entries[idx % len(entries)])
        img_name = osp.splitext(name)[0] + self._index.get('img_suffix', '.png')
        return dict(
            img_path=osp.join(self.pool_dir, IMG_DIR, img_name),
            seg_map_path=osp.join(self.pool_dir, ANN_DIR, name),
            label_map=None,
            reduce_zero_label=self._metainfo['reduce_zero_label'],
            seg_fields=[],
            sample_idx=idx)
