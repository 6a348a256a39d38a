"""Verdicts computed outside the student's process (course_utils.grading.remote, issue 22).

The oracle for the remote path is the in-process path: every answer of the misconception corpora, called in a real
kernel across the grader's socket, gets the verdict it gets when the check calls it directly (the wrong ones with
a hint that still names their mistake). The codec is tested on round trips, exact types, and forged messages.
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from misconceptions import load_all

from course_utils.grading import batch, run_check
from course_utils.grading.kernel_runner import KernelRunner
from course_utils.grading.remote import AnswerRaised, Opaque, RemoteAnswer, arrays_in, decode, encode

TESTS = Path(__file__).resolve().parent
WRONG, RIGHT = load_all()


# ---------------------------------------------------------------------------------------------------------------
# The codec


@pytest.mark.parametrize("value", [
    None, True, False, 0, -7, 2**80, 1.5, float("nan"), float("inf"), -float("inf"), "saddle", "",
    (1, 2.0, "x"), [1, [2, (3,)]], {"a": 1, 2: (3.0,)}, np.float64(0.1), np.int64(-3), np.bool_(True),
    np.arange(6.0).reshape(2, 3), np.array([1, 2], dtype=np.int32), np.array(["a", "bc"]), np.zeros((0, 3)),
    np.array(3.0), np.array([1 + 2j]), np.asfortranarray(np.arange(6.0).reshape(2, 3)),
])
def test_plain_data_round_trips_with_its_exact_type(value):
    back = decode(json.loads(json.dumps(encode(value), allow_nan=False)))

    def same(a, b):
        assert type(a) is type(b), (a, b)
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        elif isinstance(a, (list, tuple)):
            assert len(a) == len(b) and all(same(x, y) is None for x, y in zip(a, b))
        elif isinstance(a, dict):
            assert list(a) == list(b) and all(same(a[k], b[k]) is None for k in a)
        elif isinstance(a, float) and a != a:
            assert b != b
        else:
            assert a == b

    same(value, back)


def test_what_is_not_plain_data_arrives_as_an_opaque_placeholder():
    class Sneaky(str):
        def __eq__(self, other):
            return True

        __hash__ = str.__hash__

    for value in (Sneaky("saddle"), lambda x: x, object(), np.array([object()]), 3 + 0j):
        back = decode(json.loads(json.dumps(encode(value))))
        assert isinstance(back, Opaque) or type(back) is complex
    assert decode(encode(Sneaky("saddle"))) != "saddle"  # a str subclass never compares equal to the label


def test_forged_messages_are_refused_and_never_unpickled(tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (Path.touch, (marker,))

    forged = encode(Evil(), trusted=True)  # what a kernel could send if it imitated the grader's direction
    assert forged["$"] == "pickle"
    with pytest.raises(ValueError, match="refused"):
        decode(forged)
    assert not marker.exists()
    for bad in ({"$": "cb", "id": 0}, {"$": "rng", "bitgen": "PCG64", "state": {}}, [1, 2], {"$": "nope"},
                {"$": "nd", "dtype": "|O", "shape": [1], "data": ""}):
        with pytest.raises(ValueError):
            decode(bad)


class _Loopback:
    """A channel whose 'kernel' is a function in this process (the real socket is tested below)."""

    def __init__(self, answer):
        self.answer, self.outbox = answer, []

    def send(self, message):
        self.outbox.append(json.loads(json.dumps(message)))

    def receive(self):
        request = self.outbox.pop()
        assert request["op"] == "call"
        args = decode(request["args"], trusted=True, callback=lambda k: (lambda *a: ("callback", k)))
        try:
            value = self.answer(*args)
        except Exception as exc:
            return {"op": "raise", "type": type(exc).__name__, "message": str(exc), "where": "line 3 of f: x"}
        return {"op": "return", "value": encode(value, aliases=arrays_in([args, {}])), "after": {str(k): encode(a) for k, a in enumerate(args)
                                                                 if isinstance(a, np.ndarray)}}


def test_in_place_changes_come_back_and_errors_keep_their_type():
    def mutate(x):
        x *= 2
        return None

    x = np.ones(3)
    RemoteAnswer(_Loopback(mutate), "mutate")(x)
    np.testing.assert_array_equal(x, 2.0)  # the check still sees that its input was changed

    def bad(x):
        raise ValueError("no")

    with pytest.raises(ValueError, match="no") as info:
        RemoteAnswer(_Loopback(bad), "bad")(x)
    assert isinstance(info.value, AnswerRaised) and info.value.where == "line 3 of f: x"


# ---------------------------------------------------------------------------------------------------------------
# The corpora, through a real kernel


def _expression(function) -> str | None:
    if "<locals>" in function.__qualname__:
        return None
    return f"__import__({function.__module__!r}, fromlist=['_']).{function.__qualname__}"


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    work = tmp_path_factory.mktemp("remote")
    runner = KernelRunner(work, env={"PYTHONPATH": f"{TESTS}:{batch.PACKAGE_ROOT}"})
    session = batch._Session(runner, [], batch.GradeOptions(sandbox=False), time.monotonic() + 3600)
    session.start()
    yield session
    runner.close()


def _remote_verdict(session, exercise_id, function):
    grade = batch._probe(session, exercise_id, _expression(function), "", 30.0, [], [])
    return grade


# Exercises whose checks send objects (models, runs), watch the method in the kernel (3.4, 4.3) or look for
# returned aliases of the inputs (5.4, 6.1, 6.3): all their answers; of the others, the first two wrong answers and
# the first right one (the whole corpus, 317 answers, agreed when run once in 3.7 min; this sample takes ~1 min).
_ALL_OF = {"1.5", "3.4", "4.3", "5.4", "6.1", "6.3", "7.3", "7.4"}


def _sample():
    taken: dict = {}
    chosen = []
    for answer in WRONG + RIGHT:
        kind = (answer.exercise_id, answer.hint_regex is None)
        taken[kind] = taken.get(kind, 0) + 1
        if answer.exercise_id in _ALL_OF or taken[kind] <= (1 if answer.hint_regex is None else 2):
            chosen.append(answer)
    return chosen


@pytest.mark.slow
def test_corpus_answers_get_the_same_verdict_when_called_in_a_kernel(session):
    """The remote verdict's status equals the in-process one; wrong answers still get the hint that names their
    mistake; right answers pass."""
    disagreements = []
    for answer in _sample():
        expression = _expression(answer.function)
        if expression is None:
            continue
        local = run_check(answer.exercise_id, answer.function)
        grade = _remote_verdict(session, answer.exercise_id, answer.function)
        status = grade.status
        hinted = answer.hint_regex is None or any(re.search(answer.hint_regex, m, re.IGNORECASE)
                                                  for m in grade.messages)
        if status != local.status or not hinted:
            disagreements.append((answer.name, local.status, status, grade.messages[:2]))
    assert not disagreements, "\n".join(map(repr, disagreements))


def test_an_answer_that_patches_its_own_process_cannot_pass(session, tmp_path):
    """Patching the checks, the registry and NumPy inside the kernel changes nothing: they are not used there."""
    code = '''
import numpy as np, course_utils.grading.registry as registry, course_utils.grading.check as check
registry.Tester._record = lambda self, case, passed, message="", hint=None: registry.Tester.__dict__
np.allclose = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
def forged(A, b, x):
    import sys
    for depth in range(1, 30):  # look for the check's expected values in the callers' frames
        try:
            frame = sys._getframe(depth)
        except ValueError:
            break
        for value in frame.f_locals.values():
            if isinstance(value, np.ndarray) and value.shape == x.shape:
                return value
    return np.zeros_like(x)
'''
    run = session.runner.run(code, 30)
    assert run.status == "ok", run
    grade = batch._probe(session, "0.1", "forged", "", 30.0, [], [])
    assert grade.status == "failed", grade
    session.runner.run("def zeros(A, b, x):\n    return np.zeros_like(x)\n", 30)
    assert grade.score <= batch._probe(session, "0.1", "zeros", "", 30.0, [], []).score  # found nothing to copy


def test_exit_and_os_exit_inside_an_answer(session):
    session.runner.run("def leaves(A, b, x):\n    raise SystemExit('bye')\n", 30)
    grade = batch._probe(session, "0.1", "leaves", "", 30.0, [], [])
    assert grade.status == "error" and "sys.exit" in grade.messages[0]
    session.runner.run("def crashes(A, b, x):\n    import os\n    os._exit(3)\n", 30)
    grade = batch._probe(session, "0.1", "crashes", "", 30.0, [], [])
    assert grade.status == "kernel died", grade
    assert session.runner.alive  # restarted for the next exercise
    assert sys.executable  # the grader itself is untouched


def test_a_returned_input_comes_back_as_that_input_and_a_reversed_view_by_its_values():
    x = np.arange(4.0)
    assert RemoteAnswer(_Loopback(lambda v: v), "same")(x) is x  # the check can tell "you returned my array"
    reversed_view = RemoteAnswer(_Loopback(lambda v: v[::-1]), "rev")(x)
    assert reversed_view is not x
    np.testing.assert_array_equal(reversed_view, [3.0, 2.0, 1.0, 0.0])
