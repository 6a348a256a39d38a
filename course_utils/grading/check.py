"""Run one exercise's check on a student's answer and show the verdict.

:func:`run_check` is pure (it returns a :class:`CheckResult` and prints nothing) so the batch grader can
reuse it; :func:`check` is ``run_check`` followed by a display: HTML with a plain-text fallback in Jupyter,
plain text elsewhere. Neither ever raises (except on Ctrl-C) — unless the environment variable
``COURSE_CHECK_REQUIRE_PASS=1`` is set: then ``check`` raises ``AssertionError`` on any verdict but
"passed". ``make notebooks`` sets it for ``solutions/``, so the authored solutions must pass every check in
each of its three rounding runs (a silent "failed" would otherwise leave the run green).
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import io
import linecache
import os
import signal
import sys
import sysconfig
import threading
import traceback
import warnings
from dataclasses import dataclass
from typing import Any

from . import registry

__all__ = ["CheckResult", "STATUSES", "run_check", "check", "render_text", "render_html", "NBGRADER_VARIABLE"]

NBGRADER_VARIABLE = "NBGRADER_EXECUTION"  # set by nbgrader while it runs a notebook: "autograde" or "validate"

STATUSES = ("passed", "failed", "not attempted", "error", "timeout")
_MAX_FAILURES_SHOWN = 3
_SYMBOLS = {"passed": "✓", "failed": "✗", "not attempted": "○", "error": "⚠", "timeout": "⏱"}
# Colours only reinforce the words and symbols above (WCAG: never colour alone); both pass 4.5:1 on white.
_COLOURS = {"passed": "#1a7f37", "failed": "#b3261e", "not attempted": "#57606a", "error": "#9a6700",
            "timeout": "#9a6700"}


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one check.

    Parameters
    ----------
    exercise_id : str
        The exercise id checked, such as ``"0.1"``.
    status : str
        One of ``"passed"``, ``"failed"``, ``"not attempted"``, ``"error"``, ``"timeout"``.
    score : float
        Fraction of the recorded cases that passed, in [0, 1] (0 unless the check ran to the end).
    messages : tuple of str
        Lines of feedback for the student (never containing an expected answer).
    title : str
        The exercise title ("" for an unknown id).
    n_passed, n_cases : int
        Cases passed and recorded.
    """

    exercise_id: str
    status: str
    score: float = 0.0
    messages: tuple[str, ...] = ()
    title: str = ""
    n_passed: int = 0
    n_cases: int = 0

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def headline(self) -> str:
        """One line: symbol, exercise, status in words and the case count."""
        name = f"Exercise {self.exercise_id}" + (f" ({self.title})" if self.title else "")
        words = {"passed": f"passed — all {self.n_cases} cases",
                 "failed": f"failed — {self.n_passed} of {self.n_cases} cases passed" if self.n_cases else "failed",
                 "not attempted": "not attempted yet",
                 "error": "error",
                 "timeout": "took too long"}[self.status]
        return f"{_SYMBOLS[self.status]} {name}: {words}"

    def __repr__(self) -> str:
        return f"CheckResult({self.exercise_id!r}, {self.status!r}, score={self.score:.2f})"

    def _repr_html_(self) -> str:
        return render_html(self)

    def _ipython_display_(self) -> None:
        # `check(...)` already showed this verdict; do not show it a second time as the cell's Out[].
        shown_at = self.__dict__.get("_shown_at_execution")
        if shown_at is not None and shown_at == _execution_count():
            return
        _display(self)


class _NbgraderScore(CheckResult):
    """A verdict whose cell value (``Out[]``) is only its score, the number nbgrader reads as partial credit.

    nbgrader takes the ``text/plain`` of a test cell's ``execute_result`` as its points; ``check`` already showed
    the verdict, so no HTML and no second display here.
    """

    _ipython_display_ = None  # type: ignore[assignment]  # not callable: IPython falls back to the repr
    _repr_html_ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(float(self.score))


def _under_nbgrader() -> bool:
    return os.environ.get(NBGRADER_VARIABLE) in ("autograde", "validate")


# ---------------------------------------------------------------------------------------------------------------
# Running


class _Timeout(BaseException):
    """Raised by the alarm handler; a BaseException so a student's `except Exception` cannot swallow it."""


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Raise :class:`_Timeout` after ``seconds`` of wall time (main thread with SIGALRM only; else no limit)."""
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def on_alarm(signum, frame):
        raise _Timeout

    previous_handler = signal.signal(signal.SIGALRM, on_alarm)
    previous_delay, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay > 0:  # give an enclosing timer back (roughly) what it had left
            signal.setitimer(signal.ITIMER_REAL, max(previous_delay - seconds, 1e-3))


def _library_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    dirs = {paths.get(k) for k in ("stdlib", "platstdlib", "purelib", "platlib")}
    package_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # course_utils/
    dirs.add(package_dir)
    return tuple(os.path.abspath(d) + os.sep for d in dirs if d)


def _is_student_file(filename: str) -> bool:
    if filename.startswith("<frozen"):
        return False
    if filename.startswith("<"):  # <ipython-input-…>, <string>, <stdin>
        return True
    return not os.path.abspath(filename).startswith(_library_dirs())


def _student_frame(exc: BaseException, check_code=None):
    """The deepest traceback entry in the student's code, below the check function's own frame.

    Frames of the course library, the standard library and site-packages are skipped, so an error inside
    NumPy is reported at the student's line that called it.
    """
    tb, below_check = exc.__traceback__, check_code is None
    candidates = []
    while tb is not None:
        if below_check:
            candidates.append(tb)
        elif tb.tb_frame.f_code is check_code:
            below_check = True
        tb = tb.tb_next
    entries = [traceback.extract_tb(tb, limit=1)[0] for tb in candidates]
    entries = [e for e in entries if _is_student_file(e.filename)]
    return entries[-1] if entries else None


def _where(entry) -> str:
    line = entry.line or linecache.getline(entry.filename, entry.lineno).strip()
    where = f"line {entry.lineno} of {entry.name}" if entry.name != "<module>" else f"line {entry.lineno}"
    return where + (f": {line}" if line else "")


def _exception_text(exc: BaseException, limit: int = 300) -> str:
    message = " ".join(str(exc).split())
    message = message if len(message) <= limit else message[: limit - 1] + "…"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _is_call_mismatch(exc: TypeError, answer: Any) -> bool:
    """Whether ``exc`` says that ``answer`` was called with arguments its signature does not accept."""
    name = getattr(answer, "__name__", None)
    text = str(exc)
    return bool(name) and text.startswith(f"{name}()") and "argument" in text


def run_check(exercise_id: str, answer: Any) -> CheckResult:
    """Run the check of ``exercise_id`` on ``answer`` and return its :class:`CheckResult` (never raises).

    Parameters
    ----------
    exercise_id : str
        An exercise id such as ``"0.1"``; a non-string or unknown id gives an ``"error"`` verdict.
    answer : object
        The student's answer: a function for most exercises, else a value. None or ``...`` means
        ``"not attempted"``; a non-callable where a function is expected is ``"failed"``.

    Returns
    -------
    CheckResult
    """
    if not isinstance(exercise_id, str):
        return CheckResult(str(exercise_id), "error",
                           messages=(f"exercise ids are strings such as '0.1', got {exercise_id!r}",))
    try:
        ex = registry.get(exercise_id)
    except registry.UnknownExercise as exc:
        return CheckResult(str(exercise_id), "error", messages=(str(exc),))
    except Exception as exc:  # a chapter module that fails to import is the course's bug, not the student's
        return CheckResult(str(exercise_id), "error", messages=(
            f"the checks for this chapter failed to load ({_exception_text(exc)}); please report this to the "
            "course maintainers.",))

    def result(status, messages=(), tester=None):
        n_cases = len(tester.cases) if tester else 0
        n_passed = tester.n_passed if tester else 0
        score = tester.score if tester and status in ("passed", "failed") else 0.0
        return CheckResult(ex.id, status, score, tuple(messages), ex.title, n_passed, n_cases)

    if answer is None or answer is Ellipsis:
        return result("not attempted", (f'pass your answer: check("{ex.id}", your_function)',))
    if ex.answer_is_function and not callable(answer):
        return result("failed", (f"check({ex.id!r}, …) expects your function, got {type(answer).__name__} "
                                 f"{registry.short_answer(answer)}; pass the function itself, without calling it.",))

    tester = registry.Tester()
    try:
        with _time_limit(ex.budget), warnings.catch_warnings():
            # Overflow and invalid-value warnings become NaN/inf failures with a clear message instead.
            warnings.simplefilter("ignore", RuntimeWarning)
            ex.check(answer, tester)
    except _Timeout:
        return result("timeout", (f"took longer than {ex.budget:g} s — look for a loop that never ends "
                                  "(or a much slower method than needed).",), tester)
    except NotImplementedError as exc:
        task = " ".join(str(exc).split())
        return result("not attempted", ("replace the `raise NotImplementedError` line with your code" +
                                        (f" ({task})" if task else "") + ", then run this check again.",))
    except RecursionError as exc:
        frame = _student_frame(exc, ex.check.__code__)
        where = f" (at {_where(frame)})" if frame else ""
        return result("error", (f"your code raised RecursionError{where}: a function calls itself without end.",),
                      tester)
    except Exception as exc:
        frame = _student_frame(exc, ex.check.__code__)
        if frame is None and isinstance(exc, TypeError) and _is_call_mismatch(exc, answer):
            return result("error", (f"your function could not be called the way the exercise calls it "
                                    f"({_exception_text(exc)}): compare its parameters with the signature given "
                                    "in the exercise.",), tester)
        if frame is None:
            return result("error", (f"the check could not use your answer ({_exception_text(exc)}); make sure your "
                                    "function returns what its docstring says. If it does, please report this to "
                                    "the course maintainers.",), tester)
        return result("error", (f"your code raised {_exception_text(exc)}", f"at {_where(frame)}"), tester)

    if not tester.cases:
        return result("error", ("the check recorded no cases; please report this to the course maintainers.",))
    failures = [c for c in tester.cases if not c.passed]
    if not failures:
        return result("passed", (), tester)
    messages = []
    for c in failures[:_MAX_FAILURES_SHOWN]:
        messages.append(f"✗ case {c.case}: {c.message}" + (f"\n  hint: {c.hint}" if c.hint else ""))
    if len(failures) > _MAX_FAILURES_SHOWN:
        more = len(failures) - _MAX_FAILURES_SHOWN
        messages.append(f"… and {more} more failed case{'s' if more > 1 else ''}")
    return result("failed", messages, tester)


# ---------------------------------------------------------------------------------------------------------------
# Rendering


def _check_result(result) -> None:
    if not isinstance(result, CheckResult):
        raise TypeError(f"`result` must be a CheckResult (what check() and run_check() return), "
                        f"got {type(result).__name__}")


def render_text(result: CheckResult) -> str:
    """The verdict as plain text: the headline, then one indented block per message.

    Parameters
    ----------
    result : CheckResult
        A verdict from :func:`check` or :func:`run_check`.

    Returns
    -------
    str
    """
    _check_result(result)
    lines = [result.headline]
    for message in result.messages:
        lines.extend("    " + line for line in message.splitlines())
    return "\n".join(lines)


def render_html(result: CheckResult) -> str:
    """The verdict as a small HTML block; status in words and a symbol, colour only as reinforcement.

    Parameters
    ----------
    result : CheckResult
        A verdict from :func:`check` or :func:`run_check`.

    Returns
    -------
    str
    """
    _check_result(result)
    colour = _COLOURS[result.status]
    items = "".join(
        "<li>" + "<br>".join(html.escape(line.strip()) for line in m.splitlines()) + "</li>" for m in result.messages
    )
    body = f'<ul style="margin:0.3em 0 0 0;padding-left:1.4em">{items}</ul>' if items else ""
    return (
        f'<div role="status" aria-label="{html.escape(result.headline)}" '
        f'style="border-left:4px solid {colour};padding:0.3em 0.8em;margin:0.2em 0;font-family:sans-serif">'
        f'<strong style="color:{colour}">{html.escape(result.headline)}</strong>{body}</div>'
    )


def _execution_count():
    shell = _kernel_shell()
    return getattr(shell, "execution_count", None) if shell is not None else None


def _kernel_shell():
    """The IPython kernel shell when running in Jupyter (not a terminal IPython), else None."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return None
    try:
        shell = ipython.get_ipython()
    except Exception:
        return None
    return shell if shell is not None and getattr(shell, "kernel", None) is not None else None


def _display(result: CheckResult) -> None:
    if _kernel_shell() is not None:
        from IPython.display import display

        display({"text/plain": render_text(result), "text/html": render_html(result)}, raw=True)
    else:
        print(render_text(result))


def check(exercise_id: str, answer: Any) -> CheckResult:
    """Check ``answer`` for exercise ``exercise_id``, show the verdict, and return the :class:`CheckResult`.

    Parameters
    ----------
    exercise_id : str
        An exercise id such as ``"0.1"``.
    answer : object
        The student's answer, usually the function itself (not called); see :func:`run_check`.

    Returns
    -------
    CheckResult
        Under nbgrader (``NBGRADER_EXECUTION`` set), one whose ``repr`` is its score, so the cell's value is the
        partial credit nbgrader reads.

    Raises
    ------
    AssertionError
        Only when the environment variable ``COURSE_CHECK_REQUIRE_PASS`` is ``"1"`` and the verdict is not
        ``"passed"``.

    Examples

    --------
    >>> check("0.1", quadratic_gradient)  # doctest: +SKIP
    ✓ Exercise 0.1 (Gradient of a quadratic): passed — all 4 cases
    """
    if _under_nbgrader():
        with contextlib.redirect_stderr(io.StringIO()) as stderr:
            result = run_check(exercise_id, answer)
        result = _NbgraderScore(*(getattr(result, f.name) for f in dataclasses.fields(result)))
        if stderr.getvalue():
            print(stderr.getvalue(), end="")
    else:
        result = run_check(exercise_id, answer)
    try:
        _display(result)
        object.__setattr__(result, "_shown_at_execution", _execution_count())
    except Exception:  # displaying must never break the student's notebook
        print(render_text(result))
    if os.environ.get("COURSE_CHECK_REQUIRE_PASS") == "1" and result.status != "passed":
        raise AssertionError(f"COURSE_CHECK_REQUIRE_PASS: exercise {exercise_id} is {result.status!r}, not 'passed'")
    return result
