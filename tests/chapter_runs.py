"""The chapter runs that the seed test and the reproducibility test share (one execution serves both).

Each chapter is executed once for every seed of :data:`SEEDS` with ``COURSE_SEED=k``, and once more for the
first seed: the seed test (``test_claims_seeds.py``) asserts every claim in every run, the reproducibility
test (``test_reproducibility.py``) compares the two runs of the first seed. Running a chapter twice for
reproducibility on its own cost as much as four seeds; this way it costs one run.

The runs are cached per chapter in this process (both test modules import this one module), two kernels at
a time: the machines this runs on have two cores, and each kernel uses one BLAS thread.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from notebook_exec import execute_many

SEEDS = (1, 2, 3, 4, 5)
ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
_JOBS = int(os.environ.get("COURSE_CLAIM_JOBS", "2"))


@functools.cache
def chapter_runs(path: Path) -> tuple[dict[int, object], object]:
    """``({seed: executed notebook}, a second run of SEEDS[0])`` for the chapter at ``path``.

    Cells run on after a failure (``allow_errors``), so every failing claim of a seed is reported at once.
    """
    runs = [(path, {**ENV, "COURSE_SEED": str(seed)}) for seed in (*SEEDS, SEEDS[0])]
    *by_seed, repeat = execute_many(runs, allow_errors=True, jobs=_JOBS)
    return dict(zip(SEEDS, by_seed)), repeat
