"""An interrupted batch leaves nothing running: the ``grade`` command stopped by SIGTERM, SIGHUP or Ctrl-C.

Each grading worker runs in a session of its own (so that killing it takes its kernels along), which also
means that a worker — and the kernel it drives — would outlive a ``grade`` command killed by ``timeout``,
a closed terminal or a scheduler. The oracle here is the process table itself, not the grader's bookkeeping:
while two submissions are being graded (each kernel asleep in a long cell), every descendant of the command
is recorded from ``/proc``, identified by pid *and* start time (a pid can be reused); after the signal, the
command must exit with 128 + the signal's number, say so, write no grade book, and none of those processes may
still exist. Sandboxed (when bubblewrap works here, as in CI) and unsandboxed kernels end differently (the
first with their worker, ``bwrap --die-with-parent``; the second shut down by the worker), so both are tried.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell

from course_utils.grading import batch

REPO = Path(__file__).resolve().parents[1]
EXERCISES = REPO / "exercises" / "00_start_here_exercises.ipynb"
SANDBOXED = batch.sandbox_problem() is None


def _stat(pid: int) -> tuple[int, int, str] | None:
    """``(parent pid, start time, state)`` of a live process, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # after the command name, which may hold spaces
    return int(fields[1]), int(fields[19]), fields[0]


def _descendants(root: int) -> dict[int, int]:
    """``{pid: start time}`` of every live descendant of ``root`` (zombies excluded)."""
    parents, starts = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            st = _stat(int(entry.name))
            if st is not None and st[2] != "Z":
                parents[int(entry.name)], starts[int(entry.name)] = st[0], st[1]
    found, frontier = {}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in found:
                found[pid] = starts[pid]
                frontier.append(pid)
    return found


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _still_alive(recorded: dict[int, int]) -> list[str]:
    alive = []
    for pid, start in recorded.items():
        st = _stat(pid)
        if st is not None and st[1] == start and st[2] != "Z":
            alive.append(f"{pid}: {_cmdline(pid)[:120]}")
    return alive


def _sleepy_submission(path: Path) -> None:
    """A chapter-0 submission whose first cell sleeps: grading is caught with its kernel busy."""
    nb = nbformat.read(EXERCISES, as_version=4)
    nb.cells.insert(0, new_code_cell("import time\ntime.sleep(600)"))
    nbformat.write(nb, path)


# SIGTERM and SIGHUP take one path (a handler raising in the main thread), Ctrl-C another (KeyboardInterrupt);
# a sandboxed kernel's end does not depend on the signal
CASES = [("no-sandbox", signal.SIGTERM), ("no-sandbox", signal.SIGINT)] + (
    [("sandbox", signal.SIGHUP)] if SANDBOXED else [("no-sandbox", signal.SIGHUP)])


@pytest.mark.slow
@pytest.mark.parametrize(("mode", "signum"), CASES, ids=[f"{m}-{s.name}" for m, s in CASES])
def test_an_interrupted_batch_stops_its_workers_and_kernels(tmp_path, mode, signum):
    for name in ("a.ipynb", "b.ipynb", "c.ipynb"):
        _sleepy_submission(tmp_path / name)
    scratch = tmp_path / "tmpdir"
    scratch.mkdir()
    csv = tmp_path / "grades.csv"
    cmd = [sys.executable, "-m", "course_utils.grading", "grade", *(str(tmp_path / n) for n in ("a.ipynb", "b.ipynb",
           "c.ipynb")), "--chapter", "0", "--jobs", "2", "--timeout", "900", "--budget", "900", "--csv", str(csv)]
    if mode == "no-sandbox":
        cmd.append("--no-sandbox")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                            env={**os.environ, "TMPDIR": str(scratch)})
    try:
        # wait until both workers have a kernel (a process started with a connection file, "-f …json")
        recorded: dict[int, int] = {}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            recorded = _descendants(proc.pid)
            kernels = [pid for pid in recorded if " -f " in _cmdline(pid) and ".json" in _cmdline(pid)]
            if len(kernels) >= 2:
                break
            assert proc.poll() is None, f"grade ended before the kernels started: {proc.communicate()}"
            time.sleep(0.5)
        else:
            pytest.fail(f"no two kernels started within 120 s: {[_cmdline(p)[:100] for p in recorded]}")
        time.sleep(1.0)  # the kernels are running the sleeping cell
        recorded = _descendants(proc.pid)
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 128 + signum, (proc.returncode, stderr[-2000:])
    assert f"interrupted ({signum.name})" in stderr and "nothing was written" in stderr, stderr[-2000:]
    assert not csv.exists()
    # the kernels poll nothing here: give them the grace the command gave its workers, then none may be left
    deadline = time.monotonic() + 15
    while _still_alive(recorded) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _still_alive(recorded), f"left running after {signum.name}: {_still_alive(recorded)}"


def test_stop_workers_validates_grace():
    with pytest.raises(ValueError, match="grace"):
        batch.stop_workers(grace=-1.0)
