"""Chapters 4–5 checks: stubs that point to the text, verdicts without the answer, endless loops that fail instead
of timing out (issue 21). The misconception corpora (tests/misconceptions/ch04.py, ch05.py) test the hints."""

import importlib
import re
import time
from pathlib import Path

import jupytext
import numpy as np
import pytest

from course_utils.grading import run_check

REPO = Path(__file__).resolve().parents[1]


def _stub_messages(path):
    nb = jupytext.read(path)
    return [m for c in nb.cells if c.cell_type == "code"
            for m in re.findall(r'raise NotImplementedError\("([^"]*)"\)', c.source)]


@pytest.mark.parametrize("word", ["eigenvalue", "eigvalsh", "2 -", "2 −", "lr *", "rho *", "alpha", "W2", "b1",
                                  "divide", "outer", "mirror"])
def test_chapter5_stubs_do_not_state_the_answer(word):
    messages = _stub_messages(REPO / "exercises" / "05_sharpness_and_sam_exercises.py")
    assert len(messages) == 4
    for message in messages[2:]:  # 5.3 and 5.4
        assert word.lower() not in message.lower(), message


def _hints(result):
    return " ".join(line for m in result.messages for line in m.splitlines() if "hint:" in line)


def test_sam_end_verdicts_never_state_the_distance():
    def top(H):
        return np.linalg.eigvalsh(H)[-1]

    wrongs = [lambda H, lr, rho: 0.0, lambda H, lr, rho: rho, lambda H, lr, rho: lr * rho * top(H) / 2,
              lambda H, lr, rho: 3.0 * rho]
    for answer in wrongs:
        result = run_check("5.3", answer)
        assert result.status == "failed"
        hints = _hints(result)
        assert hints and not re.search(r"2\s*[-−]\s*η|ηρλ|λ_max|eigvalsh|top eigenvector|period-2", hints), hints


def test_sam_end_is_checked_against_sam_itself():
    # Oracle: the 5.1 step iterated on the quadratic (not the closed form): SAM bounces at the distance the
    # solution derives, along the top eigenvector, for random problems with a spectral gap and 0 < ηλ_max < 2
    from course_utils.grading.cases import with_eigenvalues

    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(2, 6))
        lam = np.sort(rng.uniform(0.3, 1.0, n))
        lam[-1] = lam[-2] * rng.uniform(1.5, 3.0)
        H = with_eigenvalues(lam, seed=int(rng.integers(2**31)))
        lr, rho = rng.uniform(0.3, 1.6) / lam[-1], rng.uniform(0.02, 0.5)
        theta = rng.standard_normal(n)
        for _ in range(3000):
            g = H @ theta
            theta = theta - lr * (H @ (theta + rho * g / np.linalg.norm(g)))
        v = np.linalg.eigh(H)[1][:, -1]
        assert np.linalg.norm(theta) == pytest.approx(lr * rho * lam[-1] / (2 - lr * lam[-1]), rel=1e-9)
        assert abs(v @ theta) == pytest.approx(np.linalg.norm(theta), rel=1e-9)


def test_rescaled_hessian_matches_finite_differences_of_the_rescaled_network():
    # Oracle: central differences of the autograd gradient at the rescaled point (not the Hessian routine the
    # check uses), for the relation the solution applies
    from course_utils.grading.exercises.ch05 import _relu_problem
    from course_utils.sharpness import rescale_relu_network

    net, theta = _relu_problem(np.random.default_rng(11), 3, 4, 2)
    alpha = 2.5
    moved = rescale_relu_network(net, theta, alpha)
    step = 1e-5
    fd = np.array([(net.grad(moved + step * e) - net.grad(moved - step * e)) / (2 * step) for e in np.eye(net.dim)])
    s = np.concatenate([np.full(3 * 4 + 4, alpha), np.full(4 * 2, 1 / alpha), np.ones(2)])
    predicted = net.hessian(theta) / np.outer(s, s)
    np.testing.assert_allclose(predicted, fd, rtol=1e-5, atol=1e-6 * np.abs(fd).max())
    assert net.loss(moved) == pytest.approx(net.loss(theta), rel=1e-12)


def test_rescaled_hessian_verdicts_never_state_the_relation():
    wrongs = [lambda H, sizes, a: H.copy(), lambda H, sizes, a: H * a, lambda H, sizes, a: H / a**2]
    for answer in wrongs:
        result = run_check("5.4", answer)
        assert result.status == "failed"
        hints = _hints(result)
        assert hints and not re.search(r"α²|1/α|outer|D⁻¹|np\.|product of", hints), hints


def test_an_endless_escape_loop_fails_with_a_hint_instead_of_timing_out():
    def endless(eps, lr, lam_min, radius):
        y, k = eps, 0
        while True:  # never tests the radius
            y -= lr * lam_min * y
            k += 1

    importlib.import_module("course_utils.grading.exercises.ch04")  # the chapter's import is not the check's time
    start = time.perf_counter()
    result = run_check("4.3", endless)
    assert result.status == "failed", result.messages
    assert time.perf_counter() - start < 4.0
    assert any("never ended" in m for m in result.messages)


def test_perturbed_gd_statistics_are_stated_with_their_false_alarm_rate():
    def sphere_only(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng):  # the surface, not the ball
        theta, path, last = np.array(theta0, dtype=float), [], -(t_thres + 1)
        path.append(theta.copy())
        for k in range(steps):
            g = grad_fn(theta)
            if np.linalg.norm(g) <= g_thres and k - last > t_thres:
                u = rng.standard_normal(theta.size)
                theta = theta + radius * u / np.linalg.norm(u)
                g, last = grad_fn(theta), k
            theta = theta - lr * g
            path.append(theta.copy())
        return np.array(path)

    result = run_check("4.1", sphere_only)
    assert result.status == "failed"
    assert any("fails with probability below 1e-06" in m for m in result.messages), result.messages
