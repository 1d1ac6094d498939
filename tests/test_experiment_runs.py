"""The experiment stages' training call: resume only what can be resumed."""
from satsynth_mmseg.experiments import runs


def test_a_fine_tuning_run_is_not_resumed_from_its_load_from(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(runs, 'run_cli', lambda *a, **k: calls.append(a))
    cfg = 'configs/joint_ddpm/jointddpm-vpred-ft_unet-tiny_1xb8-1k_dubai-ucmerced-32x32.py'
    wd = tmp_path / 'ft'
    runs.train_model(cfg, None, str(wd), 500, options=['load_from=pretrain/iter_1000.pth'])
    # no checkpoint in the work dir yet: mmengine would "resume" from load_from (iteration
    # 1000 >= 500, nothing trained); a fresh start fine-tunes from it instead
    assert '--resume' not in calls[-1]
    wd.mkdir()
    (wd / 'iter_200.pth').write_bytes(b'x')
    (wd / 'last_checkpoint').write_text(str(wd / 'iter_200.pth'))
    runs.train_model(cfg, None, str(wd), 500, options=['load_from=pretrain/iter_1000.pth'])
    assert '--resume' in calls[-1]  # an interrupted fine-tuning continues
    (wd / 'iter_500.pth').write_bytes(b'x')
    (wd / 'last_checkpoint').write_text(str(wd / 'iter_500.pth'))
    n = len(calls)
    assert runs.train_model(cfg, None, str(wd), 500) is False and len(calls) == n  # finished
