"""check / run_check: every verdict, what the student sees, and that nothing leaks or raises."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import jupytext
import numpy as np
import pytest

from course_utils.grading import CheckResult, Tester, check, registry, run_check
from course_utils.grading.check import render_html, render_text

REPO = Path(__file__).resolve().parents[1]

# Private exercises registered only for these tests (chapter 99 has no module); removed after this module.


@pytest.fixture(autouse=True, scope="module")
def _forget_test_exercises():
    yield
    for exercise_id in [k for k in registry.all_ids() if k.startswith("99.")]:
        registry.unregister(exercise_id)


@registry.exercise("99.1", title="Double a vector", budget=0.5)
def _check_double(answer, t):
    x = np.array([1.5, -2.0, 4.0])
    t.close(answer(x.copy()), 2 * x, case="x = (1.5, −2, 4)", hint="Multiply every entry by two.")
    t.close(answer(np.zeros(2)), np.zeros(2), atol=1e-12, case="x = 0", hint="Twice zero is zero.")


def _correct(x):
    return 2 * x


def _wrong(x):
    return 3 * x


def _raises(x):
    y = x[0]
    return y / 0.0 + {}["missing"]


def _stub(x):
    raise NotImplementedError("double every entry of x")


def _infinite(x):
    while True:
        pass


# ---------------------------------------------------------------------------------------------------------------
# The verdicts


def test_correct_answer_passes_with_full_score():
    result = run_check("99.1", _correct)
    assert result == CheckResult("99.1", "passed", 1.0, (), "Double a vector", 2, 2)
    assert result.passed


def test_wrong_answer_fails_with_case_and_hint_but_not_the_expected_value():
    result = run_check("99.1", _wrong)
    assert result.status == "failed"
    assert result.score == 0.5  # the x = 0 case still passes
    text = render_text(result)
    assert "x = (1.5, −2, 4)" in text and "Multiply every entry by two." in text
    assert "relative" in text
    assert "-4" not in text and "8." not in text  # entries of the expected 2x = (3, -4, 8)


def test_expected_value_never_leaks_for_a_distinctive_answer():
    @registry.exercise("99.2", title="Secret", budget=1.0)
    def _secret(answer, t):
        t.close(answer(), np.array([123.456, 789.012]), case="no input", hint="think")
        t.equal(answer(), "saddle-point-secret", case="string", hint="think again")

    result = run_check("99.2", lambda: np.array([1.0, 2.0]))
    text = render_text(result) + render_html(result)
    assert result.status == "failed"
    assert "123.4" not in text and "789.0" not in text and "saddle-point-secret" not in text


def test_not_attempted_when_the_function_raises_not_implemented():
    result = check("99.1", _stub)
    assert result.status == "not attempted" and result.score == 0.0
    assert "not attempted yet" in render_text(result)
    assert "double every entry of x" in render_text(result)


def test_student_exception_reports_type_message_and_their_line():
    result = run_check("99.1", _raises)
    assert result.status == "error"
    text = render_text(result)
    assert "KeyError" in text and "'missing'" in text
    line = _raises.__code__.co_firstlineno + 2
    assert f"line {line} of _raises" in text
    assert 'return y / 0.0 + {}["missing"]' in text


def test_infinite_loop_times_out_and_reports_the_budget():
    result = run_check("99.1", _infinite)
    assert result.status == "timeout"
    assert "took longer than 0.5 s" in render_text(result)


def test_timeout_restores_the_previous_alarm_handler():
    import signal

    before = signal.getsignal(signal.SIGALRM)
    run_check("99.1", _infinite)
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_off_main_thread_runs_without_a_timer():
    results = []
    thread = threading.Thread(target=lambda: results.append(run_check("99.1", _correct)))
    thread.start()
    thread.join(10)
    assert results and results[0].status == "passed"


def test_unknown_id_suggests_the_closest_ids():
    result = check("0.9", _correct)
    assert result.status == "error"
    assert "no exercise '0.9'" in result.messages[0] and "'0.4'" in result.messages[0]


@pytest.mark.parametrize("bad", [None, 3, "0.1.2", "", object()])
def test_check_never_raises_on_bad_input(bad, capsys):
    result = check(bad, _correct)
    assert isinstance(result, CheckResult) and result.status == "error"
    assert capsys.readouterr().out.strip()


def test_non_callable_answer_is_a_clear_failure():
    result = run_check("99.1", 2.0)
    assert result.status == "failed"
    assert "expects your function" in result.messages[0]


def test_bug_in_the_check_is_reported_as_the_courses_fault():
    @registry.exercise("99.3", title="Broken check", budget=1.0)
    def _broken(answer, t):
        raise RuntimeError("oops")

    result = run_check("99.3", _correct)
    assert result.status == "error" and "please report" in result.messages[0]


def test_overflow_warnings_from_student_code_become_a_failure_not_a_crash():
    result = run_check("99.1", lambda x: np.exp(np.full_like(x, 1e5)))
    assert result.status == "failed"
    assert "inf" in render_text(result)


def test_check_prints_plain_text_outside_jupyter_and_repr_is_compact(capsys):
    result = check("99.1", _correct)
    out = capsys.readouterr().out
    assert out.startswith("✓ Exercise 99.1 (Double a vector): passed")
    assert repr(result) == "CheckResult('99.1', 'passed', score=1.00)"


def test_html_states_the_verdict_in_words_and_symbols():
    html = render_html(run_check("99.1", _wrong))
    assert 'role="status"' in html and "✗" in html and "failed" in html


def test_importing_grading_does_not_import_numpy_or_chapter_checks():
    code = ("import sys, course_utils.grading; "
            "print('numpy' in sys.modules, 'course_utils.grading.exercises.ch00' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# ---------------------------------------------------------------------------------------------------------------
# The recorder


def test_tester_close_catches_shape_none_nan_and_non_numbers():
    t = Tester()
    assert not t.close(np.ones((2, 1)), np.ones(2), case="column")
    assert not t.close(None, 1.0, case="none")
    assert not t.close(np.array([1.0, np.nan]), np.ones(2), case="nan")
    assert not t.close("abc", 1.0, case="string")
    assert t.close(1.0 + 1e-9, 1.0, case="close", rtol=1e-8)
    assert not t.close(-np.ones(3), np.ones(3), case="sign")
    messages = [c.message for c in t.cases]
    assert "shape (2, 1); expected shape (2,)" in messages[0]
    assert "forget `return`" in messages[1]
    assert "NaN at index (1,)" in messages[2]
    assert "expected a number" in messages[3]
    assert "opposite sign" in messages[5]
    assert t.score == pytest.approx(1 / 6)


def test_tester_equal_and_true():
    t = Tester()
    assert t.equal("saddle", "saddle", case="a")
    assert not t.equal(1, "saddle", case="b")
    assert not t.equal(np.ones(3), 1.0, case="c")
    assert t.true(np.array([True, True]), case="d")
    assert not t.true(np.array([True, False]), case="e", message="not all true")
    assert [c.passed for c in t.cases] == [True, False, False, True, False]
    assert t.cases[-1].message == "not all true"


def test_registering_an_id_twice_with_another_function_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        @registry.exercise("99.1", title="again")
        def _other(answer, t):
            pass


@pytest.mark.parametrize("bad_id", ["1", "1.2.3", "a.1", 1.2])
def test_malformed_ids_are_refused_at_registration(bad_id):
    with pytest.raises(ValueError, match="exercise_id"):
        registry.exercise(bad_id, title="x")


# ---------------------------------------------------------------------------------------------------------------
# Chapter 0: the solutions pass, the stubs are "not attempted", classic mistakes fail.


def _functions_of(path: Path) -> dict:
    """Execute the code cells of a jupytext notebook except the `check(...)` calls; return its namespace."""
    nb = jupytext.read(path)
    namespace: dict = {}
    for cell in nb.cells:
        if cell.cell_type == "code" and not cell.source.lstrip().startswith("check("):
            exec(compile(cell.source, str(path), "exec"), namespace)
    return namespace


CHAPTER0 = {"0.1": "quadratic_gradient", "0.2": "gradient_descent_step", "0.3": "loss_after_k_steps",
            "0.4": "max_stable_lr"}


@pytest.mark.parametrize("exercise_id", sorted(CHAPTER0))
def test_chapter0_solutions_pass_and_exercises_are_not_attempted(exercise_id):
    name = CHAPTER0[exercise_id]
    solution = _functions_of(REPO / "solutions" / "00_start_here_exercises.py")[name]
    stub = _functions_of(REPO / "exercises" / "00_start_here_exercises.py")[name]
    assert run_check(exercise_id, solution).status == "passed"
    assert run_check(exercise_id, stub).status == "not attempted"


@pytest.mark.parametrize("exercise_id, mistake", [
    ("0.1", lambda A, b, x: A @ x + b),              # sign of the linear term
    ("0.1", lambda A, b, x: 2 * A @ x - b),          # forgot the ½
    ("0.1", lambda A, b, x: (A @ x - b)[:, None]),   # column instead of vector
    ("0.2", lambda grad, x, lr: x + lr * grad(x)),   # uphill
    ("0.2", lambda grad, x, lr: x - lr * grad(x - lr)),  # gradient at the wrong point
    ("0.3", lambda a, x0, lr, k: (1 - lr * a) ** k * x0),  # returns the point, not the loss
    ("0.3", lambda a, x0, lr, k: 0.5 * a * ((1 - lr * a) ** (k - 1) * x0) ** 2),  # off by one step
    ("0.4", lambda A: 1 / (2 + 9 * np.pi**2 * A)),   # 1/λ: the fastest step, not the largest
    ("0.4", lambda A: 1.0),                          # the round bowl's limit: ripples ignored
])
def test_chapter0_classic_mistakes_fail(exercise_id, mistake):
    result = run_check(exercise_id, mistake)
    assert result.status == "failed" and result.score < 1.0
    assert "hint:" in render_text(result)


def test_chapter0_in_place_update_is_caught():
    def in_place(grad, x, lr):
        x -= lr * grad(x)
        return x

    result = run_check("0.2", in_place)
    assert result.status == "failed"
    assert "in place" in render_text(result)


# ---------------------------------------------------------------------------------------------------------------
# COURSE_CHECK_REQUIRE_PASS: the solutions' runs in `make notebooks` fail on any verdict but "passed".


def test_require_pass_raises_on_a_wrong_answer_and_not_on_a_right_one(monkeypatch):
    solution = _functions_of(REPO / "solutions" / "00_start_here_exercises.py")["quadratic_gradient"]
    wrong = lambda A, b, x: A @ x + b  # noqa: E731
    assert check("0.1", wrong).status == "failed"          # off: a wrong answer never raises
    monkeypatch.setenv("COURSE_CHECK_REQUIRE_PASS", "1")
    assert check("0.1", solution).status == "passed"
    with pytest.raises(AssertionError, match=r"0\.1.*'failed'"):
        check("0.1", wrong)
    stub = _functions_of(REPO / "exercises" / "00_start_here_exercises.py")["quadratic_gradient"]
    with pytest.raises(AssertionError, match="not attempted"):
        check("0.1", stub)


def test_grading_kernels_never_inherit_the_suites_switches(monkeypatch, tmp_path):
    from course_utils.grading.kernel_runner import KernelRunner

    for name in ("COURSE_SEED", "COURSE_PERTURB", "COURSE_CHECK_REQUIRE_PASS"):
        monkeypatch.setenv(name, "1" if name != "COURSE_PERTURB" else "1e-12")
    with KernelRunner(tmp_path) as runner:
        run = runner.run("import os; print(sorted(k for k in os.environ if k in ('COURSE_SEED', 'COURSE_PERTURB', 'COURSE_CHECK_REQUIRE_PASS')))", timeout=60)
    assert run.stdout.strip() == "[]", run


def test_unregister_forgets_an_exercise_and_ignores_an_unknown_one():
    @registry.exercise("99.9", title="Throw-away", budget=0.5)
    def _throw_away(answer, t):
        t.passed(case="x")

    assert "99.9" in registry.all_ids()
    registry.unregister("99.9")
    assert "99.9" not in registry.all_ids()
    registry.unregister("99.9")  # already gone: ignored


def test_a_single_output_message_longer_than_the_limit_is_marked_truncated(tmp_path):
    from course_utils.grading.kernel_runner import KernelRunner

    with KernelRunner(tmp_path, output_limit=100) as runner:
        long = runner.run("import sys; sys.stdout.write('x' * 5000 + 'END'); sys.stdout.flush()", timeout=60)
        short = runner.run("print('ok')", timeout=60)
    assert long.truncated and long.stdout.endswith("END") and len(long.stdout) == 100, long
    assert not short.truncated and short.stdout == "ok\n", short


# ---------------------------------------------------------------------------------------------------------------
# Under nbgrader (NBGRADER_EXECUTION): the cell's value is the score, which nbgrader reads as partial credit.


def _cell_value(result) -> dict:
    """What IPython's displayhook would put in the cell's Out[] (execute_result) for ``result``."""
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(result)
    return data


@pytest.mark.parametrize("mode", ["autograde", "validate"])
def test_under_nbgrader_the_cell_value_is_the_score_alone(monkeypatch, capsys, mode):
    monkeypatch.setenv("NBGRADER_EXECUTION", mode)
    result = check("99.1", _wrong)
    assert "✗ Exercise 99.1" in capsys.readouterr().out  # the verdict is still shown
    assert result.status == "failed" and result.score == 0.5 and isinstance(result, CheckResult)
    assert _cell_value(result) == {"text/plain": "0.5"}
    assert float(_cell_value(check("99.1", _correct))["text/plain"]) == 1.0
    for answer in (_stub, _raises, None):
        assert _cell_value(check("99.1", answer)) == {"text/plain": "0.0"}


def test_outside_nbgrader_the_cell_value_is_the_verdict_as_before(monkeypatch, capsys):
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    result = check("99.1", _wrong)
    assert type(result) is CheckResult
    assert _cell_value(result) == {}  # _ipython_display_ shows the verdict itself (once, in Jupyter)
    monkeypatch.setenv("NBGRADER_EXECUTION", "something else")
    assert _cell_value(check("99.1", _wrong)) == {}


def test_under_nbgrader_stderr_of_the_answer_moves_to_stdout(monkeypatch, capsys):
    # nbgrader gives 0 points to a test cell with any stderr output; the course grader ignores it.
    def noisy(x):
        print("debugging", file=sys.stderr)
        return 2 * x

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert check("99.1", noisy).score == 1.0
    captured = capsys.readouterr()
    assert captured.err == "" and "debugging" in captured.out
