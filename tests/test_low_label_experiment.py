"""The low-label experiment: what each row trains on (no hidden mask reaches a row but the
oracle), its settings, and its report's arithmetic."""
import copy
import json
import os
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from PIL import Image

from mmseg.registry import DATASETS
from satsynth_mmseg.experiments.experiment_config import settings_from
from satsynth_mmseg.experiments.low_label import ROWS, real_miou, source_image
from satsynth_mmseg.experiments.low_label_experiment import LowLabelExperiment
from satsynth_mmseg.experiments.low_label_report import (cell_rows, cell_table, per_class_table,
                                                         read_commands, target_check)
from satsynth_mmseg.utils import ConfigError, SatSynthError
from tests.conftest import REPO

TRAIN = [f'tile{t}_part{p:03d}' for t in (1, 2) for p in range(1, 5)]  # 8 images
VAL = [f'tile{t}_part{p:03d}' for t in (1, 2) for p in (8, 9)]


@pytest.fixture(scope='module')
def dubai_like(tmp_path_factory):
    """A converted-Dubai-like root (2 patches per image, train and val) and a pool folder."""
    root = tmp_path_factory.mktemp('dubai')
    rng = np.random.default_rng(0)
    for split, images in (('train', TRAIN), ('val', VAL)):
        for sub in ('img_dir', 'ann_dir'):
            os.makedirs(root / sub / split)
        for im in images:
            for k in range(2):
                stem = f'{im}_{k * 132:05d}_00000'
                Image.fromarray(rng.integers(0, 255, (40, 40, 3), np.uint8)).save(
                    root / 'img_dir' / split / f'{stem}.png')
                Image.fromarray(rng.integers(0, 6, (40, 40), np.uint8)).save(root / 'ann_dir' /
                                                                             split / f'{stem}.png')
    pool = root / 'pool'
    os.makedirs(pool)
    for i in range(3):
        Image.fromarray(rng.integers(0, 255, (64, 64, 3), np.uint8)).save(pool / f'tile{i}.png')
    return root


def _experiment(root, tmp_path, **kw):
    cfg = dict(
        work_dir=str(tmp_path / 'work'),
        data_root=str(root),
        encoders={'random': None},
        main_encoder='random',
        schedules=[10, 20],
        segmentor=osp.join(REPO,
                           'configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py'),
        segmentor_mixed=osp.join(
            REPO, 'configs/satsynth/deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d+dprime-32x32.py'),
        generator=osp.join(REPO, 'configs/mask2img/sdm_spade-unet-tiny_1xb8-3k_dubai-32x32.py'),
        generator_pool=osp.join(
            REPO, 'configs/mask2img/sdm-pool_spade-unet-tiny_1xb8-3k_dubai-ucmerced-32x32.py'),
        pool_root=str(root / 'pool'))
    cfg.update(kw)
    return LowLabelExperiment(**cfg)


def _sources(dataset) -> set:
    return {
        source_image(osp.basename(dataset.get_data_info(i)['img_path'])[:-4])
        for i in range(len(dataset))
    }


def test_every_row_trains_on_its_part_and_only_the_oracle_reads_hidden_masks(dubai_like, tmp_path):
    exp = _experiment(dubai_like, tmp_path)
    split = exp.splits()[0.25][1]
    init_default_scope('mmseg')
    seen = {}
    for row in ROWS:
        synthetic = None if row in ('D', 'D + copy-paste', 'oracle') else ['unused']
        spec = exp.spec(row, 'random', split, 0, 10, synthetic, copy_paste_classes=[1])
        cfg = Config.fromfile(spec['config'])
        cfg.merge_from_dict(spec['options'])
        real = cfg.train_dataloader.dataset
        real = real.real if synthetic else real
        seen[row] = _sources(DATASETS.build(real))
        # every row is tested on the validation and the test part, never on train images
        for part, ann in spec['eval_splits'].items():
            test = DATASETS.build(dict(cfg.test_dataloader.dataset, ann_file=ann))
            assert _sources(test) == set(split.val if part == 'val' else split.test)
    for row in ROWS:
        if row == 'oracle':
            assert seen[row] == set(TRAIN)
        else:
            assert seen[row] == set(split.labelled), row
    assert exp.spec('oracle', 'random', split, 0,
                    10)['name'] == exp.spec('oracle', 'random',
                                            exp.splits()[0.25][0], 0,
                                            10)['name'], 'the oracle is one run whatever the fold'


def test_the_generator_with_the_pool_sees_masks_of_d_only(dubai_like, tmp_path):
    exp = _experiment(dubai_like, tmp_path)
    split = exp.splits()[0.25][0]
    init_default_scope('mmseg')
    configs = exp.generator_configs(split)
    on_d = DATASETS.build(Config.fromfile(configs['d']).train_dataloader.dataset)
    assert _sources(on_d) == set(split.labelled)
    mixed = DATASETS.build(Config.fromfile(configs['pool']).train_dataloader.dataset)
    assert _sources(mixed.labelled) == set(split.labelled)
    pool_images = [
        mixed.unlabelled.get_data_info(i)['img_path'] for i in range(len(mixed.unlabelled))
    ]
    held_back = {
        source_image(osp.basename(p)[:-4])
        for p in pool_images if 'tile' in p and '_part' in p
    }
    assert held_back == set(split.unlabelled)
    assert sum('pool' in p for p in pool_images) == 3  # the archive
    for i in range(len(mixed.unlabelled)):
        assert 'gt_sem_seg' not in mixed[mixed.num_labelled + i]['data_samples']
    # the mask -> image D' is rendered for D's masks, and pseudo-labels are made for U only
    d_cfg = Config.fromfile(exp.d_config(split))
    assert _sources(DATASETS.build(d_cfg.train_dataloader.dataset)) == set(split.labelled)
    unl = DATASETS.build(
        exp.unlabelled_train(split, [dict(type='LoadImageFromFile'),
                                     dict(type='PackSegInputs')]))
    assert _sources(unl) == set(split.unlabelled)
    assert all('gt_sem_seg' not in unl[i]['data_samples'] for i in range(len(unl)))


def test_the_settings_are_checked(dubai_like, tmp_path):
    with pytest.raises(ConfigError, match='unknown'):
        _experiment(dubai_like, tmp_path, rows=['D', 'D + mixup'])
    # rows by tag or without spaces, as --cfg-options passes them
    assert _experiment(
        dubai_like, tmp_path, rows=['d', 'd_cp',
                                    "DuD'(pool)"]).rows == ['D', 'D + copy-paste', "D u D' (pool)"]
    with pytest.raises(ConfigError, match='reference'):
        _experiment(dubai_like, tmp_path, rows=['oracle'])
    with pytest.raises(ConfigError, match='>= 2 schedules'):
        _experiment(dubai_like, tmp_path, schedules=[10])
    with pytest.raises(ConfigError, match='does not exist'):
        _experiment(dubai_like, tmp_path, encoders={'random': None, 'mine': 'nope.pth'})
    with pytest.raises(ConfigError, match="'converged'"):
        _experiment(dubai_like, tmp_path, row_schedules='best')
    config = osp.join(REPO, 'configs/experiments/lowlabel_dubai-cpu.py')
    got = settings_from(
        config, LowLabelExperiment, {'seeds': [0, 1]}, work_dir='elsewhere', raw_dir=None)
    assert got['seeds'] == [0, 1] and got['work_dir'] == 'elsewhere'
    assert got['fractions'] == [0.25]
    with pytest.raises(SatSynthError, match='unknown settings'):
        settings_from(config, LowLabelExperiment, {'seed': 3})


def test_the_mean_iou_leaves_the_unlabeled_class_out():
    m = {
        'mIoU': 40.0,
        'IoU.land': 60.0,
        'IoU.road': 30.0,
        'IoU.unlabeled': 0.0,
        'IoU.water': float('nan')
    }
    assert real_miou(m) == pytest.approx(45.0)
    with pytest.raises(ConfigError, match='no per-class IoU'):
        real_miou({'mIoU': 3.0})


def _run(row, fold, seed, iters, test, val=None):
    metrics = lambda v: {'IoU.land': v, 'IoU.road': v, 'IoU.unlabeled': 0.0}  # noqa: E731
    return dict(
        variant=row,
        encoder='pre',
        fraction=None if row == 'oracle' else 0.25,
        fold=None if row == 'oracle' else fold,
        seed=seed,
        iters=iters,
        metrics_by_split=dict(test=metrics(test), val=metrics(val or test)))


def test_the_cell_table_pairs_by_fold_and_seed():
    d = [30.0, 32.0, 34.0]
    pool = [34.0, 35.0, 38.0]  # gains 4, 3, 4: mean 3.667, s = 0.577, t(2) = 4.303
    runs = [_run('D', k, 0, 100, v) for k, v in enumerate(d)]
    runs += [_run('D u D\' (pool)', k, 0, 100, v) for k, v in enumerate(pool)]
    runs += [_run('D u pseudo(U)', k, 0, 100, 33.0) for k in range(3)]
    runs += [_run('D u D\' u pseudo(U)', k, 0, 100, 37.0) for k in range(3)]
    runs += [_run('oracle', None, 0, 100, 42.0)]
    runs += [_run('D', k, 0, 200, v + 0.1) for k, v in enumerate(d)]
    rows = cell_rows(runs, 'pre', 0.25)
    pool_row = next(r for r in rows if r.row == 'D u D\' (pool)')
    assert pool_row.gains == pytest.approx([4.0, 3.0, 4.0])
    m, lo, hi = pool_row.interval
    half = 4.303 * np.std([4.0, 3.0, 4.0], ddof=1) / np.sqrt(3)
    assert (m, lo, hi) == pytest.approx((11 / 3, 11 / 3 - half, 11 / 3 + half))
    table = cell_table(rows, 100)
    # gap D -> oracle: 32 -> 42; the pool row (35.67) closes 37 %
    assert '| D ∪ D′ (pool) | 3 | 35.67 ± 2.08 | +3.67 [+2.23, +5.10] | 37 % |' in table
    assert '| oracle | 1 | 42.00 ± 0.00 |' in table
    # per class: the row's IoU and its gain over D's runs of the same (fold, seed) pairs,
    # so a row run on fold 2 only is compared with D's fold 2 (34), not D's mean (32)
    partial = cell_rows(runs + [_run('D u D\'', 2, 0, 100, 35.0)], 'pre', 0.25)
    per_class = per_class_table(partial, 100)
    assert '| D ∪ D′ (pool) | 35.7 (+3.7) | 35.7 (+3.7) |' in per_class
    assert '| D ∪ D′ | 35.0 (+1.0) | 35.0 (+1.0) |' in per_class
    assert '| D | 32.0 | 32.0 |' in per_class
    check = target_check(rows, 100)
    assert check[0].endswith('met') and 'not met' not in check[0]
    assert check[1].endswith('→ met') and check[2].endswith('→ met')
    runs_bad = copy.deepcopy(runs)
    for r in runs_bad:
        if r['variant'] == 'D u D\' u pseudo(U)':
            r['metrics_by_split']['test'] = {'IoU.land': 30.0, 'IoU.road': 30.0}
    assert target_check(cell_rows(runs_bad, 'pre', 0.25), 100)[2].endswith('not met')
    assert 'not decidable' in target_check(rows, 200)[0]


def test_s_star_is_read_from_the_validation_curve_of_the_same_runs(dubai_like, tmp_path):
    exp = _experiment(dubai_like, tmp_path, schedules=[10, 20, 40], report_only=True)
    # val rises to 20 then flattens; the test part (never read for the choice) keeps rising
    val = {10: [30.0, 32.0], 20: [35.0, 36.0], 40: [35.2, 36.1]}
    runs = []
    for it, vs in val.items():
        for fold, v in enumerate(vs):
            runs.append(dict(_run('D', fold, 0, it, test=50.0 + it, val=v), encoder='random'))
    # a third fold that ran only the shortest schedule must not bend the curve
    runs.append(dict(_run('D', 2, 0, 10, test=0.0, val=90.0), encoder='random'))
    c = exp.convergence(runs)[('random', 0.25)]
    assert c['schedule'] == 20 and c['converged'] and c['runs'] == 2
    assert c['curve'] == pytest.approx({10: 31.0, 20: 35.5, 40: 35.65})


def test_the_filtered_row_uses_freemask_rule_on_d_and_refuses_another_alpha(
        dubai_like, tmp_path, monkeypatch):
    from satsynth_mmseg.experiments import low_label_experiment as lle
    from satsynth_mmseg.experiments.stages import StageTimer
    exp = _experiment(dubai_like, tmp_path, rows=['d', 'd+dprime-pool-filtered'])
    assert exp.rows == ['D', 'D u D\' (pool, filtered)']
    split = exp.splits()[0.25][0]
    seen = []

    def fake_filter(spec):  # what a real filter leaves: a finished folder recording alpha
        seen.append(spec)
        os.makedirs(spec.out)
        with open(osp.join(spec.out, 'meta.json'), 'w') as f:
            json.dump(dict(format_version=1, num_samples=0, filtering=dict(alpha=spec.alpha)), f)

    monkeypatch.setattr(lle, 'filter_dprime', fake_filter)
    monkeypatch.setattr(
        lle, 'read_meta', lambda out: SimpleNamespace(
            filtering=json.load(open(osp.join(out, 'meta.json')))['filtering']))
    stages = StageTimer(str(tmp_path / 'stages.json'))
    out = exp.filtered(stages, split, 'POOL_DPRIME', 'D_AT_S_STAR.pth', 'random')
    (spec, ) = seen
    assert (spec.source, spec.out, spec.checkpoints) == ('POOL_DPRIME', out, ['D_AT_S_STAR.pth'])
    assert spec.rule == 'freemask' and spec.alpha == 1.25
    # FreeMask's class means are measured on the segmentor config's training set: D itself
    init_default_scope('mmseg')
    d_set = Config.fromfile(spec.segmentor_config).train_dataloader.dataset
    assert _sources(DATASETS.build(d_set)) == set(split.labelled)
    assert exp.filtered(stages, split, 'POOL_DPRIME', 'D_AT_S_STAR.pth', 'random') == out
    assert len(seen) == 1, 'a finished filtered D′ is reused'
    other = _experiment(dubai_like, tmp_path, filter_alpha=1.0)
    other.splits()
    with pytest.raises(ConfigError, match='alpha 1.25'):
        other.filtered(
            StageTimer(str(tmp_path / 's2.json')), split, 'POOL_DPRIME', 'x.pth', 'random')


def test_the_report_names_every_command_that_trained_its_runs(tmp_path):
    """A work dir trained by several commands (a seed added, another cell) keeps them all,
    in order and once each; a command.json written before (one ``command``) is still read."""
    path = tmp_path / 'command.json'
    assert read_commands(str(path)) == []
    path.write_text(json.dumps(dict(command='train A')))
    assert read_commands(str(path)) == ['train A']
    exp = LowLabelExperiment.__new__(LowLabelExperiment)
    exp.work_dir, exp.command = str(tmp_path), 'train B'
    for _ in range(2):
        exp.record_command()
    assert read_commands(str(path)) == ['train A', 'train B']


def _finished(spec, test, val):
    """``spec`` as a finished run's record (what ``metrics.json`` and a results file hold)."""
    by_split = {
        split: {
            'mIoU': v,
            'IoU.land': v,
            'IoU.road': v,
            'IoU.unlabeled': 0.0
        }
        for split, v in (('val', val), ('test', test))
    }
    return dict(spec, metrics=by_split['test'], metrics_by_split=by_split, train_seconds=1.0)


def test_a_lost_work_dir_is_restored_from_the_results_file(dubai_like, tmp_path, monkeypatch):
    """The committed results file holds every finished run; a fresh work dir gets their
    ``metrics.json`` back (nothing trained again), and a report of one cell keeps the runs of
    the others in the results file."""
    from satsynth_mmseg.experiments import runs as runs_mod
    monkeypatch.chdir(tmp_path)
    exp = _experiment(dubai_like, tmp_path, results='lowlabel_test', report_only=True)
    split = exp.splits()[0.25][0]
    done = [
        _finished(exp.spec('D', 'random', split, 0, it), 30.0 + it, 20.0 + it)
        for it in exp.schedules
    ]
    other_cell = dict(done[0], name='random_f8_fold0_d_it10_seed0', fraction=0.125)
    other_cell['work_dir'] = osp.join(exp.work_dir, 'runs', other_cell['name'])
    gen = dict(seconds=5.0, iters=100, sample_seconds=1.0, peak_rss_mib_upper_bound=9.0)
    os.makedirs('benchmarks/results')
    with open('benchmarks/results/lowlabel_test.json', 'w') as f:
        json.dump(dict(runs=done + [other_cell], compute={'f8_fold0 pool': gen}), f)
    out = exp.run()
    for r in done:
        with open(osp.join(r['work_dir'], 'metrics.json')) as f:
            assert json.load(f)['restored'] is True
    assert {r['name'] for r in out['runs']} == {r['name'] for r in done + [other_cell]}
    assert out['compute']['f8_fold0 pool'] == gen
    with open('benchmarks/results/lowlabel_test.json') as f:
        assert len(json.load(f)['runs']) == 3, 'the other cell\'s run stays in the results file'

    def no_training(*args, **kwargs):
        raise AssertionError(f'trained again: {args}')

    monkeypatch.setattr(runs_mod, 'run_cli', no_training)
    fold0 = [s for s in exp.d_specs(exp.splits()) if s['fold'] == 0]
    results, ran = runs_mod.run_specs(fold0)
    assert not ran and [r['metrics']['mIoU'] for r in results] == [40.0, 50.0]
    # a restored run asked for with other settings is trained again
    changed = dict(fold0[0], options={'randomness.seed': 7})
    with pytest.raises(AssertionError, match='trained again'):
        runs_mod.run_specs([changed])


def test_a_restored_teacher_without_weights_is_trained_again(dubai_like, tmp_path, monkeypatch):
    """pseudo(U) and the filtered D′ need the fold's D run at s* as weights: a restored run
    has only its metrics, so its spec is trained again beside it when what it would make is
    missing; the restored metrics stay the run's."""
    from satsynth_mmseg.experiments import low_label_experiment as lle
    from satsynth_mmseg.experiments.stages import StageTimer
    exp = _experiment(dubai_like, tmp_path, rows=['d', 'd+pseudo'])
    split = exp.splits()[0.25][0]
    d0 = _finished(exp.spec('D', 'random', split, 0, 20), 40.0, 30.0)
    os.makedirs(d0['work_dir'])
    with open(osp.join(d0['work_dir'], 'metrics.json'), 'w') as f:
        json.dump(dict(d0, restored=True), f)
    trained = []

    def fake_run_specs(specs):
        for s in specs:
            trained.append(s)
            os.makedirs(s['work_dir'])
            with open(osp.join(s['work_dir'], f'iter_{s["iters"]}.pth'), 'wb') as f:
                f.write(b'weights')
            with open(osp.join(s['work_dir'], 'metrics.json'), 'w') as f:
                json.dump(_finished(s, 41.0, 31.0), f)
        return [], True

    monkeypatch.setattr(lle, 'run_specs', fake_run_specs)
    stages = StageTimer(str(tmp_path / 'stages.json'))
    ckpt = exp.teacher(stages, split, d0, exp.rows, 'random')
    (spec, ) = trained
    assert spec['options'] == d0['options'] and spec['work_dir'] == d0['work_dir'] + '_teacher'
    assert osp.exists(ckpt) and osp.dirname(ckpt) == spec['work_dir']
    with open(osp.join(d0['work_dir'], 'metrics.json')) as f:
        assert json.load(f)['metrics']['mIoU'] == 40.0, 'the measured metrics stay the run\'s'
    assert [r['name'] for r in exp.finished_runs(every=True)] == [d0['name']]
    assert exp.teacher(stages, split, d0, exp.rows, 'random') == ckpt
    assert len(trained) == 1, 'a teacher with weights is not trained again'
    os.remove(ckpt)  # weights gone, but its pseudo-labels are made: nothing to train
    for part in ('train', 'archive'):
        out = osp.join(exp.fold_dir(split), f'pseudo_random_{part}')
        os.makedirs(out)
        open(osp.join(out, 'pseudo_label_report.json'), 'w').write('{}')
    exp.teacher(stages, split, d0, exp.rows, 'random')
    assert len(trained) == 1
    own = osp.join(d0['work_dir'], 'iter_20.pth')  # a run with its own weights is its teacher
    open(own, 'wb').write(b'w')
    assert exp.teacher(stages, split, d0, exp.rows, 'random') == own


def test_an_invocation_for_one_fold_chooses_the_s_star_of_the_whole_cell(dubai_like, tmp_path):
    """``folds=[0]`` adds a seed to fold 0; its rows must run at the s* that the cell's report
    (every fold) uses, not at the one fold 0's curve alone would give."""
    exp = _experiment(dubai_like, tmp_path, folds=[0], schedules=[10, 20])
    split = exp.splits()[0.25][0]
    fold0 = [
        _finished(exp.spec('D', 'random', split, 0, 10), 0.0, 30.0),
        _finished(exp.spec('D', 'random', split, 0, 20), 0.0, 32.0)
    ]  # alone: s* = 20
    whole = _experiment(dubai_like, tmp_path, schedules=[10, 20])
    other = whole.splits()[0.25][1]
    for it, val in ((10, 40.0), (20, 36.0)):  # fold 1 falls off: the cell's curve 35, 34
        r = _finished(whole.spec('D', 'random', other, 0, it), 0.0, val)
        os.makedirs(r['work_dir'])
        with open(osp.join(r['work_dir'], 'metrics.json'), 'w') as f:
            json.dump(r, f)
    assert exp.convergence(fold0)[('random', 0.25)]['schedule'] == 20
    c = exp.cell_convergence(fold0)[('random', 0.25)]
    assert c['schedule'] == 10 and c['runs'] == 2
    assert c['curve'] == pytest.approx({10: 35.0, 20: 34.0})
