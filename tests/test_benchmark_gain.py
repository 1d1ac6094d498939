"""tools/benchmark_gain.py (satsynth_mmseg.experiments) end to end on tiny settings, and its
aggregation."""
import json
import os
import os.path as osp

import pytest

from satsynth_mmseg.cli import benchmark_gain as gain
from satsynth_mmseg.experiments import markdown, run_specs
from satsynth_mmseg.experiments import runs as runs_module
from satsynth_mmseg.experiments import segmentor_spec, summarise
from tests.conftest import load_json


def test_summary_mean_and_std_over_seeds():
    runs = [
        dict(
            variant='D',
            ratio=0.0,
            seed=s,
            train_seconds=1.0,
            metrics={
                'mIoU': m,
                'IoU.a': a,
                'IoU.b': float('nan')
            }) for s, m, a in ((0, 10.0, 30.0), (1, 20.0, 50.0))
    ]
    (row, ) = summarise(runs, ['a', 'b'])
    assert row['seeds'] == [0, 1]
    assert row['mIoU'][0] == pytest.approx(15.0)
    assert row['mIoU'][1] == pytest.approx(7.0711, abs=1e-4)  # sample std (ddof=1)
    assert row['per_class']['a'][0] == pytest.approx(40.0)
    md = markdown([row], ['a', 'b'], 'header')
    assert '| D | 0 | 2 | 15.0 ± 7.1 | 40.0 ± 14.1 | n/a |' in md


def test_bad_arguments():
    with pytest.raises(SystemExit):
        gain.parse_args(['--ratios', '0'])
    with pytest.raises(SystemExit):
        gain.parse_args(['--seeds', '1', '1'])


def test_tiny_experiment_end_to_end_and_resume(procedural_root, tiny_generator, tmp_path):
    cfg, ckpt = tiny_generator
    work = tmp_path / 'gain'
    args = [
        '--preset', 'procedural-cpu', '--work-dir',
        str(work), '--data-root', procedural_root, '--generator-config', cfg,
        '--generator-checkpoint', ckpt, '--seeds', '0', '1', '--ratios', '1', '--steps', '2',
        '--seg-iters', '2'
    ]
    report = gain.main(args)
    # 2 seeds x (D, D u D' at R = 1, D' only)
    assert len(report['runs']) == 6
    assert [(r['variant'], r['ratio']) for r in report['rows']] == [('D', 0.0), ('D u D\'', 1.0),
                                                                    ('D\' only', None)]
    assert report['n_real'] == 12 and report['n_synthetic'] == 12
    for run in report['runs']:
        m = run['metrics']
        assert 0 <= m['mIoU'] <= 100 and run['max_iters'] == 2
        assert {f'IoU.{c}' for c in report['classes']} <= set(m)
    for ext in ('md', 'json', 'png'):
        assert osp.getsize(work / f'gain.{ext}') > 0
    assert load_json(work / 'dprime' / 'meta.json')['num_samples'] == 12
    assert osp.exists(work / 'dprime' / 'report.md')  # D vs D' class statistics
    stages = load_json(work / 'stages.json')
    assert {'dprime', 'segmentors'} <= set(stages)
    # rerun: every stage is found finished, nothing is retrained
    stamps = {p: os.stat(p).st_mtime_ns for p in work.glob('runs/*/metrics.json')}
    again = gain.main(args)
    assert {p: os.stat(p).st_mtime_ns for p in stamps} == stamps
    assert load_json(work / 'stages.json') == stages  # no stage did any work
    assert [r['mIoU'] for r in again['rows']] == [r['mIoU'] for r in report['rows']]


def test_finished_runs_with_other_settings_are_run_again(tmp_path, monkeypatch):
    spec = segmentor_spec('d_seed0', 'D', 0.0, 0, 'cfg.py', str(tmp_path), '/data', seg_iters=5)
    calls = []

    def fake_run_cli(*cmd, log_file=None):  # stands in for the subprocess run
        run = json.loads(cmd[cmd.index('--run-one') + 1])
        calls.append(run['name'])
        with open(osp.join(run['work_dir'], 'metrics.json'), 'w') as f:
            json.dump(dict(run, metrics={'mIoU': 1.0}, train_seconds=0.0), f)

    monkeypatch.setattr(runs_module, 'run_cli', fake_run_cli)
    os.makedirs(spec['work_dir'])
    old = dict(spec, options=dict(spec['options'], **{'train_cfg.max_iters': 9}))
    with open(osp.join(spec['work_dir'], 'metrics.json'), 'w') as f:
        json.dump(dict(old, metrics={'mIoU': 50.0}, train_seconds=0.0), f)
    results, ran = run_specs([spec])
    assert ran and calls == ['d_seed0'] and results[0]['metrics']['mIoU'] == 1.0
    results, ran = run_specs([spec])  # now finished with these settings: kept
    assert not ran and calls == ['d_seed0']
