"""The exercise registry and the case recorder that check functions write to.

A check author registers one function per exercise with :func:`exercise` (alias :func:`register`)
and records cases on the :class:`Tester` it receives. Registration happens when the chapter module
``course_utils/grading/exercises/chNN.py`` is imported; :func:`get` imports that module lazily from
the id prefix ("2.3" -> ``ch02``), so importing the grading package costs nothing.
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Exercise", "Case", "Tester", "UnknownExercise", "exercise", "register", "get", "all_ids"]

_ID_PATTERN = re.compile(r"^(\d+)\.(\d+)([a-z]?)$")
_REGISTRY: dict[str, Exercise] = {}
_EXERCISES_PACKAGE = __name__.rsplit(".", 1)[0] + ".exercises"


@dataclass(frozen=True)
class Exercise:
    """One registered exercise: its id, title, time budget (seconds) and check function.

    Parameters
    ----------
    id : str
        The exercise id, ``"<chapter>.<number>"`` with an optional lowercase letter (``"2.3"``, ``"2.3b"``).
    title : str
        Short title shown in the verdict.
    check : callable
        ``check(answer, t)``: runs the exercise's cases on the student's ``answer``, recording them on the
        :class:`Tester` ``t``.
    budget : float, default 5.0
        Seconds the whole check may take before it is stopped and reported as a timeout.
    answer_is_function : bool, default True
        True when the student's answer must be a function; False for value answers (a number, an array, a
        string).
    """

    id: str
    title: str
    check: Callable[[Any, Tester], None]
    budget: float = 5.0
    answer_is_function: bool = True


@dataclass(frozen=True)
class Case:
    """The outcome of one recorded case: what was tried, whether it passed, and why not.

    Parameters
    ----------
    case : str
        Description of the case (the input tried), shown in the verdict.
    passed : bool
        Whether the case passed.
    message : str, default ""
        What was wrong with the student's value; empty when the case passed.
    hint : str, default ""
        A hint about the likely misconception; empty when the case passed or no hint was given.
    """

    case: str
    passed: bool
    message: str = ""
    hint: str = ""


class UnknownExercise(KeyError, ValueError):
    """Raised by :func:`get` for an id that no chapter module registers; ``str()`` suggests close ids.

    A ``KeyError`` (a lookup that found nothing) and a ``ValueError`` (a bad argument), so either ``except`` works.
    """

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


def exercise(exercise_id: str, *, title: str, budget: float = 5.0, answer_is_function: bool = True):
    """Register the decorated ``check(answer, t)`` as the check of ``exercise_id``.

    Parameters
    ----------
    exercise_id : str
        ``"<chapter>.<number>"`` such as ``"2.3"`` (an optional lowercase letter suffix, ``"2.3b"``, is allowed).
        The chapter number selects the module: ids ``"2.*"`` must be registered in ``exercises/ch02.py``.
    title : str
        Short title shown in the verdict ("Gradient of a quadratic").
    budget : float
        Seconds the whole check may take before it is stopped and reported as a timeout.
    answer_is_function : bool
        True (default) when the student passes a function; ``check`` then reports a clear failure if they
        pass anything else. False for value answers (a number, an array, a string).
    """
    match = _ID_PATTERN.match(exercise_id) if isinstance(exercise_id, str) else None
    if match is None:
        raise ValueError(f"`exercise_id` must look like '2.3' (chapter.number), got {exercise_id!r}")
    if not (isinstance(budget, (int, float)) and 0 < budget < 600):
        raise ValueError(f"`budget` must be a number of seconds in (0, 600), got {budget!r}")

    def decorator(check: Callable[[Any, Tester], None]):
        previous = _REGISTRY.get(exercise_id)
        # Re-importing the same module (importlib.reload, autoreload) re-registers the same function.
        if previous is not None and previous.check.__qualname__ != check.__qualname__:
            raise ValueError(
                f"exercise {exercise_id!r} is registered twice: {previous.check.__qualname__} and {check.__qualname__}"
            )
        _REGISTRY[exercise_id] = Exercise(exercise_id, title, check, float(budget), answer_is_function)
        return check

    return decorator


register = exercise  # the name used in the project's shared brief


def unregister(exercise_id: str) -> None:
    """Forget ``exercise_id`` (tests register throw-away exercises such as ``"99.1"``); an unknown id is ignored."""
    _REGISTRY.pop(exercise_id, None)


def _chapter_module(exercise_id: str) -> str | None:
    match = _ID_PATTERN.match(exercise_id)
    return None if match is None else f"{_EXERCISES_PACKAGE}.ch{int(match.group(1)):02d}"


def _load_all() -> None:
    package = importlib.import_module(_EXERCISES_PACKAGE)
    for info in pkgutil.iter_modules(package.__path__):
        if re.fullmatch(r"ch\d\d", info.name):
            try:
                importlib.import_module(f"{_EXERCISES_PACKAGE}.{info.name}")
            except Exception:  # a broken chapter must not hide the others' ids
                continue


def all_ids() -> list[str]:
    """Every registered exercise id, in chapter order (imports every chapter module)."""
    _load_all()

    def key(eid: str):
        major, minor, suffix = _ID_PATTERN.match(eid).groups()
        return int(major), int(minor), suffix

    return sorted(_REGISTRY, key=key)


def get(exercise_id: str) -> Exercise:
    """The :class:`Exercise` registered as ``exercise_id``, importing its chapter module on first use.

    Parameters
    ----------
    exercise_id : str
        An id such as ``"2.3"``; surrounding spaces are ignored.

    Returns
    -------
    Exercise

    Raises
    ------
    TypeError
        When ``exercise_id`` is not a string.
    ------
    UnknownExercise
        When no chapter registers that id; the message lists the closest ids.
    ImportError, Exception

        Whatever the chapter module raised while loading (``run_check`` reports it).
    """
    if not isinstance(exercise_id, str):
        raise TypeError(f"`exercise_id` must be a string such as '0.1', got {short_answer(exercise_id)} "
                        f"of type {type(exercise_id).__name__}")
    exercise_id = exercise_id.strip()
    if exercise_id not in _REGISTRY:
        module = _chapter_module(exercise_id)
        if module is not None:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise
    if exercise_id in _REGISTRY:
        return _REGISTRY[exercise_id]
    known = all_ids()
    # A typo usually keeps the chapter ("0.4" for "0.3"): suggest that chapter's ids first.
    same_chapter = [k for k in known if k.split(".")[0] == exercise_id.split(".")[0]]
    close = difflib.get_close_matches(exercise_id, same_chapter or known, n=3, cutoff=0.3)
    suggestions = close or same_chapter[:5]
    text = f"there is no exercise {exercise_id!r} (`exercise_id`)"
    if suggestions:
        text += "; did you mean " + " or ".join(repr(s) for s in suggestions) + "?"
    elif known:
        text += f"; known exercises: {', '.join(known[:12])}" + (" …" if len(known) > 12 else "")
    raise UnknownExercise(text)


# ---------------------------------------------------------------------------------------------------------------
# The case recorder


def short_answer(value: Any) -> str:
    """A compact repr of a *student's* value for feedback (never call it on an expected value)."""
    from ..validation import short_repr

    return short_repr(value, limit=80)


def _type_name(value: Any) -> str:
    return type(value).__name__


class Tester:
    """Records the cases of one check run; passed to every check function as ``t``.

    Every method records one case and returns whether it passed, so a check can skip cases that
    only make sense after an earlier one passed. Checks **continue after a failure**: every case
    runs, the score is the fraction of cases that passed, and the verdict lists the failures.
    Messages describe the student's value (its shape, its distance to the expected one) and never
    print the expected value.
    """

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self) -> None:
        self.cases: list[Case] = []

    # -- recording ------------------------------------------------------------------------------
    def _record(self, case: str, passed: bool, message: str = "", hint: str | None = None) -> bool:
        self.cases.append(Case(str(case), bool(passed), message if not passed else "", (hint or "") if not passed else ""))
        return bool(passed)

    def passed(self, *, case: str) -> bool:
        """Record a case that passed unconditionally (rarely needed).

        Parameters
        ----------
        case : str
            Description of the case, shown in the verdict.

        Returns
        -------
        bool
            Always True.
        """
        return self._record(case, True)

    def fail(self, message: str, *, case: str, hint: str | None = None) -> bool:
        """Record a failed case with a custom message (make sure it does not reveal the answer).

        Parameters
        ----------
        message : str
            What was wrong, shown to the student.
        case : str
            Description of the case (the input tried), shown in the verdict.
        hint : str, optional
            A hint about the likely misconception.

        Returns
        -------
        bool
            Always False.
        """
        return self._record(case, False, message, hint)

    # -- comparisons ----------------------------------------------------------------------------
    def true(self, condition: Any, *, case: str, hint: str | None = None, message: str = "your answer does not have this property") -> bool:
        """Record a property: passes when ``condition`` is truthy (NumPy arrays: all elements).

        Parameters
        ----------
        condition : object
            Tested with ``bool(np.all(condition))``; an object for which that raises counts as a failure.
        case : str
            Description of the case (the input tried), shown in the verdict.
        hint : str, optional
            A hint about the likely misconception, shown when the case fails.
        message : str, default "your answer does not have this property"
            What is wrong when the case fails.

        Returns
        -------
        bool
            Whether the case passed.
        """
        import numpy as np

        try:
            ok = bool(np.all(condition))
        except Exception:  # an ambiguous or exotic object is a failure, not a crash
            ok = False
        return self._record(case, ok, message, hint)

    def equal(self, actual: Any, expected: Any, *, case: str, hint: str | None = None) -> bool:
        """Exact equality for ints, strings, booleans, tuples (e.g. a classification "saddle").

        Parameters
        ----------
        actual : object
            The student's value. None (when ``expected`` is not None) and a non-string where a string is
            expected fail with a message saying so.
        expected : object
            The reference value (never shown to the student).
        case : str
            Description of the case (the input tried), shown in the verdict.
        hint : str, optional
            A hint about the likely misconception, shown when the case fails.

        Returns
        -------
        bool
            Whether the case passed.
        """
        if actual is None and expected is not None:
            return self._record(case, False, "your function returned None — did you forget `return`?", hint)
        # Compare plain data only: never call the answer's own __eq__ (a str subclass could claim equality).
        import numpy as np

        if isinstance(expected, str):
            if type(actual) is not str:
                message = f"your function returned {_type_name(actual)} {short_answer(actual)}; expected a plain str"
                return self._record(case, False, message, hint)
            ok = str.__eq__(actual, expected) is True
        elif isinstance(expected, (bool, np.bool_)):
            if type(actual) not in (bool, np.bool_):
                message = f"your function returned {_type_name(actual)} {short_answer(actual)}; expected True or False"
                return self._record(case, False, message, hint)
            ok = bool(actual) is bool(expected)
        elif isinstance(expected, (int, np.integer)):
            if isinstance(actual, (bool, np.bool_)) or type(actual) is not int and not isinstance(actual, np.integer):
                message = f"your function returned {_type_name(actual)} {short_answer(actual)}; expected an int"
                return self._record(case, False, message, hint)
            ok = int(actual) == int(expected)
        else:
            try:
                ok = type(actual) is type(expected) and bool(expected == actual)
            except Exception:  # e.g. an array compared with a scalar
                ok = False
        message = f"your value {short_answer(actual)} is not the expected one"
        return self._record(case, ok, message, hint)

    def close(
        self,
        actual: Any,
        expected: Any,
        *,
        case: str,
        rtol: float = 1e-7,
        atol: float = 0.0,
        hint: str | None = None,
    ) -> bool:
        """Numbers or arrays equal up to ``|actual - expected| <= atol + rtol * |expected|`` elementwise.

        Fails with a clear message when the student's value is None, not numeric, of the wrong shape
        (a ``(2, 1)`` column instead of a ``(2,)`` vector), contains NaN or inf, or is too far away
        (reported as a relative or absolute distance, never as the expected value).

        Parameters
        ----------
        actual : object
            The student's value, converted with ``np.asarray(actual, dtype=float)``.
        expected : array_like
            The reference value (never shown to the student); its shape is the required shape. NaN entries
            must be matched by NaN.
        case : str
            Description of the case (the input tried), shown in the verdict.
        rtol : float, default 1e-7
            Relative tolerance.
        atol : float, default 0.0
            Absolute tolerance (needed when ``expected`` has zeros).
        hint : str, optional
            A hint about the likely misconception, shown when the case fails.

        Returns
        -------
        bool
            Whether the case passed.
        """

        import numpy as np

        expected = np.asarray(expected, dtype=float)
        if actual is None:
            return self._record(case, False, "your function returned None — did you forget `return`?", hint)
        try:
            value = np.asarray(actual, dtype=float)
        except (TypeError, ValueError):
            kind = "a number" if expected.ndim == 0 else f"an array of shape {expected.shape}"
            return self._record(
                case, False, f"your function returned {_type_name(actual)} {short_answer(actual)}; expected {kind}", hint
            )
        if value.shape != expected.shape:
            if expected.ndim == 0:
                message = f"your value has shape {value.shape}; expected a single number"
            else:
                message = f"your value has shape {value.shape}; expected shape {expected.shape}"
                if value.shape == expected.shape[::-1] and value.ndim == 2:
                    message += " (transposed?)"
            return self._record(case, False, message, hint)
        bad = ~np.isfinite(value) & np.isfinite(expected)
        if bad.any():
            kinds = " and ".join(k for k, m in (("NaN", np.isnan(value)), ("inf", np.isinf(value))) if m.any())
            where = "" if value.ndim == 0 else f" at index {tuple(int(i) for i in np.argwhere(bad)[0])}"
            return self._record(case, False, f"your value contains {kinds}{where}", hint)
        with np.errstate(all="ignore"):
            ok = bool(np.all(np.abs(value - expected) <= atol + rtol * np.abs(expected)) and
                      np.array_equal(np.isnan(value), np.isnan(expected)))
        if ok:
            return self._record(case, True)
        scale = float(np.linalg.norm(expected))
        # Report the entry the elementwise test failed worst on, in the test's own terms (not a norm-relative
        # distance, which can look smaller than the tolerance although an entry is off).
        with np.errstate(all="ignore"):
            err = np.abs(value - expected)
            allowed = atol + rtol * np.abs(expected)
            excess = np.where(allowed > 0, err / np.where(allowed > 0, allowed, 1.0), np.where(err > 0, np.inf, 0.0))
        worst = np.unravel_index(int(np.argmax(np.nan_to_num(excess, nan=np.inf))), value.shape) if value.ndim else ()
        where = f" (worst at index {tuple(int(i) for i in worst)})" if value.ndim and value.size > 1 else ""
        e_w, d_w = float(np.abs(expected[worst])), float(err[worst])
        if e_w > 0 and rtol > 0 and d_w > atol:
            message = (f"your value differs from the expected one by {d_w / e_w:.1e} relative{where} "
                       f"(tolerance {rtol:.0e}" + (f", plus {atol:.0e} absolute" if atol else "") + ")")
        else:
            message = (f"your value differs from the expected one by {d_w:.1e} absolute{where} "
                       f"(tolerance {atol:.0e}" + (f", plus {rtol:.0e} relative" if rtol else "") + ")")
        if scale > 0 and np.allclose(value, -expected, rtol=max(rtol, 1e-6), atol=atol):
            message += "; it has the opposite sign"
        return self._record(case, False, message, hint)

    # -- summary --------------------------------------------------------------------------------
    @property
    def n_passed(self) -> int:
        return sum(c.passed for c in self.cases)

    @property
    def score(self) -> float:
        return self.n_passed / len(self.cases) if self.cases else 0.0
