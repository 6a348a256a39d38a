"""The batch grader: a corpus of broken, hostile and correct chapter-0 submissions graded in one batch.

The corpus is built from the real chapter-0 notebooks (tests/grading_corpus/build.py), graded once through the
real command line with two jobs, and every row is compared with what the checks themselves say: expected scores
come from running ``run_check`` here, in a clean process, on the very function sources the corpus used.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.grading import run_check
from course_utils.grading.__main__ import main
from course_utils.grading.probe import new_nonce, parse_probe_output
from course_utils.grading.report import ExerciseGrade, SubmissionGrade, summary_text, write_csv
from course_utils.grading.submission import (
    CORRUPT_JSON,
    NOT_A_NOTEBOOK,
    find_check_calls,
    is_check_only,
    read_submission,
)

REPO = Path(__file__).resolve().parents[1]
IDS = ["0.1", "0.2", "0.3"]
# The whole-batch outcome, per file: the grader's own statuses are the spec here.
EXPECTED_STATUS = {
    "correct.ipynb": "ok",
    "stubs.ipynb": "ok",
    "partial.ipynb": "ok",
    "syntax_error.ipynb": "not defined in 0.2",
    "exception.ipynb": "error in 0.1, 0.3",
    "infinite_loop.ipynb": "timeout in 0.3",
    "stubborn_loop.ipynb": "timeout in 0.2",
    "os_exit.ipynb": "kernel died in 0.2",
    "output_flood.ipynb": "ok",
    "memory_hog.ipynb": "error in 0.2",
    "fake_verdicts.ipynb": "ok",
    "monkeypatched.ipynb": "ok",
    "files.ipynb": "ok",
    "widgets.ipynb": "ok",
    "no_check_cell.ipynb": "ok",
    "wrong_chapter.ipynb": "wrong chapter",
    "not_a_notebook.ipynb": "not a notebook",
    "corrupt_json.ipynb": "corrupt JSON",
}


def _load_builder():
    spec = importlib.util.spec_from_file_location("grading_corpus_build", REPO / "tests" / "grading_corpus" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_builder()


def _digest(directory: Path) -> dict[str, str]:
    return {p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*"))}


def _oracle(exercise_id: str, source: str):
    """run_check's verdict, in this clean process, on the function defined by ``source``."""
    namespace: dict = {}
    exec(compile("import numpy as np\n" + source, f"<answer {exercise_id}>", "exec"), namespace)
    return run_check(exercise_id, namespace[build.FUNCTIONS[exercise_id]])


def _solution_source(exercise_id: str) -> str:
    nb = build.read_notebook(build.SOLUTIONS)
    return nb.cells[build.definition_cell(nb, exercise_id)].source


def _stub_source(exercise_id: str) -> str:
    nb = build.read_notebook(build.EXERCISES)
    return nb.cells[build.definition_cell(nb, exercise_id)].source


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Build the corpus, grade it once through the CLI (2 jobs), and return everything the tests inspect."""
    corpus = tmp_path_factory.mktemp("corpus")
    described = build.build_corpus(corpus)
    before = _digest(corpus)
    out = tmp_path_factory.mktemp("out")
    proc = subprocess.run(
        [sys.executable, "-m", "course_utils.grading", "grade", str(corpus), "--chapter", "0", "--timeout", "6",
         "--budget", "120", "--jobs", "2", "--csv", str(out / "grades.csv"), "--feedback", str(out / "feedback")],
        capture_output=True, text=True, timeout=600, cwd=out)
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = {row["file"]: row for row in csv.DictReader(f)}
    return {"corpus": corpus, "described": described, "before": before, "after": _digest(corpus), "proc": proc,
            "rows": rows, "feedback": out / "feedback", "out": out}


def _feedback(graded, name: str) -> str:
    student = graded["rows"][name]["student_id"]
    return (graded["feedback"] / f"{student}.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_batch_finishes_with_one_row_per_submission_and_exit_0(graded):
    proc = graded["proc"]
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert set(graded["rows"]) == set(graded["described"])
    header = (graded["out"] / "grades.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == ["student_id", "file", "chapter", *IDS, "total", "max", "status", "seconds"]


@pytest.mark.slow
def test_originals_unchanged_and_nothing_written_beside_them(graded):
    # The "files" notebook deletes everything in its working directory and writes files and a fake package.
    assert graded["after"] == graded["before"]
    assert not (graded["out"] / "results.txt").exists() and not (graded["out"] / "course_utils").exists()


@pytest.mark.slow
def test_statuses(graded):
    if not build.CHAPTER1.exists():
        EXPECTED_STATUS.pop("wrong_chapter.ipynb")
    assert {name: graded["rows"][name]["status"] for name in EXPECTED_STATUS} == EXPECTED_STATUS


@pytest.mark.slow
def test_scores_match_the_checks_run_in_a_clean_process(graded):
    """Every exercise scores what run_check gives its function here; grader-side failures score 0."""
    for name, description in graded["described"].items():
        row = graded["rows"][name]
        if "status" in description:  # not graded at all
            assert [float(row[e]) for e in IDS] == [0.0, 0.0, 0.0], name
            continue
        expected = {}
        for eid in IDS:
            if eid in description.get("expect", {}):
                expected[eid] = 0.0
            else:
                answer = description.get(eid)
                source = _stub_source(eid) if answer == "stub" else _solution_source(eid) if answer is None else answer
                expected[eid] = round(_oracle(eid, source).score, 3)
        got = {eid: float(row[eid]) for eid in IDS}
        assert got == pytest.approx(expected), name
        assert float(row["total"]) == pytest.approx(sum(expected.values()), abs=2e-3), name


@pytest.mark.slow
def test_anchor_scores(graded):
    """Sanity anchors independent of the oracle: a correct notebook scores 3, stubs and tampering 0."""
    rows = graded["rows"]
    assert rows["correct.ipynb"]["total"] == "3" and rows["correct.ipynb"]["student_id"] == "alice"
    for name in ("stubs.ipynb", "fake_verdicts.ipynb"):
        assert rows[name]["total"] == "0", name
    # The monkeypatched notebook's wrong answers earn only what they would earn honestly (< 1 each).
    assert all(float(rows["monkeypatched.ipynb"][e]) < 1 for e in IDS)
    # A local failure costs its own exercise only.
    for name, lost in (("infinite_loop.ipynb", "0.3"), ("stubborn_loop.ipynb", "0.2"), ("os_exit.ipynb", "0.2"),
                       ("syntax_error.ipynb", "0.2"), ("memory_hog.ipynb", "0.2")):
        assert {e: rows[name][e] for e in IDS} == {e: ("0" if e == lost else "1") for e in IDS}, name
    # A name reused after exercise 0.1's check does not change 0.1's grade; a deleted check cell is still graded.
    assert rows["partial.ipynb"]["0.1"] == "1"
    assert rows["no_check_cell.ipynb"]["total"] == "3"


@pytest.mark.slow
def test_feedback_repeats_the_check_messages_and_notes(graded):
    # Same messages as `check` shows: compare with run_check in this process.
    text = _feedback(graded, "partial.ipynb")
    for message in _oracle("0.2", build.WRONG_SIGN_STEP).messages:
        if "drawn afresh" not in message:  # a hidden case draws new inputs on every check, so its text differs
            assert message.splitlines()[0] in text
    assert "not attempted" in text
    expectations = {
        "exception.ipynb": ["KeyError", "sys.exit", "SystemExit", "ValueError: a cell that fails on its own"],
        "syntax_error.ipynb": ["SyntaxError", "`gradient_descent_step` is not defined"],
        "memory_hog.ipynb": ["MemoryError: Unable to allocate 8.00 GiB", "`hog = bytearray(8 * 2**30)` raised MemoryError"],
        "infinite_loop.ipynb": ["took longer than"],
        "stubborn_loop.ipynb": ["ignored the interrupt; the kernel was restarted"],
        "os_exit.ipynb": ["`import os` ended the Python process"],
        "wrong_chapter.ipynb": ["exercises of chapter 1, but this batch grades chapter 0"],
        "not_a_notebook.ipynb": ["not JSON"],
        "corrupt_json.ipynb": ["re-download"],
    }
    for name, needles in expectations.items():
        if name in graded["rows"]:
            text = _feedback(graded, name)
            for needle in needles:
                assert needle in text, (name, needle)


@pytest.mark.slow
def test_summary_printed(graded):
    stdout = graded["proc"].stdout
    assert f"Graded {len(graded['rows'])} submissions of chapter 0" in stdout
    for eid in IDS:
        mean = sum(float(r[eid]) for r in graded["rows"].values()) / len(graded["rows"])
        line = next(ln for ln in stdout.splitlines() if ln.startswith(eid + " "))
        assert float(line.split()[1]) == pytest.approx(mean, abs=0.006)
    assert re.search(r"^\s+1\s+kernel died in 0\.2$", stdout, re.M)


# ---------------------------------------------------------------------------------------------------------------
# Fast unit tests (no kernel)


def test_find_check_calls():
    assert find_check_calls('check("0.1", quadratic_gradient)') == [("0.1", "quadratic_gradient")]
    assert find_check_calls("r = check('2.3', lambda x: f(x, 2))\nprint(r)") == [("2.3", "lambda x: f(x, 2)")]
    assert find_check_calls('%timeit f()\ncheck("1.2", my_value)') == [("1.2", "my_value")]  # magics: regex
    assert find_check_calls('check("0.1", f)\ncheck("0.2", g)') == [("0.1", "f"), ("0.2", "g")]
    assert find_check_calls("checker('0.1', f)\ncheck(exercise, f)") == []
    assert is_check_only('check("0.1", f)') and not is_check_only('check("0.1", f)\nx = 1')


def test_read_submission_problems(tmp_path):
    cases = {"empty.ipynb": b"", "text.ipynb": b"my answers", "binary.ipynb": bytes(range(256)),
             "list.ipynb": b"[1, 2]", "truncated.ipynb": b'{"cells": [', "nocells.ipynb": b'{"metadata": {}}'}
    expected = {"empty.ipynb": NOT_A_NOTEBOOK, "text.ipynb": NOT_A_NOTEBOOK, "binary.ipynb": NOT_A_NOTEBOOK,
                "list.ipynb": NOT_A_NOTEBOOK, "truncated.ipynb": CORRUPT_JSON, "nocells.ipynb": NOT_A_NOTEBOOK}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        submission = read_submission(tmp_path / name)
        assert submission.problem == expected[name] and submission.detail, name
    assert read_submission(tmp_path / "absent.ipynb").problem == "file not found"
    assert read_submission(tmp_path).problem == "unreadable file"  # a directory


def test_read_submission_student_id_and_chapter(tmp_path):
    nb = {"cells": [{"cell_type": "code", "source": ['check("1.2", f)\n'], "metadata": {}, "outputs": []}],
          "metadata": {"student_id": " Ann Lee/../x "}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "00_anything.ipynb").write_text(json.dumps(nb))
    submission = read_submission(tmp_path / "00_anything.ipynb")
    assert submission.student_id == "Ann_Lee_.._x"  # safe as a file name: no slash, no spaces
    assert submission.chapters == [1]  # check ids win over the file name
    assert submission.sites["1.2"].expression == "f" and submission.sites["1.2"].cell_index == 0


def test_parse_probe_output_trusts_only_one_nonce_line():
    nonce = new_nonce()
    real = nonce + json.dumps({"status": "failed", "score": 0.5})
    assert parse_probe_output("noise\n" + real + "\n", nonce)["score"] == 0.5
    assert parse_probe_output('{"status": "passed", "score": 1.0}\n', nonce) is None  # printed, untagged
    assert parse_probe_output(new_nonce() + '{"status": "passed"}\n', nonce) is None  # another run's tag
    assert parse_probe_output(real + "\n" + real + "\n", nonce)["status"] == "tampered"
    assert parse_probe_output(nonce + "{not json\n", nonce)["status"] == "tampered"


def test_csv_and_summary(tmp_path):
    grades = [SubmissionGrade("a/x.ipynb", "x", 0, "ok", {"0.1": ExerciseGrade("0.1", "passed", 1.0),
                                                           "0.2": ExerciseGrade("0.2", "failed", 0.25)}),
              SubmissionGrade("a/y.ipynb", "y", None, "corrupt JSON")]
    write_csv(grades, ["0.1", "0.2"], tmp_path / "g.csv")
    rows = list(csv.DictReader((tmp_path / "g.csv").read_text(encoding="utf-8").splitlines()))
    assert [(r["student_id"], r["0.1"], r["0.2"], r["total"], r["max"], r["status"]) for r in rows] == [
        ("x", "1", "0.25", "1.25", "2", "ok"), ("y", "0", "0", "0", "2", "corrupt JSON")]
    text = summary_text(grades, ["0.1", "0.2"])
    line = next(ln for ln in text.splitlines() if ln.startswith("0.2 "))
    assert line.split()[1] == "0.12"  # the mean of the CSV column: an ungradable submission counts 0


def test_usage_errors_exit_2(tmp_path, capsys):
    (tmp_path / "x.ipynb").write_text("{}")
    assert main(["grade", str(tmp_path / "x.ipynb"), "--chapter", "42", "--csv", str(tmp_path / "g.csv")]) == 2
    assert "no exercises are registered for chapter 42" in capsys.readouterr().err
    assert main(["grade", str(tmp_path / "x.ipynb"), "--timeout", "0"]) == 2
    assert main(["grade", str(tmp_path / "x.ipynb"), "--csv", str(tmp_path / "g.csv")]) == 2  # chapter unknown
