"""Class-targeted generation: rejection sampling towards target class shares."""
import json

import numpy as np
import pytest
import torch

from satsynth_mmseg.cli import generate as gen_tool
from satsynth_mmseg.generation.class_target import (ClassTarget, measure_generator_share,
                                                    pilot_bound, resolve_target)
from satsynth_mmseg.generation.generate import sample_and_write
from satsynth_mmseg.generation.sampling import draw_pairs, sample_seed
from satsynth_mmseg.models import GeneratedPairs
from satsynth_mmseg.utils import ConfigError
from tests.conftest import load_json

SHARES = [0.7, 0.2, 0.1]


class ToyGenerator:
    """Each sample is a 4x4 map of one class, drawn with ``SHARES`` from its own generator."""
    num_classes = 3
    image_channels = 3
    data_preprocessor = None

    def sample(self, n, num_steps=None, sampler=None, generator=None, size=None):
        cls = [int(torch.multinomial(torch.tensor(SHARES), 1, generator=g)) for g in generator]
        labels = torch.stack([torch.full((4, 4), c, dtype=torch.long) for c in cls])
        return GeneratedPairs(
            images=torch.zeros(n, 3, 4, 4, dtype=torch.uint8), labels=labels, invalid_pixels=0)


def _shares(records):
    h = np.sum([r['class_histogram'] for r in records], axis=0).astype(float)
    return h / h.sum()


def _run(model, indices, target=None):
    records = []
    sample_and_write(
        model,
        indices, [sample_seed(0, i) for i in indices],
        lambda i, img, raw, rec: records.append(dict(rec, index=i)),
        class_target=target,
        storage=type('S', (), {'encode': staticmethod(lambda x: x)})())
    return records


def test_rejection_sampling_converges_to_the_target():
    model = ToyGenerator()

    def draw(seeds):
        return draw_pairs(model, seeds, None, None, None)

    measured = measure_generator_share(draw, 0, 400, 50, 3)
    assert np.allclose(measured, SHARES, atol=0.06)
    target = ClassTarget(resolve_target('balanced', ['a', 'b', 'c'], None), measured)
    plain = _shares(_run(model, list(range(600))))
    targeted_records = _run(model, list(range(600)), target)
    targeted = _shares(targeted_records)
    assert np.abs(plain - SHARES).max() < 0.05
    assert np.abs(targeted - 1 / 3).max() < 0.06, targeted
    assert sum(r['rejected'] for r in targeted_records) > 0
    assert all(0 <= r['candidate'] < target.max_candidates for r in targeted_records)
    # a target equal to the generator's own shares accepts (almost) everything as it is
    same = ClassTarget(np.array(SHARES), np.array(SHARES))
    assert np.abs(_shares(_run(model, list(range(300)), same)) - SHARES).max() < 0.06


def test_acceptance_depends_only_on_the_sample():
    model = ToyGenerator()
    target = ClassTarget(np.array([0.2, 0.3, 0.5]), np.array(SHARES), max_candidates=4)
    whole = _run(model, list(range(40)), target)
    parts = _run(model, list(range(0, 40, 2)), target) + _run(model, list(range(1, 40, 2)), target)
    key = lambda r: r['index']  # noqa: E731
    assert sorted(whole, key=key) == sorted(parts, key=key)


def test_targets_from_names_and_files(tmp_path):
    classes = ['a', 'b', 'c']
    assert np.allclose(resolve_target('real', classes, [2, 1, 1]), [0.5, 0.25, 0.25])
    # balanced: over the classes D has
    assert np.allclose(resolve_target('balanced', classes, [0.9, 0.0, 0.1]), [0.5, 0, 0.5])
    assert np.allclose(resolve_target('balanced', classes, None), [1 / 3] * 3)
    path = tmp_path / 't.json'
    path.write_text(json.dumps({'c': 3, 'a': 1}))
    assert np.allclose(resolve_target(str(path), classes, None), [0.25, 0, 0.75])
    path.write_text(json.dumps({'x': 1}))
    with pytest.raises(ConfigError, match='unknown classes'):
        resolve_target(str(path), classes, None)
    with pytest.raises(ConfigError, match='--real-config'):
        resolve_target('real', classes, None)
    with pytest.raises(ConfigError, match='not "real", "balanced"'):
        resolve_target('rare', classes, None)
    ct = ClassTarget(np.array([0.5, 0.5, 0.0]), np.array([0.9, 0.0, 0.1]), max_weight=4)
    assert np.allclose(ct.class_weights, [0.5 / 0.9, 4, 0]) and ct.bound == 4


def test_the_pilot_bound_is_a_high_quantile_of_the_pilot_weights():
    ct = ClassTarget(np.array([0.5, 0.5]), np.array([0.99, 0.01]), max_weight=10)
    pilot = [[10, 0]] * 99 + [[0, 10]]  # one pilot pair of the rare class
    b = pilot_bound(ct, pilot)
    assert np.isclose(b, ct.class_weights[0])  # the 95th percentile: a common pair
    ct.bound = b
    assert ct.accepts([0, 10], 1, 0)  # a rare pair weighs more than b: always accepted
    rate = np.mean([ct.accepts([10, 0], s, 0) for s in range(200)])
    assert rate == 1.0  # common pairs weigh exactly b here: accepted too


def test_generate_with_a_class_target(tiny_generator, tmp_path):
    cfg, ckpt = tiny_generator
    out = tmp_path / 'dp'
    args = [
        cfg, ckpt, '--out',
        str(out), '--num-samples', '4', '--batch-size', '2', '--steps', '2', '--no-progress',
        '--device', 'cpu', '--class-target', 'balanced', '--max-candidates', '2',
        '--class-target-pilot', '4'
    ]
    gen_tool.main(args)
    records = [json.loads(line) for line in open(out / 'manifest.jsonl')]
    assert len(records) == 4 and all({'candidate', 'rejected'} <= set(r) for r in records)
    ct = load_json(out / 'meta.json')['generation']['class_target']
    assert np.allclose(ct['target'], [0.2] * 5) and ct['max_candidates'] == 2
    again = tmp_path / 'dp2'
    gen_tool.main(args[:2] + ['--out', str(again)] + args[4:])
    assert [json.loads(line) for line in open(again / 'manifest.jsonl')] == records
    with pytest.raises(SystemExit):  # the same folder with another target is refused
        gen_tool.main(args[:-5] +
                      ['balanced', '--max-candidates', '3', '--class-target-pilot', '4'])
