"""Exercise checks for the course notebooks, and the tools that build the student notebooks.

For students
------------
In an exercise notebook::

    from course_utils.grading import check
    check("0.1", quadratic_gradient)

runs the tests of exercise 0.1 on your function at once and shows a short verdict: passed, failed (with
the input that broke it and a hint), "not attempted yet" (your function still raises
``NotImplementedError``), the error your code raised (type, message, line), or "took longer than N s".
``check`` never raises, so a notebook with unfinished exercises still runs top to bottom. It returns a
:class:`CheckResult` (``exercise_id``, ``status``, ``score``, ``messages``); ``run_check`` is the same
without the display (the batch grader uses it).

For check authors
-----------------
One module per chapter, ``course_utils/grading/exercises/chNN.py`` (ids ``"N.*"`` live in ``chNN.py``;
``check`` imports it lazily on first use). A check is a function ``(answer, t)`` registered with
:func:`exercise` (alias :func:`register`); it calls the student's ``answer`` on inputs it builds and records
each case on the :class:`Tester` ``t``::

    import numpy as np

    from ..registry import exercise


    @exercise("0.1", title="Gradient of a quadratic", budget=5.0)
    def check_quadratic_gradient(answer, t):
        A, b, x = np.diag([1.0, 10.0]), np.zeros(2), np.ones(2)
        t.close(answer(A, b, x), A @ x - b, case="A = diag(1, 10), b = 0, x = (1, 1)", rtol=1e-8,
                hint="The gradient of ½xᵀAx is Ax when A is symmetric: the ½ cancels the 2.")
        g = answer(A, b, np.zeros(2))
        t.true(np.allclose(g, -b), case="x = 0", hint="At x = 0 only the linear term −bᵀx contributes.")

Recorder methods (each records one case, returns True/False, never raises):

* ``t.close(actual, expected, *, case, rtol=1e-7, atol=0.0, hint=None)`` — numbers/arrays within tolerance;
  None, non-numeric values, wrong shapes ((2, 1) vs (2,)), NaN and inf fail with a clear message. The
  message gives the *distance* to the expected value, never the value itself.
* ``t.equal(actual, expected, *, case, hint=None)`` — exact equality (ints, strings such as "saddle").
* ``t.true(condition, *, case, hint=None, message="your answer does not have this property")`` — a property (prefer these:
  "the gradient matches finite differences", "the loss decreased").
* ``t.fail(message, *, case, hint=None)`` / ``t.passed(case=...)`` — record an outcome yourself.

Rules of thumb:

* ``case`` describes the input ("A = diag(1, 10), x = (1, 1)"); the student sees it when the case fails.
  ``hint`` names the likely misconception. Neither may contain the expected answer.
* All cases run (a failure does not stop the check); the score is the fraction of cases passed and the
  verdict is "passed" only when every case passed. If the student's code raises, the check stops there and
  the verdict shows their exception and line; ``NotImplementedError`` means "not attempted yet".
* Build fresh inputs for every call (students may modify arrays in place, so check that too); draw the
  printed cases from a fixed ``np.random.default_rng(seed)``, and add hidden cases from
  ``cases.hidden_rng()`` (new inputs on every call) so that a table of the printed inputs cannot pass.
* Choose each hint by recognising the mistake: ``cases.diagnose(value, [(what_mistake_gives, hint), ...],
  default, expected=...)`` returns the hint of the misconception the value reproduces. A hint names the
  mistake and where to look — never the formula, the code or the expected value.
* ``budget`` (seconds) bounds the whole check; keep checks well under a second.
* ``answer_is_function=False`` when the student passes a value (a number, an array) instead of a function.

Instructor tools
----------------
``python -m course_utils.grading assign [--check]`` generates ``exercises/`` from ``solutions/`` (see
:mod:`course_utils.grading.assign` for the markers).
"""

from __future__ import annotations

from .check import CheckResult, check, run_check
from .registry import Tester, exercise, register

__all__ = ["check", "run_check", "CheckResult", "exercise", "register", "Tester"]
