"""What every benchmark shares: a result row, fair timing, the machine's description, the table.

Fair timing on a shared, noisy machine means three things, all done here or in ``run.py``:

* **same conditions** — BLAS and OpenMP pools are pinned to one thread (``run.py`` sets the variables before
  NumPy is imported), so ours and the baseline use the same single core;
* **interleaving** — ours and the baseline alternate (ours, baseline, ours, baseline, ...), so a burst of
  load from another process hits both, not one;
* **minimum of k repeats** — the minimum is the run least disturbed by other processes, the best estimate of
  the cost of the code itself (medians are used where the spread is the point, e.g. explorer latency).
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

#: Thread-count variables pinned by run.py (before NumPy loads its BLAS).
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


@dataclass
class Row:
    """One line of the results table.

    ``met`` is ``True``/``False`` for a row with a target and ``None`` for a row that only reports (those are
    not counted in "targets met: K of M").
    """

    benchmark: str
    ours: str
    baseline: str
    ratio: str
    target: str
    met: bool | None
    note: str = ""

    @property
    def verdict(self) -> str:
        return {True: "yes", False: "**NO**", None: "—"}[self.met]


def interleaved(ours: Callable[[], object], baseline: Callable[[], object], repeats: int,
                baseline_repeats: int | None = None) -> tuple[list[float], list[float]]:
    """Wall times (s) of ``ours`` and ``baseline`` called alternately; returns both lists.

    ``baseline_repeats`` (≤ ``repeats``) runs a slow baseline fewer times, spread evenly among ours.
    """
    baseline_repeats = repeats if baseline_repeats is None else min(baseline_repeats, repeats)
    run_base = {round(i * repeats / baseline_repeats) for i in range(baseline_repeats)}
    t_ours, t_base = [], []
    for i in range(repeats):
        t_ours.append(timed(ours))
        if i in run_base:
            t_base.append(timed(baseline))
    return t_ours, t_base


def timed(fn: Callable[[], object]) -> float:
    """Wall time of one call of ``fn`` in seconds."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median(values) -> float:
    return float(statistics.median(values))


def fmt_time(seconds: float) -> str:
    """``0.0123`` → ``"12.3 ms"``; ``4.5`` → ``"4.50 s"``."""
    if seconds != seconds:  # nan
        return "—"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_ratio(ratio: float, lower_bound: bool = False) -> str:
    if ratio != ratio:
        return "—"
    text = f"{ratio:.1f}×" if ratio < 100 else f"{ratio:.0f}×"
    return ("> " if lower_bound else "") + text


def machine_description() -> list[str]:
    """CPU model, cores, load, Python, NumPy and its BLAS, thread pinning (markdown bullet lines)."""
    import numpy as np

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    blas = "unknown"
    try:
        config = np.show_config(mode="dicts")
        info = config["Build Dependencies"]["blas"]
        blas = f"{info.get('name', '?')} {info.get('version', '')}".strip()
        if info.get("openblas configuration"):
            blas += f" ({info['openblas configuration']})"
    except Exception:  # older NumPy: no dict mode
        pass
    try:
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "unknown"
    import scipy

    pinned = ", ".join(f"{v}={os.environ.get(v)}" for v in THREAD_VARIABLES[:3])
    coretype = {v: os.environ[v] for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if v in os.environ}
    lines = [
        f"CPU: {cpu}; {os.cpu_count()} logical cores; load average (1, 5, 15 min) at start: {load}",
        f"Python {platform.python_version()} on {platform.system()} {platform.release()}",
        f"NumPy {np.__version__}, SciPy {scipy.__version__}; BLAS: {blas}",
        f"threads pinned for ours and baselines alike: {pinned}",
    ]
    if coretype:
        lines.append(f"OpenBLAS kernel override in the environment (left as is): {coretype}")
    return lines


def table(rows: list[Row]) -> str:
    """The rows as a markdown table (benchmark, ours, baseline, ratio, target, met?)."""
    head = "| benchmark | ours | baseline | ratio | target | met? |\n|---|---:|---:|---:|---|:---:|"
    body = [f"| {r.benchmark} | {r.ours} | {r.baseline} | {r.ratio} | {r.target} | {r.verdict} |" for r in rows]
    return "\n".join([head, *body])


def summary(rows: list[Row]) -> tuple[int, int]:
    """``(met, with_target)`` over the rows that carry a target."""
    judged = [r for r in rows if r.met is not None]
    return sum(r.met for r in judged), len(judged)
