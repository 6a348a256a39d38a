"""Every claim a chapter asserts holds for other seeds, not only for the one the notebook shows (issue 17).

Each chapter in ``notebooks/`` (found by globbing) is run top to bottom once more for each of
``chapter_runs.SEEDS`` with ``COURSE_SEED=k``: :func:`course_utils.randomness.default_rng` — and so every integer seed
passed to the library — then draws an independent stream, so the data sets, initial weights, random
directions, minibatches and Hutchinson/Lanczos probes are all new. Every ``assert`` in the chapter must
hold in every run. A claim that is only true in most runs must say so in the chapter and assert the
fraction it computes over several seeds, not a single lucky draw.

``test_chapters_draw_only_through_the_course_rng`` makes sure nothing escapes this: a chapter (or demo)
that called ``np.random`` directly would keep its draws fixed while the test believed it had varied them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from chapter_runs import chapter_runs
from course_map import course_map_chapters
from notebook_exec import errors

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def test_the_chapters_are_found():
    # the glob finds exactly the chapters of the README's course map, numbered without gaps
    assert [p.stem for p in CHAPTERS] == course_map_chapters()
    assert {p.stem[:2] for p in CHAPTERS} == {f"{i:02d}" for i in range(len(CHAPTERS))}


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapters_draw_only_through_the_course_rng(path):
    source = path.with_suffix(".py").read_text()
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("#"))
    escaped = re.findall(r"np\.random\.\w+|numpy\.random\.\w+|random\.seed|import random\b", code)
    assert not escaped, (f"{path.name} draws with {sorted(set(escaped))}: use course_utils.randomness.default_rng "
                         "(or pass an integer seed to the library) so that the seed test can redraw it")


@pytest.mark.slow
@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_claim_holds_for_other_seeds(path):
    runs, _ = chapter_runs(path)  # the runs are shared with test_reproducibility.py (tests/chapter_runs.py)
    failures = {seed: errors(nb) for seed, nb in runs.items() if errors(nb)}
    assert not failures, f"{path.name}: claims that fail for other seeds:\n" + "\n".join(
        f"  COURSE_SEED={seed}: {e}" for seed, errs in failures.items() for e in errs)
