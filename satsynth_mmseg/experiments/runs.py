"""The stages of a downstream experiment: real data, generator, D′, segmentor runs.

Every stage returns whether it did work, and skips work already done, so an interrupted
experiment resumes by running the same command again.
"""
from __future__ import annotations
import copy
import json
import os
import os.path as osp
import sys
import time
from typing import List, Optional, Sequence, Tuple, Union

from ..datasets import make_procedural_dataset
from ..datasets.converters import convert_dubai_aerial, convert_sen1floods11
from ..datasets.dprime_format import is_finished
from ..generation.checkpoint import file_sha256
from ..generation.pipeline import GenerateSpec
from ..generation.pipeline import generate_dprime as pipeline_generate
from ..utils.atomic_io import atomic_write_json
from ..utils.errors import ConfigError, FolderMismatchError
from .augmentation import apply_augmentation
from .stages import log, run_cli

#: what makes two segmentor runs the same run (a finished one with other values is rerun)
SPEC_KEYS = ('config', 'options', 'augment', 'copy_paste_classes', 'eval_splits')


def prepare_data(kind: str,
                 data_root: str,
                 raw_dir: Optional[str] = None,
                 convert: Optional[dict] = None) -> bool:
    """Make the real data unless ``data_root`` already holds a train split.

    Args:
        kind: ``'procedural'`` (paint the scenes), ``'dubai'`` or ``'sen1floods11'``
            (convert ``raw_dir``).
        data_root: where the mmseg-layout data goes.
        raw_dir: the raw download.
        convert: converter arguments (``patch_size``, ``stride``, ``downscale`` for Dubai;
            ``patch_size`` for Sen1Floods11).
    """
    train_dir = osp.join(data_root, 'img_dir', 'train')
    if osp.isdir(train_dir) and os.listdir(train_dir):
        return False
    if kind == 'procedural':
        make_procedural_dataset(data_root)
        return True
    if raw_dir is None:
        raise ConfigError(f'{data_root} holds no converted {kind} data yet: give the raw '
                          f'download with --raw-dir (the {kind} dataset folder) to convert it')
    if kind == 'sen1floods11':
        convert_sen1floods11(raw_dir, data_root, **(convert or {}))
        return True
    conv = convert or {}
    convert_dubai_aerial(
        raw_dir,
        data_root,
        conv.get('patch_size'),
        conv.get('stride'),
        downscale=conv.get('downscale', 1))
    return True


def last_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint mmengine's ``last_checkpoint`` file names, if it exists."""
    path = osp.join(work_dir, 'last_checkpoint')
    if not osp.exists(path):
        return None
    with open(path) as f:
        ckpt = f.read().strip()
    return ckpt if osp.exists(ckpt) else None


def train_model(config: str,
                data_root: Optional[str],
                work_dir: str,
                iters: Optional[int] = None,
                options: Sequence[str] = (),
                time_budget: Optional[float] = None) -> bool:
    """Train (or resume) a model with the train CLI (on ``data_root`` when given, with more
    ``--cfg-options`` in ``options``, for at most ``time_budget`` minutes of training when
    given); False when its last checkpoint is already the final one."""
    from mmengine.config import Config
    max_iters = iters or Config.fromfile(config).train_cfg.max_iters
    ckpt = last_checkpoint(work_dir)
    if ckpt and ckpt.endswith(f'iter_{max_iters}.pth'):
        return False
    opts = [f'train_dataloader.dataset.data_root={data_root}'] if data_root else []
    if iters:
        opts += [f'train_cfg.max_iters={max_iters}', f'train_cfg.val_interval={max_iters + 1}']
    opts += list(options)
    cli_opts = ['--cfg-options', *opts] if opts else []
    budget = ['--time-budget', str(time_budget)] if time_budget else []
    # --resume only when there is something to resume: with none, mmengine would resume from
    # a load_from checkpoint (its iteration and optimizer too) instead of fine-tuning from it
    resume = ['--resume'] if ckpt else []
    run_cli('train', config, '--work-dir', work_dir, *resume, *budget, *cli_opts)
    return True


def train_timed(config: str,
                work_dir: str,
                iters: Optional[int] = None,
                options: Sequence[str] = (),
                time_budget: Optional[float] = None,
                data_root: Optional[str] = None) -> dict:
    """:func:`train_model` that records, once training ends, its wall time and final
    iteration in ``work_dir/train_seconds.json`` (a rerun reads them back).

    Returns:
        ``dict(ckpt=last checkpoint, seconds=..., iters=...)``.
    """
    timing = osp.join(work_dir, 'train_seconds.json')
    if not osp.exists(timing):
        t0 = time.perf_counter()
        train_model(config, data_root, work_dir, iters, options=options, time_budget=time_budget)
        ckpt = last_checkpoint(work_dir)
        atomic_write_json(
            timing,
            dict(
                seconds=round(time.perf_counter() - t0, 1),
                iters=int(ckpt.rsplit('iter_', 1)[1].split('.')[0])))
    with open(timing) as f:
        t = json.load(f)
    return dict(ckpt=last_checkpoint(work_dir), seconds=t['seconds'], iters=t['iters'])


#: the file in a D′ folder that records what an experiment made it with (see generate_dprime)
GENERATE_RECORD = 'experiment_generate.json'


def generate_dprime(gen_cfg: str,
                    ckpt: str,
                    out: str,
                    num: int,
                    sampler: str,
                    steps: int,
                    batch_size: int,
                    real_config: str,
                    options: Optional[dict] = None) -> bool:
    """D′ by :func:`~satsynth_mmseg.generation.pipeline.generate_dprime` in this process
    (``options``: more :class:`~satsynth_mmseg.generation.pipeline.GenerateSpec` fields, e.g.
    the cascade's), with its preview and the D vs D′ class report; False when ``out`` is
    already finished.

    A finished ``out`` is reused only if it was made with the same generator config,
    checkpoint (by SHA-256) and generate settings, recorded in ``out/experiment_generate.json``
    once generation succeeds; anything else is refused (a rerun in the same work dir with,
    say, another guidance scale would otherwise train segmentors on the old D′). A finished
    folder from before the record existed is reused as it is.

    Raises:
        FolderMismatchError: ``out`` is finished and was made with other settings.
    """
    settings = dict(
        num_samples=num,
        sampler=sampler,
        steps=steps,
        batch_size=batch_size,
        seed=0,
        **(options or {}))
    record = json.loads(
        json.dumps(dict(config=gen_cfg, checkpoint_sha256=file_sha256(ckpt), settings=settings)))
    if is_finished(out, num):
        _check_generate_record(out, record)
        return False
    log(f'generating D′ into {out} ({gen_cfg}, {settings})')
    pipeline_generate(
        GenerateSpec(
            gen_cfg, ckpt, out, real_config=real_config, report=True, progress=False, **settings))
    atomic_write_json(osp.join(out, GENERATE_RECORD), record)
    return True


def _check_generate_record(out: str, record: dict) -> None:
    """Refuse a finished D′ folder whose recorded settings differ from ``record``."""
    path = osp.join(out, GENERATE_RECORD)
    if not osp.exists(path):
        log(f'{out}: finished D′ without {GENERATE_RECORD} (made before it existed), reused')
        return
    with open(path) as f:
        stored = json.load(f)
    if stored != record:
        diff = FolderMismatchError.differences(stored, record)
        raise FolderMismatchError(
            f'{out} is a finished D′ made with other settings (recorded vs asked: {diff}); '
            'use another --work-dir, or delete that folder to regenerate it')


def segmentor_spec(name: str,
                   variant: str,
                   ratio: Optional[float],
                   seed: int,
                   config: str,
                   work_dir: str,
                   data_root: str,
                   dprime: Union[str, List[str], None] = None,
                   seg_iters: Optional[int] = None,
                   augment: Sequence[str] = (),
                   copy_paste_classes: Optional[Sequence[int]] = None,
                   synthetic_sampler: Optional[str] = None,
                   load_from: Optional[str] = None) -> dict:
    """One segmentor run: ``config`` trained with ``seed`` on D (``variant`` 'D' or one
    starting ``'D +'``, or a run that fine-tunes ``load_from``, a checkpoint, without a
    ``ratio``), D ∪ D′ (any other variant with a ``ratio``, fine-tuning ``load_from`` when
    given; D′ items drawn by ``synthetic_sampler``, see ``AugmentedDataset``) or D′ alone
    (``ratio`` None), with the classical augmentations ``augment``
    (:data:`~.augmentation.AUGMENTATIONS`), tested on real val."""
    opts = {
        'randomness.seed': seed,
        'val_dataloader.dataset.data_root': data_root,
        'test_dataloader.dataset.data_root': data_root
    }
    if load_from is not None:  # fine-tuning a pretrained segmentor (on D, or D ∪ D′ with a ratio)
        opts['load_from'] = load_from
    if variant == 'D' or variant.startswith('D +') or (load_from is not None and ratio is None):
        opts['train_dataloader.dataset.data_root'] = data_root
    elif ratio is not None:
        opts.update({
            'train_dataloader.dataset.real.data_root': data_root,
            'train_dataloader.dataset.synthetic': dprime,
            'train_dataloader.dataset.ratio': ratio
        })
        if synthetic_sampler:
            opts['train_dataloader.dataset.synthetic_sampler'] = synthetic_sampler
    else:
        opts['train_dataloader.dataset.data_root'] = dprime
    if seg_iters:
        opts.update({
            'train_cfg.max_iters': seg_iters,
            'param_scheduler.0.end': seg_iters,
            'default_hooks.checkpoint.interval': seg_iters
        })
    spec = dict(
        name=name,
        variant=variant,
        ratio=ratio,
        seed=seed,
        config=config,
        work_dir=osp.join(work_dir, 'runs', name),
        options=opts)
    if augment:
        spec.update(
            augment=list(augment),
            copy_paste_classes=(None if copy_paste_classes is None else list(copy_paste_classes)))
    return spec


def segmentor_run(spec: dict) -> dict:
    """Train and test one segmentor in this process; writes ``work_dir/metrics.json``.

    With ``spec['eval_splits']`` (``{name: ann_file}``) the trained model is tested on each
    part of the test set's data root (``metrics_by_split``; ``metrics`` is the last one's)."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    cfg = Config.fromfile(spec['config'])
    cfg.merge_from_dict(spec['options'])
    apply_augmentation(cfg, spec.get('augment'), spec.get('copy_paste_classes'))
    cfg.work_dir = spec['work_dir']
    cfg.launcher = 'none'
    max_iters = cfg.train_cfg.max_iters
    # no validation during training: one evaluation, by the test loop below
    cfg.val_dataloader = cfg.val_cfg = cfg.val_evaluator = None
    cfg.test_evaluator = dict(type='PerClassIoUMetric', iou_metrics=['mIoU'])
    t0 = time.perf_counter()
    runner = Runner.from_cfg(cfg)
    runner.train()
    train_s = time.perf_counter() - t0
    by_split = {}
    if spec.get('eval_splits'):  # several test sets: one test loop each, the last one reported
        from mmengine.runner import TestLoop
        for split, ann_file in spec['eval_splits'].items():
            loader = copy.deepcopy(cfg.test_dataloader)
            loader['dataset']['ann_file'] = ann_file
            loop = TestLoop(runner, loader, cfg.test_evaluator)
            by_split[split] = {k: float(v) for k, v in loop.run().items()}
        metrics = by_split[list(by_split)[-1]]
    else:
        metrics = runner.test()
    out = dict(
        spec,
        metrics={
            k: float(v)
            for k, v in metrics.items()
        },
        train_seconds=round(train_s, 1),
        max_iters=max_iters)
    if by_split:
        out['metrics_by_split'] = by_split
    atomic_write_json(osp.join(spec['work_dir'], 'metrics.json'), out)
    return out


def restore_runs(records: Sequence[dict]) -> int:
    """Write back the ``metrics.json`` of each finished run in ``records`` (a results file's
    ``runs``) whose work dir has none, so a lost or fresh work dir resumes from the committed
    results instead of training them again; returns how many were written. A restored run
    whose settings differ from the spec asked for later is run again (:func:`run_specs`)."""
    n = 0
    for r in records:
        if not isinstance(r, dict) or 'work_dir' not in r or 'metrics' not in r:
            continue
        path = osp.join(r['work_dir'], 'metrics.json')
        if not osp.exists(path):
            os.makedirs(r['work_dir'], exist_ok=True)
            atomic_write_json(path, dict(r, restored=True))
            n += 1
    return n


def run_specs(runs: List[dict]) -> Tuple[List[dict], bool]:
    """Run every segmentor spec without a ``metrics.json`` for its settings yet, each in its
    own process (a finished run with other settings is run again); ``(results, ran)``.

    Each finished run logs its mIoU and an ETA of the runs left (the mean time of the runs
    this call made, times the runs after it)."""
    results, ran, took = [], False, []
    for i, spec in enumerate(runs):
        path = osp.join(spec['work_dir'], 'metrics.json')
        if osp.exists(path):
            with open(path) as f:
                done = json.load(f)
            if any(done.get(k) != spec.get(k) for k in SPEC_KEYS):
                log(f'{spec["name"]}: finished with other settings, running it again')
                os.remove(path)
        started = None
        if not osp.exists(path):
            ran, started = True, time.perf_counter()
            log(f'segmentor run {i + 1}/{len(runs)}: {spec["name"]} ({spec["config"]})')
            os.makedirs(spec['work_dir'], exist_ok=True)
            run_cli(
                __name__,
                '--run-one',
                json.dumps(spec),
                log_file=osp.join(spec['work_dir'], 'run.log'))
        with open(path) as f:
            results.append(json.load(f))
        m = results[-1]['metrics']
        eta = ''
        if started is not None:
            took.append(time.perf_counter() - started)
            left = sum(not osp.exists(osp.join(r['work_dir'], 'metrics.json'))
                       for r in runs[i + 1:])  # the runs still to train
            eta = f'; {left} left, ETA {sum(took) / len(took) * left / 60:.1f} min' if left else ''
        log(f'{spec["name"]}: mIoU {m["mIoU"]:.2f} ({results[-1]["train_seconds"]:.0f} s){eta}')
    return results, ran


if __name__ == '__main__':  # one segmentor run in its own process (run_specs)
    if len(sys.argv) != 3 or sys.argv[1] != '--run-one':
        raise SystemExit(f'usage: python -m {__spec__.name} --run-one SPEC_JSON')
    segmentor_run(json.loads(sys.argv[2]))
