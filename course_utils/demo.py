"""Demo mode for instructors: the explorers as Voilà dashboards, one page per chapter, no code.

``make demo`` runs ``python -m course_utils.demo --port 8888``: Voilà serves the thin notebooks in
``demos/`` (a title, two lines per explorer, the explorers with ``presentation=True`` — larger figures
and fonts for a projector) on ``127.0.0.1`` and this command prints the address of every page. Each page
load runs its notebook in a fresh kernel (a few seconds; chapter 6 trains two small networks first).
Stop it with Ctrl-C.

Options: ``--port`` (default 8888), ``--open`` to open the index in the default browser, ``--demos DIR``
for another folder of dashboards.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import webbrowser
from pathlib import Path

from .validation import check_int

__all__ = ["demos_dir", "dashboard_urls", "main"]

HOST = "127.0.0.1"


def demos_dir() -> Path:
    """The ``demos/`` folder of the course (beside the package in a clone, else in the working directory)."""
    beside_package = Path(__file__).resolve().parents[1] / "demos"
    return beside_package if beside_package.is_dir() else Path.cwd() / "demos"


def dashboard_urls(folder: Path, port: int) -> dict[str, str]:
    """``{notebook name: Voilà URL}`` for every dashboard in ``folder``, in chapter order.

    Parameters
    ----------
    folder : pathlib.Path
        The folder of dashboard notebooks; every ``*.ipynb`` in it (not in subfolders), sorted by name.
    port : int
        The port Voilà serves on, at ``127.0.0.1``.

    Returns
    -------
    dict of str to str
    """
    return {nb.name: f"http://{HOST}:{port}/voila/render/{nb.name}" for nb in sorted(folder.glob("*.ipynb"))}


def _port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
    return True


def _wait_until_serving(url: str, proc: subprocess.Popen, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return True
        time.sleep(0.3)
    return False


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course_utils.demo",
                                     description="Serve the course's explorers as Voilà dashboards (demo mode).")
    parser.add_argument("--port", type=int, default=8888, help="port on 127.0.0.1 (default 8888)")
    parser.add_argument("--open", action="store_true", help="open the index page in the default browser")
    parser.add_argument("--demos", type=Path, default=None, help="folder of dashboard notebooks (default demos/)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Serve the dashboards with Voilà and print their addresses (``python -m course_utils.demo``).

    Blocks until Voilà exits or Ctrl-C; on the way out it stops Voilà and every kernel it started.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments (``--port``, ``--open``, ``--demos DIR``); default ``sys.argv[1:]``.

    Returns
    -------
    int
        Exit code: 0 after Ctrl-C, 2 when there are no dashboards or the port is in use, 1 when Voilà did not
        start, else Voilà's own exit code.
    """
    args = build_parser().parse_args(argv)
    port = check_int(args.port, "port", low=1, high=65535)
    folder = (args.demos or demos_dir()).resolve()
    urls = dashboard_urls(folder, port) if folder.is_dir() else {}
    if not urls:
        print(f"error: no dashboard notebooks (*.ipynb) in {folder}; run `make sync` to create them from "
              "their .py pairs", file=sys.stderr)
        return 2
    if not _port_is_free(port):
        print(f"error: port {port} on {HOST} is in use; choose another: `make demo PORT={port + 1}` or "
              f"`python -m course_utils.demo --port {port + 1}`", file=sys.stderr)
        return 2

    index = f"http://{HOST}:{port}/"
    cmd = [sys.executable, "-m", "voila", str(folder), "--no-browser", f"--port={port}", f"--Voila.ip={HOST}",
           "--Voila.port_retries=0", "--theme=light"]
    # Voilà in its own process group, so Ctrl-C (or SIGTERM) here stops it and every kernel it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    proc = subprocess.Popen(cmd, start_new_session=True)
    try:
        if not _wait_until_serving(index, proc):
            print(f"error: Voilà did not start (exit code {proc.poll()}); see its messages above",
                  file=sys.stderr)
            return 1
        print("\nLoss Landscapes — demo mode (Voilà dashboards, no code). Open:\n")
        print(f"  index      {index}")
        for name, url in urls.items():
            print(f"  {name.removesuffix('.ipynb'):<26} {url}")
        print("\nEach page runs its chapter's explorers in a fresh kernel (a few seconds). Ctrl-C stops the server.",
              flush=True)
        if args.open:
            webbrowser.open(index)
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main())
