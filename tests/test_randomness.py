"""course_utils.randomness: numpy's default_rng unless the suite asks for other seeds or a rounding's jitter.

The oracle is numpy itself: with both variables unset every draw must equal ``np.random.default_rng(seed)``'s
to the bit; with them set, the draws must differ from numpy's in the stated way and by no more.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import data, randomness
from course_utils.validation import check_rng


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    monkeypatch.delenv(randomness.SEED_VARIABLE, raising=False)
    monkeypatch.delenv(randomness.PERTURB_VARIABLE, raising=False)


def _draws(rng):
    return np.concatenate([rng.standard_normal(5), rng.uniform(-2, 3, 4), rng.normal(1.0, 2.0, (2, 3)).ravel(),
                           [rng.random()], rng.integers(0, 1000, 6).astype(float), rng.permutation(7).astype(float)])


@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_unset_variables_give_numpys_stream_exactly(seed):
    assert np.array_equal(_draws(randomness.default_rng(seed)), _draws(np.random.default_rng(seed)))
    assert np.array_equal(_draws(check_rng(seed)), _draws(np.random.default_rng(seed)))
    assert type(randomness.default_rng(seed)) is np.random.Generator


def test_zero_means_off(monkeypatch):
    monkeypatch.setenv("COURSE_SEED", "0")
    monkeypatch.setenv("COURSE_PERTURB", "0")
    assert np.array_equal(_draws(randomness.default_rng(3)), _draws(np.random.default_rng(3)))


def test_seed_offset_redraws_every_stream_independently(monkeypatch):
    base = [_draws(np.random.default_rng(s)) for s in range(3)]
    monkeypatch.setenv("COURSE_SEED", "2")
    redrawn = [_draws(randomness.default_rng(s)) for s in range(3)]
    for b, r in zip(base, redrawn):
        assert not np.allclose(b[:5], r[:5])
    # still a function of (seed, k): reproducible, and distinct seeds stay distinct
    assert np.array_equal(redrawn[1], _draws(randomness.default_rng(1)))
    assert not np.allclose(redrawn[0][:5], redrawn[1][:5])
    monkeypatch.setenv("COURSE_SEED", "3")
    assert not np.allclose(redrawn[1][:5], _draws(randomness.default_rng(1))[:5])


def test_perturbation_moves_float_draws_by_about_eps_and_leaves_integer_draws(monkeypatch):
    eps = 1e-12
    plain = _draws(np.random.default_rng(7))
    monkeypatch.setenv("COURSE_PERTURB", str(eps))
    jittered = _draws(randomness.default_rng(7))
    rel = np.abs(jittered - plain) / np.maximum(np.abs(plain), 1e-300)
    floats = slice(0, 16)
    assert np.all(rel[floats] <= eps * (1 + 1e-3))
    assert np.count_nonzero(rel[floats]) >= 14          # nearly every float draw moved
    assert np.median(rel[floats]) > eps / 10            # by about eps, not by one ulp
    assert np.array_equal(jittered[16:], plain[16:])    # integers and permutations untouched
    assert np.array_equal(jittered, _draws(randomness.default_rng(7)))  # reproducible
    assert isinstance(randomness.default_rng(7).normal(), float)


def test_data_sets_are_jittered_even_without_noise(monkeypatch):
    X0, y0 = data.two_moons(40, noise=0.0, rng=0)
    monkeypatch.setenv("COURSE_PERTURB", "1e-12")
    X1, y1 = data.two_moons(40, noise=0.0, rng=0)
    assert np.array_equal(y0, y1)
    assert not np.array_equal(X0, X1) and np.allclose(X0, X1, rtol=2e-12, atol=0)
    assert randomness.perturb(np.arange(3.0)) is not None
    monkeypatch.delenv("COURSE_PERTURB")
    a = np.arange(3.0)
    assert randomness.perturb(a) is a


@pytest.mark.parametrize(("var", "value", "message"), [
    ("COURSE_SEED", "-1", "non-negative integer"), ("COURSE_SEED", "one", "non-negative integer"),
    ("COURSE_PERTURB", "big", "must be a number"), ("COURSE_PERTURB", "0.1", r"\[0, 1e-6\]"),
    ("COURSE_PERTURB", "nan", r"\[0, 1e-6\]"),
])
def test_malformed_variables_are_named(monkeypatch, var, value, message):
    monkeypatch.setenv(var, value)
    with pytest.raises(ValueError, match=f"{var}.*{message}"):
        randomness.default_rng(0)


@pytest.mark.parametrize("bad", [-1, 1.5, "0", None, True])
def test_seed_must_be_a_non_negative_integer(bad):
    with pytest.raises((TypeError, ValueError), match="`seed`"):
        randomness.default_rng(bad)
