"""assign: the solution -> exercise pipeline, its determinism, and the --check guard."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course_utils.grading.__main__ import main
from course_utils.grading.assign import GENERIC_MESSAGE, MARKDOWN_PLACEHOLDER, MarkerError, make_exercise

REPO = Path(__file__).resolve().parents[1]

FUNCTION_CELL = '''def f(x):
    """Docstring stays."""
    y = 2
    ### BEGIN SOLUTION: return x plus "y"
    z = x + y
    return z
    ### END SOLUTION


def g():
    if True:
        ### BEGIN SOLUTION
        return 1
        ### END SOLUTION'''

EXPECTED_FUNCTION_CELL = '''def f(x):
    """Docstring stays."""
    y = 2
    raise NotImplementedError("return x plus \\"y\\"")


def g():
    if True:
        raise NotImplementedError("''' + GENERIC_MESSAGE + '''")'''


def _solution_notebook():
    code = new_code_cell(FUNCTION_CELL, execution_count=3, outputs=[new_output("stream", name="stdout", text="hi")])
    return new_notebook(
        cells=[
            new_markdown_cell("# Title"),
            code,
            new_markdown_cell("Question?\n<!-- BEGIN SOLUTION -->\nBecause 2/a.\n<!-- END SOLUTION -->\nEnd."),
            new_code_cell("print('secret')", metadata={"tags": ["solution-only"]}),
            new_code_cell("check('0.1', f)"),
        ],
        metadata={"jupytext": {"formats": "ipynb,py:percent"},
                  "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                  "widgets": {"state": {}}},
    )


def test_pipeline_replaces_blocks_keeps_indentation_and_strips_outputs():
    solution = _solution_notebook()
    exercise = make_exercise(solution)
    assert [c.cell_type for c in exercise.cells] == ["markdown", "code", "markdown", "code"]
    assert exercise.cells[1].source == EXPECTED_FUNCTION_CELL
    assert exercise.cells[1].outputs == [] and exercise.cells[1].execution_count is None
    assert exercise.cells[2].source == f"Question?\n{MARKDOWN_PLACEHOLDER}\nEnd."
    assert "secret" not in nbformat.writes(exercise)
    assert set(exercise.metadata) == {"jupytext", "kernelspec"}
    assert solution.cells[1].source == FUNCTION_CELL  # the input notebook is untouched


def test_generated_stub_is_valid_python_that_raises_not_implemented():
    namespace: dict = {}
    exec(make_exercise(_solution_notebook()).cells[1].source, namespace)
    with pytest.raises(NotImplementedError, match='return x plus "y"'):
        namespace["f"](1)


@pytest.mark.parametrize("source", [
    "### BEGIN SOLUTION\nx = 1",
    "x = 1\n### END SOLUTION",
    "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION",
])
def test_unbalanced_markers_are_an_error(source):
    with pytest.raises(MarkerError, match="SOLUTION"):
        make_exercise(new_notebook(cells=[new_code_cell(source)]))


def _write_solution(directory: Path, name: str = "07_demo_exercises") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.ipynb"
    nbformat.write(_solution_notebook(), path)
    return path


def test_assign_writes_the_pair_deterministically_and_check_passes(tmp_path, capsys):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    _write_solution(solutions)
    args = ["assign", "--solutions", str(solutions), "--exercises", str(exercises)]
    assert main(args) == 0
    ipynb, py = exercises / "07_demo_exercises.ipynb", exercises / "07_demo_exercises.py"
    first = (ipynb.read_bytes(), py.read_bytes())
    assert main(args) == 0
    assert (ipynb.read_bytes(), py.read_bytes()) == first
    assert main(args + ["--check"]) == 0
    # the two files of the pair hold the same cells
    from_ipynb = [c.source for c in jupytext.read(ipynb).cells]
    from_py = [c.source for c in jupytext.read(py).cells]
    assert from_ipynb == from_py and EXPECTED_FUNCTION_CELL in from_py
    assert "# %%" in py.read_text()
    capsys.readouterr()


def test_check_fails_and_lists_stale_missing_and_orphan_files(tmp_path, capsys):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    source = _write_solution(solutions)
    args = ["assign", "--solutions", str(solutions), "--exercises", str(exercises)]
    assert main(args) == 0
    capsys.readouterr()

    # a solution edited after generation
    nb = nbformat.read(source, 4)
    nb.cells[0].source = "# A new title"
    nbformat.write(nb, source)
    # a second solution never generated, and a leftover exercise without a solution
    _write_solution(solutions, "08_more_exercises")
    (exercises / "09_gone_exercises.py").write_text("# old\n")

    assert main(args + ["--check"]) == 1
    err = capsys.readouterr().err
    for name in ("07_demo_exercises.ipynb", "07_demo_exercises.py", "08_more_exercises.ipynb", "09_gone_exercises.py"):
        assert name in err
    assert "# A new title" not in (exercises / "07_demo_exercises.py").read_text()  # --check writes nothing

    assert main(args) == 0
    assert "# A new title" in (exercises / "07_demo_exercises.py").read_text()
    assert not (exercises / "09_gone_exercises.py").exists()
    assert main(args + ["--check"]) == 0


def test_marker_error_exits_with_a_message(tmp_path, capsys):
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("### BEGIN SOLUTION\nx = 1")]), solutions / "01_x_exercises.ipynb")
    assert main(["assign", "--solutions", str(solutions), "--exercises", str(tmp_path / "ex")]) == 2
    assert "01_x_exercises.ipynb" in capsys.readouterr().err


def test_repository_exercises_are_up_to_date():
    proc = subprocess.run([sys.executable, "-m", "course_utils.grading", "assign", "--check"], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_cli_requires_a_subcommand(capsys):
    with pytest.raises(SystemExit) as info:
        main([])
    assert info.value.code == 2
    assert "assign" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------------------
# nbgrader metadata: derived from the markers and the check cells, the same in both versions


def _nbgrader(nb) -> list:
    return [c.metadata.get("nbgrader") for c in nb.cells]


def test_solution_and_check_cells_get_nbgrader_metadata():
    exercise = make_exercise(_solution_notebook())
    meta = _nbgrader(exercise)
    assert meta[0] is None
    assert meta[1] == {"grade": False, "grade_id": "answer_0_1", "locked": False, "schema_version": 3,
                       "solution": True}
    # a written answer: nbgrader requires markdown answers to be graded ones; worth 0 like the course grader's
    assert meta[2] == {"grade": True, "grade_id": "answer_0_1_2", "locked": False, "points": 0, "schema_version": 3,
                       "solution": True}
    assert meta[3] == {"grade": True, "grade_id": "check_0_1", "locked": True, "points": 1, "schema_version": 3,
                       "solution": False}


def test_nbgrader_metadata_is_recomputed_not_trusted():
    solution = _solution_notebook()
    solution.cells[0].metadata["nbgrader"] = {"grade": True, "grade_id": "stale", "points": 9}
    solution.cells[4].metadata["nbgrader"] = {"grade": True, "grade_id": "check_0_1", "points": 9}
    meta = _nbgrader(make_exercise(solution))
    assert meta[0] is None and meta[3]["points"] == 1


@pytest.mark.parametrize("source", [
    "x = 1  # see BEGIN SOLUTION",
    "print('### END SOLUTION is a marker')",
])
def test_marker_words_outside_a_marker_line_are_an_error(source):
    # nbgrader's ClearSolutions would take the line for a marker
    with pytest.raises(MarkerError, match="nbgrader"):
        make_exercise(new_notebook(cells=[new_code_cell(source)]))


def test_one_check_per_check_cell_and_one_cell_per_exercise():
    with pytest.raises(MarkerError, match="one check"):
        make_exercise(new_notebook(cells=[new_code_cell("check('0.1', f)\ncheck('0.2', g)")]))
    with pytest.raises(MarkerError, match="two cells"):
        make_exercise(new_notebook(cells=[new_code_cell("check('0.1', f)"), new_code_cell("check('0.1', f)")]))


def test_assign_annotates_the_solutions_and_check_catches_their_stale_metadata(tmp_path, capsys):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    source = _write_solution(solutions)
    nb = nbformat.read(source, 4)
    nb.metadata.jupytext["cell_metadata_filter"] = "tags,-all"  # as every notebook of the course (jupytext.toml)
    nbformat.write(nb, source)
    args = ["assign", "--solutions", str(solutions), "--exercises", str(exercises)]
    assert main(args + ["--check"]) == 1
    assert main(args) == 0
    annotated = jupytext.read(source, fmt="ipynb")
    expected = _nbgrader(make_exercise(_solution_notebook()))
    assert _nbgrader(annotated) == expected[:3] + [None, expected[3]]  # the solution-only cell has none
    assert annotated.cells[1].source == FUNCTION_CELL  # only metadata changed
    assert "nbgrader" not in (exercises / "07_demo_exercises.py").read_text()  # the .py pair stays free of it
    assert main(args + ["--check"]) == 0

    annotated.cells[4].metadata["nbgrader"]["points"] = 5  # edited by hand: stale
    nbformat.write(annotated, source)
    assert main(args + ["--check"]) == 1
    assert str(source) in capsys.readouterr().err
    assert main(args) == 0 and jupytext.read(source, fmt="ipynb").cells[4].metadata["nbgrader"]["points"] == 1


# Words that state a method or a formula; a stub's message points to its exercise's text instead (issue 21).
_METHOD_WORDS = ("np.", "<-", "eig", "svd", "loop", "iterate", "simulate", "average", "count the", "solve",
                 "mean of", "rescale every", "perturb by", "draw n", "inverse", "|λ|", "sqrt", "norm of")


@pytest.mark.parametrize("path", sorted((REPO / "exercises").glob("0[1-9]_*_exercises.py")), ids=lambda p: p.stem[:2])
def test_every_stub_points_to_its_exercise_text_without_the_method(path):
    import re

    messages = re.findall(r'raise NotImplementedError\("([^"]*)"\)', path.read_text(encoding="utf-8"))
    assert len(messages) >= 4, path
    for message in messages:
        assert "above" in message, f"{path.name}: {message!r} does not point to the exercise text"
        found = [w for w in _METHOD_WORDS if w in message.lower()]
        assert not found, f"{path.name}: {message!r} states the method ({found})"
