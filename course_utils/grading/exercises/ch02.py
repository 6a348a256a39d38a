"""Checks for chapter 2 (The geometry of loss): filter normalization, batched 2-D slices, interpolation, PCA.

Each check compares the student's function with :mod:`course_utils.surfaces` on fresh inputs and tests the
defining properties (filter norms, ``indexing="ij"``, vectorization, orthonormality), never printing the
expected values.
"""

from __future__ import annotations

import numpy as np

from ..cases import check_input_unchanged
from ..registry import exercise


def _mlp(hidden, seed):
    from ...data import two_moons
    from ...models import MLP

    X, y = two_moons(24, noise=0.1, rng=seed)
    return MLP(X, y, hidden=hidden, activation="relu", loss="mse")


@exercise("2.1", title="Filter normalization", budget=5.0)
def check_filter_normalize(answer, t):
    """answer(d_layers, w_layers) -> list of (W, b): each column of each W rescaled to the weights', biases 0."""
    from ... import surfaces

    for hidden, seed in (((3,), 0), ((4, 5), 1)):
        m = _mlp(hidden, seed)
        rng = np.random.default_rng(seed)
        theta, d = rng.standard_normal(m.dim), rng.standard_normal(m.dim)
        d_layers = [(W.copy(), b.copy()) for W, b in m.unflatten(d)]
        w_layers = [(W.copy(), b.copy()) for W, b in m.unflatten(theta)]
        out = answer(d_layers, w_layers)
        case = f"MLP {'-'.join(map(str, m.sizes))}, random direction and weights"
        if not t.true(isinstance(out, (list, tuple)) and len(out) == len(w_layers), case=case,
                      message="must return a list with one (W, b) pair per layer"):
            continue
        flat = m.flatten([(np.asarray(W, float), np.asarray(b, float)) for W, b in out])
        t.close(flat, surfaces.filter_normalize(d, theta, m), case=case, rtol=1e-8, atol=1e-12,
                hint="A filter is an output unit: a COLUMN of W (the layer computes h @ W). Scale each column by "
                     "‖w column‖ / ‖d column‖, and set the bias entries to zero.")
        # the weight matrices only: zeroing the caller's bias entries is tolerated, as it always was
        check_input_unchanged(t, [W for W, _ in m.unflatten(d)], [W for W, _ in d_layers], case=case + " (input)",
                              hint="Work on copies: the caller's direction must not change.",
                              message="the input direction was modified")
    # a zero column in the direction must not produce NaN (Li et al. add 1e-10 to the denominator)
    m = _mlp((3,), 2)
    theta = np.random.default_rng(3).standard_normal(m.dim)
    d = np.random.default_rng(4).standard_normal(m.dim)
    d_layers = [(W.copy(), b.copy()) for W, b in m.unflatten(d)]
    d_layers[0][0][:, 1] = 0.0
    out = answer(d_layers, [(W.copy(), b.copy()) for W, b in m.unflatten(theta)])
    t.true(all(np.all(np.isfinite(np.asarray(W, float))) for W, _ in out), case="a direction column that is all zeros",
           hint="Guard the division: ‖w‖ / (‖d‖ + 1e-10).", message="the result contains NaN or inf")


@exercise("2.2", title="A vectorized 2-D slice", budget=10.0)
def check_slice_grid(answer, t):
    """answer(loss_batch, center, d1, d2, alphas, betas) -> (A, B) array with indexing="ij", batched."""
    from ...models import Quadratic

    q = Quadratic(np.diag([1.0, 5.0]))
    alphas, betas = np.array([-1.0, 0.0, 0.5, 2.0]), np.array([-0.5, 1.0])
    calls = []

    def counted(thetas):
        calls.append(np.shape(thetas))
        return q.loss_batch(thetas)

    out = answer(counted, np.zeros(2), np.array([1.0, 0.0]), np.array([0.0, 1.0]), alphas.copy(), betas.copy())
    expected = np.array([[0.5 * a**2 + 2.5 * b**2 for b in betas] for a in alphas])
    t.close(out, expected, case="½(α² + 5β²) on a 4×2 grid", rtol=1e-10,
            hint='Use np.meshgrid(alphas, betas, indexing="ij"): the first axis follows alphas, the second betas.')
    t.true(0 < len(calls) <= len(alphas), case="number of loss_batch calls on a 4×2 grid",
           hint="Stack all grid points into one array of shape (A, B, P) and call loss_batch once.",
           message=f"loss_batch was called {len(calls)} times; batch the grid instead of looping over points")
    m = _mlp((5,), 0)
    rng = np.random.default_rng(1)
    c, d1, d2 = rng.standard_normal((3, m.dim))
    alphas, betas = np.linspace(-1, 1, 5), np.linspace(-0.5, 0.5, 3)
    loop = np.array([[m.loss(c + a * d1 + b * d2) for b in betas] for a in alphas])
    t.close(answer(m.loss_batch, c.copy(), d1.copy(), d2.copy(), alphas, betas), loop, rtol=1e-10,
            case="an MLP with 21 parameters on a 5×3 grid", hint="losses[i, j] must be L(center + αᵢ d1 + βⱼ d2).")


@exercise("2.3", title="Loss along a linear interpolation", budget=5.0)
def check_interpolation(answer, t):
    """answer(loss, theta_a, theta_b, alphas) -> array of L((1 − α) θa + α θb)."""
    from ...models import Quadratic

    q = Quadratic(np.diag([2.0, 1.0]))
    ta, tb = np.array([1.0, 0.0]), np.array([0.0, 2.0])
    alphas = np.array([-0.5, 0.0, 0.25, 1.0, 1.5])
    expected = [q.loss((1 - a) * ta + a * tb) for a in alphas]
    out = answer(q.loss, ta.copy(), tb.copy(), alphas.copy())
    t.close(out, expected, case="f = x² + ½y², θa = (1, 0), θb = (0, 2), α ∈ {−0.5, 0, 0.25, 1, 1.5}", rtol=1e-10,
            hint="θ(0) must be θa and θ(1) must be θb; α outside [0, 1] extrapolates along the same line.")
    m = _mlp((4,), 3)
    rng = np.random.default_rng(5)
    ta, tb = rng.standard_normal((2, m.dim))
    out = answer(m.loss, ta.copy(), tb.copy(), np.array([0.0, 1.0]))
    t.close(out, [m.loss(ta), m.loss(tb)], case="an MLP: the two end points", rtol=1e-10,
            hint="At α = 0 you should be at θa, at α = 1 at θb (not the other way round).")


@exercise("2.4", title="PCA directions of a trajectory", budget=5.0)
def check_pca_directions(answer, t):
    """answer(thetas (T, P), k) -> (k, P): orthonormal top principal directions of θ_t − θ_T."""
    from ... import surfaces

    rng = np.random.default_rng(0)
    P = 30
    Q, _ = np.linalg.qr(rng.standard_normal((P, 3)))
    s = np.linspace(0, 1, 25)[:, None]
    thetas = 2.0 + np.c_[4 * (1 - s), np.sin(5 * s) * (1 - s), 0.3 * (1 - s) ** 2] @ Q.T
    for k in (2, 1):
        out = np.asarray(answer(thetas.copy(), k), dtype=float)
        case = f"a path in a 3-D subspace of R^{P}, k = {k}"
        if not t.true(out.shape == (k, P), case=case + " (shape)", message=f"expected shape ({k}, {P}), got {out.shape}",
                      hint="Return the directions as rows."):
            continue
        t.close(out @ out.T, np.eye(k), case=case + " (orthonormal rows)", atol=1e-8,
                hint="Rows of Vᵀ from np.linalg.svd are orthonormal; do not rescale them.")
        ref = surfaces.trajectory_pca(thetas, k).directions
        t.close(out.T @ out, ref.T @ ref, case=case + " (same subspace)", atol=1e-6,
                hint="Subtract the FINAL point θ_T from every iterate (not the mean), then take the top right "
                     "singular vectors.")
