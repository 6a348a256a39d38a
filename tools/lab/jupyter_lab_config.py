# JupyterLab as the course opens it (`make lab`, the browser tests): no news pop-up over the first chapter, no
# update check (the course runs offline), and the chapters' py:percent twins hidden from the file browser, so a
# student opens the notebook and not its script. The twins stay on disk and jupytext still writes them.
from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when Jupyter loads this file)

c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
# Frontend defaults (the news question, the update check) live in settings/overrides.json next to this file.
c.LabServerApp.app_settings_dir = str(Path(__file__).resolve().parent / "settings")
# jupyter_server's defaults, plus the twins: "NN_name.py" in notebooks/, solutions/, exercises/.
c.ContentsManager.hide_globs = ["__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*.so", "*.dylib", "*~",
                                "[0-9][0-9]_*.py"]
