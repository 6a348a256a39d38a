"""Benchmark 1 — a 2-D loss-landscape grid: ``surfaces.slice_2d`` against a Python loop over grid points.

BASELINE (the straightforward approach, re-implemented here): a double Python loop that builds
θ = c + a·d₁ + b·d₂ for every grid point and calls ``model.loss(θ)`` once per point — what the anchors
(Li et al.'s loss-landscape, loss-landscapes, PyHessian) do, one full data pass per point.

Two networks:

* the chapter-2 MLP (``moons_problem()``: 2-16-1 ReLU, MSE, 200 two-moons points) on a 101 × 101 grid —
  target ≥ 10×;
* a large MLP (N·H = 2000·32 = 64 000 ≥ 5·10⁴) on the same grid — where batching cannot win much, course_utils
  must not be slower than the loop (≥ 1.0×).

Achieved GFLOP/s: the *nominal* forward-pass flops of the grid (what the loop computes: Σ 2·N·in·out per
layer and point) divided by the time, next to a plain BLAS matrix product (1000×1000 @ 1000×1000, 2n³ flops)
measured in the same run. slice_2d computes fewer flops than nominal (the first layer is shared across the
grid), so its figure is an *effective* rate.
"""

from __future__ import annotations

import numpy as np
from harness import Row, fmt_ratio, fmt_time, interleaved


def loop_slice(model, center, d1, d2, alphas, betas) -> np.ndarray:
    """BASELINE: one ``model.loss`` call per grid point (``indexing="ij"`` like slice_2d)."""
    out = np.empty((alphas.size, betas.size))
    for i, a in enumerate(alphas):
        for j, b in enumerate(betas):
            out[i, j] = model.loss(center + a * d1 + b * d2)
    return out


def nominal_flops(model, points: int) -> float:
    """Forward-pass multiply-adds ×2 over all layers, examples and grid points."""
    return 2.0 * points * model.n_examples * sum(a * b for (a, b), _ in model.layer_shapes)


def blas_gflops(n: int, repeats: int) -> float:
    """GFLOP/s of a plain ``(n, n) @ (n, n)`` float64 product (best of ``repeats``)."""
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((2, n, n))
    best = min(interleaved(lambda: A @ B, lambda: None, repeats, 0)[0])
    return 2.0 * n**3 / best / 1e9


def _large_problem(n: int = 2000, steps: int = 100):
    from course_utils import data, models, optimizers

    X, y = data.two_moons(n, noise=0.15, rng=1)
    model = models.MLP(X, y, hidden=(32,), activation="relu", loss="mse")
    theta = optimizers.run(model, optimizers.adam(), model.init(np.random.default_rng(1), "he"), steps=steps,
                           lr=0.02).final_theta
    return model, theta


def _case(label, model, theta, n_grid, repeats, base_repeats, target, gemm):
    from course_utils import surfaces

    d1, d2 = surfaces.random_directions(model, theta, 0)
    grid = np.linspace(-1.0, 1.0, n_grid)
    ours = surfaces.slice_2d(model, theta, d1, d2, grid, grid).losses
    base = loop_slice(model, theta, d1, d2, grid, grid)
    err = float(np.max(np.abs(ours - base) / np.maximum(np.abs(base), 1e-300)))
    if err > 1e-10:
        raise AssertionError(f"{label}: slice_2d disagrees with the loop (max relative error {err:.1e})")
    t_ours, t_base = interleaved(lambda: surfaces.slice_2d(model, theta, d1, d2, grid, grid),
                                 lambda: loop_slice(model, theta, d1, d2, grid, grid), repeats, base_repeats)
    ours_s, base_s = min(t_ours), min(t_base)
    ratio = base_s / ours_s
    NH = model.n_examples * max(model.sizes[1:-1] or model.sizes)
    name = f"landscape grid {n_grid}×{n_grid}, {label} (N·H = {NH:,})"
    rows = [Row(name, fmt_time(ours_s), fmt_time(base_s) + " (loop)", fmt_ratio(ratio), f"≥ {target:.0f}×",
                None if target is None else ratio >= target, note=f"max rel. diff {err:.1e}")]
    flops = nominal_flops(model, n_grid * n_grid)
    rows.append(Row(f"  ↳ achieved GFLOP/s, {label}", f"{flops / ours_s / 1e9:.2f}",
                    f"{flops / base_s / 1e9:.2f} (loop); BLAS {gemm:.1f}",
                    f"{flops / ours_s / 1e9 / gemm:.0%} of BLAS", "report", None))
    return rows


def run(quick: bool) -> list[Row]:
    from course_utils.problems import moons_problem

    problem = moons_problem()
    gemm = blas_gflops(200 if quick else 1000, 2 if quick else 5)
    n_grid = 11 if quick else 101
    rows = _case("chapter-2 MLP 2-16-1", problem.model, problem.theta, n_grid, 1 if quick else 5,
                 1 if quick else 3, 10.0, gemm)
    model, theta = _large_problem(*((300, 5) if quick else ()))
    rows += _case("large MLP 2-32-1", model, theta, 11 if quick else 101, 1 if quick else 3, 1 if quick else 3,
                  1.0, gemm)
    return rows
