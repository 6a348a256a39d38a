"""A Jupyter kernel that runs untrusted code one cell at a time, bounded in time, memory and output.

The batch grader drives one :class:`KernelRunner` per submission. Each cell runs with a deadline; when the
deadline passes the kernel is interrupted (``KeyboardInterrupt`` in the cell) and, if it does not go idle
within a short grace period (a student's bare ``except:`` swallowed the interrupt, or a C loop ignores it),
the cell is reported as ``"stuck"`` so the caller can restart the kernel. A kernel that exits
(``os._exit``, a fatal signal) is reported as ``"died"``. The kernel process gets an address-space limit
(``RLIMIT_AS``) and a file-size limit (``RLIMIT_FSIZE``), so a memory hog meets ``MemoryError`` instead of the
machine's OOM killer, and its stdout/stderr go to ``/dev/null`` so nothing it writes can reach the grader.

We drive ``jupyter_client`` directly rather than through ``nbclient``: nbclient re-interrupts a kernel that
ignores the interrupt forever and keeps every output in memory, while the grader needs an escalation
(interrupt, then restart) and a cap on captured output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty

from ..validation import check_bool, check_int, check_scalar

__all__ = ["CellRun", "KernelRunner", "kernel_argv", "DEFAULT_MEMORY_MB", "DEFAULT_OUTPUT_LIMIT",
           "MIN_MEMORY_MB"]

DEFAULT_MEMORY_MB = 2048
MIN_MEMORY_MB = 256  # below this a Python kernel with NumPy cannot even start
_MAX_MEMORY_MB = 2**40  # 1 EiB: keeps the byte count within the kernel's 64-bit rlimit
DEFAULT_OUTPUT_LIMIT = 20_000  # characters of stream text kept per cell
_FILE_SIZE_LIMIT = 256 * 2**20  # bytes any single file the kernel writes may reach
_INTERRUPT_GRACE = 3.0  # seconds a kernel gets to go idle after an interrupt
_POLL = 0.25

# Launches ipykernel after lowering the process's own limits; `-c` keeps it independent of course_utils
# (which the grader wants to import fresh inside the kernel). The limits are formatted in below; in the sandbox a
# prefix (course_utils.grading.sandbox) runs first. RLIMIT_NPROC counts threads too (ipykernel runs ~8).
# Without `resource` (Windows) or where a limit cannot be set (macOS refuses some), an unsandboxed kernel runs
# without that limit; in the sandbox (Linux) every limit must hold, or the kernel does not start.
_LAUNCHER = (
    "try:\n"
    "    import resource as r\n"
    "except ImportError:\n"
    "    r = None\n"
    "if r is not None:\n"
    "    for _k, _v in ((r.RLIMIT_AS, {memory}), (r.RLIMIT_FSIZE, {fsize}), (r.RLIMIT_CPU, {cpu}),\n"
    "                   (getattr(r, 'RLIMIT_NPROC', None), {nproc})):\n"
    "        try:\n"
    "            if _v is not None:\n"
    "                r.setrlimit(_k, (_v, _v))\n"
    "        except (ValueError, OSError, TypeError):\n"
    "            if {strict}:\n"
    "                raise\n"
    "elif {strict}:\n"
    "    raise ImportError('resource')\n"
    "from ipykernel import kernelapp; kernelapp.launch_new_instance()"
)
DEFAULT_CPU_SECONDS = 3600  # CPU seconds one kernel may use in all (SIGXCPU ends it past that)
PROCESS_LIMIT = 64  # processes and threads of one kernel's user (inside the sandbox: of that kernel alone)

# Kernel environment: a headless matplotlib and one BLAS thread per kernel, so `--jobs N` uses N cores.
_KERNEL_ENV = {"MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "PYDEVD_DISABLE_FILE_VALIDATION": "1", "JUPYTER_PLATFORM_DIRS": "1"}
_SUITE_ONLY_VARIABLES = ("COURSE_SEED", "COURSE_PERTURB", "COURSE_CHECK_REQUIRE_PASS", "COURSE_GRADER_SEED")
# what the sandbox keeps of the grader's environment (never COURSE_GRADER_SEED: the hidden cases are drawn in the
# grader's process, and a kernel that knew their seed could compute them)
_SANDBOX_PASSED_VARIABLES = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "PYTHONPATH", "VIRTUAL_ENV")
_ATTEMPTS = [0]


def _attempt_counter() -> int:
    """A number never returned before in this process (names each sandboxed kernel's connection file)."""
    _ATTEMPTS[0] += 1
    return _ATTEMPTS[0]


@dataclass(frozen=True)
class CellRun:
    """What happened when one piece of code ran.

    Parameters
    ----------
    status : str
        ``"ok"``; ``"error"`` (the code raised; see ``ename``/``evalue``); ``"timeout"`` (interrupted at the
        deadline, kernel usable); ``"stuck"`` (ignored the interrupt; restart the kernel); ``"died"`` (the kernel
        process exited).
    stdout : str
        The last ``output_limit`` characters of the cell's stdout stream.
    ename : str
        Exception name when ``status == "error"``, else empty.
    evalue : str
        Exception message (at most 500 characters) when ``status == "error"``, else empty.
    truncated : bool
        Whether earlier stream output was dropped to respect the limit.
    seconds : float
        Wall time spent on the cell.
    """

    status: str
    stdout: str = ""
    ename: str = ""
    evalue: str = ""
    truncated: bool = False
    seconds: float = 0.0


@dataclass
class _Cell:
    """A cell sent to the kernel and not yet finished (see :meth:`KernelRunner.begin`)."""

    started: float
    deadline: float
    msg_id: str = ""
    interrupted: bool = False
    idle: bool = False
    chunks: list = field(default_factory=list)
    kept: int = 0
    truncated: bool = False
    ename: str = ""
    evalue: str = ""
    result: CellRun | None = None

    @property
    def stdout(self) -> str:
        return "".join(self.chunks)


def _check_memory(memory_mb) -> int:
    return check_int(memory_mb, "memory_mb", low=MIN_MEMORY_MB, high=_MAX_MEMORY_MB)


def kernel_argv(memory_mb: int, *, cpu_seconds: int = DEFAULT_CPU_SECONDS, prefix: str = "",
                nproc: int | None = None) -> list[str]:
    """The command that starts a kernel limited to ``memory_mb`` MiB of address space (at least 256).

    Parameters
    ----------
    memory_mb : int
        Address-space limit (``RLIMIT_AS``) in MiB, at least ``MIN_MEMORY_MB`` (256). Every file the kernel
        writes is also limited to 256 MiB.
    cpu_seconds : int, default 3600
        CPU-time limit (``RLIMIT_CPU``) of the kernel process, in seconds; at least 1.
    prefix : str, default ""
        Python statements run before the limits are set (the sandbox's own set-up).
    nproc : int or None, default None
        Process-count limit (``RLIMIT_NPROC``, threads included) of the kernel's user; None keeps the
        inherited one (outside a sandbox the user is the instructor's, whose other processes count too).

    Returns
    -------
    list of str
        A kernelspec ``argv``, with the ``{connection_file}`` placeholder that ``jupyter_client`` fills in.
    """
    cpu_seconds = check_int(cpu_seconds, "cpu_seconds", low=1)
    if not isinstance(prefix, str):
        raise TypeError(f"`prefix` must be a string of Python statements, got {type(prefix).__name__}")
    code = _LAUNCHER.format(memory=_check_memory(memory_mb) * 2**20, fsize=_FILE_SIZE_LIMIT, cpu=cpu_seconds,
                            nproc=None if nproc is None else check_int(nproc, "nproc", low=16),
                            strict=bool(prefix))
    return [sys.executable, "-c", prefix + code, "-f", "{connection_file}"]


class KernelRunner:
    """One sandboxed kernel, working in ``cwd``; use as a context manager.

    Constructing a runner only validates its settings: the kernel (and the temporary kernelspec directory it
    is launched from) is created by :meth:`start` (``with`` calls it) and released by :meth:`close`, so a
    runner that is never started holds no process and no file.

    Parameters
    ----------
    cwd : path
        The kernel's working directory (a temporary copy of the submission's folder).
    memory_mb : int
        Address-space limit of the kernel process, in MiB.
    output_limit : int
        Characters of stdout kept per cell (the last ones); the rest is dropped, so a flood costs no memory.
    startup_timeout : float
        Seconds to wait for a new kernel to answer.
    env : dict, optional
        Extra environment variables for the kernel (on top of ours: Agg backend, one BLAS thread).
    sandbox : course_utils.grading.sandbox.Sandbox, optional
        Run every kernel inside this bubblewrap sandbox (``cwd`` is then only where ``bwrap`` starts; the
        kernel works in the sandbox's tmpfs home) and talk to it over ipc sockets in ``sandbox.ipc_dir``.
    cpu_seconds : int, default 3600
        CPU-time limit of each kernel, in seconds.
    """

    def __init__(self, cwd, *, memory_mb: int = DEFAULT_MEMORY_MB, output_limit: int = DEFAULT_OUTPUT_LIMIT,
                 startup_timeout: float = 60.0, env: dict | None = None, sandbox=None,
                 cpu_seconds: int = DEFAULT_CPU_SECONDS) -> None:
        if not isinstance(cwd, (str, os.PathLike)) or not str(cwd):
            raise TypeError(f"`cwd` must be a directory path, got {cwd!r:.60} of type {type(cwd).__name__}")
        if env is not None and not (isinstance(env, dict)
                                    and all(isinstance(k, str) and isinstance(v, str) for k, v in env.items())):
            raise TypeError(f"`env` must be None or a dict of str to str, got {env!r:.60} of type {type(env).__name__}")
        self.env = dict(env or {})
        self.cwd = str(cwd)
        self.memory_mb = _check_memory(memory_mb)
        self.output_limit = check_int(output_limit, "output_limit", low=1)
        self.startup_timeout = check_scalar(startup_timeout, "startup_timeout", low=0, low_inclusive=False)
        self.km = None
        self.kc = None
        self.starts = 0
        self._spec_dir = None  # created on the first start()
        if sandbox is not None and not callable(getattr(sandbox, "wrap", None)):
            raise TypeError(f"`sandbox` must be None or a Sandbox, got {type(sandbox).__name__}")
        self.sandbox = sandbox
        self.cpu_seconds = check_int(cpu_seconds, "cpu_seconds", low=1)

    # -- lifecycle ----------------------------------------------------------------------------------
    def _kernel_manager(self):
        from jupyter_client import KernelManager
        from jupyter_client.kernelspec import KernelSpecManager

        if self._spec_dir is None:
            self._spec_dir = tempfile.TemporaryDirectory(prefix="grader-kernelspec-")
        spec = Path(self._spec_dir.name) / "kernels" / "grader"
        spec.mkdir(parents=True, exist_ok=True)
        box = self.sandbox
        if box is None:
            argv = kernel_argv(self.memory_mb, cpu_seconds=self.cpu_seconds)
        else:  # the kernel runs inside bwrap; an interrupt travels as a message (a signal would reach bwrap)
            argv = box.wrap(kernel_argv(self.memory_mb, cpu_seconds=self.cpu_seconds, nproc=PROCESS_LIMIT,
                                        prefix=box.launcher_prefix(box.staged_notebook())))
        (spec / "kernel.json").write_text(json.dumps({
            "argv": argv, "display_name": "grader", "language": "python",
            **({"interrupt_mode": "message"} if box is not None else {})}))
        ksm = KernelSpecManager(kernel_dirs=[str(Path(self._spec_dir.name) / "kernels")], ensure_native_kernel=False)
        km = KernelManager(kernel_name="grader", kernel_spec_manager=ksm)
        if box is not None:  # ZMQ over ipc sockets in the directory bound into the sandbox
            km.transport = "ipc"
            km.connection_file = str(box.ipc_dir / f"k{self.starts}-{_attempt_counter()}.json")
            km.write_connection_file()
            box.prepare_connection_file(Path(km.connection_file))
        return km

    def start(self, attempts: int = 3) -> None:
        """Start a fresh kernel (shutting down any previous one).

        Retries a kernel that dies while starting: kernels started in parallel can race for the same free
        ports (jupyter_client picks them before the kernel binds), and the loser exits at once.

        Parameters
        ----------
        attempts : int, default 3
            Tries before the last start's ``RuntimeError`` is raised; at least 1.
        """
        attempts = check_int(attempts, "attempts", low=1)
        for attempt in range(attempts):
            self.shutdown()
            # the test suite's seed/rounding switches (course_utils.randomness) and the hidden cases' seed (the
            # checks run in the grader's process) never reach a grading kernel:
            # a verdict must not depend on the instructor's shell
            inherited = {k: v for k, v in os.environ.items() if k not in _SUITE_ONLY_VARIABLES}
            if self.sandbox is not None:  # the instructor's environment (tokens, paths) stays outside
                inherited = {k: v for k, v in inherited.items() if k in _SANDBOX_PASSED_VARIABLES}
            env = {**inherited, **_KERNEL_ENV, **self.env}
            self.km = self._kernel_manager()
            try:
                self.km.start_kernel(cwd=self.cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                self.kc = self.km.client()
                self.kc.start_channels()
                self.kc.wait_for_ready(timeout=self.startup_timeout)
            except RuntimeError:
                self.shutdown()
                if attempt == attempts - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
                continue
            self.starts += 1
            return

    def shutdown(self) -> None:
        """Stop the kernel and its client (idempotent; never raises)."""
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:
                pass
            self.kc = None
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:
                pass
            try:
                self.km.cleanup_resources()
            except Exception:
                pass
            self.km = None

    def close(self) -> None:
        """Stop the kernel and remove the temporary kernelspec (idempotent)."""
        self.shutdown()
        if self._spec_dir is not None:
            self._spec_dir.cleanup()
            self._spec_dir = None

    def __enter__(self) -> KernelRunner:
        try:
            self.start()
        except BaseException:
            self.close()  # no kernelspec folder left behind
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        return self.km is not None and self.km.is_alive()

    # -- running ------------------------------------------------------------------------------------
    def run(self, code: str, timeout: float, *, store_history: bool = True) -> CellRun:
        """Run ``code`` and wait at most ``timeout`` seconds (plus the interrupt grace) for it to finish.

        Parameters
        ----------
        code : str
            Python source to execute in the kernel.
        timeout : float
            Seconds (at least 0; under 0.1 counts as 0.1) before the kernel is interrupted; after the interrupt
            the kernel gets 3 more seconds to go idle, else the run is ``"stuck"``.
        store_history : bool, default True
            Whether the kernel counts the code as an input cell (``In[n]``, execution count); the grader's probes
            pass False.

        Returns
        -------
        CellRun
            Status ``"died"`` at once when the kernel is not running.
        """
        return self.finish(self.begin(code, timeout, store_history=store_history))

    def begin(self, code: str, timeout: float, *, store_history: bool = True) -> _Cell:
        """Send ``code`` to the kernel and return at once; :meth:`pump` and :meth:`finish` follow it.

        The grader runs a check in its own process while the kernel runs the cell that serves the check's calls
        (:mod:`.remote`), so the two halves of :meth:`run` are separate.

        Parameters
        ----------
        code : str
            Python source to execute in the kernel.
        timeout : float
            Seconds (at least 0) before :meth:`finish` interrupts the cell.
        store_history : bool, default True
            Whether the kernel counts the code as an input cell.

        Returns
        -------
        _Cell
            The running cell's state.
        """
        if not isinstance(code, str):
            raise TypeError(f"`code` must be a string of Python source, got {type(code).__name__}")
        timeout = check_scalar(timeout, "timeout", low=0)
        store_history = check_bool(store_history, "store_history")
        started = time.monotonic()
        cell = _Cell(started=started, deadline=started + max(float(timeout), 0.1))
        if not self.alive:
            cell.result = CellRun("died")
            return cell
        cell.msg_id = self.kc.execute(code, store_history=store_history, allow_stdin=False, stop_on_error=False)
        return cell

    def pump(self, cell: _Cell) -> bool:
        """Read, without waiting, the kernel's output for ``cell``; True while the cell is still running.

        Parameters
        ----------
        cell : _Cell
            What :meth:`begin` returned.

        Returns
        -------
        bool
        """
        while cell.result is None and not cell.idle and self._read(cell, 0):
            pass
        return cell.result is None and not cell.idle

    def finish(self, cell: _Cell) -> CellRun:
        """Wait for ``cell`` until its deadline (then interrupt it, then give up) and return what happened.

        Parameters
        ----------
        cell : _Cell
            What :meth:`begin` returned.

        Returns
        -------
        CellRun
        """
        if cell.result is not None:
            return cell.result
        while not cell.idle:
            now = time.monotonic()
            if now >= cell.deadline:
                if cell.interrupted:
                    return CellRun("stuck", cell.stdout, truncated=cell.truncated, seconds=now - cell.started)
                try:
                    self.km.interrupt_kernel()
                except Exception:
                    return CellRun("stuck", cell.stdout, truncated=cell.truncated, seconds=now - cell.started)
                cell.interrupted = True
                cell.deadline = now + _INTERRUPT_GRACE
            if not self._read(cell, min(_POLL, max(cell.deadline - now, 0.01))) and cell.result is not None:
                return cell.result  # the kernel died
        exiting = self._drain_shell(cell.msg_id)
        seconds = time.monotonic() - cell.started
        if exiting:  # exit()/quit(): the kernel shuts down after its reply; end it now, so this cell is blamed
            self.shutdown()
            return CellRun("died", cell.stdout, truncated=cell.truncated, seconds=seconds)
        if cell.interrupted:
            return CellRun("timeout", cell.stdout, truncated=cell.truncated, seconds=seconds)
        if cell.ename:
            return CellRun("error", cell.stdout, cell.ename, cell.evalue[:500], cell.truncated, seconds)
        return CellRun("ok", cell.stdout, truncated=cell.truncated, seconds=seconds)

    def interrupt(self) -> None:
        """Interrupt the kernel's running cell (``KeyboardInterrupt`` in it); never raises."""
        try:
            if self.km is not None:
                self.km.interrupt_kernel()
        except Exception:
            pass

    def _read(self, cell: _Cell, timeout: float) -> bool:
        """Take one iopub message for ``cell``, waiting at most ``timeout`` s; False when none came (and then a dead
        kernel is recorded as the cell's result)."""
        try:
            msg = self.kc.get_iopub_msg(timeout=timeout)
        except Empty:
            if not self.km.is_alive():
                cell.result = CellRun("died", cell.stdout, truncated=cell.truncated,
                                      seconds=time.monotonic() - cell.started)
            return False
        self._consume(cell, msg)
        return True

    def _consume(self, cell: _Cell, msg: dict) -> None:
        if msg.get("parent_header", {}).get("msg_id") != cell.msg_id:
            return
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream" and content.get("name") == "stdout":
            # Keep the *tail*: the end of a flood is what a student needs to see.
            text = content.get("text", "")
            if len(text) > self.output_limit:  # one message longer than the limit: its head is dropped too
                text, cell.truncated = text[-self.output_limit:], True
            cell.chunks.append(text)
            cell.kept += len(text)
            while cell.kept > self.output_limit:
                excess = cell.kept - self.output_limit
                cell.truncated = True
                if len(cell.chunks[0]) <= excess:
                    cell.kept -= len(cell.chunks.pop(0))
                else:
                    cell.chunks[0] = cell.chunks[0][excess:]
                    cell.kept -= excess
        elif kind == "error":
            cell.ename, cell.evalue = content.get("ename", ""), content.get("evalue", "")
        elif kind == "status" and content.get("execution_state") == "idle":
            cell.idle = True

    def _drain_shell(self, msg_id: str) -> bool:
        """Read the shell replies; True when the reply to ``msg_id`` says the kernel is exiting (``exit()``)."""
        exiting, seen = False, False
        deadline = time.monotonic() + 1.0  # the reply is sent before the kernel goes idle: it is there or close
        while True:
            try:
                msg = self.kc.get_shell_msg(timeout=0 if seen else max(deadline - time.monotonic(), 0))
            except Empty:
                return exiting
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                seen = True
                payload = msg.get("content", {}).get("payload", []) or []
                exiting = exiting or any(isinstance(p, dict) and p.get("source") == "ask_exit"
                                         and not p.get("keepkernel", False) for p in payload)
