"""The chapter-3 checks accept the reference solutions and reject typical mistakes without leaking answers."""

import numpy as np
import pytest

from course_utils.grading import run_check


def _classify(H, tol=1e-8):
    lam = np.linalg.eigvalsh(H)
    if np.any(lam < -tol) and np.any(lam > tol):
        return "saddle"
    if np.any(np.abs(lam) <= tol):
        return "degenerate"
    return "minimum" if np.all(lam > 0) else "maximum"


def _power(hvp, dim, iters, rng, use_norm=False):
    v = rng.standard_normal(dim)
    v /= np.linalg.norm(v)
    q = 0.0
    for _ in range(iters):
        w = hvp(v)
        q = float(np.linalg.norm(w)) if use_norm else float(v @ w)
        v = w / np.linalg.norm(w)
    return q


def _hutchinson(hvp, dim, n, rng, gaussian=False):
    Z = rng.standard_normal((n, dim)) if gaussian else rng.choice([-1.0, 1.0], size=(n, dim))
    return float(np.mean([z @ hvp(z) for z in Z]))


GOOD = {
    "3.1": _classify,
    "3.2": lambda H, tol=1e-8: int(np.sum(np.linalg.eigvalsh(H) < -tol)),
    "3.3": lambda H, tol=1e-8: None if np.linalg.eigh(H)[0][0] >= -tol else np.linalg.eigh(H)[1][:, 0],
    "3.4": lambda g, H: np.linalg.solve(H, -g),
    "3.5": _power,
    "3.6": _hutchinson,
    "3.7": lambda a, b, c, eta: 1 - eta * np.linalg.eigvalsh(np.array([[2 * a, c], [c, 2 * b]]))[0],
    "3.8": lambda g, s: g - (g @ s) / (s @ s) * s,
}

BAD = {
    "3.1": lambda H, tol=1e-8: "minimum" if np.all(np.diag(H) > 0) else _classify(H, tol),  # reads the diagonal
    "3.2": lambda H, tol=1e-8: int(np.sum(np.linalg.eigvalsh(H) < 0)),  # no tolerance
    "3.3": lambda H, tol=1e-8: None if np.linalg.eigh(H)[0][0] >= -tol else np.linalg.eigh(H)[1][0],  # a row
    "3.4": lambda g, H: np.linalg.solve(H, g),  # sign
    "3.5": lambda hvp, dim, iters, rng: _power(hvp, dim, iters, rng, use_norm=True),  # loses the sign
    "3.6": lambda hvp, dim, n, rng: _hutchinson(hvp, dim, n, rng, gaussian=True),  # Gaussian probes
    "3.7": lambda a, b, c, eta: 1 - eta * min(2 * a, 2 * b),  # curvature read off the diagonal
    "3.8": lambda g, s: g,  # the Euclidean gradient, constraint ignored
}


@pytest.mark.parametrize("exercise_id", sorted(GOOD))
def test_reference_answers_pass(exercise_id):
    result = run_check(exercise_id, GOOD[exercise_id])
    assert result.status == "passed", result.messages


@pytest.mark.parametrize("exercise_id", sorted(BAD))
def test_typical_mistakes_fail(exercise_id):
    result = run_check(exercise_id, BAD[exercise_id])
    assert result.status == "failed", result.messages
    assert result.score < 1


def test_unattempted_is_not_an_error():
    def stub(*args, **kwargs):
        raise NotImplementedError("your code here")

    assert run_check("3.1", stub).status == "not attempted"
