"""What a graded submission is, and how the batch grader writes it out: CSV, feedback files, summary.

Scores are points: each exercise is worth 1 point and scores the fraction of its check's cases that passed
(in [0, 1]); ``total`` is the sum over the chapter's exercises and ``max`` their number. Feedback repeats the
messages ``check`` shows in the notebook (what failed and a hint), which never contain an expected answer.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..validation import check_instance, check_int, check_scalar
from .submission import check_exercise_ids, check_path

__all__ = ["ExerciseGrade", "SubmissionGrade", "write_csv", "write_feedback", "feedback_markdown", "summary_text",
           "EXERCISE_STATUSES"]

# Statuses of one exercise: run_check's own five, then the grader's.
EXERCISE_STATUSES = ("passed", "failed", "not attempted", "error", "timeout", "kernel died", "not defined",
                     "missing", "not graded", "grader error")


@dataclass
class ExerciseGrade:
    """The grade of one exercise of one submission.

    Parameters
    ----------
    exercise_id : str
        The exercise id, such as ``"2.3"``.
    status : str
        One of :data:`EXERCISE_STATUSES`: ``run_check``'s ``"passed"``, ``"failed"``, ``"not attempted"``,
        ``"error"``, ``"timeout"``, or the batch grader's ``"kernel died"``, ``"not defined"``, ``"missing"``,
        ``"not graded"``, ``"grader error"``.
    score : float, default 0.0
        Points in [0, 1]: the fraction of the check's cases that passed (0 unless ``"passed"``/``"failed"``).
    title : str, default ""
        The exercise's title from the registry.
    messages : list of str, optional
        The verdict's messages (what failed, with hints); empty by default.
    notes : list of str, optional
        What happened while running the exercise's cells (a cell that raised, the budget running out).
    n_passed : int, default 0
        Cases that passed.
    n_cases : int, default 0
        Cases the check recorded.
    """

    exercise_id: str
    status: str
    score: float = 0.0
    title: str = ""
    messages: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what happened while running the exercise's cells
    n_passed: int = 0
    n_cases: int = 0

    @property
    def headline(self) -> str:
        name = f"Exercise {self.exercise_id}" + (f" — {self.title}" if self.title else "")
        cases = f" ({self.n_passed} of {self.n_cases} cases)" if self.n_cases and self.status in ("passed", "failed") else ""
        return f"{name}: {self.status}{cases} — {self.score:.2f} / 1"


@dataclass
class SubmissionGrade:
    """One row of the grade book: a submission's exercises, total and overall status.

    Parameters
    ----------
    path : str
        The submitted file.
    student_id : str
        The student's id (from the notebook's metadata, else the file name).
    chapter : int or None
        The chapter graded; None when the file could not be read, or when a wrong-chapter notebook holds
        exercises of several chapters.
    status : str
        ``"ok"``; a reading problem (``"not a notebook"``, ``"corrupt JSON"``, …); ``"wrong chapter"``,
        ``"kernel failed to start"``, ``"grader error"``; or the ``"; "``-joined list of what went wrong
        (``"timeout in 2.3"``, ``"no check cells"``, ``"stopped early: …"``).
    exercises : dict of str to ExerciseGrade, optional
        Exercise id -> its grade; empty when the submission was not graded.
    detail : str, default ""
        A sentence explaining ``status``.
    seconds : float, default 0.0
        Wall-clock seconds spent grading the submission.
    flags : list of str, optional
        What the instructor should look at besides the grade: a ``student_id`` shared with another row or
        claimed against the file name, a batch graded without the sandbox. Empty by default.
    """

    path: str
    student_id: str
    chapter: int | None
    status: str
    exercises: dict[str, ExerciseGrade] = field(default_factory=dict)
    detail: str = ""
    seconds: float = 0.0
    flags: list[str] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(g.score for g in self.exercises.values())

    def to_dict(self) -> dict:
        """The grade as plain dicts and lists (``dataclasses.asdict``), ready for JSON; see :meth:`from_dict`.

        Returns
        -------
        dict
        """
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SubmissionGrade:
        exercises = {k: ExerciseGrade(**v) for k, v in data.get("exercises", {}).items()}
        return cls(**{**data, "exercises": exercises})


def _check_grades(grades) -> list[SubmissionGrade]:
    if isinstance(grades, (str, bytes)) or not isinstance(grades, (list, tuple)):
        raise TypeError(f"`grades` must be a list of SubmissionGrade, got {grades!r:.60} of type {type(grades).__name__}")
    for grade in grades:
        check_instance(grade, "grades", SubmissionGrade, "a list of SubmissionGrade")
    return list(grades)


def _fmt(score: float) -> str:
    return f"{score:.3f}".rstrip("0").rstrip(".") if score else "0"


def _cell(text: str) -> str:
    """A text cell a spreadsheet will not evaluate: formula-like starts get a leading quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_csv(grades: list[SubmissionGrade], exercise_ids: list[str], path) -> None:
    """One row per submission: student_id, file, chapter, one score column per exercise, total, max, status.

    Then ``seconds`` (the grading time) and ``flags`` (see :class:`SubmissionGrade`); an exercise missing from a
    grade scores 0. A text cell starting with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) gets a
    leading ``'`` so that a spreadsheet shows it instead of evaluating it as a formula (OWASP's rule).

    Parameters
    ----------
    grades : list of SubmissionGrade
        The rows, in order.
    exercise_ids : list of str
        The exercises of the score columns, in order; ``max`` is their number.
    path : str or os.PathLike
        The CSV file to write (overwritten; UTF-8).
    """
    grades, exercise_ids, path = _check_grades(grades), check_exercise_ids(exercise_ids), check_path(path, "path")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student_id", "file", "chapter", *exercise_ids, "total", "max", "status", "seconds", "flags"])
    for g in grades:
        scores = [_fmt(g.exercises[e].score) if e in g.exercises else "0" for e in exercise_ids]
        writer.writerow([_cell(g.student_id), _cell(Path(g.path).name), "" if g.chapter is None else g.chapter,
                         *scores, _fmt(g.total), len(exercise_ids), _cell(g.status), f"{g.seconds:.1f}",
                         _cell("; ".join(g.flags))])
    Path(path).write_text(buffer.getvalue(), encoding="utf-8")


def feedback_markdown(grade: SubmissionGrade, exercise_ids: list[str]) -> str:
    """The feedback a student receives, as Markdown.

    Parameters
    ----------
    grade : SubmissionGrade
        The student's grade.
    exercise_ids : list of str
        The chapter's exercises, in the order shown; the score is out of their number. Ids without a grade are
        left out.

    Returns
    -------
    str
    """
    check_instance(grade, "grade", SubmissionGrade)
    exercise_ids = check_exercise_ids(exercise_ids)
    chapter = "" if grade.chapter is None else f"chapter {grade.chapter} "
    lines = [f"# Feedback on your {chapter}exercises", "",
             f"- Student: `{grade.student_id}`", f"- File: `{Path(grade.path).name}`",
             f"- Score: **{_fmt(grade.total)} / {len(exercise_ids)}** (1 point per exercise: the fraction of its "
             "test cases your answer passed)",
             f"- Status: {grade.status}"]
    if grade.detail:
        lines += ["", grade.detail]
    for exercise_id in exercise_ids:
        g = grade.exercises.get(exercise_id)
        if g is None:
            continue
        lines += ["", f"## {g.headline}"]
        if g.messages or g.notes:
            lines.append("")
        for message in g.messages:
            first, *rest = message.splitlines() or [""]
            lines.append(f"- {first}")
            lines.extend(f"  {line.strip()}" for line in rest)
        for note in g.notes:
            lines.append(f"- note: {note}")
    lines += ["", "Run the notebook top to bottom (Kernel → Restart Kernel and Run All Cells) before you hand it in: "
              "each exercise is graded on the state your notebook has right after its `check` cell ran.", ""]
    return "\n".join(lines)


def write_feedback(grades: list[SubmissionGrade], exercise_ids: list[str], directory) -> list[Path]:
    """Write ``<student_id>.md`` per submission into ``directory`` (suffixing ``-2``, ``-3`` on clashes).

    Parameters
    ----------
    grades : list of SubmissionGrade
        One feedback file per grade (see :func:`feedback_markdown`).
    exercise_ids : list of str
        The chapter's exercises, in the order shown.
    directory : str or os.PathLike
        Where to write; created if missing. Must not be an existing file.

    Returns
    -------
    list of Path
        The files written, in the order of ``grades``.
    """
    grades, exercise_ids = _check_grades(grades), check_exercise_ids(exercise_ids)
    directory = check_path(directory, "directory")
    if directory.exists() and not directory.is_dir():
        raise ValueError(f"`directory` must be a directory for the feedback files, but {str(directory)!r} is a file")
    directory.mkdir(parents=True, exist_ok=True)
    used: Counter[str] = Counter()
    paths = []
    for grade in grades:
        used[grade.student_id] += 1
        name = grade.student_id if used[grade.student_id] == 1 else f"{grade.student_id}-{used[grade.student_id]}"
        path = directory / f"{name}.md"
        path.write_text(feedback_markdown(grade, exercise_ids), encoding="utf-8")
        paths.append(path)
    return paths


def summary_text(grades: list[SubmissionGrade], exercise_ids: list[str], *, chapter: int | None = None,
                 seconds: float | None = None, jobs: int | None = None) -> str:
    """The summary printed at the end: per-exercise mean score (over all submissions, as in the CSV) and status
    counts (over the submissions that reached grading), then how many submissions ended with each status.

    Parameters
    ----------
    grades : list of SubmissionGrade
        The graded submissions.
    exercise_ids : list of str
        The exercises summarised, one line each.
    chapter : int, optional
        Chapter number (at least 0) named in the headline; omitted when None.
    seconds : float, optional
        Total grading time (at least 0) named in the headline; omitted when None.
    jobs : int, optional
        Number of parallel jobs (at least 1), named after ``seconds`` when both are given.

    Returns
    -------
    str
    """

    grades, exercise_ids = _check_grades(grades), check_exercise_ids(exercise_ids)
    chapter = None if chapter is None else check_int(chapter, "chapter", low=0)
    seconds = None if seconds is None else check_scalar(seconds, "seconds", low=0)
    jobs = None if jobs is None else check_int(jobs, "jobs", low=1)
    graded = [g for g in grades if g.exercises]
    head = f"Graded {len(grades)} submission{'s' if len(grades) != 1 else ''}"
    if chapter is not None:
        head += f" of chapter {chapter}"
    if seconds is not None:
        head += f" in {seconds:.1f} s" + (f" with {jobs} job{'s' if jobs != 1 else ''}" if jobs else "")
    lines = [head + ".", ""]
    kinds = ["passed", "failed", "not attempted", "error", "timeout"]
    header = f"{'exercise':<10}{'mean':>6}  " + "".join(f"{k:>15}" for k in kinds) + f"{'other':>8}"
    lines.append(header)
    for exercise_id in exercise_ids:
        entries = [g.exercises[exercise_id] for g in graded if exercise_id in g.exercises]
        # Like the CSV column's average: a submission that could not be graded counts 0.
        mean = sum(e.score for e in entries) / len(grades) if grades else 0.0
        counts = Counter(e.status for e in entries)
        other = sum(n for k, n in counts.items() if k not in kinds)
        lines.append(f"{exercise_id:<10}{mean:>6.2f}  " + "".join(f"{counts.get(k, 0):>15}" for k in kinds)
                     + f"{other:>8}")
    totals = [g.total for g in grades]
    if totals:
        lines += ["", f"total: mean {sum(totals) / len(totals):.2f} / {len(exercise_ids)} over all submissions"]
    lines += ["", "submission statuses:"]
    for status, n in Counter(g.status for g in grades).most_common():
        lines.append(f"  {n:>3}  {status}")
    flagged = [(g, f) for g in grades for f in g.flags]
    if flagged:
        lines += ["", "flagged (check by hand):"]
        lines += [f"  {Path(g.path).name}: {f}" for g, f in flagged]
    return "\n".join(lines)
