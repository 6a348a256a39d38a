"""The sandbox a submission's kernel runs in: bubblewrap (``bwrap``) on Linux.

Each kernel start is one ``bwrap`` process with

* its own PID, IPC, UTS and network namespaces (no network at all; it sees only its own processes) and its own
  user namespace, in which it is uid/gid 65534 ("nobody");
* a root of its own: the system (``/usr``, ``/lib*``, ``/bin``, ``/etc``), the Python environment and the
  ``course_utils`` package mounted **read-only**, a private ``tmpfs`` home (its working directory) and ``/tmp``,
  and nothing else of the machine — no other submission, no ``solutions/``, no output folder, no repository;
* its own temporary copy of its notebook (outputs stripped), copied into its home at start;
* one directory bound read-write: :attr:`Sandbox.ipc_dir`, which holds the kernel's connection file and its
  ZeroMQ ``ipc`` sockets (TCP on the loopback cannot cross a network namespace; a Unix socket file can). The
  grader talks to the kernel only through those sockets;
* ``--die-with-parent`` and ``--new-session``: when the kernel ends, or is killed, or the grading worker dies,
  the sandbox's PID 1 dies and with it every process of the namespace (``setsid`` daemons included), and its
  tmpfs — everything it wrote — is gone.

Run as root (CI), bubblewrap cannot map the sandbox's uid to anything but root, and the kernel's process-count
limit would not apply to root. So as root the sandbox starts privileged (no user namespace, ``CAP_SETUID`` and
``CAP_SETGID`` only), and the kernel launcher (:func:`launcher_prefix`) drops at once to a uid of its own
(:attr:`Sandbox.uid`, unused by any account and distinct per grading worker), makes a user namespace in which
that uid is 65534, and drops every capability. Run as another user, bubblewrap makes the user namespace itself
(``--unshare-user --uid 65534 --gid 65534``).

The kernel launcher (:mod:`.kernel_runner`) then sets the memory, file-size, CPU-time and process-count limits
inside the sandbox before any student code runs.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path

# Sandbox is the grader's own machinery (its constructor hands a folder over to the sandbox's uid): not exported.
__all__ = ["sandbox_problem", "SANDBOX_HOME"]

SANDBOX_HOME = "/home/student"  # the kernel's HOME and working directory (a tmpfs)
_SUBMISSION_DIR = "/run/submission"  # where the staged copy of the notebook is visible, read-only
_UID_BASE = 2_000_000_000  # root mode: the kernel's uid outside its namespace, base + worker pid (no account)
_SYSTEM_DIRS = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc")


def sandbox_problem() -> str | None:
    """Why submissions cannot be sandboxed here (a sentence), or None when they can.

    Returns
    -------
    str or None
        None on Linux with a working ``bwrap``; otherwise what is missing and how to install it.
    """
    if not sys.platform.startswith("linux"):
        return (f"the per-submission sandbox needs Linux and bubblewrap; this is {sys.platform}. Grade on Linux, "
                "or pass --no-sandbox to grade without it (see the instructor guide)")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return ("bubblewrap (`bwrap`) is not installed: `sudo apt-get install bubblewrap` (Debian/Ubuntu), "
                "`sudo dnf install bubblewrap` (Fedora); or pass --no-sandbox to grade without the sandbox")
    with tempfile.TemporaryDirectory(prefix="grader-sandbox-probe-") as tmp:
        box = Sandbox(Path(tmp), None, package_root=Path(__file__).resolve().parents[2])
        argv = box.wrap([sys.executable, "-c", box.launcher_prefix(None) + "print('ok')"])
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap did not run: {exc}"
        if proc.returncode != 0 or proc.stdout.strip() != "ok":
            last = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
            return (f"bubblewrap is installed but cannot create the sandbox here ({last}); unprivileged user "
                    "namespaces may be disabled (see the instructor guide), or pass --no-sandbox")
    return None


def _python_dirs() -> list[str]:
    """The directories the kernel's Python needs: its prefixes and site-packages (read-only in the sandbox)."""
    dirs = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, os.path.dirname(sys.executable)]
    try:
        dirs += site.getsitepackages()
    except AttributeError:
        pass
    user_site = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    if user_site:
        dirs.append(user_site)
    out: list[str] = []
    for d in dirs:
        for path in (os.path.abspath(d), os.path.realpath(d)):
            if os.path.isdir(path) and path not in out:
                out.append(path)
    return out


class Sandbox:
    """The bubblewrap sandbox of one grading worker's kernels (see the module docstring).

    Parameters
    ----------
    ipc_dir : pathlib.Path
        An empty directory of the grader's, bound read-write into the sandbox at the same path: the connection
        file and ipc sockets live there.
    notebook : pathlib.Path or None
        The staged copy of the submission (outputs stripped), copied into the kernel's home at every start;
        None for none.
    package_root : pathlib.Path
        The directory holding ``course_utils/``; only ``course_utils/`` itself is mounted (read-only).
    files : dict, optional
        More files of the grader's to copy into the kernel's home at every start: host path -> path relative
        to the home (the grader seeds matplotlib's font cache this way, which saves seconds per kernel).
    """

    def __init__(self, ipc_dir: Path, notebook: Path | None, *, package_root: Path,
                 files: dict | None = None) -> None:
        self.ipc_dir = Path(ipc_dir)
        self.notebook = None if notebook is None else Path(notebook)
        self.package_root = Path(package_root)
        self.files = {Path(k): str(v) for k, v in (files or {}).items()}
        self.as_root = os.geteuid() == 0
        # root mode: a uid of its own outside the namespace, so RLIMIT_NPROC counts this kernel's processes only
        self.uid = _UID_BASE + os.getpid() % 100_000_000 if self.as_root else None
        if self.as_root:
            os.chown(self.ipc_dir, self.uid, self.uid)
            os.chmod(self.ipc_dir, 0o700)

    @property
    def home(self) -> str:
        return SANDBOX_HOME

    def prepare_connection_file(self, path: Path) -> None:
        """Hand a connection file the grader wrote over to the sandbox's uid (root mode; else nothing)."""
        if self.uid is not None:
            os.chown(path, self.uid, self.uid)

    def staged_notebook(self) -> str | None:
        """Where the kernel finds its notebook copy inside the sandbox (None without one)."""
        return None if self.notebook is None else f"{_SUBMISSION_DIR}/{self.notebook.name}"

    def wrap(self, argv: list[str]) -> list[str]:
        """``argv`` (the kernel command) run inside the sandbox: the ``bwrap`` command line."""
        cmd = ["bwrap", "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid", "--unshare-net",
               "--unshare-uts", "--unshare-cgroup-try", "--hostname", "grader"]
        if self.as_root:  # privileged mode: the launcher drops to self.uid and makes its own user namespace
            cmd += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            cmd += ["--unshare-user", "--uid", "65534", "--gid", "65534"]
        for d in _SYSTEM_DIRS:
            cmd += ["--ro-bind-try", d, d]
        cmd += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp",
                "--perms", "1777", "--tmpfs", SANDBOX_HOME]
        package = str(self.package_root / "course_utils")
        # never the repository (solutions/, other files): only course_utils of it
        binds = [d for d in _python_dirs() if not _contains(d, self.package_root)] + [package]
        made: set[str] = set()
        for d in binds + [str(self.ipc_dir)]:  # mount points' parents: traversable (bwrap copies /root's 0700)
            for parent in reversed(Path(d).parents):
                if str(parent) not in made and str(parent) != "/" and not any(
                        str(parent) == s or str(parent).startswith(s + "/") for s in _SYSTEM_DIRS):
                    made.add(str(parent))
                    cmd += ["--perms", "0755", "--dir", str(parent)]
        for d in binds:
            cmd += ["--ro-bind", d, d]
        if self.notebook is not None:
            cmd += ["--ro-bind", str(self.notebook), self.staged_notebook()]
        for i, host in enumerate(self.files):
            cmd += ["--ro-bind", str(host), f"{_SUBMISSION_DIR}/.grader-{i}"]
        cmd += ["--bind", str(self.ipc_dir), str(self.ipc_dir), "--chdir", SANDBOX_HOME, "--"]
        return cmd + list(argv)

    def launcher_prefix(self, notebook: str | None) -> str:
        """Python statements the kernel launcher runs first inside the sandbox (root mode: drop to our uid)."""
        # ipykernel polls its parent when JPY_PARENT_PID is set and would take bwrap's PID 1 for a dead parent;
        # the sandbox ends with the worker anyway (--die-with-parent)
        code = "import os\nos.environ.pop('JPY_PARENT_PID', None)\n"
        copies = {f"{_SUBMISSION_DIR}/.grader-{i}": dest for i, dest in enumerate(self.files.values())}
        if notebook is not None:
            copies[notebook] = os.path.basename(notebook)
        # read while still allowed to (root mode: the grader's files), written as the sandbox's user
        code += f"_files = {{dest: open(src, 'rb').read() for src, dest in {copies!r}.items()}}\n"
        if self.uid is not None:
            code += _DROP.format(uid=self.uid)
        code += ("for _dest, _data in _files.items():\n"
                 "    os.makedirs(os.path.dirname(_dest) or '.', exist_ok=True)\n"
                 "    open(_dest, 'wb').write(_data)\n"
                 "del _files\n")
        return code


def _contains(directory: str, inner: Path) -> bool:
    """Whether ``directory`` is ``inner`` or one of its ancestors (binding it would expose all of ``inner``)."""
    d, i = os.path.realpath(directory), os.path.realpath(inner)
    return i == d or i.startswith(d.rstrip(os.sep) + os.sep)


# Root mode: become uid U (no account has it), then uid 65534 in a user namespace of our own, with no capability.
_DROP = """import ctypes
_U = {uid}
_libc = ctypes.CDLL(None, use_errno=True)
os.setgroups([])
os.setresgid(_U, _U, _U)
os.setresuid(_U, _U, _U)
_libc.prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: /proc/self/*_map stay writable by us
if _libc.unshare(0x10000000) != 0:  # CLONE_NEWUSER
    raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWUSER) failed")
for _f, _m in (("setgroups", "deny"), ("uid_map", "65534 %d 1" % _U), ("gid_map", "65534 %d 1" % _U)):
    with open("/proc/self/" + _f, "w") as _h:
        _h.write(_m)
for _cap in range(64):
    _libc.prctl(24, _cap, 0, 0, 0)  # PR_CAPBSET_DROP (past the last capability it fails harmlessly)
class _Hdr(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
_data = (ctypes.c_uint32 * 6)()
if _libc.capset(ctypes.byref(_Hdr(0x20080522, 0)), _data) != 0:  # no capability, even in our namespace
    raise OSError(ctypes.get_errno(), "capset failed")
_libc.prctl(4, 0, 0, 0, 0)
del ctypes, _U, _libc, _f, _m, _h, _Hdr, _data, _cap
"""
