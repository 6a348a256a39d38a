"""``make bench PEERS=1``: course_utils side by side with the tools a user would otherwise pick (issue 26, item 1).

Usage (in the peers' own environment, ``.venv-peers``, which ``make bench PEERS=1`` creates from
``benchmarks/peers-requirements.txt``)::

    python benchmarks/peers.py            # every workload at 1 and 2 threads; writes benchmarks/PEERS.md
    python benchmarks/peers.py --quick    # small grids and data, one repeat, prints the table only
    python benchmarks/peers.py --only grid_ch2 eig_1973 --threads 1

The contenders (``peers_workloads.py``): course_utils; loss-landscapes (``planar_interpolation``); a PyTorch loop in
Li et al.'s style (set the weights, one forward pass per grid point), PyTorch double-backward HVPs with SciPy's
``eigsh``, and an ``nn.Module`` + ``optim.SGD`` training loop; torch.func (``vmap`` over grid points, ``jvp`` of
``grad``); PyHessian; and hand-written JAX (``jit`` + ``vmap``/``lax.map``, ``jvp`` of ``grad``, a jitted step).

What makes the comparison fair:

* **identical inputs** — data, weights, directions, Lanczos' start vector, Hutchinson probes and the training start
  are drawn once in NumPy (fixed seeds) and converted; everything runs in float64;
* **agreement before timing** — each contender's result is compared with course_utils' (max relative difference);
  one that disagrees beyond the workload's stated tolerance is reported and *not* timed;
* **threads** — each thread count runs in its own process, with the BLAS/OpenMP variables, ``XLA_FLAGS`` and
  ``torch.set_num_threads`` set before anything is imported; the CPU time / wall time of every call is recorded,
  which shows how many cores a contender really used;
* **interleaving** — the contenders of a workload run in turn (a, b, c, a, b, c, ...), so load from other processes
  hits them all; the minimum (least disturbed) and the median of the repeats are reported;
* **load** — ``os.getloadavg()`` before and after each workload is written beside its row;
* **compile time apart** — the first call of every contender (JAX's includes tracing and XLA compilation) is timed
  on its own and is not one of the repeats.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402  (no NumPy at module level: the worker pins threads before NumPy loads)

THREADS = (1, 2)
PACKAGES = ("numpy", "scipy", "autograd", "torch", "jax", "jaxlib", "loss-landscapes", "pyhessian")


def thread_environment(threads: int, base: dict | None = None) -> dict:
    """The environment of a worker that may use ``threads`` cores: every BLAS/OpenMP pool, and XLA's."""
    env = dict(os.environ if base is None else base)
    for var in harness.THREAD_VARIABLES:
        env[var] = str(threads)
    flags = [f for f in env.get("XLA_FLAGS", "").split() if "multi_thread_eigen" not in f
             and "intra_op_parallelism_threads" not in f]
    if threads == 1:
        flags += ["--xla_cpu_multi_thread_eigen=false", "intra_op_parallelism_threads=1"]
    env["XLA_FLAGS"] = " ".join(flags)
    env["JAX_PLATFORMS"] = "cpu"
    env["MPLBACKEND"] = "Agg"
    return env


def _versions() -> dict:
    from importlib import metadata

    out = {}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


# --------------------------------------------------------------------------------------------
# The worker: one thread count, every workload
# --------------------------------------------------------------------------------------------
def _prepare_peers(threads: int) -> None:
    """float64 everywhere, and the thread count of each framework that is installed."""
    try:
        import torch

        torch.set_default_dtype(torch.float64)
        torch.set_num_threads(threads)
    except ImportError:
        pass
    try:
        import jax

        jax.config.update("jax_enable_x64", True)
    except ImportError:
        pass


def measure(workload, threads: int, log=print) -> dict:
    """Build every contender of ``workload``, check agreement, time the agreeing ones in turn."""
    import peers_workloads as pw

    load_before = os.getloadavg()
    contenders = {"course_utils": pw.ours(workload)}
    rows: dict[str, dict] = {}
    for column, factory in pw.FACTORIES.items():
        try:
            contenders[column] = factory(workload)
        except NotImplementedError:
            continue
        except ImportError as exc:
            rows[column] = {"status": "not installed", "detail": str(exc)}
        except Exception as exc:  # a contender that cannot be set up is reported, not fatal
            rows[column] = {"status": "failed", "detail": f"setup: {exc!r}"}
    first, results = {}, {}
    for column, c in contenders.items():
        t0 = time.perf_counter()
        try:
            results[column] = c.run()
        except Exception as exc:
            rows[column] = {"status": "failed", "detail": f"run: {exc!r}", "variant": c.variant}
            if column == "course_utils":
                raise
            continue
        first[column] = time.perf_counter() - t0
    reference = results["course_utils"]
    timed = {}
    for column, c in contenders.items():
        if column not in results:
            continue
        expected = reference if c.expected is None else c.expected
        diff, ok = pw.agreement(workload, results[column], expected, c.tolerance)
        tol = workload.tolerance if c.tolerance is None else c.tolerance
        rows[column] = {"variant": c.variant, "diff": diff, "tolerance": tol, "note": c.note,
                        "status": "ok" if ok else "disagrees", "first_s": first[column]}
        if ok:
            timed[column] = c
        else:
            log(f"    REFUSED to time {column} ({c.variant}): max relative difference {diff:.1e} > tolerance {tol:g}")
    cpu: dict[str, list[float]] = {column: [] for column in timed}

    def with_cpu(column, fn):
        def call():
            c0 = time.process_time()
            fn()
            cpu[column].append(time.process_time() - c0)
        return call

    fewer = {column: c.repeats for column, c in timed.items() if c.repeats is not None}
    times = harness.round_robin({column: with_cpu(column, c.run) for column, c in timed.items()},
                                workload.repeats, fewer)
    for column, ts in times.items():
        rows[column].update(min_s=min(ts), median_s=harness.median(ts), n=len(ts),
                            cpu_per_wall=sum(cpu[column]) / max(sum(ts), 1e-12))
    return {"key": workload.key, "label": workload.label, "kind": workload.kind, "dim": workload.dim,
            "tolerance": workload.tolerance, "load_before": load_before, "load_after": os.getloadavg(),
            "contenders": rows}


def worker(args) -> int:
    os.environ.update(thread_environment(args.threads))  # before NumPy, torch or JAX load (run directly too)
    _prepare_peers(args.threads)
    import peers_workloads as pw

    started = time.perf_counter()
    t0 = time.perf_counter()
    workloads = pw.build_workloads(args.quick, args.only)
    print(f"[{args.threads} thread(s)] built {len(workloads)} workloads in {time.perf_counter() - t0:.1f} s",
          flush=True)
    out = []
    for w in workloads:
        t0 = time.perf_counter()
        result = measure(w, args.threads, log=lambda s: print(s, flush=True))
        out.append(result)
        ours_s = result["contenders"]["course_utils"]["min_s"]
        cells = []
        for column, row in result["contenders"].items():
            if column == "course_utils":
                continue
            cells.append(f"{column} {_cell(row, ours_s)}")
        print(f"[{args.threads} thread(s)] {w.label}: course_utils {harness.fmt_time(ours_s)}; " + "; ".join(cells)
              + f"  ({time.perf_counter() - t0:.1f} s, load {result['load_before'][0]:.2f} → "
              f"{result['load_after'][0]:.2f})", flush=True)
    payload = {"threads": args.threads, "results": out, "versions": _versions(), "seconds": time.perf_counter() - started,
               "xla_flags": os.environ.get("XLA_FLAGS", ""), "blas": _blas()}
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(payload, f)
    return 0


def _blas() -> str:
    import numpy as np

    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{info.get('name', '?')} {info.get('version', '')}".strip()
    except Exception:
        return "unknown"


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------
def _cell(row: dict, ours_s: float) -> str:
    """A table cell: the contender's time relative to course_utils (below 1 = faster than us), or why not."""
    status = row.get("status")
    if status == "not installed":
        return "not installed"
    if status == "failed":
        return "failed"
    if status == "disagrees":
        return f"refused: disagrees ({row['diff']:.0e})"
    return f"{row['min_s'] / ours_s:.2f}"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def results_table(runs: dict[int, dict]) -> str:
    """The main table: one row per workload and thread count, each peer's time relative to course_utils."""
    import peers_workloads as pw

    head = ("| workload | threads | course_utils (min) | " + " | ".join(h for _, h in pw.COLUMNS) + " |\n"
            "|---|:---:|---:|" + "---:|" * len(pw.COLUMNS))
    lines = [head]
    first = runs[min(runs)]["results"]
    for i, res in enumerate(first):
        for threads in sorted(runs):
            r = runs[threads]["results"][i]
            ours_s = r["contenders"]["course_utils"]["min_s"]
            cells = []
            for key, _ in pw.COLUMNS:
                row = r["contenders"].get(key)
                cells.append("—" if row is None else _cell(row, ours_s) + _variant_tag(key, row, r["kind"]))
            label = res["label"] if threads == min(runs) else "↳ same"
            lines.append(f"| {label} | {threads} | {harness.fmt_time(ours_s)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _variant_tag(column: str, row: dict, kind: str) -> str:
    if column == "pytorch" and row.get("status") == "ok":
        return {"grid": " (loop)", "eig": " (double-backward)", "trace": " (double-backward)",
                "train": " (nn.Module + SGD)"}[kind]
    return ""


def detail_table(runs: dict[int, dict]) -> str:
    """Every contender of every row: min and median of the repeats, first call, CPU/wall, agreement, load."""
    lines = ["| workload | threads | contender | min | median | n | first call | CPU/wall | max rel. diff "
             "(tolerance) | load before → after |", "|---|:---:|---|---:|---:|---:|---:|---:|---|---|"]
    for threads in sorted(runs):
        for r in runs[threads]["results"]:
            load = f"{r['load_before'][0]:.2f} → {r['load_after'][0]:.2f}"
            for column, row in r["contenders"].items():
                name = f"{column} ({row['variant']})" if row.get("variant") else column
                if "min_s" in row:
                    timing = (f"{harness.fmt_time(row['min_s'])} | {harness.fmt_time(row['median_s'])} | {row['n']} | "
                              f"{harness.fmt_time(row['first_s'])} | {row['cpu_per_wall']:.2f}")
                else:
                    timing = "— | — | — | " + (harness.fmt_time(row["first_s"]) if "first_s" in row else "—") + " | —"
                diff = ("—" if column == "course_utils" else
                        f"{row['diff']:.1e} ({row['tolerance']:g})" if "diff" in row else row.get("status", ""))
                if row.get("status") not in ("ok", None):
                    diff += f" **{row['status']}**" + (f": {row['detail']}" if row.get("detail") else "")
                lines.append(f"| {r['label']} | {threads} | {name} | {timing} | {diff} | {load} |")
    return "\n".join(lines)


def jax_compile_lines(runs: dict[int, dict]) -> list[str]:
    out = []
    for threads in sorted(runs):
        for r in runs[threads]["results"]:
            row = r["contenders"].get("jax")
            if row and "min_s" in row:
                out.append(f"- {r['label']}, {threads} thread(s): first call {harness.fmt_time(row['first_s'])}, "
                           f"steady {harness.fmt_time(row['min_s'])} → compile ≈ "
                           f"{harness.fmt_time(max(row['first_s'] - row['min_s'], 0.0))}")
    return out


def readme_table(runs: dict[int, dict]) -> str:
    """The short table for the README: 1 thread, each peer's time relative to course_utils."""
    import peers_workloads as pw

    one = runs[min(runs)]
    short = {"loss-landscapes": "loss-landscapes", "pytorch": "PyTorch", "torch.func": "torch.func",
             "pyhessian": "PyHessian", "jax": "JAX jit"}
    lines = ["| workload | course_utils | " + " | ".join(short[k] for k, _ in pw.COLUMNS) + " |",
             "|---|---:|" + "---:|" * len(pw.COLUMNS)]
    for r in one["results"]:
        ours_s = r["contenders"]["course_utils"]["min_s"]
        cells = ["—" if r["contenders"].get(k) is None else _cell(r["contenders"][k], ours_s) for k, _ in pw.COLUMNS]
        lines.append(f"| {r['label']} | {harness.fmt_time(ours_s)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def load_summary(runs: dict[int, dict]) -> tuple[float, float]:
    """The lowest and highest 1-minute load average seen before or after any workload."""
    loads = [r[k][0] for run in runs.values() for r in run["results"] for k in ("load_before", "load_after")]
    return min(loads), max(loads)


def refusals(runs: dict[int, dict]) -> list[str]:
    out = []
    for threads in sorted(runs):
        for r in runs[threads]["results"]:
            for column, row in r["contenders"].items():
                if row.get("status") not in ("ok", None):
                    why = (f"max relative difference {row['diff']:.1e} > tolerance {row['tolerance']:g}"
                           if row["status"] == "disagrees" else row.get("detail", ""))
                    out.append(f"- {r['label']}, {threads} thread(s), {column}: **{row['status']}** — {why}")
    return out


#: Written into the notes of a report measured at load above 1.
LOADED_TWO_THREADS = (
    "- The 2-thread rows are the least trustworthy at load: on a 2-core machine shared with other processes one of "
    "a pool's two threads is often descheduled, and OpenBLAS (course_utils) and PyTorch's OpenMP then wait for it — "
    "seen here as CPU/wall well below 2 and single runs many times slower than at 1 thread (the median and first "
    "call columns show them).")


def report(runs: dict[int, dict], stamp: str, total_s: float) -> str:
    first = runs[min(runs)]
    lo, hi = load_summary(runs)
    versions = ", ".join(f"{k} {v}" for k, v in first["versions"].items())
    notes = sorted({f"- **{column}** ({row['variant']}): {row['note']}" for run in runs.values()
                    for r in run["results"] for column, row in r["contenders"].items() if row.get("note")})
    return "\n".join([
        "# Peers benchmark: course_utils against PyTorch, torch.func, JAX, loss-landscapes and PyHessian",
        "",
        f"Written by `make bench PEERS=1` (`benchmarks/peers.py`) on {stamp}; the run took {total_s:.0f} s.",
        "",
        f"**Measured at load {lo:.2f}–{hi:.2f}** (1-minute load average before and after each workload, on "
        f"{os.cpu_count()} cores). Above ~0.5 other processes shared the cores: the minima are the least disturbed "
        "runs, but ratios near 1 are within the noise — re-run at low load before quoting them.",
        "",
        "Each cell is the peer's time relative to course_utils' (minimum of interleaved repeats; **below 1 = faster "
        "than us**). Every contender gets the same data, weights, directions, start vector, probes and training "
        "start, in float64; its result is checked against course_utils' before it is timed, and one that disagrees "
        "beyond the workload's tolerance is refused (listed below). — : the tool does not do that workload.",
        "",
        "## Machine",
        "",
        f"- CPU: {cpu_model()}; {os.cpu_count()} logical cores",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}; BLAS: {first['blas']}",
        f"- {versions}",
        "- threads: each thread count in its own process with " + ", ".join(harness.THREAD_VARIABLES[:3])
        + " = k, `torch.set_num_threads(k)`, and for k = 1 "
        f"`XLA_FLAGS={thread_environment(1, {})['XLA_FLAGS']}` (set before any import); the CPU/wall column of the "
        "details shows the cores each call really used",
        "",
        "## Results",
        "",
        results_table(runs),
        "",
        "## Refused or missing contenders",
        "",
        *(refusals(runs) or ["- none: every contender agreed with course_utils within its tolerance"]),
        "",
        "## JAX compile time (first call minus steady-state minimum; not part of the ratios)",
        "",
        *(jax_compile_lines(runs) or ["- JAX was not measured"]),
        "",
        "## Short table for the README (1 thread)",
        "",
        readme_table(runs),
        "",
        "## Details",
        "",
        "min / median of the interleaved repeats; *first call* is the call before the repeats (JAX: tracing + "
        "compilation); *CPU/wall* the process CPU time over wall time of the repeats (≈ cores used); the max "
        "relative difference is elementwise for grids and eigenvalues, normwise for probe samples and trained "
        "parameters.",
        "",
        detail_table(runs),
        "",
        "## Notes",
        "",
        *(notes or ["- none"]),
        "- The chapter-2 net here is the chapter's 2-16-1 on the same 200 two-moons points, with tanh (the issue's "
        "table) where the chapter uses ReLU.",
        *([LOADED_TWO_THREADS] if hi > 1.0 else []),
        "- Hessian rows: course_utils, PyTorch, torch.func and JAX all run the same ARPACK call (`eigsh`, "
        "`which='LA'`, `tol=0`, the same start vector); only the Hessian-vector product differs. PyHessian runs its "
        "own power iteration.",
        "",
    ])


# --------------------------------------------------------------------------------------------
# The driver: one worker process per thread count
# --------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small grids and data, one repeat, no PEERS.md")
    parser.add_argument("--only", nargs="+", metavar="WORKLOAD", help="run only these workloads")
    parser.add_argument("--threads", type=int, nargs="+", default=list(THREADS), help="thread counts (default 1 2)")
    parser.add_argument("--output", default=os.path.join(HERE, "PEERS.md"), help="where a full run writes its report")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        args.threads = args.threads[0]
        return worker(args)

    started = time.perf_counter()
    print("Loss Landscapes peers benchmark" + (" (quick smoke run: small sizes, one repeat)" if args.quick else ""))
    print(f"  CPU: {cpu_model()}; {os.cpu_count()} cores; load {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    runs: dict[int, dict] = {}
    failed = []
    with tempfile.TemporaryDirectory() as tmp:
        for threads in args.threads:
            out = os.path.join(tmp, f"threads{threads}.json")
            cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--threads", str(threads), "--json", out]
            cmd += (["--quick"] if args.quick else []) + (["--only", *args.only] if args.only else [])
            code = subprocess.call(cmd, env=thread_environment(threads))
            if code != 0 or not os.path.exists(out):
                failed.append(threads)
                continue
            with open(out, encoding="utf-8") as f:
                runs[threads] = json.load(f)
    if not runs:
        print("every worker failed")
        return 1
    print("\n" + results_table(runs) + "\n")
    for line in refusals(runs):
        print(line)
    lo, hi = load_summary(runs)
    print(f"\nload (1 min) {lo:.2f}–{hi:.2f}; finished in {time.perf_counter() - started:.0f} s")
    failures = any(row.get("status") == "failed" and "run:" in row.get("detail", "")
                   for run in runs.values() for r in run["results"] for row in r["contenders"].values())
    if not args.quick and not args.only:
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(report(runs, stamp, time.perf_counter() - started))
        print(f"wrote {os.path.relpath(args.output)}")
    return 1 if failed or failures else 0


if __name__ == "__main__":
    sys.exit(main())
