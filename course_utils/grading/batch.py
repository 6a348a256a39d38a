"""``python -m course_utils.grading grade``: grade a batch of submitted exercise notebooks.

How one submission is graded
----------------------------
1. The file is read (:mod:`.submission`); a file that is not a notebook, corrupt JSON or a notebook of another
   chapter becomes a row with that status. Each exercise is located by its ``check("N.M", answer)`` cell.
2. A copy of the notebook without its stored outputs becomes the only file in the working directory (and
   ``HOME``) of a fresh kernel limited in memory, CPU time and processes (:mod:`.kernel_runner`), which runs in a
   bubblewrap sandbox (:mod:`.sandbox`; ``--no-sandbox`` runs it unconfined). The original file is only read.
3. The cells run one by one, in order, each with a timeout, all within a whole-notebook budget. Pure
   ``check(...)`` cells are skipped; instead, right after an exercise's check cell, the grader runs the check *in
   its own process* on the student's answer as it is at that moment: each call of the answer is served by a probe
   in the kernel (:mod:`.probe`, :mod:`.remote`) that returns only plain data. So later cells cannot change an
   earlier exercise's grade, and nothing the notebook redefines, patches or prints can change any verdict.
4. Failures stay local: a cell that raises is noted in the feedback (the probe then grades whatever is
   defined); a cell that times out is interrupted and costs its exercise; when the kernel dies (``os._exit``,
   a crash) or ignores the interrupt, that exercise scores 0, a fresh kernel is started, the setup cells and
   the cells of the earlier healthy exercises are replayed (without grading), and grading continues.

Exercises are the chapter's registered ids. One whose check cell was deleted is graded at the end of the
notebook, on the answer expression of the chapter's reference notebook in ``exercises/``.

Each submission is graded by a worker process of its own (``--jobs`` of them at a time), so nothing a
notebook does can take down the batch: a worker that fails yields a ``grader error`` row and the exit status 1
(so does a ``grader error`` of a single exercise); all other outcomes, however broken the submission, exit 0.
A file that runs no code (not a notebook, another chapter's) is graded without a worker. After the batch, rows
sharing a ``student_id``, or whose metadata id does not match the file name, are flagged.

An interrupted batch (Ctrl-C, ``SIGTERM``, ``SIGHUP``) stops its workers and their kernels before it exits
(:func:`stop_workers`): each worker runs in a session of its own, so without this it would outlive the command.
Nothing is written then; an existing grade book is left as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from ..validation import check_bool, check_callable, check_instance, check_int, check_scalar
from . import registry
from .cases import GRADER_SEED_VARIABLE
from .check import run_check
from .kernel_runner import DEFAULT_MEMORY_MB, DEFAULT_OUTPUT_LIMIT, MIN_MEMORY_MB, KernelRunner
from .probe import guard_code, new_token, probe_code
from .remote import AnswerRaisedBase, Channel, KernelGone, RemoteAnswer, decode
from .report import ExerciseGrade, SubmissionGrade, summary_text, write_csv, write_feedback
from .sandbox import SANDBOX_HOME, Sandbox, sandbox_problem
from .submission import (
    chapter_of,
    check_exercise_ids,
    check_path,
    defined_names,
    is_check_only,
    read_submission,
    stripped_notebook,
    student_id_of,
)

__all__ = ["GradeOptions", "grade_notebook", "grade_batch", "reference_answers", "chapter_exercises",
           "add_parser", "flag_identities", "PACKAGE_ROOT", "UNSANDBOXED"]

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the directory that holds course_utils/
_RUN_CHECK_STATUSES = {"passed", "failed", "not attempted", "error", "timeout"}
_NORMAL_STATUSES = {"passed", "failed", "not attempted"}
_PROBE_MARGIN = 15.0  # seconds on top of a check's own budget for the fresh import and the report


@dataclass(frozen=True)
class GradeOptions:
    """Limits for grading one submission.

    Parameters
    ----------
    timeout : float, default 30.0
        Seconds one cell may run before it is interrupted; positive.
    budget : float, default 600.0
        Seconds the whole notebook may take (cells, checks and kernel restarts); positive.
    memory_mb : int, default 2048
        Address-space limit of each kernel, in MiB; at least ``MIN_MEMORY_MB`` (256).
    output_limit : int, default 20000
        Characters of output kept per cell; at least 1.
    max_restarts : int, default 4
        Kernel restarts allowed per submission before the remaining exercises are left ungraded; at least 0.
    sandbox : bool, default True
        Run each kernel in a bubblewrap sandbox (:mod:`.sandbox`; Linux only). False runs it as the grader's
        own user, with access to everything that user can read and write (``--no-sandbox``).
    seed : int or None, default None
        Seed (≥ 0) of the checks' hidden cases (``COURSE_GRADER_SEED`` in each grading worker, see
        :func:`course_utils.grading.cases.hidden_seed`); None leaves the course's default. The checks run in the
        worker, so the seed never reaches a student's kernel. The command line draws a fresh one per batch unless
        given ``--seed``, so students cannot know the hidden cases in advance and a batch graded again with the same
        seed gets the same verdicts.
    """

    timeout: float = 30.0
    budget: float = 600.0
    memory_mb: int = DEFAULT_MEMORY_MB
    output_limit: int = DEFAULT_OUTPUT_LIMIT
    max_restarts: int = 4
    sandbox: bool = True
    seed: int | None = None

    def __post_init__(self) -> None:
        # frozen: normalise through object.__setattr__ (ints stay ints, numbers become floats)
        for name in ("timeout", "budget"):
            object.__setattr__(self, name, check_scalar(getattr(self, name), name, low=0, low_inclusive=False))
        object.__setattr__(self, "memory_mb", check_int(self.memory_mb, "memory_mb", low=MIN_MEMORY_MB))
        object.__setattr__(self, "output_limit", check_int(self.output_limit, "output_limit", low=1))
        object.__setattr__(self, "max_restarts", check_int(self.max_restarts, "max_restarts", low=0))
        object.__setattr__(self, "sandbox", check_bool(self.sandbox, "sandbox"))
        if self.seed is not None:
            object.__setattr__(self, "seed", check_int(self.seed, "seed", low=0))


def chapter_exercises(chapter: int) -> list[str]:
    """The registered exercise ids of ``chapter``, in order.

    Parameters
    ----------
    chapter : int
        Chapter number, at least 0.

    Returns
    -------
    list of str
        Empty when the chapter registers no exercises.
    """
    chapter = check_int(chapter, "chapter", low=0)
    return [e for e in registry.all_ids() if chapter_of(e) == chapter]


def reference_answers(chapter: int, exercises_dir: Path | None = None) -> dict[str, str]:
    """Answer expression per exercise id, read from the chapter's student notebook in ``exercises/``.

    Parameters
    ----------
    chapter : int
        Chapter number, at least 0; the notebook read is the first ``NN_*_exercises.ipynb`` (``NN`` = the
        chapter, two digits) in name order.
    exercises_dir : str or os.PathLike, optional
        Folder of the student notebooks; None (default) means the repository's ``exercises/``.

    Returns
    -------
    dict of str to str
        Exercise id -> the answer expression of its ``check`` call; empty when no notebook matches.
    """
    chapter = check_int(chapter, "chapter", low=0)
    exercises_dir = PACKAGE_ROOT / "exercises" if exercises_dir is None else check_path(exercises_dir, "exercises_dir")
    for path in sorted(exercises_dir.glob(f"{chapter:02d}_*_exercises.ipynb")):
        submission = read_submission(path)
        return {eid: site.expression for eid, site in submission.sites.items()}
    return {}


def _first_line(source: str) -> str:
    line = next((ln.strip() for ln in source.splitlines() if ln.strip()), "")
    return line if len(line) <= 60 else line[:59] + "…"


def _root_name(expression: str) -> str | None:
    match = re.match(r"\s*([A-Za-z_]\w*)", expression)
    return match.group(1) if match else None


@dataclass
class _Segment:
    """The cells that belong to some exercises: up to and including their check cell."""

    exercise_ids: list[str]
    cells: list[int]
    expressions: dict[str, str]
    healthy: bool = True


def _plan(submission, exercise_ids, reference):
    """Segments in notebook order, setup cell indices, and exercises that cannot be located at all."""
    by_cell: dict[int, list[str]] = {}
    for eid in exercise_ids:
        if eid in submission.sites:
            by_cell.setdefault(submission.sites[eid].cell_index, []).append(eid)
    segments, start = [], 0
    for cell_index in sorted(by_cell):
        ids = by_cell[cell_index]
        segments.append(_Segment(ids, list(range(start, cell_index + 1)),
                                 {e: submission.sites[e].expression for e in ids}))
        start = cell_index + 1
    unlocated = [e for e in exercise_ids if e not in submission.sites]
    at_end = [e for e in unlocated if e in reference]
    if at_end:  # graded after the whole notebook ran, on the reference notebook's answer expression
        segments.append(_Segment(at_end, list(range(start, len(submission.cells))), {e: reference[e] for e in at_end}))
    lost = [e for e in unlocated if e not in reference]
    # Setup: the code cells before the cell that first defines an answer of the first segment (imports, data).
    setup: list[int] = []
    if segments:
        names = {_root_name(x) for x in segments[0].expressions.values()} - {None}
        for index in segments[0].cells:
            if names & defined_names(submission.cells[index].source):
                break
            setup.append(index)
        else:
            setup = []
    return segments, setup, lost


def _is_runnable(cell) -> bool:
    return cell.cell_type == "code" and bool(cell.source.strip()) and not is_check_only(cell.source)


class _Session:
    """One submission's kernel with the guard installed, restartable with a replay of healthy cells."""

    def __init__(self, runner: KernelRunner, cells, options: GradeOptions, deadline: float) -> None:
        self.runner, self.cells, self.options, self.deadline = runner, cells, options, deadline
        self.token = new_token()
        self.restarts = 0

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def start(self) -> None:
        self.runner.start()
        run = self.runner.run(guard_code(self.token, str(PACKAGE_ROOT)), 60.0, store_history=False)
        if run.status != "ok":
            raise RuntimeError(f"the grader's setup cell failed in the kernel: {run.status} {run.ename} {run.evalue}")

    def restart(self, replay: list[int]) -> bool:
        """Fresh kernel, then replay ``replay`` (cell indices) without grading; False when out of restarts/time."""
        if self.restarts >= self.options.max_restarts or self.remaining() <= 0:
            return False
        self.restarts += 1
        try:
            self.start()
            for index in replay:
                if self.remaining() <= 0:
                    return False
                run = self.runner.run(self.cells[index].source, min(self.options.timeout, self.remaining()))
                if run.status in ("died", "stuck"):
                    self.start()  # a replayed cell should not do this; carry on without it
        except Exception:  # a kernel that cannot start again: the remaining exercises are not graded
            return False
        return True


def _font_cache() -> dict[Path, str]:
    """The instructor's matplotlib font list, to seed each sandbox's fresh MPLCONFIGDIR (2 s less per kernel)."""
    dirs = [os.environ.get("MPLCONFIGDIR"), os.path.join(os.environ.get("XDG_CACHE_HOME") or
                                                         os.path.join(str(Path.home()), ".cache"), "matplotlib")]
    for d in dirs:
        if d and os.path.isdir(d):
            found = sorted(Path(d).glob("fontlist-v*.json"))
            if found:
                return {found[-1]: f".config/matplotlib/{found[-1].name}"}
    return {}


def _exercise_from_payload(eid: str, title: str, payload: dict, notes: list[str]) -> ExerciseGrade:
    status = payload.get("status", "grader error")
    score = float(payload.get("score", 0.0)) if status in ("passed", "failed") else 0.0
    messages = [str(m) for m in payload.get("messages", [])][:10]
    return ExerciseGrade(eid, status, min(max(score, 0.0), 1.0), title, messages, notes,
                         int(payload.get("n_passed", 0) or 0), int(payload.get("n_cases", 0) or 0))


def _overall_status(grades: dict[str, ExerciseGrade], extra: list[str]) -> str:
    by_status: dict[str, list[str]] = {}
    for eid, g in grades.items():
        if g.status not in _NORMAL_STATUSES:
            by_status.setdefault(g.status, []).append(eid)
    parts = list(extra) + [f"{status} in {', '.join(ids)}" for status, ids in by_status.items()]
    return "; ".join(parts) if parts else "ok"


def grade_notebook(path, exercise_ids: list[str], chapter: int, options: GradeOptions = GradeOptions(), *,
                   reference: dict[str, str] | None = None) -> SubmissionGrade:
    """Grade one submission in a fresh sandboxed kernel (see the module docstring).

    Never raises for a bad *submission* (that becomes the grade's status); wrong argument types raise
    ``TypeError``/``ValueError`` naming the argument.

    Parameters
    ----------
    path : str or os.PathLike
        The submitted notebook (only read; the kernel runs on a temporary copy).
    exercise_ids : list of str
        The exercises to grade (normally :func:`chapter_exercises` of ``chapter``).
    chapter : int
        The chapter being graded, at least 0; a notebook whose check cells belong to other chapters only is
        graded ``"wrong chapter"``.
    options : GradeOptions, optional
        Time, memory and restart limits; the defaults of :class:`GradeOptions` when omitted.
    reference : dict of str to str, optional
        Exercise id -> answer expression (see :func:`reference_answers`), used for exercises whose check
        cell is missing: they are graded after the whole notebook ran. Without it such exercises are
        ``"missing"``.

    Returns
    -------
    SubmissionGrade
        Its ``exercises`` hold one :class:`ExerciseGrade` per id of ``exercise_ids``, unless the file could
        not be read.
    """
    started = time.monotonic()
    path = check_path(path, "path")
    exercise_ids = check_exercise_ids(exercise_ids)
    chapter = check_int(chapter, "chapter", low=0)
    check_instance(options, "options", GradeOptions)
    if reference is not None and not (isinstance(reference, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in reference.items())):
        raise TypeError(f"`reference` must be None or a dict of exercise id -> answer expression, got "
                        f"{reference!r:.60} of type {type(reference).__name__}")
    reference = reference or {}
    submission = read_submission(path)
    titles = {}
    for eid in exercise_ids:
        try:
            titles[eid] = registry.get(eid).title
        except Exception:
            titles[eid] = ""

    def finish(status, grades=None, detail=""):
        return SubmissionGrade(str(path), submission.student_id, chapter if not submission.problem else None, status,
                               grades or {}, detail, time.monotonic() - started)

    if submission.problem:
        return finish(submission.problem, detail=submission.detail)
    extra = []
    if submission.chapters and chapter not in submission.chapters:
        found = ", ".join(str(c) for c in submission.chapters)
        grade = finish("wrong chapter", {e: ExerciseGrade(e, "not graded", title=titles[e]) for e in exercise_ids},
                       f"This notebook holds the exercises of chapter {found}, but this batch grades chapter {chapter}.")
        grade.chapter = submission.chapters[0] if len(submission.chapters) == 1 else None
        return grade
    if len(submission.chapters) > 1:
        extra.append("mixed chapters " + ", ".join(str(c) for c in submission.chapters))
    if not submission.sites:
        extra.append("no check cells")

    segments, setup, lost = _plan(submission, exercise_ids, reference)
    grades: dict[str, ExerciseGrade] = {e: ExerciseGrade(e, "missing", title=titles[e], messages=[
        f'no `check("{e}", …)` cell was found in your notebook, so this exercise could not be located.'])
        for e in lost}
    for segment in segments:
        for eid in segment.exercise_ids:
            if eid not in submission.sites:
                grades[eid] = ExerciseGrade(eid, "not graded", title=titles[eid])
    cells = submission.cells
    budgets = {}
    for eid in exercise_ids:
        try:
            budgets[eid] = registry.get(eid).budget
        except Exception:
            budgets[eid] = 5.0

    with tempfile.TemporaryDirectory(prefix="grade-") as tmp, _ipc_folder(tmp) as ipc:
        work, home, stage = Path(tmp) / "work", Path(tmp) / "home", Path(tmp) / "stage"
        for d in (work, home, stage):
            d.mkdir()
        # The kernel gets a copy without stored outputs (they are re-made anyway): only the code counts.
        staged = stage / Path(path).name
        staged.write_text(stripped_notebook(submission), encoding="utf-8")
        cpu = int(options.budget) + 60
        if options.sandbox:  # the kernel's home and working directory are the sandbox's tmpfs
            box = Sandbox(ipc, staged, package_root=PACKAGE_ROOT, files=_font_cache())
            runner = KernelRunner(work, memory_mb=options.memory_mb, output_limit=options.output_limit,
                                  sandbox=box, cpu_seconds=cpu,
                                  env={"HOME": SANDBOX_HOME, "MPLCONFIGDIR": SANDBOX_HOME + "/.config/matplotlib"})
        else:
            shutil.copyfile(staged, work / staged.name)
            for source, dest in _font_cache().items():
                (home / dest).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, home / dest)
            runner = KernelRunner(work, memory_mb=options.memory_mb, output_limit=options.output_limit,
                                  cpu_seconds=cpu,
                                  env={"HOME": str(home), "MPLCONFIGDIR": str(home / ".config" / "matplotlib")})
        session = _Session(runner, cells, options, started + options.budget)
        try:
            try:
                session.start()
            except Exception as exc:
                for seg in segments:
                    for eid in seg.exercise_ids:
                        grades[eid] = ExerciseGrade(eid, "not graded", title=titles[eid])
                return finish("kernel failed to start", grades, str(exc)[:300])
            healthy_cells: list[int] = []  # cells of finished healthy segments, replayed after a restart
            setup_ran: list[int] = []  # setup cells that ran (replayed after every restart)
            stopped = ""  # why grading stopped early, if it did
            for segment in segments:
                if stopped:
                    for eid in segment.exercise_ids:
                        grades[eid] = ExerciseGrade(eid, "not graded", title=titles[eid], notes=[stopped])
                    continue
                notes: list[str] = []
                failure = None  # (status, message) that costs this segment's exercises
                ran: list[int] = []
                for index in segment.cells:
                    if not _is_runnable(cells[index]):
                        continue
                    if session.remaining() <= 0:
                        stopped = f"the whole-notebook time budget ({options.budget:g} s) ran out"
                        break
                    run = runner.run(cells[index].source, min(options.timeout, session.remaining()))
                    where = f"the cell starting `{_first_line(cells[index].source)}`"
                    if run.status in ("ok", "error"):
                        ran.append(index)
                        if index in setup:
                            setup_ran.append(index)
                    if run.status == "ok":
                        pass
                    elif run.status == "error":
                        if run.ename == "KeyboardInterrupt" and session.remaining() <= 0:
                            stopped = f"the whole-notebook time budget ({options.budget:g} s) ran out"
                            break
                        message = " ".join(run.evalue.split())[:200]
                        notes.append(f"{where} raised {run.ename}" + (f": {message}" if message else ""))
                    elif run.status == "timeout":
                        failure = failure or ("timeout", f"{where} did not finish within {options.timeout:g} s "
                                                         "and was interrupted")
                        if session.remaining() <= 0:
                            stopped = f"the whole-notebook time budget ({options.budget:g} s) ran out"
                            break
                    else:  # died or stuck: restart, replay what was healthy, skip the rest of this segment
                        if run.status == "died":
                            failure = ("kernel died", f"{where} ended the Python process (os._exit, a crash, or "
                                                      "the memory limit); the kernel was restarted")
                        else:
                            failure = ("timeout", f"{where} did not finish within {options.timeout:g} s and "
                                                  "ignored the interrupt; the kernel was restarted")
                        if not session.restart(sorted(set(setup_ran) | set(healthy_cells))):
                            stopped = "the kernel could not be restarted again (too many restarts or no time left)"
                        break
                if stopped and not failure:
                    for eid in segment.exercise_ids:
                        grades[eid] = ExerciseGrade(eid, "not graded", title=titles[eid], notes=notes + [stopped])
                    continue
                if failure:
                    segment.healthy = False
                    for eid in segment.exercise_ids:
                        grades[eid] = ExerciseGrade(eid, failure[0], title=titles[eid], messages=[failure[1]],
                                                    notes=notes)
                    continue
                # Grade each exercise of the segment now, on the answers as they are right after its check cell.
                for eid in segment.exercise_ids:
                    if stopped:
                        grades[eid] = ExerciseGrade(eid, "not graded", title=titles[eid], notes=notes + [stopped])
                        continue
                    grades[eid] = _probe(session, eid, segment.expressions[eid], titles[eid], budgets[eid],
                                         notes, sorted(set(setup_ran) | set(healthy_cells) | set(ran)))
                    if grades[eid].status == "not graded":
                        stopped = grades[eid].notes[-1]
                healthy_cells.extend(ran)
        finally:
            runner.close()
    if stopped:
        extra.append("stopped early: " + stopped)
    return finish(_overall_status({e: grades[e] for e in exercise_ids}, extra), {e: grades[e] for e in exercise_ids})


#: The longest ipc socket path the grader may create: a Unix socket's path holds at most 107 bytes (Linux's
#: sun_path), and the kernel's sockets are named after its connection file, ``k<n>-<m>-ipc-<k>`` (~16 bytes).
_IPC_PATH_MAX = 107 - 24


@contextlib.contextmanager
def _ipc_folder(tmp):
    """The folder for the sandbox's connection file and ipc sockets: ``<tmp>/ipc`` when its sockets' paths fit a
    Unix socket's 107 bytes, else a short folder of its own under ``/tmp`` (removed afterwards).

    ``tmp`` lies inside the instructor's ``TMPDIR``: a long one made every sandboxed kernel fail to start ("File
    name too long"), which a batch graded as "kernel failed to start" for every submission.
    """
    folder = Path(tmp) / "ipc"
    if len(str(folder)) <= _IPC_PATH_MAX or not os.path.isdir("/tmp"):
        folder.mkdir()
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="gi-", dir="/tmp") as short:
        yield Path(short)


def _address(session: _Session, name: str) -> str:
    """Where the grader's end of one probe's channel listens: an ipc socket in the sandbox's bound folder (the
    sandbox has no network), else a local TCP port."""
    box = session.runner.sandbox
    return f"ipc://{box.ipc_dir / name}" if box is not None else "tcp://127.0.0.1:*"


def _probe(session: _Session, eid: str, expression: str, title: str, budget: float, notes: list[str],
           replay: list[int]) -> ExerciseGrade:
    """Grade ``eid`` in this process on the student's answer, which is called in their kernel (:mod:`.remote`)."""
    timeout = min(budget + _PROBE_MARGIN, max(session.remaining(), 1.0))
    runner = session.runner
    channel = Channel(_address(session, f"r{secrets.token_hex(3)}"), alive=lambda: False)  # ipc paths: ≤ 107 bytes
    try:
        if channel.address.startswith("ipc://"):  # the sandbox's user connects to a socket the grader created
            os.chmod(channel.address[len("ipc://"):], 0o777)
        cell = runner.begin(probe_code(session.token, eid, expression, channel.address), timeout, store_history=False)
        channel.alive = lambda: runner.pump(cell)  # the serving cell still runs (its output is read meanwhile)
        payload = None
        failure = "the serving cell ended early"
        try:
            bound = channel.receive(timeout=timeout)
            if bound.get("op") != "bound":
                raise KernelGone("unexpected first message")
            if bound.get("status") == "not defined":
                payload = {"status": "not defined", "messages": [
                    f"`{expression}` is not defined when exercise {eid} is graded; make sure the cell that defines it "
                    "runs without errors (Restart & Run All)."]}
            elif bound.get("status") != "ok":
                payload = {"status": "error", "messages": [
                    f"evaluating your answer `{expression}` raised {str(bound.get('message', ''))[:300]}"]}
            else:
                try:
                    answer = (RemoteAnswer(channel, str(bound.get("name", "answer"))) if bound.get("callable") is True
                              else decode(bound.get("value")))
                except (ValueError, TypeError, KeyError) as exc:
                    payload = {"status": "error", "messages": [f"your answer `{expression}` could not be read as plain "
                                                               f"data (numbers, strings, arrays): {str(exc)[:200]}"]}
                else:
                    result = run_check(eid, answer)
                    payload = {"status": result.status, "score": result.score, "messages": list(result.messages),
                               "n_passed": result.n_passed, "n_cases": result.n_cases}
        except AnswerRaisedBase as exc:  # SystemExit, KeyboardInterrupt, a BaseException subclass: the student's
            if exc.type_name == "SystemExit":
                why = "your code called sys.exit() (or exit()) while being checked; return a value instead."
            else:
                why = (f"your code raised {exc.type_name} while being checked"
                       + (f": {str(exc)[:300]}" if str(exc) else "") + "; an answer must return a value.")
            payload = {"status": "error", "messages": [why]}
        except KernelGone as exc:
            failure = str(exc)
        if runner.pump(cell):  # the serving cell still runs: the check is over, so it may stop now
            try:
                channel.send({"op": "done"}, timeout=1.0)
            except (KernelGone, OSError):
                pass
            # stuck in the student's code (the check timed out): interrupted 2 s from now, unless it ends first
            cell.deadline = min(cell.deadline, time.monotonic() + 2.0)
        run = runner.finish(cell)
    finally:
        channel.close()
    if payload is not None and run.status in ("ok", "error"):
        return _exercise_from_payload(eid, title, payload, list(notes))
    if run.status in ("ok", "error"):  # the serving cell ended without serving (it could not run the probe)
        why = f"{run.ename}: {run.evalue}" if run.status == "error" else failure
        payload = {"status": "grader error", "messages": [f"the grader's check did not report back ({why})."]}
        return _exercise_from_payload(eid, title, payload, list(notes))
    if run.status == "died":
        grade = ExerciseGrade(eid, "kernel died", title=title, notes=list(notes), messages=[
            "your code ended the Python process while being checked (os._exit, a crash, or the memory limit)."])
    elif payload is not None and payload.get("status") == "timeout":  # the check's own time limit, kernel stuck
        grade = _exercise_from_payload(eid, title, payload, list(notes))
    else:
        grade = ExerciseGrade(eid, "timeout", title=title, notes=list(notes), messages=[
            f"checking your answer took longer than {budget:g} s and was stopped — look for a loop that never ends."])
    if run.status in ("died", "stuck") and not session.restart(replay):
        grade.notes.append("the kernel could not be restarted again (too many restarts or no time left)")
    return grade


# ---------------------------------------------------------------------------------------------------------------
# The batch: one worker process per submission, --jobs at a time.


def _exit_on_signal(signum, frame) -> None:
    # the grading worker: a stop request unwinds grade_notebook, whose `finally` shuts the kernel down
    raise SystemExit(128 + signum)


def _worker_main(spec_path: str) -> int:
    signal.signal(signal.SIGTERM, _exit_on_signal)
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    grade = grade_notebook(spec["path"], spec["exercise_ids"], spec["chapter"], GradeOptions(**spec["options"]),
                           reference=spec["reference"])
    Path(spec["out"]).write_text(json.dumps(grade.to_dict()), encoding="utf-8")
    return 0


def _grade_in_worker(path: Path, exercise_ids, chapter, options: GradeOptions, reference) -> SubmissionGrade:
    started = time.monotonic()
    submission = read_submission(path)
    if submission.problem or (submission.chapters and chapter not in submission.chapters):
        # not a notebook, or another chapter's: no code of it will run, so no worker (and no sandbox) is needed
        return grade_notebook(path, exercise_ids, chapter, options, reference=reference)
    # Everything the worker creates (its grading folder, kernelspecs, ipc sockets) lives inside this folder, via
    # TMPDIR, so it is removed here even when the worker is killed.
    with tempfile.TemporaryDirectory(prefix="grade-worker-") as tmp:
        spec_path, out, scratch = Path(tmp) / "spec.json", Path(tmp) / "grade.json", Path(tmp) / "tmp"
        scratch.mkdir()
        spec_path.write_text(json.dumps({"path": str(path), "exercise_ids": exercise_ids, "chapter": chapter,
                                         "options": asdict(options), "reference": reference, "out": str(out)}))
        # The whole-notebook budget plus room for kernel starts; a worker past that is stuck and killed.
        limit = options.budget + 30.0 * (options.max_restarts + 2)
        detail = ""
        env = {**os.environ, "TMPDIR": str(scratch)}
        if options.seed is not None:  # the hidden cases' seed, for the checks the worker runs (kernels never see it)
            env[GRADER_SEED_VARIABLE] = str(options.seed)
        try:
            with _workers_lock:  # started and registered at once, so stop_workers() never misses one
                if _stopping.is_set():
                    raise _Stopped
                proc = subprocess.Popen(
                    [sys.executable, "-m", "course_utils.grading.batch", "--worker", str(spec_path)],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=tmp, env=env,
                    start_new_session=True)
                _workers.add(proc)
            try:
                _, stderr = proc.communicate(timeout=limit)
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                raise
            finally:
                _kill_group(proc)  # whatever the worker left in its session (unsandboxed kernels) ends with it
                with _workers_lock:
                    _workers.discard(proc)
            if out.exists():
                return SubmissionGrade.from_dict(json.loads(out.read_text(encoding="utf-8")))
            detail = (stderr.decode("utf-8", "replace").strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        except subprocess.TimeoutExpired:
            detail = f"the grading worker did not finish within {limit:g} s"
        except _Stopped:
            detail = "the batch was interrupted before this submission was graded"
        except Exception as exc:  # the grader's own failure: reported, and the batch goes on
            detail = f"{type(exc).__name__}: {exc}"
    return SubmissionGrade(str(path), submission.student_id, chapter, "grader error", {}, detail[:300],
                           time.monotonic() - started)


# The grading workers alive now. Each runs in a session of its own (so that killing its group takes along
# whatever it started), which also means a worker would outlive an interrupted command: stop_workers() ends them.
_workers: set[subprocess.Popen] = set()
_workers_lock = threading.Lock()
_stopping = threading.Event()


class _Stopped(Exception):
    """Raised instead of starting a worker once :func:`stop_workers` has been called."""


def stop_workers(grace: float = 5.0) -> int:
    """Stop every grading worker of this process, and no new one starts; returns how many were running.

    Each worker gets ``SIGTERM`` first, which unwinds its grading and shuts its kernel down; whatever is still
    running in a worker's process group after ``grace`` seconds is killed (a sandboxed kernel dies with its
    worker: ``bwrap --die-with-parent``).

    Parameters
    ----------
    grace : float, default 5.0
        Seconds the workers get to shut their kernels down, at least 0.
    """
    grace = check_scalar(grace, "grace", low=0)
    _stopping.set()
    with _workers_lock:
        procs = list(_workers)
    for proc in procs:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
    deadline = time.monotonic() + grace
    for proc in procs:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        _kill_group(proc)
    return len(procs)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def _expand(paths) -> list[Path]:
    out: list[Path] = []
    for p in map(Path, paths):
        out.extend(sorted(p.glob("*.ipynb")) if p.is_dir() else [p])
    return [p.absolute() for p in out]  # workers run elsewhere


def infer_chapter(paths) -> int | None:
    """The chapter most submissions belong to (ties: the lowest), from their check cells or file names."""
    counts = Counter()
    for path in paths:
        submission = read_submission(path)
        counts.update(submission.chapters[:1] if len(submission.chapters) == 1 else submission.chapters)
    if not counts:
        return None
    best = max(counts.values())
    return min(c for c, n in counts.items() if n == best)


def grade_batch(paths, *, chapter: int | None = None, options: GradeOptions = GradeOptions(), jobs: int = 1,
                progress=None) -> tuple[int, list[str], list[SubmissionGrade]]:
    """Grade every submission; returns ``(chapter, exercise_ids, grades)`` with grades in the input order.

    Parameters
    ----------
    paths : str, os.PathLike, or list of them
        Notebooks, or directories whose ``*.ipynb`` files are all graded (not recursively); a single path is
        accepted.
    chapter : int, optional
        Chapter to grade (at least 0); None (default) infers it: the chapter most submissions belong to,
        the lowest on a tie.
    options : GradeOptions, optional
        Limits for each submission; the defaults of :class:`GradeOptions` when omitted.
    jobs : int, default 1
        Submissions graded in parallel (each in a worker process of its own); at least 1.
    progress : callable, optional
        Called as ``progress(done, total, grade, n_exercises)`` after each submission finishes (in input order).

    Returns
    -------
    tuple of (int, list of str, list of SubmissionGrade)

    Raises
    ------
    TypeError
        When ``paths`` is empty or not a path or list of paths.
    ------
    ValueError
        When the chapter cannot be inferred or has no registered exercises (a usage error, not a submission's).
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if not isinstance(paths, (list, tuple)) or not paths:
        raise TypeError(f"`paths` must be a non-empty list of notebook or directory paths, got {paths!r:.60} "
                        f"of type {type(paths).__name__}")
    paths = _expand([check_path(p, "paths") for p in paths])
    chapter = None if chapter is None else check_int(chapter, "chapter", low=0)
    check_instance(options, "options", GradeOptions)
    jobs = check_int(jobs, "jobs", low=1)
    if progress is not None:
        check_callable(progress, "progress")
    if chapter is None:
        chapter = infer_chapter(paths)
        if chapter is None:
            raise ValueError("could not tell which chapter these submissions belong to; pass --chapter N")
    exercise_ids = chapter_exercises(chapter)
    if not exercise_ids:
        raise ValueError(f"no exercises are registered for chapter {chapter} "
                         f"(known: {', '.join(registry.all_ids()) or 'none'})")
    reference = reference_answers(chapter)
    grades: list[SubmissionGrade | None] = [None] * len(paths)
    _stopping.clear()
    pool = ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = {pool.submit(_grade_in_worker, p, exercise_ids, chapter, options, reference): i
                   for i, p in enumerate(paths)}
        done = 0
        for future in futures:
            index = futures[future]
            grades[index] = future.result()
            done += 1
            if progress is not None:
                progress(done, len(paths), grades[index], len(exercise_ids))
    except BaseException:  # interrupted (KeyboardInterrupt, a signal turned into an exception): stop the workers
        stop_workers()
        raise
    finally:  # after stop_workers() the threads return at once; the queued submissions are dropped
        pool.shutdown(wait=True, cancel_futures=True)
    final = [g for g in grades if g is not None]
    flag_identities(final)
    if not options.sandbox:
        for g in final:
            g.flags.append(UNSANDBOXED)
    return chapter, exercise_ids, final


class _Interrupted(Exception):
    """A termination signal received by the ``grade`` command, raised in its main thread."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _signals_raise_interrupted:
    """While active, ``SIGTERM`` and ``SIGHUP`` raise :class:`_Interrupted` in the main thread (as Ctrl-C raises
    ``KeyboardInterrupt``), so that :func:`grade_batch` can stop its workers; the old handlers come back after."""

    SIGNALS = (signal.SIGTERM, signal.SIGHUP)

    def __enter__(self):
        self.old = {}
        if threading.current_thread() is threading.main_thread():  # handlers can only be set there
            for signum in self.SIGNALS:
                self.old[signum] = signal.signal(signum, self._raise)
        return self

    @staticmethod
    def _raise(signum, frame):
        raise _Interrupted(signum)

    def __exit__(self, *exc) -> None:
        for signum, handler in self.old.items():
            signal.signal(signum, handler)


UNSANDBOXED = "NOT SANDBOXED (--no-sandbox): the notebook ran with the grader's own rights"


def flag_identities(grades: list[SubmissionGrade]) -> None:
    """Flag rows whose ``student_id`` is shared with another row, or claimed by metadata against the file name.

    Parameters
    ----------
    grades : list of SubmissionGrade
        The batch's rows; their ``flags`` get the findings appended (nothing else changes).
    """
    if isinstance(grades, (str, bytes)) or not isinstance(grades, (list, tuple)) or not all(
            isinstance(g, SubmissionGrade) for g in grades):
        raise TypeError(f"`grades` must be a list of SubmissionGrade, got {grades!r:.60} of type "
                        f"{type(grades).__name__}")
    counts = Counter(g.student_id for g in grades)
    for g in grades:
        if counts[g.student_id] > 1:
            others = ", ".join(Path(o.path).name for o in grades if o.student_id == g.student_id and o is not g)
            g.flags.append(f"duplicate student_id {g.student_id!r} (also {others})")
        from_name = student_id_of(g.path)
        if g.student_id != from_name and g.student_id.lower() not in from_name.lower():
            g.flags.append(f"student_id {g.student_id!r} comes from the notebook's metadata and does not match the "
                           f"file name {Path(g.path).name!r}")


# ---------------------------------------------------------------------------------------------------------------
# CLI


def add_parser(subparsers) -> None:
    """Register the ``grade`` subcommand on an ``argparse`` subparsers object.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The object returned by ``ArgumentParser.add_subparsers()``.
    """

    if not callable(getattr(subparsers, "add_parser", None)):
        raise TypeError("`subparsers` must be the object returned by ArgumentParser.add_subparsers(), got "
                        f"{subparsers!r:.60} of type {type(subparsers).__name__}")
    parser = subparsers.add_parser(
        "grade", help="batch-grade submitted exercise notebooks",
        description="Grade submitted exercise notebooks, each in a fresh sandboxed kernel, and write a CSV grade "
                    "book and per-student feedback.")
    parser.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                        help="notebooks (.ipynb) or directories of notebooks")
    parser.add_argument("--chapter", type=int, default=None,
                        help="chapter to grade (default: the chapter most submissions belong to)")
    parser.add_argument("--timeout", type=float, default=GradeOptions.timeout, metavar="S",
                        help=f"seconds one cell may run (default {GradeOptions.timeout:g})")
    parser.add_argument("--budget", type=float, default=GradeOptions.budget, metavar="S",
                        help=f"seconds one whole notebook may take (default {GradeOptions.budget:g})")
    parser.add_argument("--memory", type=int, default=GradeOptions.memory_mb, metavar="MB",
                        help=f"memory limit of each kernel in MiB (default {GradeOptions.memory_mb})")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="submissions graded in parallel (default 1)")
    parser.add_argument("--csv", type=Path, default=Path("grades.csv"), metavar="PATH",
                        help="grade book to write (default grades.csv)")
    parser.add_argument("--feedback", type=Path, default=None, metavar="DIR",
                        help="write one Markdown feedback file per student into DIR")
    parser.add_argument("--seed", type=int, default=None, metavar="N",
                        help="seed of the checks' hidden cases (default: a fresh one per batch, printed at the end; "
                             "give it again to reproduce a batch's verdicts)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="grade without the bubblewrap sandbox (each notebook can then read and write whatever "
                             "you can); the output and every CSV row say so")
    parser.set_defaults(func=_run)


def _run(args) -> int:
    for name, value in (("--timeout", args.timeout), ("--budget", args.budget)):
        if not value > 0:
            print(f"grade: {name} must be a positive number of seconds, got {value}", file=sys.stderr)
            return 2
    if args.memory < MIN_MEMORY_MB or args.jobs < 1:
        print(f"grade: --memory must be at least {MIN_MEMORY_MB} (MiB) and --jobs at least 1", file=sys.stderr)
        return 2
    if args.seed is not None and args.seed < 0:
        print(f"grade: --seed must be an integer >= 0, got {args.seed}", file=sys.stderr)
        return 2
    # the hidden cases' seed: the grader's own, drawn per batch, unknown to students before they submit
    seed = secrets.randbelow(2**63) if args.seed is None else args.seed
    try:
        options = GradeOptions(timeout=args.timeout, budget=args.budget, memory_mb=args.memory,
                               sandbox=not args.no_sandbox, seed=seed)
    except (TypeError, ValueError) as exc:  # e.g. --timeout inf
        print(f"grade: {exc}", file=sys.stderr)
        return 2
    if options.sandbox:
        problem = sandbox_problem()
        if problem is not None:
            print(f"grade: refusing to grade: {problem}", file=sys.stderr)
            return 2
    else:
        print("WARNING: grading WITHOUT the sandbox (--no-sandbox): every notebook runs with your rights and can "
              "read, change or delete your files, the other submissions and the grade book.", flush=True)

    def progress(done, total, grade, n_exercises):
        print(f"[{done}/{total}] {Path(grade.path).name}: {grade.total:.2f} / {n_exercises}  {grade.status}  "
              f"({grade.seconds:.1f} s)", flush=True)

    started = time.monotonic()
    try:
        with _signals_raise_interrupted():
            chapter, exercise_ids, grades = grade_batch(args.submissions, chapter=args.chapter, options=options,
                                                        jobs=args.jobs, progress=progress)
    except ValueError as exc:
        print(f"grade: {exc}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, _Interrupted) as exc:
        signum = exc.signum if isinstance(exc, _Interrupted) else signal.SIGINT
        print(f"\ngrade: interrupted ({signal.Signals(signum).name}): the grading workers and their kernels were "
              f"stopped; nothing was written (grade again to get {args.csv})", file=sys.stderr)
        return 128 + signum
    try:
        write_csv(grades, exercise_ids, args.csv)
        if args.feedback is not None:
            write_feedback(grades, exercise_ids, args.feedback)
    except OSError as exc:
        print(f"grade: could not write the results: {exc}", file=sys.stderr)
        return 1
    print()
    print(summary_text(grades, exercise_ids, chapter=chapter, seconds=time.monotonic() - started, jobs=args.jobs))
    print(f"\ngrade book: {args.csv}" + (f"   feedback: {args.feedback}/" if args.feedback is not None else ""))
    print(f"hidden cases drawn with --seed {seed} (grade again with it to reproduce these verdicts)")
    if not options.sandbox:
        print("WARNING: these grades were computed WITHOUT the sandbox (--no-sandbox).")
    failed = [g for g in grades if g.status == "grader error"
              or any(e.status == "grader error" for e in g.exercises.values())]
    for g in failed:
        print(f"grader error on {g.path}: {g.detail or g.status}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        sys.exit(_worker_main(sys.argv[2]))
    print("usage: python -m course_utils.grading grade SUBMISSION.ipynb …", file=sys.stderr)
    sys.exit(2)
