"""The batch grader: a corpus of broken, hostile and correct chapter-0 submissions graded in one batch.

The corpus is built from the real chapter-0 notebooks (tests/grading_corpus/build.py), graded once through the
real command line with two jobs, and every row is compared with what the checks themselves say: expected scores
come from running ``run_check`` here, in a clean process, on the very function sources the corpus used.

With bubblewrap (Linux; CI installs it and sets COURSE_REQUIRE_SANDBOX=1) the batch runs sandboxed and the corpus
includes the red team's hostile notebooks (issue 22): forging the worker's result, killing it, overwriting or
reading other submissions and solutions/, rewriting the course, a setsid daemon. Each gets the fair grade, and
the files, the process table and the temporary folder are checked afterwards. Without bubblewrap those cases
are not even built (they really attack) and the batch runs with --no-sandbox.
"""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

from course_utils.grading import batch, run_check
from course_utils.grading.__main__ import main
from course_utils.grading.cases import DEFAULT_HIDDEN_SEED
from course_utils.grading.report import ExerciseGrade, SubmissionGrade, summary_text, write_csv
from course_utils.grading.submission import (
    CORRUPT_JSON,
    NOT_A_NOTEBOOK,
    find_check_calls,
    is_check_only,
    read_submission,
    stripped_notebook,
)

REPO = Path(__file__).resolve().parents[1]
IDS = ["0.1", "0.2", "0.3", "0.4"]
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
    "=1+2.ipynb": "not a notebook",
    "claims_alice.ipynb": "wrong chapter",
    "stdout_redirected.ipynb": "ok",
    "base_exceptions.ipynb": "error in 0.1, 0.2, 0.3",
    "exit_call.ipynb": "kernel died in 0.2",
    "big_outputs.ipynb": "ok",
    "forge_in_process.ipynb": "ok",
}
HOSTILE = ("forge_and_kill.ipynb", "overwrite_others.ipynb", "steal_answers.ipynb", "write_course.ipynb",
           "daemon.ipynb")
SANDBOX_PROBLEM = batch.sandbox_problem()
SANDBOXED = SANDBOX_PROBLEM is None
if not SANDBOXED and os.environ.get("COURSE_REQUIRE_SANDBOX") == "1":
    raise RuntimeError(f"COURSE_REQUIRE_SANDBOX=1 but the grader cannot sandbox here: {SANDBOX_PROBLEM}")


def _load_builder():
    spec = importlib.util.spec_from_file_location("grading_corpus_build", REPO / "tests" / "grading_corpus" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_builder()


def _digest(directory: Path, pattern: str = "*") -> dict[str, str]:
    return {p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob(pattern)) if p.is_file() and "__pycache__" not in p.parts}


def _processes_with(marker: str) -> list[str]:
    """Pids of processes whose command line holds ``marker`` (not this test's own)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(entry.name)
            except OSError:
                pass
    return found


def _sandbox_uid_processes() -> list[str]:
    """Pids running as a sandbox uid (root mode gives each grading worker's kernels uid 2e9 + worker pid)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            uid = int(next(ln for ln in status.splitlines() if ln.startswith("Uid:")).split()[1])
            if uid >= 2_000_000_000:
                found.append(entry.name)
    return found


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
    out = tmp_path_factory.mktemp("out")
    scratch = tmp_path_factory.mktemp("tmpdir")  # the grader's TMPDIR: must be empty again afterwards
    marker = "corpus-attack-" + secrets.token_hex(6)
    described = build.build_corpus(corpus, hostile={"out": out, "marker": marker} if SANDBOXED else None)
    before = _digest(corpus)
    course_before = _digest(REPO / "course_utils", "*.py")
    proc = subprocess.run(
        [sys.executable, "-m", "course_utils.grading", "grade", str(corpus), "--chapter", "0", "--timeout", "20",
         "--budget", "180", "--jobs", "2", "--seed", "12345", "--csv", str(out / "grades.csv"), "--feedback", str(out / "feedback"),
         *([] if SANDBOXED else ["--no-sandbox"])],
        capture_output=True, text=True, timeout=900, cwd=out, env={**os.environ, "TMPDIR": str(scratch)})
    grades_csv = (out / "grades.csv").read_bytes()
    time.sleep(1.5)  # a surviving daemon rewrites grades.csv every 0.2 s
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        raw = list(csv.DictReader(f))
    # keyed by file name, without the quote that escapes a formula-like one ("'=1+2.ipynb")
    rows = {row["file"][1:] if row["file"].startswith("'") else row["file"]: row for row in raw}
    return {"raw_files": [row["file"] for row in raw], "corpus": corpus, "described": described, "before": before, "after": _digest(corpus), "proc": proc,
            "rows": rows, "feedback": out / "feedback", "out": out, "marker": marker, "scratch": scratch,
            "grades_csv": grades_csv, "course_before": course_before,
            "course_after": _digest(REPO / "course_utils", "*.py"),
            "survivors": _processes_with(marker), "sandbox_uids": _sandbox_uid_processes()}


def _feedback(graded, name: str) -> str:
    student = graded["rows"][name]["student_id"]
    return (graded["feedback"] / f"{student}.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_batch_finishes_with_one_row_per_submission_and_exit_0(graded):
    proc = graded["proc"]
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert set(graded["rows"]) == set(graded["described"])
    assert "hidden cases drawn with --seed 12345" in proc.stdout  # the seed to give again to reproduce the batch
    header = (graded["out"] / "grades.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == ["student_id", "file", "chapter", *IDS, "total", "max", "status", "seconds", "flags"]


@pytest.mark.slow
def test_originals_unchanged_and_nothing_written_beside_them(graded):
    # The "files" notebook deletes everything in its working directory and writes files and a fake package.
    assert graded["after"] == graded["before"]
    assert not (graded["out"] / "results.txt").exists() and not (graded["out"] / "course_utils").exists()


@pytest.mark.slow
def test_statuses(graded):
    expected = dict(EXPECTED_STATUS)
    if not build.CHAPTER1.exists():
        expected.pop("wrong_chapter.ipynb")
        expected.pop("claims_alice.ipynb")
    if SANDBOXED:
        expected.update({name: "ok" for name in HOSTILE})
    assert {name: graded["rows"][name]["status"] for name in expected} == expected
    # the file name column is as written, behind the quote that keeps a spreadsheet from evaluating it
    assert "'=1+2.ipynb" in graded["raw_files"] and "=1+2.ipynb" not in graded["raw_files"]


@pytest.mark.slow
@pytest.mark.skipif(not SANDBOXED, reason=f"no sandbox here: {SANDBOX_PROBLEM}")
def test_hostile_notebooks_get_no_marks_and_leave_nothing_behind(graded):
    """Issue 22's red team: forging, killing the worker, harming others, a daemon — 0 marks, no trace."""
    rows = graded["rows"]
    for name in HOSTILE:  # all of them are stubs: any mark is a forged or stolen one
        assert (rows[name]["total"], rows[name]["status"]) == ("0", "ok"), (name, graded["described"][name])
    # the other submissions (overwrite_others targets correct.ipynb and stubs.ipynb) and every original: unchanged
    assert graded["after"] == graded["before"]
    assert rows["correct.ipynb"]["total"] == "4"
    # the course: registry.py, check.py and the package root unwritten
    assert graded["course_after"] == graded["course_before"]
    leftovers = sorted(str(p) for p in REPO.glob(f"**/{graded['marker']}*"))
    for path in leftovers:  # remove what an escaped attack wrote, then fail
        Path(path).unlink()
    assert leftovers == []
    # the output folder: no marker file, and grades.csv unchanged 1.5 s after the grader exited
    assert sorted(p.name for p in graded["out"].iterdir()) == ["feedback", "grades.csv"]
    assert (graded["out"] / "grades.csv").read_bytes() == graded["grades_csv"]
    # the process table: no daemon, no process of any sandbox
    assert graded["survivors"] == [] and graded["sandbox_uids"] == []
    # every temporary folder of the grader (workers, kernelspecs, ipc sockets) is gone
    assert list(graded["scratch"].iterdir()) == []


@pytest.mark.slow
def test_fairness_cases(graded):
    rows = graded["rows"]
    # honest students who redirect sys.stdout (a StringIO; os.devnull then sys.__stdout__) get full marks
    assert rows["stdout_redirected.ipynb"]["total"] == "4"
    # a KeyboardInterrupt, input() and a BaseException subclass in answers: the student's errors
    assert {e: rows["base_exceptions.ipynb"][e] for e in IDS} == {"0.1": "0", "0.2": "0", "0.3": "0", "0.4": "1"}
    # exit() in a cell: the exercise of that cell is blamed (deterministically), the others score
    assert {e: rows["exit_call.ipynb"][e] for e in IDS} == {"0.1": "1", "0.2": "0", "0.3": "1", "0.4": "1"}
    # 66 MB of stored outputs: stripped, graded normally
    assert (graded["corpus"] / "big_outputs.ipynb").stat().st_size > 50 * 2**20
    assert rows["big_outputs.ipynb"]["total"] == "4"
    # one student id in two files (metadata wins over the name): flagged on both rows and in the summary
    if "claims_alice.ipynb" in rows:
        assert "duplicate student_id 'alice'" in rows["correct.ipynb"]["flags"]
        assert "duplicate student_id 'alice'" in rows["claims_alice.ipynb"]["flags"]
        assert "claims_alice.ipynb: duplicate student_id 'alice'" in graded["proc"].stdout
    assert rows["stubs.ipynb"]["flags"] == ("" if SANDBOXED else batch.UNSANDBOXED)


@pytest.mark.slow
def test_scores_match_the_checks_run_in_a_clean_process(graded):
    """Every exercise scores what run_check gives its function here; grader-side failures score 0."""
    for name, description in graded["described"].items():
        row = graded["rows"][name]
        if "status" in description:  # not graded at all
            assert [float(row[e]) for e in IDS] == [0.0] * len(IDS), name
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
    """Sanity anchors independent of the oracle: a correct notebook scores 4, stubs and tampering 0."""
    rows = graded["rows"]
    assert rows["correct.ipynb"]["total"] == "4" and rows["correct.ipynb"]["student_id"] == "alice"
    for name in ("stubs.ipynb", "fake_verdicts.ipynb"):
        assert rows[name]["total"] == "0", name
    # Forgery from inside the kernel earns what its NaN answers earn honestly (the no-mutation cases only).
    assert float(rows["forge_in_process.ipynb"]["total"]) < 1
    # The monkeypatched notebook's wrong answers earn only what they would earn honestly (< 1 each).
    assert all(float(rows["monkeypatched.ipynb"][e]) < 1 for e in IDS)
    # A local failure costs its own exercise only.
    for name, lost in (("infinite_loop.ipynb", "0.3"), ("stubborn_loop.ipynb", "0.2"), ("os_exit.ipynb", "0.2"),
                       ("syntax_error.ipynb", "0.2"), ("memory_hog.ipynb", "0.2")):
        assert {e: rows[name][e] for e in IDS} == {e: ("0" if e == lost else "1") for e in IDS}, name
    # A name reused after exercise 0.1's check does not change 0.1's grade; a deleted check cell is still graded.
    assert rows["partial.ipynb"]["0.1"] == "1"
    assert rows["no_check_cell.ipynb"]["total"] == "4"


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
        "base_exceptions.ipynb": ["raised KeyboardInterrupt", "input() was called", "raised Done"],
        "exit_call.ipynb": ["`exit()` ended the Python process"],
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
    assert re.search(r"^\s+2\s+kernel died in 0\.2$", stdout, re.M)  # os_exit and exit_call


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


def test_csv_escapes_formulas(tmp_path):
    grades = [SubmissionGrade("a/=HYPERLINK(x).ipynb", "+1", 0, "ok", flags=["-x"]),
              SubmissionGrade("a/@a.ipynb", "b", 0, "ok")]
    write_csv(grades, ["0.1"], tmp_path / "g.csv")
    rows = list(csv.DictReader((tmp_path / "g.csv").read_text(encoding="utf-8").splitlines()))
    assert [(r["student_id"], r["file"], r["flags"]) for r in rows] == [
        ("'+1", "'=HYPERLINK(x).ipynb", "'-x"), ("b", "'@a.ipynb", "")]


def test_flag_identities():
    grades = [SubmissionGrade("d/s1.ipynb", "s1", 0, "ok"), SubmissionGrade("d/s2.ipynb", "s1", 0, "ok"),
              SubmissionGrade("d/2024_s3_final.ipynb", "s3", 0, "ok"), SubmissionGrade("d/x.ipynb", "s4", 0, "ok")]
    batch.flag_identities(grades)
    assert grades[0].flags == ["duplicate student_id 's1' (also s2.ipynb)"]
    assert grades[1].flags[0] == "duplicate student_id 's1' (also s1.ipynb)"
    assert "does not match the file name" in grades[1].flags[1]  # s2.ipynb claims s1
    assert grades[2].flags == []  # the id is part of the (LMS-decorated) file name
    assert "does not match the file name" in grades[3].flags[0]


def test_exit_status_1_on_a_grader_error_of_one_exercise(tmp_path, monkeypatch, capsys):
    (tmp_path / "x.ipynb").write_text("{}")
    row = SubmissionGrade(str(tmp_path / "x.ipynb"), "x", 0, "grader error in 0.1",
                          {"0.1": ExerciseGrade("0.1", "grader error")})
    monkeypatch.setattr(batch, "grade_batch", lambda *a, **k: (0, ["0.1"], [row]))
    monkeypatch.setattr(batch, "sandbox_problem", lambda: None)
    assert main(["grade", str(tmp_path / "x.ipynb"), "--csv", str(tmp_path / "g.csv")]) == 1
    row.exercises["0.1"] = ExerciseGrade("0.1", "failed")
    row.status = "ok"
    assert main(["grade", str(tmp_path / "x.ipynb"), "--csv", str(tmp_path / "g.csv")]) == 0


def test_refuses_without_sandbox_unless_told(tmp_path, monkeypatch, capsys):
    (tmp_path / "x.ipynb").write_text("{}")
    monkeypatch.setattr(batch, "sandbox_problem", lambda: "bubblewrap (`bwrap`) is not installed")
    assert main(["grade", str(tmp_path / "x.ipynb"), "--chapter", "0", "--csv", str(tmp_path / "g.csv")]) == 2
    assert "refusing to grade: bubblewrap (`bwrap`) is not installed" in capsys.readouterr().err
    assert not (tmp_path / "g.csv").exists()
    assert main(["grade", str(tmp_path / "x.ipynb"), "--chapter", "0", "--csv", str(tmp_path / "g.csv"),
                 "--no-sandbox"]) == 0
    assert capsys.readouterr().out.count("WITHOUT the sandbox") == 2
    row = next(csv.DictReader((tmp_path / "g.csv").read_text(encoding="utf-8").splitlines()))
    assert row["status"] == "not a notebook" and row["flags"] == batch.UNSANDBOXED


def test_stripped_notebook_keeps_code_drops_outputs(tmp_path):
    nb = {"cells": [{"cell_type": "code", "source": ["x = 1\n", "check('0.1', f)"], "metadata": {},
                     "outputs": [{"output_type": "stream", "name": "stdout", "text": "y" * 1000}],
                     "execution_count": 3},
                    {"cell_type": "markdown", "source": "text", "metadata": {}, "attachments": {"a": {}}}],
          "metadata": {"student_id": "s"}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "a.ipynb").write_text(json.dumps(nb))
    stripped = json.loads(stripped_notebook(read_submission(tmp_path / "a.ipynb")))
    assert [c["source"] for c in stripped["cells"]] == ["x = 1\ncheck('0.1', f)", "text"]
    assert stripped["cells"][0]["outputs"] == [] and "attachments" not in stripped["cells"][1]
    assert "y" * 10 not in json.dumps(stripped)


def test_usage_errors_exit_2(tmp_path, capsys):
    (tmp_path / "x.ipynb").write_text("{}")
    assert main(["grade", str(tmp_path / "x.ipynb"), "--chapter", "42", "--csv", str(tmp_path / "g.csv")]) == 2
    assert "no exercises are registered for chapter 42" in capsys.readouterr().err
    assert main(["grade", str(tmp_path / "x.ipynb"), "--timeout", "0"]) == 2
    assert main(["grade", str(tmp_path / "x.ipynb"), "--seed", "-1"]) == 2
    assert "--seed must be an integer >= 0" in capsys.readouterr().err
    with pytest.raises(ValueError, match="seed"):
        batch.GradeOptions(seed=-3)
    assert main(["grade", str(tmp_path / "x.ipynb"), "--csv", str(tmp_path / "g.csv")]) == 2  # chapter unknown


@pytest.mark.skipif(not SANDBOXED, reason=f"no sandbox here: {SANDBOX_PROBLEM}")
def test_sandboxed_kernel_sees_only_itself_and_has_its_limits(tmp_path, monkeypatch):
    """One sandboxed kernel: nobody, no network, no repository but course_utils, its limits, no fork bomb; nothing
    of the grader's environment reaches it, not even the hidden cases' seed (the checks run in the grader)."""
    monkeypatch.setenv("COURSE_GRADER_SEED", "424242")
    monkeypatch.setenv("SOME_INSTRUCTOR_TOKEN", "secret")
    from course_utils.grading.kernel_runner import PROCESS_LIMIT, KernelRunner
    from course_utils.grading.sandbox import Sandbox

    (tmp_path / "ipc").mkdir()
    (tmp_path / "nb.ipynb").write_text("{}")
    box = Sandbox(tmp_path / "ipc", tmp_path / "nb.ipynb", package_root=REPO)
    code = f'''import os, resource, socket, json
view = {{"uid": os.getuid(), "cwd": os.getcwd(), "files": sorted(os.listdir(".")), "repo": sorted(os.listdir({str(REPO)!r})),
        "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "limits": [resource.getrlimit(getattr(resource, n))[0] for n in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_NPROC")],
        "tmp": os.path.exists({str(tmp_path / "nb.ipynb")!r}),
        "seed": __import__("course_utils.grading.cases", fromlist=["hidden_seed"]).hidden_seed(),
        "token": os.environ.get("SOME_INSTRUCTOR_TOKEN")}}
try:
    socket.create_connection(("1.1.1.1", 80), timeout=2)
    view["network"] = True
except OSError:
    view["network"] = False
children = []
try:
    for _ in range(200):
        pid = os.fork()
        if pid == 0:
            import time
            time.sleep(5)
            os._exit(0)
        children.append(pid)
except OSError:
    pass
view["forked"] = len(children)
print(json.dumps(view))
'''
    with KernelRunner(tmp_path, memory_mb=1024, sandbox=box, cpu_seconds=77) as runner:
        run = runner.run(code, 30)
    assert run.status == "ok", run
    view = json.loads(run.stdout.strip().splitlines()[-1])
    assert view["uid"] == 65534 and view["cwd"] == "/home/student" and view["files"] == ["nb.ipynb"]
    # of the repository only course_utils and the running Python environment (.venv, or .venv-floors in the floors
    # run) are mounted: no solutions/, no other submission, no notebooks
    environment = {Path(sys.prefix).name} if Path(sys.prefix).resolve().parent == REPO.resolve() else set()
    assert set(view["repo"]) - environment == {"course_utils"}, view["repo"]
    assert not view["tmp"] and not view["network"]
    assert view["seed"] == DEFAULT_HIDDEN_SEED and view["token"] is None
    assert max(view["pids"]) < 50  # its own PID namespace
    assert view["limits"] == [1024 * 2**20, 77, PROCESS_LIMIT]
    assert view["forked"] < PROCESS_LIMIT  # threads of the kernel count too
