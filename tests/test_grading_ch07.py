"""Exercise 7.1 has one definition of the range test's rules: ``diagnostics.lr_range_test``.

The check's reference is that function; the authored solution rebuilds it by hand and must agree with it (same
steps kept, same numbers to rounding) on sweeps that stop early, run to the end, use other stop factors and
creep about near zero loss, where "exceeds stop_factor × best" alone would stop on a rounding.
"""

import ast
from pathlib import Path

import numpy as np
import pytest

from course_utils import diagnostics
from course_utils.grading import run_check
from course_utils.models import Quadratic

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions" / "07_diagnosing_training_exercises.py"


def _solution(name):
    """The authored solution's function ``name``, without running the rest of the notebook."""
    tree = ast.parse(SOLUTIONS.read_text())
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    namespace = {"np": np}
    exec(compile(ast.Module(body=[node], type_ignores=[]), str(SOLUTIONS), "exec"), namespace)
    return namespace[name]


SWEEPS = [  # (Hessian diagonal, lr_min, lr_max, steps, stop_factor)
    ([0.5, 2.0, 8.0], 1e-3, 1e2, 80, 4.0),  # the check's sweep: blows up
    ([0.5, 2.0, 8.0], 1e-4, 0.2, 25, 4.0),  # always stable: runs to the end
    ([0.5, 2.0, 8.0], 1e-3, 1e2, 80, 1.5),
    (list(np.logspace(-1, 1, 8)), 1e-3, 1e3, 150, 4.0),  # the notebook's "try it"
    ([1.0, 100.0], 1e-2, 10.0, 40, 2.0),  # converges to losses ~1e-40 first: the floor keeps it going
    ([3.0], 1e-3, 5.0, 60, 10.0),
]


@pytest.mark.parametrize("diag, lr_min, lr_max, steps, stop_factor", SWEEPS)
def test_the_solution_keeps_the_steps_diagnostics_keeps(diag, lr_min, lr_max, steps, stop_factor):
    q = Quadratic(np.diag(diag))
    theta0 = np.ones(len(diag))
    lrs, losses = _solution("lr_range_test")(q.loss, q.grad, theta0, lr_min, lr_max, steps, stop_factor)
    ref = diagnostics.lr_range_test(q, theta0, lr_min=lr_min, lr_max=lr_max, steps=steps, stop_factor=stop_factor)
    assert lrs.shape == ref.lrs.shape
    np.testing.assert_allclose(lrs, ref.lrs, rtol=1e-13)
    # losses near zero (~1e-40) are rounding noise: compare them at the scale of the floor
    np.testing.assert_allclose(losses, ref.losses, rtol=1e-10, atol=1e-12 * max(1.0, ref.initial_loss))


def test_the_solution_passes_the_check():
    result = run_check("7.1", _solution("lr_range_test"))
    assert result.status == "passed", result.messages


def test_a_fixed_stop_factor_fails_the_check():
    solution = _solution("lr_range_test")

    def fixed_factor(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor=4.0):
        return solution(loss_fn, grad_fn, theta0, lr_min, lr_max, steps)  # ignores stop_factor

    assert run_check("7.1", fixed_factor).status == "failed"
