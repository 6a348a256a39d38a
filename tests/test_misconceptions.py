"""Every exercise's check rejects the plausible wrong answers of its corpus with a hint that names the mistake,
and accepts the legitimately different correct answers (corpora in ``tests/misconceptions/``).

The answers go through ``run_check``, the same entry point as a notebook's ``check(...)``; the hint must be one
the student sees (among the failures the verdict shows). ``tests/conftest.py`` prints the kill rate.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from misconceptions import load_all

from course_utils.grading import run_check

WRONG, RIGHT = load_all()
RESULTS: dict[str, dict] = {"wrong": {}, "right": {}}  # read by conftest.py's terminal summary


def _hints(result) -> list[str]:
    return [line.split("hint:", 1)[1].strip() for m in result.messages for line in m.splitlines() if "hint:" in line]


@pytest.mark.parametrize("answer", WRONG, ids=[a.name for a in WRONG])
def test_wrong_answer_is_rejected_with_a_diagnosing_hint(answer):
    result = run_check(answer.exercise_id, answer.function)
    hints = _hints(result)
    diagnosed = result.status != "passed" and any(re.search(answer.hint_regex, h, re.IGNORECASE) for h in hints)
    RESULTS["wrong"][answer.name] = diagnosed
    assert result.status != "passed", f"{answer.misconception!r} passed {answer.exercise_id}"
    assert diagnosed, (f"{answer.misconception!r} was rejected ({result.status}) but no hint matches "
                       f"{answer.hint_regex!r}; messages: {result.messages}")


@pytest.mark.parametrize("answer", RIGHT, ids=[a.name for a in RIGHT])
def test_alternative_correct_answer_passes(answer):
    result = run_check(answer.exercise_id, answer.function)
    RESULTS["right"][answer.name] = result.status == "passed"
    assert result.status == "passed", result.messages


def test_every_exercise_of_a_corpus_has_five_wrong_and_two_right_answers():
    wrong = Counter(a.exercise_id for a in WRONG)
    right = Counter(a.exercise_id for a in RIGHT)
    assert wrong, "the corpus is empty"
    short = {e: (wrong[e], right[e]) for e in set(wrong) | set(right) if wrong[e] < 5 or right[e] < 2}
    assert not short, f"exercises with fewer than 5 wrong or 2 right answers (wrong, right): {short}"
