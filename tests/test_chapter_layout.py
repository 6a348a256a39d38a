"""Every chapter comes with its whole set of files and its row in the README's course map.

This is the layout ``make new-chapter`` creates (tools/new_chapter.py, CONTRIBUTING.md): for each
``notebooks/NN_slug.ipynb`` there are ``solutions/`` and ``exercises/NN_slug_exercises.ipynb``, a dashboard
``demos/NN_slug.ipynb``, the checks module ``course_utils/grading/exercises/chNN.py``, and a README row that links
the chapter. The other tests find chapters by globbing, so without this one a chapter missing its demo or its
exercises would simply be tested less.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from course_map import course_map_rows

REPO = Path(__file__).resolve().parents[1]
CHAPTERS = sorted(p.stem for p in (REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("stem", CHAPTERS)
def test_chapter_has_its_solutions_exercises_checks_and_demo(stem):
    number = stem[:2]
    wanted = [f"solutions/{stem}_exercises.ipynb", f"exercises/{stem}_exercises.ipynb", f"demos/{stem}.ipynb",
              f"course_utils/grading/exercises/ch{number}.py"]
    missing = [w for w in wanted if not (REPO / w).is_file()]
    assert not missing, f"{stem} lacks {missing}; `make new-chapter` creates them all for a new chapter"


def test_readme_course_map_has_one_row_per_chapter():
    assert course_map_rows() == [(int(s[:2]), s) for s in CHAPTERS], (
        "README.md's course map must list every chapter in notebooks/, in order, linking its notebook")
