"""Benchmark 4 — notebook run time: every chapter, solution and exercise notebook, top to bottom.

Each ``notebooks/*.ipynb``, ``solutions/*.ipynb`` and ``exercises/*.ipynb`` (found by itself, so new chapters
count at once) is executed with nbclient in a fresh kernel, as a student's "Restart & Run All" would, from the
notebook's own folder. The time includes kernel start-up. Budget: 20 s each on this 2-core machine (an absolute
budget: there is no baseline). The kernel gets the environment the benchmark was started with — not the
one-thread BLAS pinning used for the ratio benchmarks — so it runs as it would for a student.

An exercise notebook raises ``NotImplementedError`` where the student has not answered yet and its cells are
written to continue; a cell error stops the run and is reported as a miss.

``--quick`` runs only the smallest notebook, to prove the machinery works (nbval in ``make test`` runs them all).
"""

from __future__ import annotations

import time
from pathlib import Path

from harness import Row, fmt_time

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("notebooks", "solutions", "exercises")
BUDGET = 20.0


def notebooks() -> list[Path]:
    return [p for folder in FOLDERS for p in sorted((ROOT / folder).glob("*.ipynb"))]


def execute(path: Path, env: dict, timeout: int = 300) -> float:
    """Run ``path`` top to bottom in a fresh kernel; wall seconds, kernel start included."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    # log_level: keep the kernel's start-up chatter (a TCP-transport warning) out of the benchmark log
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", extra_arguments=["--IPKernelApp.log_level=40"],
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute(env=env)
    return time.perf_counter() - start


def run(quick: bool, env: dict) -> list[Row]:
    paths = notebooks()
    if quick:
        paths = sorted(paths, key=lambda p: p.stat().st_size)[:1]
    rows = []
    for path in paths:
        name = f"notebook {path.parent.name}/{path.name}"
        try:
            seconds = execute(path, env)
        except Exception as exc:  # a failing cell: report it, it is not a time
            first = str(exc).strip().splitlines()
            rows.append(Row(name, "failed", "—", "—", f"≤ {BUDGET:.0f} s", False,
                            note=f"{type(exc).__name__}: {first[-1] if first else ''}"[:200]))
            continue
        rows.append(Row(name, fmt_time(seconds), "—", "—", f"≤ {BUDGET:.0f} s", seconds <= BUDGET, seconds=seconds))
    return rows
