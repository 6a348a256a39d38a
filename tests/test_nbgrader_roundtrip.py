"""nbgrader round trip: an nbgrader course built from solutions/ grades like the course's own grader.

Chapter 0 (the cheapest chapter: four exercises, each check well under a second) goes through nbgrader exactly
as an instructor would run it, without flags: ``nbgrader generate_assignment`` on ``solutions/``, then
``nbgrader autograde`` on three submissions — honest (the solutions), stub (nbgrader's release, untouched) and
partial (``exercises/`` with 0.1 solved, 0.2 wrong on some cases, 0.3 and 0.4 left alone). The scores nbgrader's
gradebook holds for each check cell must equal the course grader's per-exercise scores for the same files,
partial credit included. Both run the hidden cases with the same seed (``COURSE_GRADER_SEED``).
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest

from course_utils.grading import batch

REPO = Path(__file__).resolve().parents[1]
NAME = "00_start_here_exercises"
ASSIGNMENT = "ps0"
SEED = 2024
EXERCISES = batch.chapter_exercises(0)  # every registered chapter-0 exercise (0.1 … 0.4 today)
SANDBOXED = batch.sandbox_problem() is None

# 0.2 steps uphill: right only where the step is zero (lr = 0) and for the input-unchanged case.
WRONG_STEP = "    return x + lr * grad(x)"


SOLUTIONS = sorted((REPO / "solutions").glob("*_exercises.ipynb"))


def _grade_ids(nb) -> list:
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]


@pytest.mark.parametrize("solution", SOLUTIONS, ids=[p.stem for p in SOLUTIONS])
def test_nbgrader_clears_every_chapters_solutions_and_accepts_both_versions(solution):
    """nbgrader's own preprocessors, without execution: every chapter, not only the one graded below."""
    from nbgrader.nbgraderformat import MetadataValidator
    from nbgrader.preprocessors import CheckCellMetadata, ClearSolutions

    nb = jupytext.read(solution, fmt="ipynb")
    exercise = jupytext.read(REPO / "exercises" / solution.name, fmt="ipynb")
    MetadataValidator().validate_nb(nb)
    MetadataValidator().validate_nb(exercise)
    assert _grade_ids(exercise) == [g for g, c in zip(_grade_ids(nb), nb.cells)
                                    if "solution-only" not in c.metadata.get("tags", [])]
    released, _ = ClearSolutions().preprocess(nb, {})  # raises on a solution region outside a solution cell
    CheckCellMetadata().preprocess(released, {})
    for cell, student in zip(released.cells, exercise.cells):
        assert "SOLUTION" not in cell.source
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            assert cell.source == student.source  # the test cells are the same code in both versions


def _env(config_dir: Path) -> dict[str, str]:
    """This checkout's course_utils first; the environment's scripts (nbgrader runs `alembic`) on PATH; an empty
    Jupyter config folder, so that no nbgrader_config.py of the user's changes what nbgrader does."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    pythonpath = os.pathsep.join(p for p in [str(REPO), os.environ.get("PYTHONPATH", "")] if p)
    return {**os.environ, "PATH": path, "PYTHONPATH": pythonpath, "COURSE_GRADER_SEED": str(SEED),
            "JUPYTER_CONFIG_DIR": str(config_dir)}


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    config_dir = cwd.parent / f"{cwd.name}-jupyter-config"
    config_dir.mkdir(exist_ok=True)
    proc = subprocess.run([sys.executable, *args], cwd=cwd, env=_env(config_dir), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, f"{args} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


def _partial(path: Path) -> None:
    """exercises/ chapter 0 with 0.1 solved, 0.2 wrong, the others still stubs."""
    solved = jupytext.read(REPO / "solutions" / f"{NAME}.ipynb", fmt="ipynb")
    nb = jupytext.read(REPO / "exercises" / f"{NAME}.ipynb", fmt="ipynb")
    ids = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in solved.cells}
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "answer_0_1":
            cell.source = ids[grade_id].source
        elif grade_id == "answer_0_2":
            lines = cell.source.split("\n")
            stub = next(i for i, line in enumerate(lines) if "raise NotImplementedError" in line)
            cell.source = "\n".join(lines[:stub] + [WRONG_STEP] + lines[stub + 1:])
    jupytext.write(nb, path, fmt="ipynb")


@pytest.fixture(scope="module")
def both_graders(tmp_path_factory):
    course = tmp_path_factory.mktemp("nbgrader_course")
    (course / "source" / ASSIGNMENT).mkdir(parents=True)
    shutil.copy(REPO / "solutions" / f"{NAME}.ipynb", course / "source" / ASSIGNMENT)
    _run(["-m", "nbgrader", "generate_assignment", ASSIGNMENT], course)
    release = course / "release" / ASSIGNMENT / f"{NAME}.ipynb"
    assert "BEGIN SOLUTION" not in release.read_text(encoding="utf-8")

    sources = {"honest": lambda p: shutil.copy(REPO / "solutions" / f"{NAME}.ipynb", p),
               "stub": lambda p: shutil.copy(release, p),
               "partial": _partial}
    flat = tmp_path_factory.mktemp("submissions")  # the same files, named by student, for the course grader
    for student, make in sources.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        make(folder / f"{NAME}.ipynb")
        shutil.copy(folder / f"{NAME}.ipynb", flat / f"{student}.ipynb")
    _run(["-m", "nbgrader", "autograde", ASSIGNMENT], course)

    from nbgrader.api import Gradebook  # here, not at collection: it imports SQLAlchemy

    nbgrader_scores: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in sources:
            notebook = gradebook.find_submission_notebook(NAME, ASSIGNMENT, student)
            nbgrader_scores[student] = {g.name: g.auto_score for g in notebook.grades}
            assert {g.name: g.max_score for g in notebook.grades} == {f"check_{e.replace('.', '_')}": 1.0
                                                                     for e in EXERCISES}

    out = tmp_path_factory.mktemp("course_grader")
    _run(["-m", "course_utils.grading", "grade", *(str(flat / f"{s}.ipynb") for s in sources), "--chapter", "0",
          "--seed", str(SEED), "--csv", str(out / "grades.csv"), *([] if SANDBOXED else ["--no-sandbox"])], out)
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {Path(row["file"]).stem: row for row in csv.DictReader(f)}
    course_scores = {s: {f"check_{e.replace('.', '_')}": float(rows[s][e]) for e in EXERCISES} for s in sources}
    return nbgrader_scores, course_scores, course


@pytest.mark.slow
def test_nbgrader_scores_equal_the_course_graders(both_graders):
    nbgrader_scores, course_scores, _ = both_graders
    for student, scores in course_scores.items():
        assert nbgrader_scores[student] == pytest.approx(scores, abs=1e-3), student  # the CSV rounds to 3 places


@pytest.mark.slow
def test_the_three_submissions_span_full_none_and_partial_credit(both_graders):
    nbgrader_scores, _, _ = both_graders
    assert set(nbgrader_scores["honest"].values()) == {1.0}
    assert set(nbgrader_scores["stub"].values()) == {0.0}
    partial = nbgrader_scores["partial"]
    assert partial["check_0_1"] == 1.0 and partial["check_0_3"] == partial["check_0_4"] == 0.0
    assert 0.0 < partial["check_0_2"] < 1.0, partial  # nbgrader took the fraction from the check cell's value


@pytest.mark.slow
def test_autograded_check_cells_show_the_verdict_then_the_score(both_graders):
    *_, course = both_graders
    nb = jupytext.read(course / "autograded" / "partial" / ASSIGNMENT / f"{NAME}.ipynb", fmt="ipynb")
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "check_0_2")
    kinds = [o.output_type for o in cell.outputs]
    assert kinds == ["display_data", "execute_result"], kinds
    assert "✗ Exercise 0.2" in cell.outputs[0].data["text/plain"]
    assert 0.0 < float(cell.outputs[1].data["text/plain"]) < 1.0
