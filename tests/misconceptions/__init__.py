"""Misconception corpora: per exercise, plausible wrong answers and legitimately different right ones.

Each chapter module ``chNN.py`` builds a :class:`Corpus` and registers answers with its decorators:

* ``@corpus.wrong("0.1", r"regex")`` — a wrong answer written as a student would; its docstring names the
  misconception in one line, and ``regex`` must match (case-insensitively) one of the hints the check shows for
  it, so the hint diagnoses *this* mistake rather than saying something generic;
* ``@corpus.right("0.1")`` — a correct answer that differs from the reference solution (loop vs vectorised,
  closed form vs iteration, …); it must pass.

``tests/test_misconceptions.py`` runs every answer through ``course_utils.grading.run_check`` — the entry point
a notebook's ``check`` uses.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Answer:
    exercise_id: str
    function: Callable[..., Any]
    hint_regex: str | None  # None for a right answer

    @property
    def name(self) -> str:
        return f"{self.exercise_id}:{self.function.__name__}"

    @property
    def misconception(self) -> str:
        return (self.function.__doc__ or self.function.__name__).strip().splitlines()[0]


@dataclass
class Corpus:
    wrong_answers: list[Answer] = field(default_factory=list)
    right_answers: list[Answer] = field(default_factory=list)

    def wrong(self, exercise_id: str, hint_regex: str):
        def register(function):
            if not (function.__doc__ or "").strip():
                raise ValueError(f"wrong answer {function.__name__} needs a docstring naming its misconception")
            self.wrong_answers.append(Answer(exercise_id, function, hint_regex))
            return function

        return register

    def right(self, exercise_id: str):
        def register(function):
            self.right_answers.append(Answer(exercise_id, function, None))
            return function

        return register


def load_all() -> tuple[list[Answer], list[Answer]]:
    """Every chapter module's wrong and right answers, in chapter order."""
    wrong: list[Answer] = []
    right: list[Answer] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("ch"):
            corpus = importlib.import_module(f"{__name__}.{info.name}").corpus
            wrong += corpus.wrong_answers
            right += corpus.right_answers
    return wrong, right
