"""tools/benchmark_gain.py (satsynth_mmseg.experiments) end to end on tiny settings, and its
aggregation."""
import glob
import json
import os
import os.path as osp

import numpy as np
import pytest

from satsynth_mmseg.cli import benchmark_gain as gain
from satsynth_mmseg.experiments import markdown, run_specs
from satsynth_mmseg.experiments import runs as runs_module
from satsynth_mmseg.experiments import segmentor_spec, summarise
from tests.conftest import REPO, load_json


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


def test_paired_gains_subtract_the_same_seeds_d_run():
    from satsynth_mmseg.experiments.report import paired_gains

    def run(v, r, seed, m):
        return dict(variant=v, ratio=r, seed=seed, metrics={'mIoU': m})

    runs = [
        run('D', 0.0, 0, 30.0),
        run('D', 0.0, 1, 40.0),
        run('X', 1.0, 0, 33.0),
        run('X', 1.0, 1, 41.0),
        run('X', 1.0, 2, 99.0)
    ]  # seed 2 has no D run
    (x, ) = paired_gains(runs)
    assert (x.variant, x.ratio, x.seeds) == ('X', 1.0, [0, 1])
    assert x.gains == pytest.approx([3.0, 1.0]) and x.mean == pytest.approx(2.0)
    longer_d = [run('D', 0.0, 0, 32.0), run('D', 0.0, 1, 42.0)]
    d, x = paired_gains(runs, baseline=longer_d)  # D rows compared too
    assert d.gains == pytest.approx([-2.0, -2.0]) and x.gains == pytest.approx([1.0, -1.0])


def _scheduled_run(variant, ratio, seed, miou, iters, name, load_from=None):
    """A results-file run with its schedule: work dir /w/runs/NAME, fine-tuned from the run
    LOAD_FROM's checkpoint when given."""
    options = {} if load_from is None else {'load_from': f'/w/runs/{load_from}/iter_1.pth'}
    return dict(
        variant=variant,
        ratio=ratio,
        seed=seed,
        metrics={'mIoU': miou},
        max_iters=iters,
        work_dir=f'/w/runs/{name}',
        options=options)


def test_paired_gains_compare_schedules_pretraining_included():
    """A fine-tuned run counts its pretraining run's iterations (found by its load_from), so a
    gain against a D trained half as long is flagged."""
    from satsynth_mmseg.experiments.report import paired_gains

    def run(v, seed, m, iters, name, load_from=None):
        return _scheduled_run(v, None, seed, m, iters, name, load_from)

    runs = [
        run('D', 0, 30.0, 1000, 'd0'),
        run('P', 0, 31.0, 1000, 'p0'),
        run('P -> D', 0, 34.0, 1000, 'pd0', load_from='p0'),
        run('X', 0, 33.0, 1000, 'x0', load_from='missing')
    ]
    p, pd, x = paired_gains(runs)
    assert (p.iters, p.d_iters, p.equal_schedule) == ([1000], [1000], True)
    assert (pd.iters, pd.d_iters, pd.equal_schedule) == ([2000], [1000], False)
    assert x.iters == [None] and not x.equal_schedule  # its pretraining run is not in the file
    (_, pd2, _) = paired_gains(runs[1:], baseline=[run('D', 0, 32.0, 2000, 'd2k')])
    assert pd2.equal_schedule and pd2.gains == pytest.approx([2.0])


def test_bad_arguments():
    with pytest.raises(SystemExit, match='ratios must be > 0'):
        gain.main(['--ratios', '0'])
    with pytest.raises(SystemExit, match='seeds must be distinct'):
        gain.main(['--seeds', '1', '1'])
    with pytest.raises(SystemExit, match='dprime_pairs must be > 0'):
        gain.main(['--cfg-options', 'dprime_pairs=0'])
    with pytest.raises(SystemExit, match=r"unknown experiment setting\(s\) \['seed'\]"):
        gain.main(['configs/experiments/gain_procedural-cpu.py', '--cfg-options', 'seed=1'])
    with pytest.raises(SystemExit, match="no experiment config .*gain_nowhere.py"):
        gain.main(['--preset', 'nowhere'])


def test_dprime_pairs_sets_the_dprime_size_and_refuses_too_few():
    """By default D′ holds enough pairs for the largest R; --dprime-pairs makes it larger
    (a small R then draws from all of them), never smaller than the slots need."""
    from satsynth_mmseg.experiments import gain as gain_module
    exp = gain_module.GainExperiment(preset='dubai-cpu', ratios=[0.5])
    assert exp.num_dprime(448) == 224
    exp = gain_module.GainExperiment(preset='dubai-cpu', ratios=[0.5], dprime_pairs=448)
    assert exp.num_dprime(448) == 448
    assert 'D′ = 448 generated pairs' in exp.results_header(448, exp.num_dprime(448), 'x')
    exp = gain_module.GainExperiment(preset='dubai-cpu', ratios=[0.5, 1.0], dprime_pairs=300)
    with pytest.raises(ValueError, match='dprime_pairs=300 is fewer than the 448'):
        exp.num_dprime(448)
    assert gain.parse_args(['--ratios', '0.5', '--dprime-pairs', '448']).dprime_pairs == 448


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


def test_finished_dprime_with_other_settings_is_refused(tmp_path, monkeypatch):
    from satsynth_mmseg.utils.errors import FolderMismatchError
    ckpt, out = tmp_path / 'gen.pth', tmp_path / 'dprime'
    ckpt.write_bytes(b'weights v1')
    calls = []

    def fake_generate(spec):  # stands in for the D′ pipeline
        calls.append(spec)
        os.makedirs(out, exist_ok=True)
        with open(out / 'meta.json', 'w') as f:
            json.dump({'classes': ['a'], 'num_samples': spec.num_samples}, f)

    monkeypatch.setattr(runs_module, 'pipeline_generate', fake_generate)

    def generate(options=None, num=4):
        return runs_module.generate_dprime('gen.py', str(ckpt), str(out), num, 'ddim', 5, 2,
                                           'real.py', options)

    assert generate(dict(guidance_scale=1.5)) and len(calls) == 1
    assert calls[0].guidance_scale == 1.5 and calls[0].real_config == 'real.py'
    assert not generate(dict(guidance_scale=1.5)) and len(calls) == 1  # same: reused
    with pytest.raises(FolderMismatchError, match='guidance_scale'):
        generate(dict(guidance_scale=3.0))
    ckpt.write_bytes(b'weights v2')  # retrained generator, same path
    with pytest.raises(FolderMismatchError, match='checkpoint_sha256'):
        generate(dict(guidance_scale=1.5))
    assert generate(dict(guidance_scale=1.5), num=8) and len(calls) == 2  # not finished
    # a folder finished before the record existed is reused as it is
    os.remove(out / runs_module.GENERATE_RECORD)
    assert not generate(dict(guidance_scale=9.0), num=8) and len(calls) == 2


def test_classical_augmentation_variants_end_to_end(procedural_root, tiny_generator, tmp_path):
    """SatSynth's Table 5 rows: D + each augmentation, the two best combined, D u D' with the
    strongest; one table, with the verdict written out."""
    cfg, ckpt = tiny_generator
    work = tmp_path / 'gain_aug'
    report = gain.main([
        '--preset', 'procedural-cpu', '--work-dir',
        str(work), '--data-root', procedural_root, '--generator-config', cfg,
        '--generator-checkpoint', ckpt, '--seeds', '0', '--ratios', '1', '--steps', '2',
        '--seg-iters', '2', '--no-dprime-only', '--augmentations', 'cutmix', 'copy_paste'
    ])
    variants = [r['variant'] for r in report['rows']]
    assert variants[:2] == ['D', 'D u D\'']
    assert {'D + cutmix', 'D + copy_paste'} <= set(variants)
    combos = [v for v in variants if v.startswith('D + ') and ' + ' in v[4:]]
    assert len(combos) == 1  # the two best, combined
    strongest = report['augmentation']['strongest']
    assert f'D u D\' + {" + ".join(strongest)}' in variants
    assert report['augmentation']['rare_classes']
    md = (work / 'gain.md').read_text()
    assert 'the best classical augmentation' in md and 'D ∪ D′ + ' in md
    for run in report['runs']:
        if run.get('augment'):
            assert load_json(osp.join(run['work_dir'], 'metrics.json'))['augment'] == \
                run['augment']


@pytest.mark.parametrize('generators,alpha,tag,variant,folder', [
    (['joint'], None, 'd+dprime', 'D u D\'', 'dprime'),
    (['mask2img'], None, 'd+dprime-mask2img', 'D u D\' mask2img', 'dprime_mask2img'),
    (['mask2img', 'pix2pix'], 1.0, 'd+dprime-mask2img-filtered', 'D u D\' mask2img filtered',
     'dprime_mask2img_filtered'),
])
def test_classical_augmentation_is_combined_with_the_first_generators_best_dprime(
        tmp_path, generators, alpha, tag, variant, folder):
    """--augmentations with any generator: the strongest augmentation is combined with the first
    generator's D′, filtered when filtering (the joint, unfiltered names stay as before, so
    earlier runs are reused), and the verdict compares against that D′'s row."""
    from satsynth_mmseg.experiments import gain as gain_module
    exp = gain_module.GainExperiment(
        preset='dubai-cpu',
        work_dir=str(tmp_path),
        generators=generators,
        filter_alpha=alpha,
        ratios=[1.0],
        seeds=[0, 1],
        augmentations=['copy_paste'])
    specs = exp.augmentation_specs(['copy_paste'], [1, 2], on_dprime=True)
    assert [s['name'] for s in specs] == [f'{tag}_R1_aug-copy_paste_seed{i}' for i in (0, 1)]
    assert specs[0]['variant'] == f'{variant} + copy_paste'
    assert specs[0]['options']['train_dataloader.dataset.synthetic'] == str(tmp_path / folder)
    on_d = exp.augmentation_specs(['copy_paste'], [1, 2])
    assert on_d[0]['name'] == 'd_aug-copy_paste_seed0' and 'synthetic' not in str(on_d[0])

    def row(v, r, m):
        return dict(variant=v, ratio=r, mIoU=(m, 0.5))

    # a resampled row of the same D′ comes first: not to be taken for the combination
    rows = [
        row('D', 0.0, 37.0),
        row(variant, 1.0, 40.0),
        row('D u D\'', 1.0, 36.0),
        row(f'{variant} + hardness', 1.0, 45.0),
        row('D + copy_paste', 0.0, 38.9),
        row(f'{variant} + copy_paste', 1.0, 41.0)
    ]
    text = gain_module.augmentation_verdict(
        rows, dict(rare_classes=['road'], dprime_variant=variant, strongest=['copy_paste']))
    shown = gain_module.display(variant)
    assert f'{shown} (R = 1, 40.0 ± 0.5) beats the best classical augmentation' in text
    assert f'{shown} + copy_paste (41.0 ± 0.5) beats both' in text
    assert f'{shown} +3.0, classical +1.9, together +4.0 mIoU' in text
    assert 'Copy-Paste pastes the rare classes of D: road.' in text  # no scores: as before
    rot = [dict(r, variant=r['variant'].replace('copy_paste', 'rot90')) for r in rows]
    text = gain_module.augmentation_verdict(
        rot,
        dict(
            rare_classes=['road'],
            dprime_variant=variant,
            strongest=['rot90'],
            scores={'rot90': 38.9}))
    assert 'Copy-Paste' not in text and text.startswith('The strongest classical augmentation')


def test_class_target_still_needs_the_joint_generator():
    from satsynth_mmseg.experiments import gain as gain_module
    with pytest.raises(ValueError, match='--class-target works on the joint'):
        gain_module.GainExperiment(
            preset='dubai-cpu', generators=['mask2img'], class_target='balanced')


def test_unknown_finetuning_set_is_refused():
    from satsynth_mmseg.experiments import gain as gain_module
    with pytest.raises(SystemExit):
        gain.parse_args(['--finetune-on', 'dprime'])
    with pytest.raises(ValueError, match=r"unknown fine-tuning set\(s\) \['both'\]"):
        gain_module.GainExperiment(preset='dubai-cpu', finetune_on=['d', 'both'])
    with pytest.raises(ValueError, match='unknown fine-tuning'):
        gain_module.GainExperiment(preset='dubai-cpu', finetune_on=[])
    with pytest.raises(ValueError, match='give --pretrain-finetune too'):
        gain_module.GainExperiment(preset='dubai-cpu', finetune_on=['mix'])
    exp = gain_module.GainExperiment(
        preset='dubai-cpu', pretrain_finetune=True, finetune_on=['d', 'mix'])
    assert exp.finetune_on == ['d', 'mix']


def test_augmentations_change_the_config_as_documented():
    from mmengine.config import Config

    from satsynth_mmseg.experiments.augmentation import apply_augmentation
    from tests.conftest import REPO
    base = osp.join(REPO, 'configs', 'satsynth',
                    'deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-{}-32x32.py')
    cfg = apply_augmentation(Config.fromfile(base.format('d')), ['cutout'])
    types = [t['type'] for t in cfg.train_dataloader.dataset.pipeline]
    assert types[-2:] == ['RandomCutOut', 'PackSegInputs']
    cfg = apply_augmentation(
        Config.fromfile(base.format('d+dprime')), ['cutmix', 'cutout'], copy_paste_classes=[2])
    ds = cfg.train_dataloader.dataset
    assert ds.type == 'MultiImageMixDataset' and ds.dataset.type == 'AugmentedDataset'
    assert [t['type'] for t in ds.pipeline] == ['RandomCutMix', 'RandomCutOut', 'PackSegInputs']
    assert 'data_source' in ds.pipeline[-1]['meta_keys']
    assert 'PackSegInputs' not in [t['type'] for t in ds.dataset.pipeline]


def test_rot90_augmentation_rotates_image_and_mask_together():
    """'rot90' after the configs' flips reaches all eight symmetries of the square, and the
    mask always moves with its image (label values unchanged)."""
    import random

    import numpy as np
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmseg.registry import TRANSFORMS
    from satsynth_mmseg.experiments.augmentation import apply_augmentation
    from tests.conftest import REPO
    init_default_scope('mmseg')
    cfg = apply_augmentation(
        Config.fromfile(
            osp.join(REPO, 'configs', 'satsynth',
                     'deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-d-32x32.py')), ['rot90'])
    pipeline = cfg.train_dataloader.dataset.pipeline
    assert [t['type'] for t in pipeline][-2:] == ['RandomRotFlip', 'PackSegInputs']
    geometric = [
        TRANSFORMS.build(t) for t in pipeline if t['type'] in ('RandomFlip', 'RandomRotFlip')
    ]
    mask = np.arange(16, dtype=np.uint8).reshape(4, 4) % 6
    mask[0, 0] = 255
    img = np.stack([mask * 10, mask * 10 + 1, mask * 10 + 2], axis=-1).astype(np.uint8)
    d4 = {}
    for k in range(4):
        for m in (mask, mask.T):
            d4[np.rot90(m, k).tobytes()] = 0
    np.random.seed(0)
    random.seed(0)
    for _ in range(400):
        r = dict(img=img.copy(), gt_seg_map=mask.copy(), seg_fields=['gt_seg_map'])
        for t in geometric:
            r = t(r)
        out = r['gt_seg_map']
        assert (r['img'][..., 0] == out.astype(np.uint8) * 10).all()
        assert sorted(np.unique(out)) == sorted(np.unique(mask))
        d4[out.tobytes()] += 1
    assert len(d4) == 8 and min(d4.values()) > 20, d4


@pytest.mark.parametrize(
    'config',
    sorted(glob.glob(osp.join(REPO, 'configs', 'experiments', 'gain_*.py'))),
    ids=osp.basename)
def test_every_experiment_config_builds_and_names_configs_that_exist(config):
    from satsynth_mmseg.experiments.gain import VARIANTS, GainExperiment
    from satsynth_mmseg.experiments.gain_settings import experiment_config, preset_config
    exp = GainExperiment(**experiment_config(config))
    p = exp.settings
    assert osp.basename(preset_config(exp.preset)) == f'gain_{exp.preset}.py'
    for key in ('generator', 'mask2img', 'pix2pix'):
        if key in p:
            assert osp.exists(osp.join(REPO, p[key])), p[key]
    for tag in VARIANTS.values():
        assert osp.exists(osp.join(REPO, p['segmentor'].format(tag))), tag
    assert not any(str(v).startswith('..') for v in p.values())  # no path outside the checkout


def test_a_data_root_without_data_asks_for_the_raw_download(tmp_path):
    from satsynth_mmseg.experiments.runs import prepare_data
    from satsynth_mmseg.utils.errors import ConfigError
    with pytest.raises(ConfigError, match=r'holds no converted dubai data yet: give .*--raw-dir'):
        prepare_data('dubai', str(tmp_path / 'empty'), raw_dir=None)


def test_filtered_variant_end_to_end(procedural_root, tiny_generator, tmp_path):
    """--filter-alpha: D' is filtered with the seed-0 D segmentor and D u D'(filtered) runs
    beside D and D u D'."""
    cfg, ckpt = tiny_generator
    work = tmp_path / 'gain'
    report = gain.main([
        '--preset', 'procedural-cpu', '--work-dir',
        str(work), '--data-root', procedural_root, '--generator-config', cfg,
        '--generator-checkpoint', ckpt, '--seeds', '0', '--ratios', '1', '--steps', '2',
        '--seg-iters', '2', '--no-dprime-only', '--filter-alpha', '0.9', '--synthetic-sampler',
        'rare_class', 'hardness', '--class-target', 'balanced'
    ])
    assert [r['variant'] for r in report['rows']] == [
        'D', 'D u D\'', 'D u D\' filtered', 'D u D\' filtered + rare_class',
        'D u D\' filtered + hardness', 'D u D\' class-targeted (balanced)'
    ]
    assert 'class_target' in load_json(work / 'dprime_class-target' / 'meta.json')['generation']
    for sampler in ('rare_class', 'hardness'):
        run = next(r for r in report['runs'] if r['variant'].endswith(sampler))
        assert run['options']['train_dataloader.dataset.synthetic_sampler'] == sampler
        assert run['options']['train_dataloader.dataset.synthetic'] == str(work / 'dprime_filtered')
    run = next(r for r in report['runs'] if r['variant'] == 'D u D\' filtered')
    assert run['options']['train_dataloader.dataset.synthetic'] == str(work / 'dprime_filtered')
    meta = load_json(work / 'dprime_filtered' / 'meta.json')
    assert meta['filtering']['alpha'] == 0.9 and meta['num_samples'] == 12
    assert {'filter', 'filtered segmentors'} <= set(load_json(work / 'stages.json'))


def test_every_generator_kind_in_one_table(procedural_root, tiny_generator, tiny_m2i, tiny_pix2pix,
                                           tmp_path):
    """--generator joint mask2img pix2pix hybrid: one D′ per kind, same segmentor and seeds,
    one row each next to D."""
    cfg, ckpt = tiny_generator
    m2i_cfg, m2i_ckpt, _ = tiny_m2i
    gan_cfg, gan_ckpt = tiny_pix2pix
    work = tmp_path / 'gain'
    report = gain.main([
        '--preset', 'procedural-cpu', '--work-dir',
        str(work), '--data-root', procedural_root, '--generator-config', cfg,
        '--generator-checkpoint', ckpt, '--mask2img-config', m2i_cfg, '--mask2img-checkpoint',
        m2i_ckpt, '--pix2pix-config', gan_cfg, '--pix2pix-checkpoint', gan_ckpt, '--generator',
        'joint', 'mask2img', 'pix2pix', 'hybrid', '--guidance-scale', '2', '--seeds', '0',
        '--ratios', '1', '--steps', '2', '--seg-iters', '2', '--no-dprime-only'
    ])
    assert [r['variant'] for r in report['rows']
            ] == ['D', 'D u D\'', 'D u D\' mask2img', 'D u D\' pix2pix', 'D u D\' hybrid']
    metas = {
        k: load_json(work / f'dprime_{k}' / 'meta.json')
        for k in ('mask2img', 'pix2pix', 'hybrid')
    }
    assert all(m['num_samples'] == 12 for m in metas.values())
    gen = {k: m['generation'] for k, m in metas.items()}
    assert gen['mask2img']['guidance_scale'] == 2.0 and 'masks_from' in gen['mask2img']
    assert 'guidance_scale' not in gen['pix2pix'] and 'masks_from' in gen['pix2pix']
    assert 'mask_generator_sha256' in gen['hybrid']
    quality = report['generation_metrics']
    assert set(quality) == {'joint', 'mask2img', 'pix2pix', 'hybrid'}
    assert all(np.isfinite(q['seg_fd'][0]) for q in quality.values())
    assert 'Generation metrics of each D′' in open(work / 'gain.md').read()
    run = next(r for r in report['runs'] if r['variant'] == 'D u D\' pix2pix')
    assert run['options']['train_dataloader.dataset.synthetic'] == str(work / 'dprime_pix2pix')
    with pytest.raises(SystemExit, match='add joint'):
        gain.main(
            ['--preset', 'procedural-cpu', '--generator', 'mask2img', '--class-target', 'real'])


def test_filtering_and_resampling_a_mask_to_image_dprime(procedural_root, tiny_m2i, tmp_path):
    """--filter-alpha / --synthetic-sampler apply to every generator's D′, here a mask-to-image
    one alone (no joint generator): its own filtered folder, runs and rows; --pretrain-finetune
    trains each seed's segmentor on that filtered D′ alone, then fine-tunes it from that
    checkpoint (mmengine load_from) on D and (--finetune-on mix) on D ∪ that D′, uniform and
    hardness-resampled."""
    m2i_cfg, m2i_ckpt, _ = tiny_m2i
    work = tmp_path / 'gain'
    report = gain.main([
        '--preset', 'procedural-cpu', '--work-dir',
        str(work), '--data-root', procedural_root, '--mask2img-config', m2i_cfg,
        '--mask2img-checkpoint', m2i_ckpt, '--generator', 'mask2img', '--seeds', '0', '--ratios',
        '1', '--steps', '2', '--seg-iters', '2', '--no-dprime-only', '--filter-alpha', '0.9',
        '--synthetic-sampler', 'hardness', '--pretrain-finetune', '--finetune-on', 'd', 'mix'
    ])
    assert [r['variant'] for r in report['rows']] == [
        'D', 'D u D\' mask2img', 'D u D\' mask2img filtered',
        'D u D\' mask2img filtered + hardness', 'D\' mask2img filtered (pretraining)',
        'D\' mask2img filtered → D (fine-tuned)',
        'D\' mask2img filtered → D u D\' mask2img filtered (fine-tuned)',
        'D\' mask2img filtered → D u D\' mask2img filtered + hardness (fine-tuned)'
    ]
    runs = {r['name']: r for r in report['runs']}
    pre = runs['dprime-mask2img-filtered-pretrain_seed0']
    fine = runs['dprime-mask2img-filtered-finetune_seed0']
    assert pre['ratio'] is None and pre['options']['train_dataloader.dataset.data_root'] == \
        str(work / 'dprime_mask2img_filtered')
    assert fine['options']['train_dataloader.dataset.data_root'] == osp.abspath(procedural_root)
    assert fine['options']['load_from'] == osp.join(pre['work_dir'], 'iter_2.pth')
    assert fine['config'].endswith('_procedural-d-32x32.py')
    log = open(osp.join(fine['work_dir'], 'run.log')).read()
    assert 'Load checkpoint from ' + fine['options']['load_from'] in log
    for name, sampler in (('finetune-mix_R1', None), ('finetune-mix-hardness_R1', 'hardness')):
        mix = runs[f'dprime-mask2img-filtered-{name}_seed0']
        opts = mix['options']
        assert mix['ratio'] == 1.0 and opts['load_from'] == fine['options']['load_from']
        assert opts['train_dataloader.dataset.real.data_root'] == osp.abspath(procedural_root)
        assert opts['train_dataloader.dataset.synthetic'] == str(work / 'dprime_mask2img_filtered')
        assert opts.get('train_dataloader.dataset.synthetic_sampler') == sampler
        assert mix['config'].endswith('_procedural-d+dprime-32x32.py')
        assert 'Load checkpoint from ' + opts['load_from'] in open(
            osp.join(mix['work_dir'], 'run.log')).read()
    assert '| D′ mask2img filtered → D (fine-tuned) | – | 1 |' in (work / 'gain.md').read_text()
    filtered = str(work / 'dprime_mask2img_filtered')
    for variant in ('D u D\' mask2img filtered', 'D u D\' mask2img filtered + hardness'):
        run = next(r for r in report['runs'] if r['variant'] == variant)
        assert run['options']['train_dataloader.dataset.synthetic'] == filtered
    meta = load_json(osp.join(filtered, 'meta.json'))
    assert meta['filtering']['alpha'] == 0.9 and meta['num_samples'] == 12
    assert {'filter mask2img', 'filtered segmentors mask2img',
            'resampled segmentors mask2img'} <= set(load_json(work / 'stages.json'))
    assert not osp.exists(work / 'dprime_filtered')
    with pytest.raises(ValueError, match=r"filtered with \{'alpha': 0.9.*another --work-dir"):
        gain.main([
            '--preset', 'procedural-cpu', '--work-dir',
            str(work), '--data-root', procedural_root, '--mask2img-config', m2i_cfg,
            '--mask2img-checkpoint', m2i_ckpt, '--generator', 'mask2img', '--seeds', '0',
            '--ratios', '1', '--steps', '2', '--seg-iters', '2', '--no-dprime-only',
            '--filter-alpha', '1.1'
        ])


def _one_seed_experiment(work_dir, data_root, **kwargs):
    """A one-seed, R = 1, 2-step ``procedural-cpu`` experiment in ``work_dir`` (created) and
    its real-data config, for tests that call its stages directly."""
    from satsynth_mmseg.experiments import gain as gain_module
    exp = gain_module.GainExperiment(
        preset='procedural-cpu',
        work_dir=str(work_dir),
        data_root=data_root,
        seeds=[0],
        ratios=[1.0],
        steps=2,
        **kwargs)
    os.makedirs(exp.work_dir)
    real_config, _ = exp.real_dataset()
    return exp, real_config


def test_combined_dprime_of_two_generators(procedural_root, tiny_m2i, tiny_pix2pix, tmp_path,
                                           monkeypatch):
    """--combine: one more variant whose runs read every generator's (filtered) D′ folder, which
    the segmentor config reads as one D′; --layout-cutmix-prob reaches both generators'
    layouts. (Segmentor training itself is stubbed: the D ∪ D′ runs are covered above.)"""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from mmseg.registry import DATASETS
    from satsynth_mmseg.experiments import gain as gain_module
    m2i_cfg, m2i_ckpt, _ = tiny_m2i
    gan_cfg, gan_ckpt = tiny_pix2pix
    seen = []
    monkeypatch.setattr(gain_module, 'run_specs', lambda specs: (seen.extend(specs), ([], 0))[1])
    with pytest.raises(ValueError, match='two or more'):
        gain_module.GainExperiment(preset='procedural-cpu', generators=['mask2img'], combine=True)
    exp, real_config = _one_seed_experiment(
        tmp_path / 'gain',
        procedural_root,
        generators=['mask2img', 'pix2pix'],
        mask2img_config=m2i_cfg,
        mask2img_checkpoint=m2i_ckpt,
        pix2pix_config=gan_cfg,
        pix2pix_checkpoint=gan_ckpt,
        filter_alpha=1.0,
        combine=True,
        layout_cutmix_prob=0.5)
    stages = gain_module.StageTimer(str(tmp_path / 'stages.json'))
    for kind in ('mask2img', 'pix2pix'):
        exp.run_generator_kind(stages, kind, None, real_config, 4)
        meta = load_json(osp.join(exp.dprime_folder(kind), 'meta.json'))
        assert meta['generation']['layout_cutmix_prob'] == 0.5
    seen.clear()
    exp.run_combined(stages)
    (spec, ) = seen
    assert spec['variant'] == 'D u D\' mask2img+pix2pix filtered'
    assert spec['options']['train_dataloader.dataset.synthetic'] == [
        exp.dprime_folder('mask2img', filtered=True),
        exp.dprime_folder('pix2pix', filtered=True)
    ]
    # the run's config, merged as segmentor_run merges it (the plain folders standing in for
    # the filtered ones), reads both folders as one D′
    cfg = Config.fromfile(spec['config'])
    cfg.merge_from_dict(
        dict(
            spec['options'], **{
                'train_dataloader.dataset.synthetic':
                [exp.dprime_folder('mask2img'),
                 exp.dprime_folder('pix2pix')]
            }))
    init_default_scope('mmseg')
    ds = DATASETS.build(cfg.train_dataloader.dataset)
    assert ds.num_synthetic_items == 8 and ds.ratio == 1.0


def test_mask_to_image_dprime_at_the_generators_scale(procedural_root, tiny_m2i, tmp_path,
                                                      monkeypatch):
    """A preset whose generators work at another scale than D (dubai-cpu-64): the layouts come
    from the real masks at the generators' scale and the renders are enlarged like the joint
    D′ (its dprime_options)."""
    config = tmp_path / 'gain_other-scale.py'  # an experiment config of the user's own
    config.write_text(f'''_base_ = ['{REPO}/configs/experiments/gain_procedural-cpu.py']
settings = dict(generator_data_root='{procedural_root}', generator_convert=dict(),
                dprime_options=dict(interp_scale=2))
''')
    from satsynth_mmseg.experiments import gain as gain_module
    from satsynth_mmseg.experiments.gain_settings import experiment_config
    settings = experiment_config(str(config))['settings']
    assert settings['generator'].endswith('procedural-32x32.py')  # the base's, merged
    m2i_cfg, m2i_ckpt, _ = tiny_m2i  # 16 x 16 renders -> the 32 x 32 segmentor crops
    work = tmp_path / 'gain'
    gain.main([
        str(config), '--work-dir',
        str(work), '--data-root', procedural_root, '--mask2img-config', m2i_cfg,
        '--mask2img-checkpoint', m2i_ckpt, '--generator', 'mask2img', '--seeds', '0', '--ratios',
        '1', '--steps', '2', '--seg-iters', '2', '--no-dprime-only'
    ])
    meta = load_json(work / 'dprime_mask2img' / 'meta.json')['generation']
    assert meta['upsample'] == 'interpolation' and meta['upsample_scale'] == 2
    assert meta['masks_from'].endswith('real_data_config_generator_scale.py')
    with open(work / 'dprime_mask2img' / 'manifest.jsonl') as f:
        sizes = {tuple(json.loads(line)['size']) for line in f if line.strip()}
    assert sizes == {(32, 32)}
    # --conditional-scale data: the generator works at D's scale (D's masks, renders as they
    # are); the hybrid, whose masks come from the joint generator's scale, is refused
    monkeypatch.setattr(gain_module, 'run_specs', lambda specs: ([], False))
    exp, real_config = _one_seed_experiment(
        tmp_path / 'at_data_scale',
        procedural_root,
        generators=['mask2img'],
        mask2img_config=m2i_cfg,
        mask2img_checkpoint=m2i_ckpt,
        conditional_scale='data',
        settings=settings)
    exp.run_generator_kind(
        gain_module.StageTimer(str(tmp_path / 'stages.json')), 'mask2img', None, real_config, 4)
    folder = tmp_path / 'at_data_scale' / 'dprime_mask2img'
    meta = load_json(folder / 'meta.json')['generation']
    assert meta.get('upsample') in (None, 'none') and meta['masks_from'] == real_config
    with open(folder / 'manifest.jsonl') as f:
        sizes = {tuple(json.loads(line)['size']) for line in f if line.strip()}
    assert sizes == {(16, 16)}
    with pytest.raises(ValueError, match='hybrid'):
        gain_module.GainExperiment(
            preset='procedural-cpu',
            generators=['hybrid'],
            conditional_scale='data',
            settings=settings)


@pytest.mark.parametrize('generators,scale,enlarged', [(['joint'], 'generator', True),
                                                       (['pix2pix'], 'generator', True),
                                                       (['pix2pix'], 'data', False),
                                                       (['mask2img', 'pix2pix'], 'data', False),
                                                       (['joint', 'pix2pix'], 'data', True)])
def test_results_header_says_enlarged_only_when_a_dprime_is(generators, scale, enlarged):
    from satsynth_mmseg.experiments import gain as gain_module
    exp = gain_module.GainExperiment(
        preset='dubai-cpu-64',
        generators=generators,
        conditional_scale=scale,
        mask2img_config='m2i.py',
        pix2pix_config='p2p.py')
    assert exp.dprime_enlarged is enlarged
    small = gain_module.GainExperiment(preset='dubai-cpu', generators=generators)
    assert not small.dprime_enlarged  # the /8 preset enlarges nothing
    # the sampler and steps are named only where a diffusion generator made D′
    diffusion = any(g != 'pix2pix' for g in generators)
    assert ('steps' in exp.dprime_sampling) is diffusion
    assert ('pix2pix' in exp.dprime_sampling) is ('pix2pix' in generators)
    header = exp.results_header(448, 448, 'x 1 min')
    assert ('enlarged x2' in header) is enlarged and header.endswith('x 1 min.')
    assert 'iterations' not in header
    exp.seg_iters = 2000
    assert 'segmentor `deeplabv3plus_r18-tiny-d8_1xb8-1k_dubai-*-64x64.py` trained 2000 ' \
        'iterations, seeds [0, 1, 2]' in exp.results_header(448, 448, 'x')


def test_filter_rounds_filter_again_with_the_previous_rounds_segmentor(tmp_path, monkeypatch):
    """--filter-rounds 2: round 2 filters the *unfiltered* D′ again with the seed-0 segmentor
    of round 1's D ∪ D′(filtered) runs (first R), into its own folder and runs; a run with
    no checkpoint is named in the error."""
    from satsynth_mmseg.experiments import gain as gain_module
    calls, spec_names = [], []
    monkeypatch.setattr(gain_module, 'filter_dprime', calls.append)
    monkeypatch.setattr(gain_module, 'last_checkpoint', lambda d: osp.join(d, 'iter_1.pth'))
    monkeypatch.setattr(gain_module, 'run_specs', lambda specs:
                        (spec_names.extend(s['name'] for s in specs), ([], False))[1])
    with pytest.raises(ValueError, match='--filter-alpha'):
        gain_module.GainExperiment(preset='procedural-cpu', filter_rounds=2)
    with pytest.raises(ValueError, match='>= 1'):
        gain_module.GainExperiment(preset='procedural-cpu', filter_alpha=1.0, filter_rounds=0)
    exp = gain_module.GainExperiment(
        preset='procedural-cpu',
        work_dir=str(tmp_path),
        seeds=[3, 4],
        ratios=[2.0, 1.0],
        filter_alpha=1.0,
        filter_rounds=2,
        generators=['mask2img'])
    exp.run_filtered(gain_module.StageTimer(str(tmp_path / 'stages.json')), 'mask2img')
    first, second = calls
    runs = osp.join(str(tmp_path), 'runs')
    for spec, seg_run, out in ((first, 'd_seed3', 'dprime_mask2img_filtered'),
                               (second, 'd+dprime-mask2img-filtered_R2_seed3',
                                'dprime_mask2img_filtered2')):
        assert spec.source == osp.join(str(tmp_path), 'dprime_mask2img')  # the unfiltered D′
        assert spec.checkpoints == [osp.join(runs, seg_run, 'iter_1.pth')]
        assert spec.out == osp.join(str(tmp_path), out)
    assert spec_names == [
        f'd+dprime-mask2img-{tag}_R{r}_seed{s}' for tag in ('filtered', 'filtered2') for s in (3, 4)
        for r in (2, 1)
    ]
    monkeypatch.setattr(gain_module, 'last_checkpoint', lambda d: None)
    exp.work_dir = str(tmp_path / 'other')
    with pytest.raises(FileNotFoundError, match='d_seed3'):
        exp.run_filtered(gain_module.StageTimer(str(tmp_path / 'stages2.json')), 'mask2img')


def test_filter_ensemble_passes_every_seeds_d_segmentor(tmp_path, monkeypatch):
    """--filter-ensemble: the filter gets the D segmentor of every seed (and needs
    --filter-alpha); a folder filtered by one segmentor is not reused for the ensemble."""
    from satsynth_mmseg.experiments import gain as gain_module
    calls = []
    monkeypatch.setattr(gain_module, 'filter_dprime', calls.append)
    monkeypatch.setattr(gain_module, 'last_checkpoint', lambda d: osp.join(d, 'iter_1.pth'))
    monkeypatch.setattr(gain_module, 'run_specs', lambda specs: ([], False))
    with pytest.raises(ValueError, match='--filter-alpha'):
        gain_module.GainExperiment(preset='procedural-cpu', filter_ensemble=True)
    exp = gain_module.GainExperiment(
        preset='procedural-cpu',
        work_dir=str(tmp_path),
        seeds=[0, 1, 2],
        filter_alpha=1.0,
        filter_ensemble=True)
    exp.run_filtered(gain_module.StageTimer(str(tmp_path / 'stages.json')), 'joint')
    (spec, ) = calls
    assert spec.checkpoints == [
        osp.join(str(tmp_path), 'runs', f'd_seed{s}', 'iter_1.pth') for s in (0, 1, 2)
    ]
    assert spec.out == osp.join(str(tmp_path), 'dprime_filtered') and spec.alpha == 1.0
    os.makedirs(tmp_path / 'dprime_filtered')
    with open(tmp_path / 'dprime_filtered' / 'meta.json', 'w') as f:
        json.dump(
            dict(
                classes=['a'], filtering=dict(alpha=1.0, min_agreement=None,
                                              segmentor_sha256='ab')), f)
    with pytest.raises(ValueError, match="'segmentors': 1"):
        exp.run_filtered(gain_module.StageTimer(str(tmp_path / 'stages2.json')), 'joint')


def test_filter_checkpoint_filters_with_the_given_segmentors(tmp_path, monkeypatch):
    """--filter-checkpoint: round 1 filters with the given checkpoints instead of a D run (they
    must exist, and need --filter-alpha, not --filter-ensemble); a folder filtered by other
    checkpoints (another SHA-256) is refused, the same ones reuse it."""
    from satsynth_mmseg.experiments import gain as gain_module
    from satsynth_mmseg.generation.checkpoint import file_sha256
    calls = []
    monkeypatch.setattr(gain_module, 'filter_dprime', calls.append)
    monkeypatch.setattr(gain_module, 'run_specs', lambda specs: ([], False))
    ckpts = [tmp_path / 'a.pth', tmp_path / 'b.pth']
    for i, c in enumerate(ckpts):
        c.write_bytes(bytes([i]) * 10)
    for kwargs, match in ((dict(), '--filter-alpha'), (dict(filter_alpha=1.0, filter_ensemble=True),
                                                       'not --filter-ensemble')):
        with pytest.raises(ValueError, match=match):
            gain_module.GainExperiment(
                preset='procedural-cpu', filter_checkpoints=[str(ckpts[0])], **kwargs)
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        gain_module.GainExperiment(
            preset='procedural-cpu',
            filter_alpha=1.0,
            filter_checkpoints=[str(tmp_path / 'missing.pth')])
    exp = gain_module.GainExperiment(
        preset='procedural-cpu',
        work_dir=str(tmp_path / 'work'),
        seeds=[0, 1],
        filter_alpha=1.0,
        filter_checkpoints=[str(c) for c in ckpts])
    assert 'D′ filtered by the given segmentor(s)' in exp.results_header(1, 1, '')
    exp.run_filtered(gain_module.StageTimer(str(tmp_path / 'stages.json')), 'joint')
    (spec, ) = calls
    assert spec.checkpoints == [str(ckpts[0]), str(ckpts[1])]
    meta = tmp_path / 'work' / 'dprime_filtered' / 'meta.json'
    meta.parent.mkdir(parents=True)
    sha = [file_sha256(str(c)) for c in ckpts]
    meta.write_text(
        json.dumps(
            dict(
                classes=['a'], filtering=dict(alpha=1.0, min_agreement=None,
                                              segmentor_sha256=sha))))
    exp.run_filtered(gain_module.StageTimer(str(tmp_path / 'stages2.json')), 'joint')
    assert len(calls) == 1  # done with the same checkpoints: reused
    meta.write_text(
        json.dumps(
            dict(
                classes=['a'],
                filtering=dict(alpha=1.0, min_agreement=None, segmentor_sha256=sha[::-1]))))
    with pytest.raises(ValueError, match='segmentor_sha256'):
        exp.run_filtered(gain_module.StageTimer(str(tmp_path / 'stages3.json')), 'joint')


def test_gain_by_schedule_keeps_equal_schedule_rows_and_plots(tmp_path):
    """benchmarks/gain_by_schedule.py: one point per variant, D′ size and schedule, from
    several results files; fine-tuned rows (longer than their D) and D-only rows are left
    out; the table and the picture are written."""
    import json
    import runpy

    from satsynth_mmseg.experiments.report import gain_by_schedule
    from tests.conftest import REPO

    run = _scheduled_run

    def results(iters, delta):
        runs = []
        for seed in (0, 1):
            runs += [
                run('D', 0.0, seed, 30.0 + seed, iters, f'd{iters}_{seed}'),
                run('D + rot90', 0.0, seed, 31.0, iters, f'a{iters}_{seed}'),
                run('D u D\' x', 1.0, seed, 30.0 + seed + delta + seed, iters, f'x{iters}_{seed}'),
                run('D\' x', None, seed, 20.0, iters, f'p{iters}_{seed}'),
                run('D\' x -> D u D\' x',
                    1.0,
                    seed,
                    40.0,
                    iters,
                    f'f{iters}_{seed}',
                    load_from=f'p{iters}_{seed}')
            ]
        return dict(n_synthetic=448, runs=runs)

    points = gain_by_schedule([results(1000, 2.0), results(2000, 1.0), results(1000, 9.0)])
    assert [(p.variant, p.n_synthetic, p.iters) for p in points] == [
        ('D u D\' x', 448, 1000), ('D u D\' x', 448, 2000)
    ]  # the third file repeats (x, 448, 1000): the first one's is kept
    assert points[0].gains == pytest.approx([2.0, 3.0]) and points[1].mean_std[0] == 1.5
    old = results(4000, 1.0)  # a results file from before runs recorded max_iters
    for r in old['runs']:
        del r['max_iters']
    assert [p.iters for p in gain_by_schedule([old, results(2000, 1.0)])] == [2000]
    files = []
    for i, (iters, delta) in enumerate(((1000, 2.0), (2000, 1.0))):
        files.append(str(tmp_path / f'r{i}.json'))
        with open(files[-1], 'w') as f:
            json.dump(results(iters, delta), f)
    out = str(tmp_path / 'sched')
    script = runpy.run_path(osp.join(REPO, 'benchmarks', 'gain_by_schedule.py'))
    script['main']([*files, '--target', '3', '--out', out])
    md = open(out + '.md').read()
    assert '| D ∪ D′ x | 448 | 2000 | 2 | +1.50 ± 0.71 | +1.00, +2.00 |' in md
    assert 'rot90' not in md and '→' not in md and osp.getsize(out + '.png') > 1000
    with open(tmp_path / 'empty.json', 'w') as f:
        json.dump(dict(n_synthetic=448, runs=results(1000, 2.0)['runs'][:2]), f)  # D rows only
    with pytest.raises(SystemExit, match='no D u D'):
        script['main']([str(tmp_path / 'empty.json'), '--out', str(tmp_path / 'none')])


def test_demo_recipe_filters_only_the_named_generator(procedural_root, tiny_generator, tiny_pix2pix,
                                                      tmp_path, capsys):
    """The main job's shape (tools/run_demo.sh): pix2pix and the joint generator side by side,
    only pix2pix's D′ filtered and hardness-resampled; the paired table is printed."""
    cfg, ckpt = tiny_generator
    gan_cfg, gan_ckpt = tiny_pix2pix
    work = tmp_path / 'demo'
    committed = osp.join(REPO, 'benchmarks', 'results', 'demo_procedural_cpu.json')
    before = os.stat(committed).st_mtime_ns
    report = gain.main([
        'configs/experiments/gain_demo_procedural-cpu.py', '--work-dir',
        str(work), '--data-root', procedural_root, '--generator-config', cfg,
        '--generator-checkpoint', ckpt, '--pix2pix-config', gan_cfg, '--pix2pix-checkpoint',
        gan_ckpt, '--seeds', '0', '--steps', '2', '--seg-iters', '2', '--cfg-options',
        'results=None'
    ])
    # the config's recipe; the skipped variants' D′ (the filtered one) is still made: the
    # resampled rows read it
    assert [r['variant']
            for r in report['rows']] == ['D', 'D u D\'', 'D u D\' pix2pix filtered + hardness']
    assert report['skip_variants'] == ['D u D\' pix2pix', 'D u D\' pix2pix filtered']
    assert report['ratios'] == [1.0]
    assert os.stat(committed).st_mtime_ns == before  # results=None: nothing copied there
    assert (work / 'dprime_pix2pix_filtered' / 'meta.json').exists()
    assert not (work / 'dprime_filtered').exists()  # the joint D′ is not filtered
    assert report['filter_generators'] == ['pix2pix']
    assert 'gain over D [95 % CI]' in capsys.readouterr().out
    with pytest.raises(SystemExit, match='each must be one of --generator'):
        gain.main([
            '--preset', 'procedural-cpu', '--generator', 'pix2pix', '--filter-alpha', '1',
            '--filter-generators', 'joint'
        ])
    with pytest.raises(SystemExit, match='give --filter-alpha too'):
        gain.main(['--preset', 'procedural-cpu', '--filter-generators', 'joint'])
