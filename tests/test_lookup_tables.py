"""No exercise can be passed by a table of the inputs a check used before (issue 21).

For each exercise the reference solution is run through the check once while every call is recorded; a
"lookup table" answer then replays the recorded output for an input it has seen and the first recorded output
otherwise — what a student gets by copying the printed cases. Because each check draws hidden cases afresh on
every call, the replay must fail. (7.4 hands the answer prepared runs under names drawn afresh on every check, so
a replay of the diagnoses seen before does not fit the runs it is given.)
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import jupytext
import numpy as np
import pytest

from course_utils.grading import run_check

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "solutions").glob("[0-9][0-9]_*_exercises.py"))  # every chapter, found by globbing


def _solutions() -> list[tuple[str, object]]:
    out = []
    for path in NOTEBOOKS:
        nb = jupytext.read(path)
        namespace: dict = {}
        for cell in nb.cells:
            if cell.cell_type == "code" and not cell.source.lstrip().startswith("check("):
                exec(compile(cell.source, str(path), "exec"), namespace)
        for cell in nb.cells:
            match = re.match(r'\s*check\("([^"]+)",\s*(\w+)\)', cell.source)
            if cell.cell_type == "code" and match:
                out.append((match.group(1), namespace[match.group(2)]))
    return out


def _key(value):
    """A hashable fingerprint of an argument (callables and generators are opaque: only their type counts)."""
    if isinstance(value, np.ndarray):
        return ("array", value.shape, value.tobytes())
    if isinstance(value, (list, tuple)):
        return tuple(_key(v) for v in value)
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    return type(value).__name__


SOLUTIONS = _solutions()
PARAMS = [pytest.param(e, f, id=e) for e, f in SOLUTIONS]


@pytest.mark.parametrize("exercise_id, solution", PARAMS)
def test_a_table_of_the_inputs_seen_does_not_pass(exercise_id, solution):
    table: dict = {}

    def recorder(*args):
        result = solution(*args)
        table.setdefault(_key(args), copy.deepcopy(result))
        return result

    assert run_check(exercise_id, recorder).status == "passed"
    first = next(iter(table.values()))

    def lookup(*args):
        return copy.deepcopy(table.get(_key(args), first))

    result = run_check(exercise_id, lookup)
    assert result.status == "failed", f"a lookup table of {len(table)} recorded inputs passed {exercise_id}"
