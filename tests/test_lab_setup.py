"""`make lab`'s JupyterLab (tools/lab/jupyter_lab_config.py), asked over its own HTTP API: no news question and no
update check, the chapters' py:percent twins hidden from the file browser, and jupytext still writing a hidden twin
when its notebook is saved. The oracle is the running server, not the configuration file."""

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
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CONFIG = REPO / "tools" / "lab" / "jupyter_lab_config.py"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    (root / "notebooks").mkdir()
    for suffix in (".ipynb", ".py"):
        shutil.copy(REPO / "notebooks" / f"00_start_here{suffix}", root / "notebooks")
    (root / "notebooks" / "helpers.py").write_text("x = 1\n")  # a script that is not a twin stays visible
    home = tmp_path_factory.mktemp("home")
    port, token = _free_port(), secrets.token_hex(8)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env.update(HOME=str(home), JUPYTER_CONFIG_DIR=str(home / "config"))  # no user config can help or hurt
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--config={CONFIG}", "--no-browser", "--allow-root",
           "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={home / 'settings'}",
           f"--LabApp.workspaces_dir={home / 'workspaces'}"]
    log = open(home / "lab.log", "wb")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{port}"

    def get(path):
        sep = "&" if "?" in path else "?"
        with urllib.request.urlopen(f"{url}{path}{sep}token={token}", timeout=10) as resp:
            return json.load(resp)

    def put(path, body):
        req = urllib.request.Request(f"{url}{path}?token={token}", data=json.dumps(body).encode(), method="PUT",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status

    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited:\n{(home / 'lab.log').read_text()[-3000:]}")
            with contextlib.suppress(OSError):
                get("/api/status")
                break
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not start:\n{(home / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield get, put, root
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def test_no_news_question_and_no_update_check(lab):
    get, _, _ = lab
    settings = get("/lab/api/settings/@jupyterlab/apputils-extension:notification")
    props = settings["schema"]["properties"]
    # "none" (the default) makes JupyterLab ask; "false" answers it for the student
    assert props["fetchNews"]["default"] == "false"
    assert props["checkForUpdates"]["default"] is False


def test_file_browser_lists_the_notebook_not_its_twin(lab):
    get, _, _ = lab
    names = {item["name"] for item in get("/api/contents/notebooks")["content"]}
    assert "00_start_here.ipynb" in names
    assert "00_start_here.py" not in names
    assert "helpers.py" in names


def test_saving_the_notebook_still_writes_its_hidden_twin(lab):
    get, put, root = lab
    model = get("/api/contents/notebooks/00_start_here.ipynb")
    marker = f"twin check {secrets.token_hex(4)}"
    model["content"]["cells"][0]["source"] += f"\n\n{marker}"
    assert put("/api/contents/notebooks/00_start_here.ipynb",
               {"type": "notebook", "format": "json", "content": model["content"]}) == 200
    assert marker in (root / "notebooks" / "00_start_here.py").read_text()
