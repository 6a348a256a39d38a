"""Benchmark 6 — ``import course_utils`` in a fresh interpreter: budget 0.5 s (minimum of several runs).

Each run is a new ``python -c`` process that times the import statement itself (interpreter start-up
excluded). For comparison the same is measured for an *eager* import of every submodule, which is what the
package's lazy ``__getattr__`` spares a student who only needs one of them; the ratio is eager / lazy.
"""

from __future__ import annotations

import subprocess
import sys

from harness import Row, fmt_ratio, fmt_time

BUDGET = 0.5
_LAZY = "import time; t = time.perf_counter(); import course_utils; print(time.perf_counter() - t)"
_EAGER = ("import time; t = time.perf_counter(); import importlib, importlib.util, course_utils; "
          "[importlib.import_module('course_utils.' + m) for m in sorted(course_utils._SUBMODULES) "
          "if importlib.util.find_spec('course_utils.' + m)]; print(time.perf_counter() - t)")


def _seconds(code: str, env: dict) -> float:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def run(quick: bool, env: dict) -> list[Row]:
    lazy, eager = [], []
    for _ in range(1 if quick else 5):  # interleaved, like every ratio here
        lazy.append(_seconds(_LAZY, env))
        eager.append(_seconds(_EAGER, env))
    best = min(lazy)
    return [Row("import course_utils (fresh process)", fmt_time(best), fmt_time(min(eager)) + " (eager, all submodules)",
                fmt_ratio(min(eager) / best), f"≤ {BUDGET} s", best <= BUDGET)]
