"""The checks' shared case builders (course_utils.grading.cases): the matrices they promise, the same draws."""

import numpy as np
import pytest

from course_utils.grading.cases import (
    as_float_array,
    check_input_unchanged,
    random_symmetric,
    same_arrays,
    sphere_uniformity_pvalue,
    watched,
    with_eigenvalues,
)
from course_utils.grading.registry import Tester


@pytest.mark.parametrize("eigenvalues, seed", [([2.0, 3.0], 0), ([3.0, -2.0, 1.0, 0.5, -0.5, 2.0], 60),
                                               ([0.2, 0.5, 1.0, 3.0, 8.0], 1)])
def test_with_eigenvalues_has_those_eigenvalues(eigenvalues, seed):
    H = with_eigenvalues(eigenvalues, seed)
    np.testing.assert_array_equal(H, H.T)
    np.testing.assert_allclose(np.linalg.eigvalsh(H), np.sort(eigenvalues), atol=1e-12)
    raw = with_eigenvalues(eigenvalues, seed, symmetrize=False)
    np.testing.assert_allclose(raw, H, atol=1e-14)
    np.testing.assert_array_equal(with_eigenvalues(eigenvalues, seed), H)          # the seed fixes the matrix
    assert not np.allclose(with_eigenvalues(eigenvalues, seed + 1), H)            # and another seed changes it


def test_random_symmetric_is_symmetric_shifted_and_drawn_from_rng():
    rng = np.random.default_rng(0)
    A = random_symmetric(rng, 5)
    np.testing.assert_array_equal(A, A.T)
    m = np.random.default_rng(0).standard_normal((5, 5))
    np.testing.assert_allclose(A, (m + m.T) / 2 + 5 * np.eye(5), rtol=0, atol=0)
    # the generator advanced by exactly 25 draws: the next draw is the 26th
    assert rng.standard_normal() == np.random.default_rng(0).standard_normal(26)[-1]


def test_same_arrays_compares_values_and_nesting():
    layers = [(np.ones((2, 3)), np.zeros(3)), (np.ones((3, 1)), np.zeros(1))]
    copy = [(W.copy(), b.copy()) for W, b in layers]
    assert same_arrays(layers, copy)
    copy[1][1][0] = 1e-300
    assert not same_arrays(layers, copy)
    assert not same_arrays(layers, copy[:1])
    assert same_arrays(np.array([1.0, 2.0]), [1.0, 2.0]) and not same_arrays(np.array([1.0, 2.0]), [1.0, 2.5])


def test_check_input_unchanged_records_a_failure_with_the_message_and_hint():
    t = Tester()
    x = np.array([1.0, 1.0])
    before = x.copy()
    assert check_input_unchanged(t, before, x, case="x after", message="changed", hint="copy")
    x -= 0.1
    assert not check_input_unchanged(t, before, x, case="x after", message="changed", hint="copy")
    assert [c.passed for c in t.cases] == [True, False]
    assert t.cases[-1].message == "changed" and t.cases[-1].hint == "copy"


_DRAW_THREE = ("from course_utils.grading.cases import hidden_rng; "
               "print([int(hidden_rng().integers(2**62)) for _ in range(3)])")


def _draws_in_a_fresh_process(env_seed=None):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "COURSE_GRADER_SEED"}
    if env_seed is not None:
        env["COURSE_GRADER_SEED"] = env_seed
    done = subprocess.run([sys.executable, "-c", _DRAW_THREE], env=env, capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout.strip(), done.stderr


def test_hidden_cases_are_new_on_every_call_yet_the_same_after_a_restart():
    # Oracle: numpy's own SeedSequence streams and a second, fresh interpreter (a "Restart & Run All")
    code, first, _ = _draws_in_a_fresh_process()
    assert code == 0
    draws = [int(x) for x in first.strip("[]").split(",")]
    assert len(set(draws)) == 3                                   # each call draws another case
    assert _draws_in_a_fresh_process()[1] == first                # a fresh process draws the same sequence
    expected = [np.random.default_rng([20_261_205, k]).integers(2**62) for k in range(3)]
    assert draws == expected


def test_the_batch_graders_seed_changes_the_hidden_cases_and_is_validated():
    default = _draws_in_a_fresh_process()[1]
    code, graded, _ = _draws_in_a_fresh_process("987654321")
    assert code == 0 and graded != default
    assert _draws_in_a_fresh_process("987654321")[1] == graded   # the same grader seed grades the same way again
    code, _, err = _draws_in_a_fresh_process("twelve")
    assert code != 0 and "COURSE_GRADER_SEED" in err and "'twelve'" in err


class _Sneaky(list):
    def __eq__(self, other):  # an answer's object that claims to equal anything
        return True


def test_as_float_array_copies_numbers_and_refuses_the_rest():
    x = np.array([1.0, 2.0])
    out = as_float_array(x)
    assert out is not x and out.dtype == np.float64 and np.array_equal(out, x)   # a copy, not the object
    assert as_float_array(_Sneaky([1, 2]), (2,)).tolist() == [1.0, 2.0]         # plain data, whatever the type
    assert as_float_array([1.0, 2.0], (3,)) is None                              # another shape
    assert as_float_array("two") is None and as_float_array([[1.0], [1.0, 2.0]]) is None
    assert as_float_array(10**400) is None                                       # no OverflowError
    assert as_float_array([1.0, np.nan]) is None                                 # not finite by default ...
    assert np.isnan(as_float_array([1.0, np.nan], finite=False)[1])              # ... kept when asked
    with pytest.raises(TypeError, match="`shape`"):
        as_float_array([1.0], 1)
    with pytest.raises(ValueError, match="`shape`"):
        as_float_array([1.0], (-1,))


def test_watched_records_copies_of_every_point_and_passes_a_copy_on():
    log: list = []
    seen = []

    def f(x):
        seen.append(x)
        x += 100.0          # what the function does to its argument does not reach the log
        return float(x.sum())

    g = watched(f, log)
    point = np.array([1.0, 2.0])
    assert g(point) == 203.0 and g([0, 1]) == 201.0
    assert [p.tolist() for p in log] == [[1.0, 2.0], [0.0, 1.0]] and point.tolist() == [1.0, 2.0]
    assert seen[0] is not point and log[0] is not seen[0]
    with pytest.raises(TypeError, match="`fn`"):
        watched(3.0, log)
    with pytest.raises(TypeError, match="`log`"):
        watched(f, ())


def test_sphere_uniformity_pvalue_accepts_uniform_directions_and_rejects_biased_ones():
    rng = np.random.default_rng(0)
    u = rng.standard_normal((3000, 5))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    axes = np.vstack([np.eye(5), np.ones(5) / np.sqrt(5)])
    assert sphere_uniformity_pvalue(u, axes) > 1e-3
    cube = rng.uniform(-1, 1, (3000, 5))
    cube /= np.linalg.norm(cube, axis=1, keepdims=True)                           # normalised from a cube
    assert sphere_uniformity_pvalue(cube, axes) < 1e-7
    assert sphere_uniformity_pvalue(np.abs(u), axes) < 1e-7                       # one orthant


def test_sphere_uniformity_pvalue_in_3d_is_the_uniform_law_on_minus_one_one():
    # Oracle: Archimedes — in 3-D a uniform direction's projection on any unit vector is uniform on [−1, 1]
    from scipy import stats

    rng = np.random.default_rng(1)
    u = rng.standard_normal((400, 3))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    w = np.array([0.6, 0.0, 0.8])
    axes = np.vstack([np.eye(3), w])
    expected = min(float(stats.kstest(u @ a, "uniform", args=(-1.0, 2.0), method="asymp").pvalue) for a in axes)
    assert sphere_uniformity_pvalue(u, axes) == pytest.approx(expected, rel=1e-9)


def test_sphere_uniformity_pvalue_names_a_bad_argument():
    u = np.eye(3)
    with pytest.raises(ValueError, match="`axes`"):
        sphere_uniformity_pvalue(u, np.ones((1, 3)))                              # not a unit vector
    with pytest.raises(ValueError, match="`axes`"):
        sphere_uniformity_pvalue(u, np.eye(2))                                    # another dimension
    with pytest.raises(ValueError, match="`directions`"):
        sphere_uniformity_pvalue(np.ones((4, 1)), np.ones((1, 1)))
