"""Fixtures for the real-browser tests: headless Chromium (Playwright), a JupyterLab server, a Voilà server.

Both servers run on loopback, on a free port, with a random token, over a *temporary copy* of the course —
running cells marks a notebook modified and an autosave would rewrite the committed notebook (and, through
jupytext, its ``.py`` pair); on a copy, with autosave switched off, nothing in the repository can change.
Each server is stopped by its own PID (its process group, so kernels go too).

The browser is Chromium from the system (Debian's ``chromium``): ``playwright install`` is not needed.
Without it the tests skip and say how to install it; with ``COURSE_REQUIRE_BROWSER=1`` (set by ``.ci/run``)
a missing browser is a failure. ``COURSE_BROWSER=/path/to/chromium`` picks another binary.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts" / "screenshots"

#: Chromium flags measured to work here (DESIGN.md §8): no sandbox (root in containers), no GPU, no
#: background traffic to Google services.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
INSTALL_HINT = ("install Chromium (Debian/Ubuntu: `apt-get install chromium`) or point COURSE_BROWSER at a "
                "Chromium/Chrome binary (COURSE_BROWSER=/path/to/chromium)")

# Lab settings for the test server: never autosave (the copy stays as it was) and render every cell
# (no windowing), so outputs and sliders further down the notebook are in the DOM.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


# --------------------------------------------------------------------------------------------
# The browser
# --------------------------------------------------------------------------------------------
def find_chromium() -> str | None:
    """The Chromium binary to use: ``$COURSE_BROWSER``, else ``chromium`` / ``chromium-browser`` on PATH."""
    configured = os.environ.get("COURSE_BROWSER")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def _unavailable(reason: str):
    """Skip on a laptop; fail when CI asked for the browser tests (COURSE_REQUIRE_BROWSER=1)."""
    if os.environ.get("COURSE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required (COURSE_REQUIRE_BROWSER=1) but {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (launching costs ~1 s; pages are cheap)."""
    path = find_chromium()
    if path is None:
        where = os.environ.get("COURSE_BROWSER")
        _unavailable((f"COURSE_BROWSER={where} is not an executable" if where else "Chromium was not found")
                     + f"; {INSTALL_HINT}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package playwright is not installed; `pip install -r requirements-dev.txt`")
    with sync_playwright() as pw:
        try:
            chromium = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        except Exception as exc:  # a broken binary should read as such, not as a Playwright stack trace
            _unavailable(f"Chromium at {path} did not start ({exc}); {INSTALL_HINT}")
        yield chromium
        chromium.close()


#: Page errors that say a widget's code took long to load, not that it failed: anywidget (0.10+) rejects a model's
#: "ready" promise when its ES module took more than 2 s to load and initialise, and goes on loading it; plotly's
#: FigureWidget module is 4.9 MB (the 3-D views of course_utils.widgets.surface3d), which this shared machine parses
#: in more than 2 s at load 5-7. The widget then renders and updates normally (test_surface3d_browser.py reads its
#: data in the page and compares it with the kernel's state).
SLOW_LOAD_ERRORS = {"[anywidget] Failed to initialize model."}


@contextlib.contextmanager
def new_page(browser, width: int, height: int):
    """A fresh page that records JavaScript page errors in ``page.js_errors``."""
    context = browser.new_context(viewport={"width": width, "height": height})
    pg = context.new_page()
    pg.js_errors = []
    pg.on("pageerror", lambda exc: None if str(exc) in SLOW_LOAD_ERRORS else pg.js_errors.append(str(exc)))
    pg.set_default_timeout(60_000)
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def page(browser):
    """A fresh 1366×768 page (the most common laptop screen) for JupyterLab, its file browser open."""
    with new_page(browser, 1366, 768) as pg:
        yield pg


@pytest.fixture
def projector_page(browser):
    """A fresh 1280×720 page (the common classroom projector; a full-HD one has more room) for the dashboards."""
    with new_page(browser, 1280, 720) as pg:
        yield pg


# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A server we started: its base URL, token, root directory and process (stopped by PID)."""

    url: str
    token: str
    root: Path
    process: subprocess.Popen
    log: Path

    def api(self, method: str, path: str):
        """Call the Jupyter REST API; returns the decoded JSON (or None)."""
        sep = "&" if "?" in path else "?"
        req = urllib.request.Request(f"{self.url}{path}{sep}token={self.token}", method=method)
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def delete_sessions(self) -> None:
        """Shut down every session (and its kernel), so notebooks never share a kernel or the CPU."""
        for session in self.api("GET", "/api/sessions"):
            with contextlib.suppress(urllib.error.HTTPError):
                self.api("DELETE", f"/api/sessions/{session['id']}")

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


def _clean_env() -> dict:
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # tests/conftest.py sets Agg; the kernels must pick ipympl themselves
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def start_server(cmd: list[str], *, root: Path, port: int, token: str, ready_path: str,
                 log: Path, timeout: float = 90) -> Server:
    """Start ``cmd`` in its own process group and wait until ``ready_path`` answers 200."""
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, cwd=root, stdout=fh, stderr=subprocess.STDOUT, env=_clean_env(),
                                start_new_session=True)
    server = Server(url=f"http://127.0.0.1:{port}", token=token, root=root, process=proc, log=log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{cmd[2]} exited with code {proc.returncode}:\n{server.log_tail()}")
        with contextlib.suppress(OSError):
            sep = "&" if "?" in ready_path else "?"
            with urllib.request.urlopen(f"{server.url}{ready_path}{sep}token={token}", timeout=5) as resp:
                if resp.status == 200:
                    return server
        time.sleep(0.3)
    stop_server(server)
    raise RuntimeError(f"{cmd[2]} did not answer {ready_path} within {timeout:.0f} s:\n{server.log_tail()}")


def stop_server(server: Server) -> None:
    """Stop the server by its own PID: SIGTERM to its process group (kernels included), then SIGKILL."""
    proc = server.process
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def _ignore_pairs(folder, names):
    """Leave out checkpoints, caches and the jupytext ``.py`` halves (the copy is opened, never paired)."""
    stems = {Path(n).stem for n in names if n.endswith(".ipynb")}
    return {n for n in names if n in (".ipynb_checkpoints", "__pycache__")
            or (n.endswith(".py") and Path(n).stem in stems)}


def copy_course(dest: Path, *folders: str) -> Path:
    """Copy ``folders`` of the repository (notebooks only need themselves: course_utils is installed)."""
    ignore = _ignore_pairs
    for folder in folders:
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, dest / folder, ignore=ignore)
    return dest


@pytest.fixture(scope="session")
def lab_server(browser, tmp_path_factory):
    """JupyterLab over a temporary copy of the course; stopped (by PID) at the end of the session."""
    root = copy_course(tmp_path_factory.mktemp("course"), "notebooks", "exercises", "solutions")
    home = tmp_path_factory.mktemp("lab-home")
    settings = home / "settings"
    for rel, value in LAB_SETTINGS.items():
        path = settings / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    port, token = free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "jupyter", "lab", "--allow-root", "--no-browser", "--ip", "127.0.0.1",
           "--port", str(port), f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}",
           f"--config={REPO / 'tools' / 'lab' / 'jupyter_lab_config.py'}",  # as `make lab` opens the course
           f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={home / 'workspaces'}",
           "--ServerApp.open_browser=False"]
    server = start_server(cmd, root=root, port=port, token=token, ready_path="/api/status",
                          log=home / "lab.log")
    try:
        server.delete_sessions()
        yield server
    finally:
        with contextlib.suppress(OSError):
            server.delete_sessions()
        stop_server(server)


@pytest.fixture(scope="session")
def voila_server(browser, tmp_path_factory):
    """Voilà serving a temporary copy of ``demos/`` (what ``make demo`` serves); stopped by PID."""
    root = copy_course(tmp_path_factory.mktemp("demo"), "demos")
    if not any((root / "demos").glob("*.ipynb")):
        pytest.fail("demos/ holds no notebooks", pytrace=False)
    port, token = free_port(), secrets.token_hex(16)
    cmd = [sys.executable, "-m", "voila", str(root / "demos"), "--no-browser", f"--port={port}",
           "--Voila.ip=127.0.0.1", f"--token={token}"]
    server = start_server(cmd, root=root, port=port, token=token, ready_path="/",
                          log=root / "voila.log")
    try:
        yield server
    finally:
        stop_server(server)
