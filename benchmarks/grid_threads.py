"""Loss-plane grids: serial against a thread pool over the grid's blocks, and float64 against float32 (issue 26).

``surfaces.slice_2d(..., threads=k)`` spreads the MLP grid's groups of blocks over ``k`` threads and is
bit-identical to ``threads=1`` (tests/test_surfaces.py); ``dtype=numpy.float32`` runs the network pass in single
precision. Whether the pool pays depends on the machine and its load, so this script measures it: the peers
benchmark's three grids (``peers_workloads``), each variant run in turn (interleaved, so load hits them all),
minimum and median of the repeats, the 1-minute load average before and after. Run it with one BLAS thread
(the pool provides the parallelism; BLAS threads on top of it oversubscribe the cores)::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/grid_threads.py [--repeats 5] [--only grid_wide ...]

It is a measuring tool, not part of ``make bench`` (no target). Measured on the 2-core machine of issue 26:
at load 1.5 with one BLAS thread the pool gave 1.47× (ch2), 1.56× (2-64-64-1), 1.62× (digits); with
OPENBLAS_NUM_THREADS=2 it gave 0.75× and 0.70× (BLAS threads and pool threads oversubscribe the cores); at load
4–6 0.6–1.2×. numpy cannot set its BLAS threads at run time without a new dependency (threadpoolctl), so the
default stays ``threads=1``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main(argv=None) -> int:
    import peers_workloads as pw

    from course_utils import surfaces

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", nargs="+", default=["grid_ch2", "grid_wide", "grid_digits"])
    parser.add_argument("--threads", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args(argv)
    variants = {"serial float64": dict(threads=1), f"{args.threads} threads float64": dict(threads=args.threads),
                "serial float32": dict(threads=1, dtype=np.float32)}
    print(f"{os.cpu_count()} cores; OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    for w in pw.build_workloads(only=args.only):
        d1, d2, a, b = (w.inputs[k] for k in ("d1", "d2", "alphas", "betas"))
        serial = surfaces.slice_2d(w.model, w.theta, d1, d2, a, b).losses
        pooled = surfaces.slice_2d(w.model, w.theta, d1, d2, a, b, threads=args.threads).losses
        single = surfaces.slice_2d(w.model, w.theta, d1, d2, a, b, dtype=np.float32).losses
        assert np.array_equal(serial, pooled), "the pool must be bit-identical to the serial run"
        error32 = float(np.max(np.abs(single - serial) / np.abs(serial)))
        load = os.getloadavg()[0]
        times: dict[str, list[float]] = {k: [] for k in variants}
        for _ in range(args.repeats):
            for name, kw in variants.items():
                start = time.perf_counter()
                surfaces.slice_2d(w.model, w.theta, d1, d2, a, b, **kw)
                times[name].append(time.perf_counter() - start)
        base = min(times["serial float64"])
        print(f"\n{w.label}  (load {load:.2f} → {os.getloadavg()[0]:.2f}; float32 max relative error {error32:.1e})")
        for name, t in times.items():
            print(f"  {name:<20} min {min(t):7.3f} s  median {np.median(t):7.3f} s  speed-up (min) {base / min(t):5.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
