"""Restart & Run All gives identical numbers (issue 13, item 5).

Every chapter notebook in ``notebooks/`` (found by globbing, so a new chapter is covered the day it lands)
is executed twice with the same ``COURSE_SEED``, each time in a fresh kernel, and everything it prints — every
stream output and every ``text/plain`` result — must be identical between the two runs. The two runs are
those of the seed test (``tests/chapter_runs.py``): its first seed is run twice, so this test costs one
chapter run, not two. Every random draw in the course takes an
explicit ``rng``/``seed``, so any difference is a bug: a global random state, a dict or set iterated in an
unstable order, a cache that changes results.

Wall-clock times are the one thing allowed to differ: numbers followed by a time unit (``12 ms``,
``0.3 s``) and object addresses (``at 0x7f…``) are masked before comparing.

The same runs check that no warning leaks into a chapter's output (issue 13: "no warnings leak").

Slow (each chapter takes ~10 s), but it runs by default.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from chapter_runs import SEEDS, chapter_runs
from course_map import course_map_chapters

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "notebooks").glob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)

#: Wall-clock durations and memory addresses legitimately differ between runs.
_VOLATILE = [
    (re.compile(r"\d+(?:\.\d+)?(?:e[+-]?\d+)?\s*(?:ns|µs|us|ms|s|sec|seconds?)\b"), "<time>"),
    (re.compile(r"\bat 0x[0-9a-fA-F]+"), "at 0x…"),
]


def _mask(text: str) -> str:
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def _printed(nb) -> list[tuple[int, str]]:
    """``(cell index, text)`` of every stream output and text/plain result, in order."""
    out = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                # the kernel splits a cell's printing into stream messages as timing dictates: join them
                if out and out[-1][0] == i and out[-1][2] == output.name:
                    out[-1] = (i, out[-1][1] + output.text, output.name)
                else:
                    out.append((i, output.text, output.name))
            elif output.output_type in ("execute_result", "display_data") and "text/plain" in output.get("data", {}):
                out.append((i, output.data["text/plain"], "result"))
    return [(i, _mask(text)) for i, text, _ in out]


def test_notebooks_are_found():
    # every notebook in notebooks/ is a chapter of the README's course map, and every chapter is there
    assert [p.stem for p in NOTEBOOKS] == course_map_chapters(), (
        f"notebooks/ holds {[p.name for p in NOTEBOOKS]}, the README's course map lists {course_map_chapters()}")


def _warnings(nb) -> list[str]:
    """stderr outputs that report a Python warning (``… Warning: …``)."""
    return [output.text for cell in nb.cells if cell.cell_type == "code" for output in cell.get("outputs", [])
            if output.output_type == "stream" and output.name == "stderr" and re.search(r"\w+Warning\b", output.text)]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_a_chapter_prints_the_same_numbers_twice(path):
    runs, nb_second = chapter_runs(path)
    nb_first = runs[SEEDS[0]]
    leaked = _warnings(nb_first)
    assert not leaked, f"{path.name} leaks warnings into the student's view:\n" + "\n".join(leaked)
    first, second = _printed(nb_first), _printed(nb_second)
    assert any(re.search(r"\d", text) for _, text in first), f"{path.name} printed no numbers to compare"
    assert len(first) == len(second), f"{path.name}: {len(first)} outputs in the first run, {len(second)} in the second"
    for (cell, a), (_, b) in zip(first, second):
        assert a == b, f"{path.name}, code cell {cell}: the second run printed something else\n--- first\n{a}\n--- second\n{b}"
