"""``make bench``: every benchmark of the course, side by side with its baseline, in one run.

Usage::

    python benchmarks/run.py            # full run: prints the table, writes benchmarks/RESULTS.md and the
                                        # short table in README.md, exits 1 if a target is missed
    python benchmarks/run.py --quick    # each benchmark once on tiny sizes (part of `make test`):
                                        # no targets enforced, exit 1 only if a benchmark crashes
    python benchmarks/run.py --only landscape_grid hessian_eigenpairs

Targets are ratios against a baseline measured in the same run (robust on a shared machine), except the
absolute budgets for explorer latency, notebook run time and import time. Baselines are the straightforward
approaches, re-implemented in the benchmark modules and labelled BASELINE there.
"""

from __future__ import annotations

import os
import sys

# Pin BLAS/OpenMP pools to one thread *before* NumPy is imported, so ours and every baseline run on the same
# single core (fair ratios on a shared 2-core machine). Subprocesses (notebook kernels, import timing) get the
# environment as it was. OPENBLAS_CORETYPE is left alone on purpose (see the environment notes).
ORIGINAL_ENV = dict(os.environ)
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from harness import THREAD_VARIABLES  # noqa: E402  (harness imports no NumPy at module level)

for _var in THREAD_VARIABLES:
    os.environ[_var] = "1"
os.environ["MPLBACKEND"] = "Agg"

import argparse  # noqa: E402
import datetime  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402

import harness  # noqa: E402

#: (module, title) in the order of issue 12.
BENCHMARKS = [
    ("landscape_grid", "1. Landscape grid"),
    ("hessian_eigenpairs", "2. Hessian top eigenpairs"),
    ("explorer_latency", "3. Explorer latency"),
    ("notebook_runtime", "4. Notebook run time"),
    ("mode_connectivity", "5. Mode connectivity"),
    ("import_time", "6. Import time"),
    ("browser_latency", "7. Explorer latency in the browser"),
]
_NEEDS_ENV = {"notebook_runtime", "import_time"}


def _run_one(module_name: str, quick: bool) -> list[harness.Row]:
    module = __import__(module_name)
    if module_name in _NEEDS_ENV:
        return module.run(quick, ORIGINAL_ENV)
    return module.run(quick)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one repeat, no target enforcement")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=[m for m, _ in BENCHMARKS],
                        help="run only these benchmarks")
    parser.add_argument("--output", default=os.path.join(HERE, "RESULTS.md"),
                        help="where to write the markdown results (full runs only)")
    parser.add_argument("--readme", default=os.path.join(os.path.dirname(HERE), "README.md"),
                        help="README whose marked performance section gets the short table (full runs only)")
    args = parser.parse_args(argv)

    machine = harness.machine_description()
    print("Loss Landscapes benchmarks" + (" (quick smoke run: tiny sizes, targets not enforced)" if args.quick else ""))
    for line in machine:
        print("  " + line)
    rows, crashed, started = [], [], time.perf_counter()
    for module_name, title in BENCHMARKS:
        if args.only and module_name not in args.only:
            continue
        print(f"\n{title} ...", flush=True)
        t0 = time.perf_counter()
        try:
            new = _run_one(module_name, args.quick)
        except Exception:
            crashed.append(module_name)
            traceback.print_exc()
            new = [harness.Row(title, "crashed", "—", "—", "—", False, note="see the traceback in the log")]
        for r in new:
            print(f"  {r.benchmark}: ours {r.ours} | baseline {r.baseline} | ratio {r.ratio} | "
                  f"target {r.target} | met? {r.verdict}" + (f"  [{r.note}]" if r.note else ""), flush=True)
        print(f"  ({time.perf_counter() - t0:.1f} s)")
        rows += new

    met, judged = harness.summary(rows)
    print("\n" + harness.table(rows) + "\n")
    total = time.perf_counter() - started
    if args.quick:
        print(f"quick run finished in {total:.1f} s; targets are not enforced in quick mode "
              f"({met} of {judged} would be met at these tiny sizes)")
        if crashed:
            print(f"crashed: {', '.join(crashed)}")
        return 1 if crashed else 0

    if not args.only:
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
        _write_results(args.output, rows, machine, met, judged, total, stamp)
        _write_readme_summary(args.readme, rows, met, judged, stamp)
    print(f"targets met: {met} of {judged}")
    return 0 if met == judged and not crashed else 1


def _write_readme_summary(path, rows, met, judged, stamp) -> None:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(harness.replace_between_markers(text, harness.readme_summary(rows, met, judged, stamp)))
    print(f"updated the performance table in {os.path.relpath(path)}")


def _write_results(path, rows, machine, met, judged, total, stamp) -> None:
    notes = [f"- **{r.benchmark.strip(' ↳')}**: {r.note}" for r in rows if r.note]
    text = "\n".join([
        "# Benchmark results",
        "",
        f"Written by `make bench` (`benchmarks/run.py`) on {stamp}; the whole run took {total:.0f} s.",
        "Ratios are baseline time / our time, both measured in this run (interleaved, minimum of repeats, one",
        "BLAS thread each); explorer latencies are medians of 30 control changes; notebook and import times are",
        "absolute budgets. Each baseline is described (and implemented) in its module under `benchmarks/`.",
        "",
        "## Machine",
        "",
        *[f"- {line}" for line in machine],
        "",
        "## Results",
        "",
        harness.table(rows),
        "",
        f"**targets met: {met} of {judged}**",
        "",
        "## Notes",
        "",
        *(notes or ["- none"]),
        "",
    ])
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {os.path.relpath(path)}")


if __name__ == "__main__":
    sys.exit(main())
