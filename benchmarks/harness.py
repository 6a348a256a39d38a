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
    #: our time in seconds, for rows summarized in the README (explorer latencies, notebook run times)
    seconds: float | None = None

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


def round_robin(fns: dict[str, Callable[[], object]], repeats: int,
                fewer: dict[str, int] | None = None) -> dict[str, list[float]]:
    """Wall times (s) of several contenders called in turn (a, b, c, a, b, c, ...), so a burst of load from
    another process hits all of them, not one; ``fewer`` runs a slow one only that many times, spread evenly.
    """
    fewer = fewer or {}
    plan = {name: {round(i * repeats / min(fewer.get(name, repeats), repeats))
                   for i in range(min(fewer.get(name, repeats), repeats))} for name in fns}
    times: dict[str, list[float]] = {name: [] for name in fns}
    for i in range(repeats):
        for name, fn in fns.items():
            if i in plan[name]:
                times[name].append(timed(fn))
    return times


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


README_START = "<!-- bench-summary:start (written by `make bench`; do not edit by hand) -->"
README_END = "<!-- bench-summary:end -->"


def readme_summary(rows: list[Row], met: int, judged: int, stamp: str) -> str:
    """The README's short version of the results: each target row, except that the per-explorer and
    per-notebook rows become one row each (the slowest, and how many met their budget)."""
    explorers = [r for r in rows if r.benchmark.startswith("explorer ")]
    in_browser = [r for r in rows if r.benchmark.startswith("browser ")]
    notebooks = [r for r in rows if r.benchmark.startswith("notebook ")]
    short = []
    for r in rows:
        if r.met is None or r in notebooks:
            continue
        for group, name, target in ((explorers, "explorer latency, control change → canvas updated",
                                     "≤ 50 ms (2-D), ≤ 100 ms (3-D)"),
                                    (in_browser, "explorer latency in the browser, key press → pixels (median)",
                                     in_browser[0].target if in_browser else "")):
            if r in group:
                if r is group[0]:
                    short.append(_slowest(name, group, target))
                break
        else:
            short.append(r)
    if notebooks:
        short.append(_slowest("notebook run time (chapters, solutions, exercises)", notebooks, notebooks[0].target))
    return "\n".join([f"Last full run: {stamp}, **targets met: {met} of {judged}** (every row and the machine: "
                      "[`benchmarks/RESULTS.md`](benchmarks/RESULTS.md)).", "", table(short)])


def _slowest(name: str, rows: list[Row], target: str) -> Row:
    timed_rows = [r for r in rows if r.seconds is not None]
    met = sum(bool(r.met) for r in rows)
    if not timed_rows:
        return Row(name, "not measured", "—", "—", target, False)
    worst = max(timed_rows, key=lambda r: r.seconds)
    label = worst.benchmark.split(" ", 1)[1].split(" (", 1)[0]
    return Row(f"{name}: {met} of {len(rows)} within budget", f"slowest {fmt_time(worst.seconds)} ({label})",
               "—", "—", target, met == len(rows))


def replace_between_markers(text: str, block: str) -> str:
    """``text`` with what lies between :data:`README_START` and :data:`README_END` replaced by ``block``."""
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise ValueError(f"README has no {README_START!r} ... {README_END!r} section")
    return text[:start + len(README_START)] + "\n" + block + "\n" + text[end:]
