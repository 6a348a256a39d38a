"""The chapter scaffold (``make new-chapter``, tools/new_chapter.py): what it writes, what it refuses, and that
what it writes runs and passes.

A chapter is generated once into a temporary copy of the course (README, the four notebook folders, the
package), the way ``make new-chapter`` would into the real one, with the next free number. Refusals run on a
tiny tree that only has the folders and two chapter names.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest
from notebook_exec import errors, execute_many

from course_utils.grading import registry, run_check
from course_utils.grading.assign import annotated_solutions, expected_files
from course_utils.grading.check import render_text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))

import new_chapter  # noqa: E402

SLUG, TITLE = "test_topic", "A test | topic"


def _copy_course(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints")
    for folder in ("notebooks", "solutions", "exercises", "demos", "course_utils"):
        shutil.copytree(REPO / folder, dest / folder, ignore=ignore)
    shutil.copy(REPO / "README.md", dest / "README.md")
    return dest


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A copy of the course with one generated chapter: (root, Chapter, written paths, README before)."""
    root = _copy_course(tmp_path_factory.mktemp("course"))
    readme_before = (root / "README.md").read_text(encoding="utf-8")
    ch = new_chapter.chapter(new_chapter.next_number(root), SLUG, TITLE)
    written = new_chapter.create(ch, root)
    return root, ch, written, readme_before


def _cells(path: Path) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source.strip()) for c in jupytext.read(path).cells]


def _code(path: Path) -> str:
    return "\n".join(c.source for c in jupytext.read(path).cells if c.cell_type == "code")


def _markdown(path: Path) -> str:
    return "\n".join(c.source for c in jupytext.read(path).cells if c.cell_type == "markdown")


# --------------------------------------------------------------------------------------------
# What it writes
# --------------------------------------------------------------------------------------------
def test_writes_the_nine_files_and_the_readme_row(course):
    root, ch, written, readme_before = course
    stem = ch.stem
    expected = {f"notebooks/{stem}.py", f"notebooks/{stem}.ipynb", f"solutions/{stem}_exercises.py",
                f"solutions/{stem}_exercises.ipynb", f"exercises/{stem}_exercises.py",
                f"exercises/{stem}_exercises.ipynb", f"course_utils/grading/exercises/ch{ch.number}.py",
                f"demos/{stem}.py", f"demos/{stem}.ipynb", "README.md"}
    assert {str(p.relative_to(root)) for p in written} == expected

    # the README gains exactly one line: the chapter's row, right after the last row of the course map
    before, after = readme_before.split("\n"), (root / "README.md").read_text(encoding="utf-8").split("\n")
    assert len(after) == len(before) + 1
    added = next(i for i, (a, b) in enumerate(zip(after, before + [""])) if a != b)
    assert after[:added] + after[added + 1:] == before
    row = after[added]
    assert row.startswith(f"| {int(ch.number)} | [A test \\| topic](notebooks/{stem}.ipynb) |")
    assert after[added - 1].startswith(f"| {int(ch.number) - 1} |") and not after[added + 1].startswith("|")


def test_each_notebook_is_a_synced_pair_without_outputs(course):
    root, ch, written, _ = course
    for ipynb in (p for p in written if p.suffix == ".ipynb"):
        assert _cells(ipynb) == _cells(ipynb.with_suffix(".py")), ipynb.name
        nb = json.loads(ipynb.read_text(encoding="utf-8"))
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb["cells"] if c["cell_type"] == "code")
        assert set(nb["metadata"]) == {"jupytext", "kernelspec"}
        # the same header as the existing chapters (jupytext.toml's settings)
        reference = json.loads((REPO / "notebooks" / "00_start_here.ipynb").read_text(encoding="utf-8"))["metadata"]
        assert nb["metadata"] == reference, ipynb.name
        # `make sync` leaves the .py as it is
        py = ipynb.with_suffix(".py")
        assert jupytext.writes(jupytext.read(py), fmt="py:percent") == py.read_text(encoding="utf-8")


def test_the_exercises_are_what_assign_generates(course):
    root, ch, _, _ = course
    wanted = expected_files(root / "solutions", root / "exercises")
    assert annotated_solutions(root / "solutions") == {}  # the solution carries its nbgrader metadata already
    for suffix in (".ipynb", ".py"):
        path = root / "exercises" / f"{ch.stem}_exercises{suffix}"
        assert path.read_text(encoding="utf-8") == wanted[path]
    student, solution = (root / "exercises" / f"{ch.stem}_exercises.py").read_text(), (
        root / "solutions" / f"{ch.stem}_exercises.py").read_text()
    assert "### BEGIN SOLUTION" in solution and "### END SOLUTION" in solution
    assert f'check("{ch.exercise_id}", largest_stable_lr)' in solution and f'check("{ch.exercise_id}"' in student
    assert "raise NotImplementedError" in student and "eigvalsh" not in student  # the answer stays out
    assert "solution-only" in solution and "Scaffold" not in student  # the author's note too


def test_the_chapter_follows_the_course_pattern_and_rules(course):
    root, ch, _, _ = course
    chapter = root / "notebooks" / f"{ch.stem}.py"
    text, code = chapter.read_text(encoding="utf-8"), _code(chapter)
    # learning goals → idea → predict, then check → explorer → experiment → summary → exercises
    markers = ["By the end of this chapter", "## 1. The idea", "**Predict first.**", "**Check.**", "## 3. Explore",
               "## 4. The experiment", "## 5. Summary", f"../exercises/{ch.stem}_exercises.ipynb"]
    positions = [text.find(m) for m in markers]
    assert -1 not in positions and positions == sorted(positions), dict(zip(markers, positions))
    assert text.count("Replace") + text.count("replace") >= 4  # the scaffold says what to replace
    # the same check as tests/test_claims_seeds.py: every draw goes through course_utils.randomness
    lines = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith("#"))
    assert not re.findall(r"np\.random\.\w+|numpy\.random\.\w+|random\.seed|import random\b", lines)
    assert "default_rng(" in code and code.count("assert ") >= 3
    assert f"# # Chapter {int(ch.number)} — {TITLE}" in text


def test_the_demo_shows_explorers_and_no_code(course):
    root, ch, _, _ = course
    demo = root / "demos" / f"{ch.stem}.ipynb"
    # tests/browser/test_voila_demos.py: at least one presentation=True explorer, no package name in the markdown
    # the browser test expects one explorer per "presentation=True" in the code: each must create one
    code = _code(demo)
    created = re.findall(r"^[A-Z]\w*\(.*presentation=True.*\)\s*$", code, flags=re.M)
    assert len(created) >= 1 and code.count("presentation=True") == len(created), code
    assert "course_utils" not in _markdown(demo)
    assert f"# {ch.number} · {TITLE}" in _markdown(demo)


def test_the_checks_module_is_lint_clean(course):
    root, ch, _, _ = course
    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not os.access(ruff, os.X_OK):
        pytest.skip("ruff is not installed (`pip install -r requirements-dev.txt`)")
    path = root / "course_utils" / "grading" / "exercises" / f"ch{ch.number}.py"
    proc = subprocess.run([ruff, "check", "--no-cache", "--config", str(REPO / "pyproject.toml"), str(path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture
def generated_check(course, monkeypatch):
    """The generated checks module, imported into this process (registry restored afterwards)."""
    import importlib.util

    root, ch, _, _ = course
    name = f"course_utils.grading.exercises.ch{ch.number}"
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    spec = importlib.util.spec_from_file_location(name, root / "course_utils" / "grading" / "exercises" / f"ch{ch.number}.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, module)
    spec.loader.exec_module(module)
    return ch.exercise_id


def test_the_check_passes_the_solution_and_diagnoses_misconceptions(generated_check):
    import numpy as np

    exercise_id = generated_check
    assert run_check(exercise_id, lambda A: 2.0 / np.linalg.eigvalsh(A)[-1]).status == "passed"
    assert run_check(exercise_id, lambda A: 2.0 / max(abs(np.linalg.eigvals(A)))).status == "passed"  # another way
    mistakes = {
        "one over λ_max": (lambda A: 1.0 / np.linalg.eigvalsh(A)[-1], "zeroed in one step"),
        "the largest diagonal entry": (lambda A: 2.0 / np.max(np.diag(A)), "diagonal entries"),
        "λ_min": (lambda A: 2.0 / np.linalg.eigvalsh(A)[0], "which eigenvalue limits"),
        "an array": (lambda A: 2.0 / np.linalg.eigvalsh(A), "one positive float"),
    }
    for what, (answer, hint) in mistakes.items():
        result = run_check(exercise_id, answer)
        text = render_text(result)
        assert result.status == "failed", what
        assert hint in text, f"{what}: the hint should diagnose it\n{text}"
        assert "2/λ" not in text and "0.2" not in text, f"{what}: the verdict leaks the answer\n{text}"

    def in_place(A):
        A *= 0.5
        return 1.0 / np.linalg.eigvalsh(A)[-1]

    result = run_check(exercise_id, in_place)
    assert result.status == "failed" and "changed the caller's A" in render_text(result)
    assert run_check(exercise_id, lambda A: (_ for _ in ()).throw(NotImplementedError)).status == "not attempted"


@pytest.mark.slow
def test_the_generated_notebooks_run_and_pass(course):
    """The chapter (with another seed and perturbed draws), the solutions (every check passes), the exercises
    (not attempted, no error) and the demo, each in a fresh kernel that imports the copy's course_utils."""
    root, ch, _, _ = course
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
           "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    runs = [(root / "notebooks" / f"{ch.stem}.ipynb", {**env, "COURSE_SEED": "2", "COURSE_PERTURB": "1e-12"}),
            (root / "solutions" / f"{ch.stem}_exercises.ipynb", {**env, "COURSE_CHECK_REQUIRE_PASS": "1"}),
            (root / "exercises" / f"{ch.stem}_exercises.ipynb", env),
            (root / "demos" / f"{ch.stem}.ipynb", env)]
    notebooks = execute_many(runs, allow_errors=True, jobs=2)
    failures = {path.relative_to(root): errors(nb) for (path, _), nb in zip(runs, notebooks) if errors(nb)}
    assert not failures, failures
    printed = [o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
               for c in notebooks[2].cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert any("not attempted yet" in p for p in printed), printed


# --------------------------------------------------------------------------------------------
# What it refuses
# --------------------------------------------------------------------------------------------
README = """# Course

## The course map

| # | Chapter | What you will see | Time |
|---|---|---|---|
| 0 | [Start](notebooks/00_start.ipynb) | the start | 15 min |
| 1 | [Next](notebooks/01_next.ipynb) | the next | 60 min |

Each chapter has an exercise notebook.
"""


@pytest.fixture
def tiny(tmp_path):
    """Folders, two chapters' names and a README: enough for every refusal."""
    for folder in ("notebooks", "solutions", "exercises", "demos", "course_utils/grading/exercises"):
        (tmp_path / folder).mkdir(parents=True)
    for stem in ("00_start", "01_next"):
        (tmp_path / "notebooks" / f"{stem}.ipynb").write_text("{}")
    (tmp_path / "README.md").write_text(README)
    return tmp_path


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("args, message", [
    (["SLUG=topic"], "`N` is required"),
    (["N=2", "SLUG=topic"], "`N` must be two digits such as 08, got '2'; did you mean N=02?"),
    (["N=x2", "SLUG=topic"], "`N` must be two digits"),
    (["N=002", "SLUG=topic"], "`N` must be two digits"),
    (["N=01", "SLUG=topic"], "`N`=01 is taken: notebooks/01_next.ipynb"),
    (["N=05", "SLUG=topic"], "`N` must be the next chapter number, 02, got 05"),
    (["N=02"], "`SLUG` is required"),
    (["N=02", "SLUG=My-Topic"], "`SLUG` must be snake_case"),
    (["N=02", "SLUG=My-Topic"], "did you mean SLUG=my_topic?"),
    (["N=02", "SLUG=2nd_topic"], "`SLUG` must be snake_case"),
    (["N=02", "SLUG=double__underscore"], "`SLUG` must be snake_case"),
    (["N=02", "SLUG=trailing_"], "`SLUG` must be snake_case"),
    (["N=02", "SLUG=" + "x" * 41], "`SLUG` must be snake_case"),
    (["N=02", "SLUG=topic", "TITLE=two\nlines"], "`TITLE` must be a single line"),
    (["N=02", "SLUG=topic", 'TITLE=a """ b'], "`TITLE` must not contain"),
    (["N=02", "SLGU=topic"], "did you mean SLUG=…?"),
])
def test_refuses_bad_arguments_naming_them_and_writes_nothing(tiny, capsys, args, message):
    before = _snapshot(tiny)
    assert new_chapter.main(args + ["--root", str(tiny)]) == 2
    assert message in capsys.readouterr().err
    assert _snapshot(tiny) == before


def test_refuses_a_number_taken_by_any_of_the_chapters_files(tiny, capsys):
    for path in ("demos/02_other.py", "solutions/02_other_exercises.ipynb", "course_utils/grading/exercises/ch02.py"):
        (tiny / path).write_text("x = 1\n")
        before = _snapshot(tiny)
        assert new_chapter.main(["N=02", "SLUG=topic", "--root", str(tiny)]) == 2
        assert f"`N`=02 is taken: {path}" in capsys.readouterr().err
        assert _snapshot(tiny) == before
        (tiny / path).unlink()


@pytest.mark.parametrize("readme, message", [
    (README.replace("## The course map", "## Chapters"), "README.md has no table under '## The course map'"),
    (README.replace("| 1 | [Next]", "| 2 | [Other](x) | y | z |\n| 1 | [Next]"),
     "README.md's course map already has a row for chapter 2"),
])
def test_refuses_a_readme_it_cannot_extend_and_writes_nothing(tiny, capsys, readme, message):
    (tiny / "README.md").write_text(readme)
    before = _snapshot(tiny)
    assert new_chapter.main(["N=02", "SLUG=topic", "--root", str(tiny)]) == 2
    assert message in capsys.readouterr().err
    assert _snapshot(tiny) == before


def test_never_overwrites_and_removes_what_it_wrote_when_a_write_fails(tiny, monkeypatch):
    ch = new_chapter.chapter("02", "topic")
    assert all(not p.exists() for p in new_chapter.plan(ch, tiny))
    # a target that exists is refused even if the number check were to miss it
    (tiny / "demos" / "02_topic.ipynb").write_text("{}")
    with monkeypatch.context() as m:
        m.setattr(new_chapter, "_chapter_numbers", lambda root: {})
        with pytest.raises(new_chapter.ScaffoldError, match="refusing to overwrite demos/02_topic.ipynb"):
            new_chapter.plan(ch, tiny)
    (tiny / "demos" / "02_topic.ipynb").unlink()

    before = _snapshot(tiny)
    demo = tiny / "demos" / "02_topic.py"
    real_open = open

    def failing_open(path, *args, **kwargs):  # the demo's write fails after seven files were created
        if Path(path) == demo:
            raise OSError("disk full")
        return real_open(path, *args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr("builtins.open", failing_open)
        with pytest.raises(OSError, match="disk full"):
            new_chapter.create(ch, tiny)
    assert _snapshot(tiny) == before


def test_title_defaults_to_the_slug_in_words():
    assert new_chapter.chapter("08", "edge_of_stability").title == "Edge of stability"
    assert new_chapter.chapter("10", "x", "  Ten  ").exercise_id == "10.1"


def test_next_number_follows_the_last_chapter():
    chapters = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert new_chapter.next_number(REPO) == f"{len(chapters):02d}"
