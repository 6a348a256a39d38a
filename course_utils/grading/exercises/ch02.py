"""Checks for chapter 2 (The geometry of loss): filter normalization, batched 2-D slices, the lowest point of an
interpolation line (derived, for quadratics), PCA, the curvature of MSE on a tanh output with soft targets (derived,
checked against second differences of the loss).

Each check compares the student's function with a reference computed before the call, on printed inputs and on
hidden ones drawn afresh on every call (a table of the printed inputs cannot pass), tests the defining
properties (filter norms, ``indexing="ij"``, one batched call, orthonormality) and that the inputs are left
unchanged. Hints are chosen by recognising the mistake and never print the expected values.
"""

from __future__ import annotations

import math

import numpy as np

from ..cases import HIDDEN_NOTE, check_input_unchanged, diagnose, hidden_rng, with_eigenvalues
from ..registry import exercise, short_answer


def _mlp(hidden, seed):
    from ...data import two_moons
    from ...models import MLP

    X, y = two_moons(24, noise=0.1, rng=seed)
    return MLP(X, y, hidden=hidden, activation="relu", loss="mse")


# ---------------------------------------------------------------------------------------------------------------
# 2.1


def _normalize(d_layers, w_layers, *, axis=0, whole=False, upside_down=False, unit=False, keep_bias=False):
    out = []
    for (D, e), (W, _) in zip(d_layers, w_layers):
        if whole:
            scale = np.linalg.norm(W) / (np.linalg.norm(D) + 1e-10)
        else:
            keep = axis == 1
            wn, dn = np.linalg.norm(W, axis=axis, keepdims=keep), np.linalg.norm(D, axis=axis, keepdims=keep)
            scale = (1.0 if unit else (dn / (wn + 1e-10) if upside_down else wn)) / (
                1.0 if upside_down else dn + 1e-10)
        out.append((D * scale, e.copy() if keep_bias else np.zeros_like(e)))
    return out


def _flat(layers):
    return np.concatenate([np.ravel(np.asarray(a, dtype=float)) for W, b in layers for a in (W, b)])


def _filter_hint(out, d_layers, w_layers, default):
    try:
        got = _flat(out)
    except Exception:
        return "Return a list with one (W, b) pair of arrays per layer, shaped like the direction's."
    right = _flat(_normalize(d_layers, w_layers))
    if not np.all(np.isfinite(got)):
        return ("A column of the direction that is all zeros gives 0/0: guard the division as the formula in the "
                "exercise does.")
    return diagnose(got, [
        (_flat(_normalize(d_layers, w_layers, axis=1)), "You rescaled the ROWS of each W; a filter is a column "
                                                        "(an output unit of h @ W)."),
        (_flat(_normalize(d_layers, w_layers, whole=True)), "You rescaled each layer as a whole (one norm per "
                                                            "matrix); filter normalization uses one norm per column."),
        (_flat(_normalize(d_layers, w_layers, upside_down=True)), "Your scale factor is upside down: the direction's "
                                                                  "column must end up with the norm of the weights'."),
        (_flat(_normalize(d_layers, w_layers, unit=True)), "Your columns have unit length: they must take the norm of "
                                                           "the matching column of the weights."),
        (_flat(_normalize(d_layers, w_layers, keep_bias=True)), "The weights are right but the direction's bias "
                                                                "entries must be set to zero."),
    ], default, expected=right)


@exercise("2.1", title="Filter normalization", budget=5.0)
def check_filter_normalize(answer, t):
    """answer(d_layers, w_layers) -> list of (W, b): each column of each W rescaled to the weights', biases 0."""
    hidden = hidden_rng()
    for hidden_sizes, seed, case_extra in (((3,), 0, ""), ((4, 5), 1, ""),
                                           ((int(hidden.integers(2, 7)),), int(hidden.integers(2**31)), HIDDEN_NOTE)):
        m = _mlp(hidden_sizes, seed % 1000)
        rng = np.random.default_rng(seed)
        theta, d = rng.standard_normal(m.dim), rng.standard_normal(m.dim)
        d_ref = [(W.copy(), b.copy()) for W, b in m.unflatten(d)]
        w_ref = [(W.copy(), b.copy()) for W, b in m.unflatten(theta)]
        expected = _flat(_normalize(d_ref, w_ref))
        d_layers = [(W.copy(), b.copy()) for W, b in d_ref]
        w_layers = [(W.copy(), b.copy()) for W, b in w_ref]
        out = answer(d_layers, w_layers)
        case = f"MLP {'-'.join(map(str, m.sizes))}, random direction and weights" + (f" {case_extra}" if case_extra else "")
        hint = _filter_hint(out, d_ref, w_ref, "Rescale each column of each D to the norm of the same column of W, "
                                               "and zero the biases." +
                            (" Your function must work for any network." if case_extra else ""))
        if not t.true(isinstance(out, (list, tuple)) and len(out) == len(w_layers), case=case,
                      message="must return a list with one (W, b) pair per layer", hint=hint):
            continue
        try:
            got = _flat(out)
        except Exception:
            got = None
        t.close(got, expected, case=case, rtol=1e-8, atol=1e-12, hint=hint)
        check_input_unchanged(t, [a for pair in d_ref + w_ref for a in pair],
                              [a for pair in d_layers + w_layers for a in pair], case=case + " (inputs unchanged)",
                              message="the input direction or weights were modified",
                              hint="An in-place operation (`*=`, `[:] =`) changed the caller's arrays: build new ones.")
    # a zero column in the direction must not produce NaN
    m = _mlp((3,), 2)
    theta = np.random.default_rng(3).standard_normal(m.dim)
    d = np.random.default_rng(4).standard_normal(m.dim)
    d_layers = [(W.copy(), b.copy()) for W, b in m.unflatten(d)]
    d_layers[0][0][:, 1] = 0.0
    w_layers = [(W.copy(), b.copy()) for W, b in m.unflatten(theta)]
    out = answer([(W.copy(), b.copy()) for W, b in d_layers], w_layers)
    try:
        finite = all(np.all(np.isfinite(np.asarray(W, float))) for W, _ in out)
    except Exception:
        finite = False
    t.true(finite, case="a direction column that is all zeros", message="the result contains NaN or inf",
           hint="A column of the direction that is all zeros gives 0/0: guard the division as the formula in the "
                "exercise does.")


# ---------------------------------------------------------------------------------------------------------------
# 2.2


def _grid(loss_batch, c, d1, d2, alphas, betas):
    return np.array([[loss_batch(c + a * d1 + b * d2) for b in betas] for a in alphas], dtype=float)


def _slice_hint(out, loss_batch, c, d1, d2, alphas, betas, default):
    right = _grid(loss_batch, c, d1, d2, alphas, betas)
    if np.shape(out) == right.T.shape and right.shape[0] != right.shape[1]:
        return ("Your array is transposed: with the default meshgrid indexing the first axis follows betas; the "
                "exercise wants indexing=\"ij\" (first axis: alphas).")
    return diagnose(out, [
        (right.T, "Your array is transposed (xy indexing): the first axis must follow alphas."),
        (_grid(loss_batch, c, d2, d1, alphas, betas), "alphas must go with d1 and betas with d2: you swapped them."),
        (_grid(loss_batch, 0 * c, d1, d2, alphas, betas), "You left out the center: the plane passes through it."),
    ], default, expected=right)


@exercise("2.2", title="A vectorized 2-D slice", budget=10.0)
def check_slice_grid(answer, t):
    """answer(loss_batch, center, d1, d2, alphas, betas) -> (A, B) array with indexing="ij", one batched call."""
    from ...models import Quadratic

    q = Quadratic(np.diag([1.0, 5.0]))
    hidden = hidden_rng()
    m = _mlp((5,), 0)
    rng = np.random.default_rng(1)
    c, d1, d2 = rng.standard_normal((3, m.dim))
    mh = _mlp((int(hidden.integers(2, 6)),), int(hidden.integers(1000)))
    ch, d1h, d2h = hidden.standard_normal((3, mh.dim))
    na, nb = int(hidden.integers(6, 9)), int(hidden.integers(6, 9))  # never a printed grid size
    problems = [
        (q.loss_batch, np.zeros(2), np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([-1.0, 0.0, 0.5, 2.0]),
         np.array([-0.5, 1.0]), "½(α² + 5β²) on a 4×2 grid"),
        (q.loss_batch, np.array([0.5, -1.0]), np.array([1.0, 2.0]), np.array([-1.0, 0.5]), np.linspace(-1, 1, 3),
         np.linspace(-2, 2, 3), "a quadratic on a 3×3 grid around (0.5, −1) with oblique directions"),
        (m.loss_batch, c, d1, d2, np.linspace(-1, 1, 5), np.linspace(-0.5, 0.5, 3),
         "an MLP with 21 parameters on a 5×3 grid"),
        (mh.loss_batch, ch, d1h, d2h, np.sort(hidden.uniform(-1, 1, na)), np.sort(hidden.uniform(-1, 1, nb)),
         f"an MLP with {mh.dim} parameters on a {na}×{nb} grid {HIDDEN_NOTE}"),
    ]
    for loss_batch, center, u, v, alphas, betas, case in problems:
        expected = _grid(loss_batch, center, u, v, alphas, betas)
        calls = []

        def counted(thetas, loss_batch=loss_batch, calls=calls):
            calls.append(np.shape(thetas))
            return loss_batch(thetas)

        inputs = [center.copy(), u.copy(), v.copy(), alphas.copy(), betas.copy()]
        out = answer(counted, *inputs)
        t.close(out, expected, case=case, rtol=1e-10, atol=1e-12,
                hint=_slice_hint(out, loss_batch, center, u, v, alphas, betas,
                                 "losses[i, j] is the loss at center + alphas[i]·d1 + betas[j]·d2." +
                                 (" Your function must work for any grid." if "afresh" in case else "")))
        if case.startswith("½"):
            many = len(calls) > 1
            t.true(len(calls) == 1, case="number of loss_batch calls on a 4×2 grid",
                   message=f"loss_batch was called {len(calls)} times",
                   hint=(f"You called loss_batch {len(calls)} times — once per "
                         f"{'row of the grid' if len(calls) == len(alphas) else 'column of the grid' if len(calls) == len(betas) else 'grid point' if len(calls) == len(alphas) * len(betas) else 'piece'}"
                         ": stack every grid point into one array and evaluate it in a single call.")
                   if many else "You never called loss_batch: compute the losses with the function you are given "
                                "(here a quadratic, elsewhere any model), not a formula of your own.")
            check_input_unchanged(t, [center, u, v, alphas, betas], inputs, case="the inputs after the call",
                                  message="your function changed the caller's arrays",
                                  hint="An in-place operation changed an input array: build new arrays.")


# ---------------------------------------------------------------------------------------------------------------
# 2.3


def _quadratic(A, b):
    """loss(θ) = ½θᵀAθ − bᵀθ and its gradient, as the plain callables handed to the answer."""
    A, b = np.array(A, dtype=float), np.array(b, dtype=float)

    def loss(theta):
        theta = np.asarray(theta, dtype=float)
        if theta.shape != b.shape:
            raise ValueError(f"loss expects a parameter vector of shape {b.shape}, got shape {theta.shape}")
        return float(0.5 * theta @ A @ theta - b @ theta)

    def grad(theta):
        theta = np.asarray(theta, dtype=float)
        if theta.shape != b.shape:
            raise ValueError(f"grad expects a parameter vector of shape {b.shape}, got shape {theta.shape}")
        return A @ theta - b

    return loss, grad


def _line_bottom(A, b, ta, tb):
    """α of the lowest point of α ↦ L((1 − α)θa + αθb), or None when the line curves down (or not at all)."""
    d = tb - ta
    curvature = float(d @ A @ d)
    if curvature <= 1e-12 * float(np.abs(A).max() * (d @ d)):
        return None
    return -float((A @ ta - b) @ d) / curvature


def _bottom_verified(A, b, ta, tb):
    """The reference bottom, checked against the loss itself: slope zero by central differences, higher loss on
    both sides (or, without a bottom, a line that keeps falling)."""
    loss, _ = _quadratic(A, b)
    on_line = lambda a: loss((1 - a) * ta + a * tb)  # noqa: E731
    alpha = _line_bottom(A, b, ta, tb)
    if alpha is None:
        far = 10.0 * (1 + abs(float(np.linalg.norm(tb - ta))))
        assert min(on_line(far), on_line(-far)) < on_line(0.0) - 1.0, "2.3: a line without a bottom must fall"
    else:
        h = 1e-3 * (1 + abs(alpha))
        slope = (on_line(alpha + h) - on_line(alpha - h)) / (2 * h)
        scale = abs(on_line(alpha + 1.0) - on_line(alpha))
        assert abs(slope) <= 1e-6 * max(scale, 1e-300) and on_line(alpha + h) > on_line(alpha) < on_line(alpha - h), \
            "2.3: reference bottom disagrees with the loss"
    return alpha


def _bottom_hint(got, A, b, ta, tb, expected, default):
    loss, _ = _quadratic(A, b)
    d = tb - ta
    if expected is None:
        if got is None:
            return default
        return ("The loss curves DOWN along this line: the point where its slope vanishes is the line's highest "
                "point, and the line has no lowest one — return None.")
    if got is None:
        return ("This line does have a lowest point: the loss curves up along it, even where the landscape curves "
                "down in other directions — only the curvature along the line matters.")
    if isinstance(got, (bool, np.bool_)):
        return "Return α as a number (or None), not a bool."
    try:
        value = float(np.asarray(got, dtype=float).reshape(()))
    except (TypeError, ValueError):
        return "Return α as one number (or None)."
    s0 = float((A @ ta - b) @ d)
    k = float(d @ A @ d)
    right = expected
    guess = diagnose(value, [
        (min(max(right, 0.0), 1.0), "You clipped α to [0, 1]: the line extends beyond θa and θb, and so may its "
                                    "lowest point."),
        (-right, "Your α has the wrong sign: it lies on the side where the line climbs — check the sign of the "
                 "slope at θa."),
        (1.0 - right, "Your α runs the other way along the line: α = 0 is θa and α = 1 is θb."),
        (right - 1.0, "Your α is measured from θb: α = 0 is θa."),
        (right / 2, "Your α is half the right one: a factor 2 got lost where you differentiated the square of α."),
        (2 * right, "Your α is twice the right one: a factor 2 got lost where you differentiated the square of α."),
        (-s0 / float(d @ d), "You took the curvature along the line to be the squared length of the segment: how "
                             "strongly the loss bends along it depends on the landscape too."),
        (loss((1 - right) * ta + right * tb), "You returned the loss at the lowest point; the exercise asks for its α."),
    ], "", expected=right, rtol=1e-7, atol=1e-10)
    if guess:
        return guess
    if abs(value - right) <= 1e-3 * (1 + abs(right)):
        return ("Your α is close but not exact: a grid or an iterative search only approaches the bottom, and the "
                "exercise asks for it exactly — answer its question first: what kind of function of α is a "
                "quadratic loss on a line?")
    if k > 0 and not math.isfinite(value):
        return "Your α is not a finite number although the loss curves up along this line."
    return default


@exercise("2.3", title="The lowest point of an interpolation line", budget=10.0)
def check_line_bottom(answer, t):
    """answer(loss, grad, theta_a, theta_b) -> α of the lowest point of L((1 − α)θa + αθb) (quadratic L), or None."""
    hidden = hidden_rng()
    hidden_cases = []
    for want_bottom in hidden.permutation([True, False]):
        n = int(hidden.integers(3, 7))
        for _ in range(100):
            spectrum = hidden.uniform(0.5, 4.0, n) * np.where(hidden.random(n) < 0.4, -1.0, 1.0)
            spectrum[0] = abs(spectrum[0]) if want_bottom else -abs(spectrum[0])
            A = with_eigenvalues(spectrum, seed=int(hidden.integers(2**31)))
            b, ta = hidden.normal(size=n), hidden.normal(size=n)
            tb = ta + hidden.uniform(0.5, 2.0) * hidden.normal(size=n)
            k = float((tb - ta) @ A @ (tb - ta))
            if (k > 0.2 * np.sum((tb - ta) ** 2)) if want_bottom else (k < -0.2 * np.sum((tb - ta) ** 2)):
                break
        hidden_cases.append((f"a random {n}-D quadratic with eigenvalues of both signs, a random line {HIDDEN_NOTE}", A,
                             b, ta, tb))
    cases = [
        ("f = x² + ½y², θa = (1, 0), θb = (0, 2)", np.diag([2.0, 1.0]), np.zeros(2), np.array([1.0, 0.0]),
         np.array([0.0, 2.0])),
        ("f = ½(x² + 10y²), θa = (−2, 1), θb = (−1, 0.5)", np.diag([1.0, 10.0]),
         np.zeros(2), np.array([-2.0, 1.0]), np.array([-1.0, 0.5])),
        ("f = ½(x² + 10y²), θa = (1, 0.5), θb = (3, 1.5)", np.diag([1.0, 10.0]),
         np.zeros(2), np.array([1.0, 0.5]), np.array([3.0, 1.5])),
        ("the saddle f = ½(3x² − y²) − x, θa = (0, 0), θb = (1, 1)", np.diag([3.0, -1.0]), np.array([1.0, 0.0]),
         np.zeros(2), np.array([1.0, 1.0])),
        ("the saddle f = ½(x² − 2y²), θa = (0.5, 0), θb = (0.5, 1)",
         np.diag([1.0, -2.0]), np.zeros(2), np.array([0.5, 0.0]), np.array([0.5, 1.0])),
        *hidden_cases,
    ]
    for k, (name, A, b, ta, tb) in enumerate(cases):
        expected = _bottom_verified(A, b, ta, tb)
        loss, grad = _quadratic(A, b)
        given = [ta.copy(), tb.copy()]
        got = answer(loss, grad, *given)
        hint = _bottom_hint(got, A, b, ta, tb, expected,
                            "Write the loss on the line as a function of α and find where its slope vanishes — and "
                            "whether that point is a bottom." + (" Your function must work for any quadratic and "
                                                                 "any line." if "afresh" in name else ""))
        if expected is None:
            t.true(got is None, case=name + ": no lowest point", message=f"you returned {short_answer(got)}",
                   hint=hint)
        elif got is None or isinstance(got, (bool, np.bool_)):
            t.fail("you returned " + ("None" if got is None else "a bool"), case=name, hint=hint)
        else:
            t.close(got, expected, rtol=1e-9, atol=1e-10, case=name, hint=hint)
        if k in (0, 5):
            check_input_unchanged(t, [ta, tb], given, case=name + ": θa and θb after the call",
                                  message="your function changed the caller's θa or θb",
                                  hint="An in-place operation (`+=`, `*=`) changed θa or θb: build new points "
                                       "instead.")


# ---------------------------------------------------------------------------------------------------------------
# 2.4


def _projector(rows):
    rows = np.asarray(rows, dtype=float)
    return rows.T @ np.linalg.pinv(rows.T)


def _pca_hint(out, thetas, k, default):
    P = thetas.shape[1]
    out = np.asarray(out, dtype=float)
    if out.shape != (k, P):
        if out.shape == (k, thetas.shape[0]) or out.shape == (thetas.shape[0], k):
            return "Your directions live in the space of time steps: those are left singular vectors (U); the " \
                   "directions in parameter space are the right ones."
        if out.shape == (P, k):
            return "Return the directions as rows, shape (k, P)."
        return "Return a (k, P) array, one direction per row."
    gram = out @ out.T
    if not np.allclose(gram, np.eye(k), atol=1e-6):
        if np.allclose(gram, np.diag(np.diag(gram)), atol=1e-6):
            return "Your directions are orthogonal but not of unit length: do not scale them (by singular values)."
        return "Your rows are not orthonormal: take them from one decomposition, as they come."
    M = thetas - thetas[-1]
    _, _, Vt = np.linalg.svd(M, full_matrices=False)
    right = _projector(Vt[:k])
    got = _projector(out)
    if np.linalg.norm(M @ out.T) < 1e-6 * np.linalg.norm(M):
        return ("Your directions carry none of the path: those are the weakest directions. svd sorts singular "
                "values largest first, but eigh sorts eigenvalues ascending.")
    _, _, Vm = np.linalg.svd(thetas - thetas.mean(axis=0), full_matrices=False)
    _, _, V0 = np.linalg.svd(thetas, full_matrices=False)
    return diagnose(got, [
        (_projector(Vm[:k]), "You centred the path at its mean; the exercise measures displacements from the FINAL "
                             "point."),
        (_projector(Vt[-k:]), "Those are the weakest directions: the singular values come sorted largest first "
                              "in svd (but eigh sorts eigenvalues ascending)."),
        (_projector(V0[:k]), "You did not subtract anything: the directions must describe displacements from the "
                             "final point."),
    ], default, expected=right, atol=1e-6)


@exercise("2.4", title="PCA directions of a trajectory", budget=5.0)
def check_pca_directions(answer, t):
    """answer(thetas (T, P), k) -> (k, P): orthonormal top principal directions of θ_t − θ_T."""
    rng = np.random.default_rng(0)
    P = 30
    Q, _ = np.linalg.qr(rng.standard_normal((P, 3)))
    s = np.linspace(0, 1, 25)[:, None]
    thetas = 2.0 + np.c_[4 * (1 - s), np.sin(5 * s) * (1 - s), 0.3 * (1 - s) ** 2] @ Q.T
    hidden = hidden_rng()
    Ph = int(hidden.integers(10, 40))
    Qh, _ = np.linalg.qr(hidden.standard_normal((Ph, 3)))
    a, b = hidden.uniform(2.0, 5.0), hidden.uniform(0.5, 1.5)
    hidden_thetas = hidden.standard_normal(Ph) + np.c_[a * (1 - s), b * np.sin(5 * s) * (1 - s),
                                                        0.3 * (1 - s) ** 2] @ Qh.T
    for X, k, case in ((thetas, 2, f"a path in a 3-D subspace of R^{P}, k = 2"),
                       (thetas, 1, f"a path in a 3-D subspace of R^{P}, k = 1"),
                       (hidden_thetas, 2, f"a random path in R^{Ph}, k = 2 {HIDDEN_NOTE}")):
        M = X - X[-1]
        _, _, Vt = np.linalg.svd(M, full_matrices=False)
        ref = Vt[:k]
        out = answer(X.copy(), k)
        hint = _pca_hint(out, X, k, "Decompose the displacements from the final point and keep the k strongest "
                                    "directions in parameter space." +
                         (" Your function must work for any path." if "afresh" in case else ""))
        try:
            out = np.asarray(out, dtype=float)
        except (TypeError, ValueError):
            out = np.zeros(0)
        if not t.true(out.shape == (k, X.shape[1]), case=case + " (shape)",
                      message=f"expected shape ({k}, {X.shape[1]}), got {out.shape}", hint=hint):
            t.fail("no directions to compare", case=case + " (orthonormal rows)", hint=hint)
            t.fail("no directions to compare", case=case + " (same subspace)", hint=hint)
            continue
        t.close(out @ out.T, np.eye(k), case=case + " (orthonormal rows)", atol=1e-8, hint=hint)
        t.close(out.T @ out, ref.T @ ref, case=case + " (same subspace)", atol=1e-6, hint=hint)


# ---------------------------------------------------------------------------------------------------------------
# 2.5


def _ell(z, y):
    return (np.tanh(z) - y) ** 2


def _fd_curvature(z, y):
    """ℓ''(z) from the loss values alone: central differences at h and h/2, Richardson-extrapolated, so that the
    reference is not the formula the student is asked to derive."""
    def central(h):
        return (_ell(z + h, y) - 2 * _ell(z, y) + _ell(z - h, y)) / h**2

    # measured over 2·10⁵ points with |z| ≤ 6, y ∈ [−1, 1]: largest error 6e-10 at h = 5e-3 (2e-9 at 1e-2 and at
    # 3e-3: truncation grows for larger h, round-off for smaller); the checks' atol 1e-8 leaves a factor 16
    h = 5e-3
    return (4 * central(h / 2) - central(h)) / 3


def _curvature_hint(out, z, y, default):
    t = np.tanh(z)
    dt, d2t = 1 - t**2, -2 * t * (1 - t**2)
    s = 1 / (1 + np.exp(-z))
    ds, d2s = s * (1 - s), s * (1 - s) * (1 - 2 * s)
    return diagnose(out, [
        (2 * (t - y) * d2t, "Your values match 2(tanh z − y)·tanh'' alone: differentiating ℓ' = 2(tanh z − y)·tanh' "
                            "once more by the product rule gives two terms, and one of them is missing."),
        (2 * (dt**2 - (t - y) * d2t), "One term has the wrong sign: check the sign of (tanh z − y) in ℓ', and the "
                                      "sign of tanh'' (is tanh concave or convex for z > 0?)."),
        (dt**2 + (t - y) * d2t, "Off by a constant factor: differentiate the square (tanh z − y)² carefully."),
        (2 * (t - y) * dt, "That is the first derivative ℓ'(z); the exercise asks for the second."),
        (2 * dt * (1 - t) * (1 + 3 * t), "Right for the target y = 1 only: your function ignores y (the targets here "
                                         "include −1 and values in between)."),
        (2 * (dt**2 - 2 * t * (t - y)), "Check tanh'': differentiating tanh' = 1 − tanh² z needs the chain rule, "
                                        "and the derivative of tanh z is not 1."),
        (2 * (ds**2 + (s - y) * d2s), "Those are the sigmoid's derivatives σ' = σ(1 − σ), σ'': the output here is "
                                      "tanh z, whose derivative is written with tanh itself."),
    ], default, expected=_fd_curvature(z, y), atol=1e-8)


@exercise("2.5", title="Curvature of MSE on a tanh output, soft targets", budget=5.0)
def check_mse_tanh_curvature(answer, t):
    """answer(z (n,), y (n,)) -> ℓ''(z) of ℓ(z) = (tanh z − y)², elementwise, for targets y ∈ [−1, 1], checked
    against second differences of ℓ."""
    hidden = hidden_rng()
    grid = np.linspace(-4.0, 4.0, 33)
    n = int(hidden.integers(20, 60))
    hz = hidden.uniform(-6.0, 6.0, n)
    hy = hidden.uniform(-1.0, 1.0, n)
    cases = [
        ("z = −4, −3.75, …, 4 with target y = 1", grid, np.ones_like(grid)),
        ("z = −4, −3.75, …, 4 with target y = −1", grid, -np.ones_like(grid)),
        ("z = −4, −3.75, …, 4 with the smoothed target y = 0.8", grid, np.full_like(grid, 0.8)),
        ("z = (−2, −0.3, 0, 0.3, 2), targets (1, −1, 0.5, −0.8, 0)", np.array([-2.0, -0.3, 0.0, 0.3, 2.0]),
         np.array([1.0, -1.0, 0.5, -0.8, 0.0])),
        (f"{n} random z in [−6, 6], random targets in [−1, 1] {HIDDEN_NOTE}", hz, hy),
        (f"the same {n} values of z with every target negated {HIDDEN_NOTE}", hz, -hy),
    ]
    for k, (name, z, y) in enumerate(cases):
        given = [z.copy(), y.copy()]
        out = answer(*given)
        expected = _fd_curvature(z, y)
        hint = _curvature_hint(out, z, y, "Differentiate ℓ(z) = (tanh z − y)² twice with the chain rule, writing "
                                          "tanh' with tanh itself; then compare a few values with "
                                          "(ℓ(z+h) − 2ℓ(z) + ℓ(z−h))/h².")
        t.close(out, expected, rtol=1e-6, atol=1e-8, case=name, hint=hint)
        if k == 4:
            check_input_unchanged(t, [z, y], given, case=name + ": z and y after the call",
                                  message="your function changed the caller's z or y",
                                  hint="An in-place operation (`*=`, `-=`) changed z or y: compute into new arrays.")
