"""Checks for chapter 5 (Sharpness and SAM): a SAM step, random-direction sharpness, the stability threshold of
gradient descent, and Dinh et al.'s reparameterization of a ReLU network.

Every check runs printed cases and hidden ones drawn afresh on each call (``cases.hidden_rng``: a table of the
printed inputs cannot pass), computes its references before calling the answer, and picks each hint by
recognising the mistake (``cases.diagnose``); no hint states the formula, the code or the expected value.

5.2 watches the points at which the answer evaluates the loss: it must evaluate ``n`` points at distance
``radius`` from θ, return the worst and the mean increase *over those points*, and their directions must be
uniform on the sphere — Kolmogorov–Smirnov tests of the directions' projections, at a combined false-alarm rate of
at most ``_FALSE_ALARM`` (Bonferroni).
"""

from __future__ import annotations

import numpy as np

from ..cases import (
    HIDDEN_NOTE,
    as_float_array,
    check_input_unchanged,
    diagnose,
    hidden_rng,
    sphere_uniformity_pvalue,
    watched,
    with_eigenvalues,
)
from ..registry import exercise

_FALSE_ALARM = 1e-6


# ---------------------------------------------------------------------------------------------------------------
# 5.1


def _sam(grad, theta, lr, rho, *, variant="right"):
    g = grad(theta)
    norm = np.linalg.norm(g)
    unit = g / norm if norm > 0 else np.zeros_like(theta)
    if variant == "unnormalized":
        return theta - lr * grad(theta + rho * g)
    if variant == "from_perturbed":
        return theta + rho * unit - lr * grad(theta + rho * unit)
    if variant == "gd":
        return theta - lr * g
    if variant == "minus":
        return theta - lr * grad(theta - rho * unit)
    if variant == "squared":
        return theta - lr * grad(theta + rho * (g / norm**2 if norm > 0 else 0.0 * g))
    if variant == "ascent":
        return theta + lr * grad(theta + rho * unit)
    return theta - lr * grad(theta + rho * unit)


_SAM_HINTS = (
    ("unnormalized", "Your perturbation's length follows the gradient's size: the perturbation has length ρ "
                     "exactly, whatever ‖g‖ is."),
    ("from_perturbed", "You stepped from the perturbed point: the perturbation only decides where the gradient is "
                       "taken, the step starts from θ."),
    ("gd", "That is a plain gradient step: SAM takes the gradient at the perturbed point."),
    ("minus", "Your perturbation goes downhill: SAM perturbs towards higher loss (the worst case nearby)."),
    ("squared", "Your perturbation's length is not ρ: you divided by the squared norm of the gradient."),
    ("ascent", "Your step goes uphill: the update subtracts the learning rate times the gradient."),
)


def _sam_hint(value, grad, theta, lr, rho, expected):
    return diagnose(value, [(_sam(grad, theta, lr, rho, variant=v), h) for v, h in _SAM_HINTS],
                    "Perturb θ along the gradient direction by a length ρ, take the gradient there, and step from θ "
                    "with it.", expected=expected, rtol=1e-9)


@exercise("5.1", title="One SAM step", budget=5.0)
def check_sam_step(answer, t):
    """answer(grad, theta, lr, rho) -> theta − lr·grad(theta + rho·g/‖g‖), g = grad(theta)."""
    A = np.diag([1.0, 10.0])
    hidden = hidden_rng()
    n = int(hidden.integers(3, 7))
    H = with_eigenvalues(hidden.uniform(0.5, 5.0, n), seed=int(hidden.integers(2**31)))
    th_h = hidden.standard_normal(n)
    lr_h, rho_h = float(hidden.uniform(0.01, 0.2)), float(hidden.uniform(0.05, 0.5))

    def grad(z):
        return A @ z

    def grad_cubic(z):
        return z**3 - z

    def grad_h(z):
        return H @ z + np.sin(z)

    cases = [
        (grad, np.array([1.0, 1.0]), 0.05, 0.1, "L = ½θᵀdiag(1, 10)θ, θ = (1, 1), lr = 0.05, ρ = 0.1"),
        (grad_cubic, np.array([1.5, -0.4, 0.2]), 0.02, 0.3, "∇L(θ) = θ³ − θ, θ = (1.5, −0.4, 0.2), lr = 0.02, ρ = 0.3"),
        (grad, np.array([0.3, -0.2]), 0.05, 0.0, "ρ = 0 (SAM reduces to a gradient-descent step)"),
        (grad_h, th_h, lr_h, rho_h, f"a random non-quadratic loss in {n}-D {HIDDEN_NOTE}"),
    ]
    for gfun, theta, lr, rho, case in cases:
        expected = _sam(gfun, theta, lr, rho)
        theta_in = theta.copy()
        out = answer(gfun, theta_in, lr, rho)
        t.close(out, expected, rtol=1e-8, atol=1e-12, case=case,
                hint=_sam_hint(as_float_array(out), gfun, theta, lr, rho, expected))
        if case.startswith("L = "):
            check_input_unchanged(t, theta, theta_in, case="the input θ after the call", message="θ was modified "
                                  "in place", hint="Your function changed the caller's θ: return a new array (an "
                                  "in-place update such as `theta += ...` changes it).")
    out = as_float_array(answer(grad, np.zeros(2), 0.1, 0.1))
    t.true(out is not None and out.shape == (2,) and np.all(np.isfinite(out)) and np.allclose(out, 0.0),
           case="θ = 0, where the gradient is exactly zero", message="the result is not θ = 0 (or is not finite)",
           hint="At a critical point the gradient's direction is undefined (0/0): the exercise says what the "
                "perturbation is there.")


# ---------------------------------------------------------------------------------------------------------------
# 5.2


def _direction_hint(u):
    if np.all(np.sum(np.abs(u) > 1e-9, axis=1) == 1):
        return ("Your directions are coordinate axes: random directions must be uniform on the whole sphere, "
                "not only the axes.")
    if np.all(u >= -1e-12) or np.all(u <= 1e-12):
        return "Your directions all lie in one orthant: a uniform direction takes either sign in each coordinate."
    return ("Your directions are not uniform on the sphere: some directions come up more often than others (a "
            "normalised draw from a distribution that is not rotation-invariant?) — see how the exercise draws "
            "them.")


def _sharp_value_hint(res, incs, base, losses, expected):
    return diagnose(res, [
        ((float(np.max(np.abs(incs))), float(np.mean(np.abs(incs)))),
         "You took the absolute value of the changes: sharpness measures increases, and a change can be "
         "negative."),
        ((float(np.max(losses)), float(np.mean(losses))), "You returned the perturbed losses themselves: subtract "
                                                          "the loss at θ."),
        ((expected[1], expected[0]), "Your pair is in the wrong order: the worst increase comes first."),
        ((float(np.min(incs)), float(np.mean(incs))), "Your first value is the smallest increase: the worst case "
                                                       "is the largest."),
        ((float(np.max(incs)), float(np.median(incs))), "Your second value is the median: the exercise asks for the "
                                                         "mean."),
    ], "Return the largest and the mean of the increases L(θ + r u) − L(θ) over the directions you drew.",
        expected=expected, rtol=1e-9)


def _sharpness_case(t, answer, f, theta, radius, n, seed, case, *, test_directions=False, alpha=None):
    """Run the answer with a watched loss; record count/length, values and (optionally) direction cases."""
    log: list[np.ndarray] = []
    base = f(theta.copy())
    theta_in = theta.copy()
    res = answer(watched(f, log), theta_in, radius, n, np.random.default_rng(seed))
    pair = as_float_array(res, (2,), finite=False) if isinstance(res, tuple) else None
    if pair is None:
        t.fail("expected a tuple of two numbers (worst, average)", case=case,
               hint="Return two numbers, as a tuple: the worst increase and the average one.")
        return None, theta_in
    pts = np.array(log) if log else np.zeros((0, theta.size))
    dist = np.linalg.norm(pts - theta, axis=1)
    on = np.abs(dist - radius) <= 1e-9 * (radius + np.linalg.norm(theta))
    elsewhere = (dist > 1e-12 * (1 + np.linalg.norm(theta))) & ~on
    if np.any(elsewhere):
        near = dist[elsewhere]
        ratio = near / radius
        hint = ("Your perturbed points are not at distance `radius` from θ: each direction must be a unit vector "
                "before it is scaled." if np.ptp(ratio) > 1e-6 or abs(ratio[0] - 1) > 1e-6 else
                "Your perturbed points are at the wrong distance from θ: scale the unit directions by `radius`.")
        t.fail(f"{int(np.sum(elsewhere))} of your loss evaluations are neither at θ nor at distance `radius` from it",
               case=case + ": the perturbed points", hint=hint)
    else:
        t.true(int(np.sum(on)) == n, case=case + ": the perturbed points",
               message=f"your function evaluated the loss at {int(np.sum(on))} perturbed points for n = {n}",
               hint="You did not use n directions: evaluate the loss once for each of the n random directions.")
    incs = np.array([f(p) for p in pts[on]]) - base if np.any(on) else np.zeros(1)
    expected = (float(np.max(incs)), float(np.mean(incs)))
    losses = incs + base
    t.close(pair, expected, rtol=1e-9, atol=1e-14, case=case + ": (worst, average) of the increases at your points",
            hint=_sharp_value_hint(pair, incs, base, losses, expected))
    if test_directions:
        u = (pts[on] - theta) / radius
        P = theta.size
        if u.shape[0] < 10:
            t.fail("too few perturbed points to test their directions", case=case + ": the directions",
                   hint="Evaluate the loss once for each of the n random directions.")
        else:
            w = hidden_rng().standard_normal(P)
            ws = [*np.eye(P), np.ones(P) / np.sqrt(P), w / np.linalg.norm(w)]
            pmin = sphere_uniformity_pvalue(u, np.array(ws))
            t.true(pmin > alpha / len(ws),
                   case=case + f": the directions are uniform on the sphere (Kolmogorov–Smirnov tests; a correct "
                               f"answer fails with probability below {_FALSE_ALARM:.0e})",
                   message="your directions are not uniformly distributed", hint=_direction_hint(u))
    return pair, theta_in


@exercise("5.2", title="Sharpness by random directions", budget=15.0)
def check_random_sharpness(answer, t):
    """answer(loss, theta, radius, n, rng) -> (worst, average) of loss(θ + r·u) − loss(θ), u uniform unit vectors."""
    hidden = hidden_rng()
    P = 5
    Hh = with_eigenvalues(hidden.uniform(0.2, 6.0, P), seed=int(hidden.integers(2**31)))
    bh = hidden.standard_normal(P)
    th_h = np.linalg.solve(Hh, bh) + hidden.standard_normal(P) * 0.3  # not the minimum: some changes are negative
    r_h = float(hidden.uniform(0.1, 0.5))
    seed_h = int(hidden.integers(2**31))
    n_h = 6000

    def iso(z):
        return 0.5 * float(z @ z)

    _sharpness_case(t, answer, iso, np.zeros(5), 0.3, 50, 0,
                    "L = ½‖θ‖² at θ = 0, radius 0.3, n = 50 (every direction gives ½r²)")

    def quad_h(z):
        return 0.5 * float(z @ Hh @ z) - float(bh @ z)

    _, theta_in = _sharpness_case(t, answer, quad_h, th_h, r_h, n_h, seed_h,
                                  f"a rotated 5-D quadratic away from its minimum, n = {n_h} {HIDDEN_NOTE}",
                                  test_directions=True, alpha=_FALSE_ALARM)
    check_input_unchanged(t, th_h, theta_in, case="θ after the call", message="θ was modified in place",
                          hint="Your function changed the caller's θ: build the perturbed points as new arrays.")

    H = with_eigenvalues([0.2, 0.5, 1.0, 3.0, 8.0], seed=1)

    def quad(z):
        return 0.5 * float(z @ H @ z)

    r = 0.2
    mean_curv = 0.5 * r**2 * np.trace(H) / 5
    pair, _ = _sharpness_case(t, answer, quad, np.zeros(5), r, 3000, 1,
                              "rotated quadratic with eigenvalues (0.2, 0.5, 1, 3, 8) at its minimum, r = 0.2, "
                              "n = 3000")
    t.close(None if pair is None else pair[1], mean_curv, rtol=0.1,
            case="the same quadratic: the average increase is near ½r² times the mean curvature",
            hint="Your average is far from what uniform directions give on this quadratic (see the exercise text): "
                 "directions uniform on the sphere see every curvature equally often — check how you draw them "
                 "and that you average the increases.")

    # randomness from rng only
    outs = [answer(quad, np.zeros(5), r, 20, np.random.default_rng(s)) for s in (seed_h, seed_h, seed_h + 1)]
    pairs = [as_float_array(o, (2,)) if isinstance(o, tuple) else None for o in outs]
    ok = all(p is not None for p in pairs) and np.array_equal(pairs[0], pairs[1]) and not np.array_equal(pairs[0],
                                                                                                       pairs[2])
    t.true(ok, case="twice with the same generator state, once with another",
           message="your result does not follow the generator rng",
           hint="Draw the directions from the generator rng you are given (not from np.random or a new generator).")


# ---------------------------------------------------------------------------------------------------------------
# 5.3


def _threshold_hint(value, H, expected):
    if value is None:
        return "Return one number."
    lam = np.linalg.eigvalsh(H)
    raw = np.linalg.eigvals(H)
    last = float(np.real(raw[-1]))
    return diagnose(value, [
        (None if np.isclose(last, lam[0]) else 2 / last,
         "You took the last entry of np.linalg.eigvals: it does not sort the eigenvalues."),
        (2 / np.max(np.diag(H)), "You used the diagonal entries of H: those are the curvatures along the axes only, "
                                 "not the eigenvalues."),
        (1 / lam[-1], "Your rate is only half the threshold: GD still converges after the factor 1 − ηλ turns "
                      "negative (the component oscillates, and a shrinking oscillation converges)."),
        (2 / lam[0], "You used the smallest eigenvalue: the direction that explodes first is the sharpest one."),
        (1 / lam[0], "You used the smallest eigenvalue, and half the threshold: the sharpest direction decides."),
        (2 / np.trace(H), "You used the trace (the sum of the curvatures): one direction decides, the sharpest."),
        (2 / np.linalg.norm(H), "You used the Frobenius norm of H: it is larger than the largest curvature."),
    ], "GD multiplies each eigen-component by its own factor: find the component that is the first to stop "
       "shrinking as the rate grows.", expected=expected,
        rtol=1e-6)


@exercise("5.3", title="The stability threshold of gradient descent", budget=5.0)
def check_threshold(answer, t):
    """answer(H) -> the largest learning rate for which GD on ½θᵀHθ converges (one float)."""
    hidden = hidden_rng()
    n = int(hidden.integers(3, 7))
    Hh = with_eigenvalues(hidden.uniform(0.2, 10.0, n), seed=int(hidden.integers(2**31)))
    Hn = with_eigenvalues(np.array([5.0, 0.5, 2.0, 1.0]), seed=10)  # eigvals(...) need not come out sorted
    cases = [
        (np.diag([1.0, 4.0]), "H = diag(1, 4)"),
        (with_eigenvalues([0.5, 2.0, 9.0], seed=2), "a non-diagonal 3×3 H with eigenvalues (0.5, 2, 9)"),
        (np.array([[3.0, 1.0], [1.0, 3.0]]), "H = [[3, 1], [1, 3]]"),
        (Hn, "a non-diagonal 4×4 H with eigenvalues (5, 0.5, 2, 1)"),
        (Hh, f"a random {n}×{n} symmetric positive definite H {HIDDEN_NOTE}"),
    ]
    for H, case in cases:
        expected = 2.0 / np.linalg.eigvalsh(H)[-1]
        out = answer(H.copy())
        value = as_float_array(out, ())
        t.close(out, expected, rtol=1e-8, case=case, hint=_threshold_hint(value, H, expected))
    # the threshold is a property of GD: just below it GD converges, just above it explodes (hidden H)
    expected = 2.0 / np.linalg.eigvalsh(Hh)[-1]
    value = as_float_array(answer(Hh.copy()), ())
    ok = False
    if value is not None and np.isfinite(value) and value > 0:
        lo, hi = np.ones(n), np.ones(n)
        for _ in range(3000):
            lo = lo - 0.98 * value * (Hh @ lo)
            hi = hi - 1.02 * value * (Hh @ hi)
        ok = bool(np.linalg.norm(lo) < 1e-3 and np.linalg.norm(hi) > 1e3)
    t.true(ok, case=f"GD on the random H: it converges at 0.98 × your rate and explodes at 1.02 × {HIDDEN_NOTE}",
           message="your rate is not where GD changes from converging to exploding",
           hint=_threshold_hint(value, Hh, expected))


# ---------------------------------------------------------------------------------------------------------------
# 5.4


def _net(ls, X):
    h = np.maximum(X @ ls[0][0] + ls[0][1], 0.0)
    return h @ ls[1][0] + ls[1][1]


def _rescale_variants(layers, a):
    (W1, b1), (W2, b2) = layers
    return [
        ([(a * W1, b1), (W2 / a, b2)], "You left the first layer's bias unscaled: the hidden pre-activations must "
                                       "scale as a whole, bias included."),
        ([(a * W1, a * b1), (W2 / a, b2 / a)], "You divided the output bias too: it is added after the second "
                                               "layer, so it must stay as it is."),
        ([(a * W1, a * b1), (a * W2, b2)], "You multiplied the second layer's weights by α as well: they must undo "
                                           "the first layer's scaling."),
        ([(W1 / a, b1 / a), (a * W2, b2)], "Your rescaling goes the other way round (1/α on the first layer): the "
                                           "exercise puts α on the first layer."),
        ([(W1, b1), (W2, b2)], "Your layers are the input layers: the weights must change while the function "
                               "stays the same."),
    ]


def _rescale_hint(out, layers, a):
    for candidate, hint in _rescale_variants(layers, a):
        if all(np.allclose(o, c, rtol=1e-10, atol=1e-14) for (oW, ob), (cW, cb) in zip(out, candidate)
                        for o, c in ((oW, cW), (ob, cb))):
            return hint
    return ("The network's function must not change: look at what relu does to a positive multiple, and which "
            "arrays are applied before and after it.")


def _plain_layers(out):
    """The answer as [(W1, b1), (W2, b2)] float arrays, or None."""
    if not isinstance(out, (list, tuple)) or len(out) != 2:
        return None
    try:
        if not all(len(p) == 2 for p in out):
            return None
        return [(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in out]
    except (TypeError, ValueError):
        return None


@exercise("5.4", title="A reparameterized ReLU network", budget=5.0)
def check_rescale(answer, t):
    """answer(layers, alpha) -> [(αW1, αb1), (W2/α, b2)] for layers [(W1, b1), (W2, b2)]; new arrays."""
    rng = np.random.default_rng(3)
    layers = [(rng.standard_normal((2, 5)), rng.standard_normal(5)), (rng.standard_normal((5, 1)), rng.standard_normal(1))]
    X = rng.standard_normal((20, 2))
    hidden = hidden_rng()
    d, h, k = (int(v) for v in hidden.integers(2, 7, size=3))
    layers_h = [(hidden.standard_normal((d, h)), hidden.standard_normal(h)),
                (hidden.standard_normal((h, k)), hidden.standard_normal(k))]
    X_h = hidden.standard_normal((30, d))
    a_h = float(np.exp(hidden.uniform(-2.0, 2.0)))
    for ls, Xs, a, case in ((layers, X, 3.0, "a 2-5-1 ReLU network, α = 3"),
                            (layers, X, 0.2, "the same network, α = 0.2"),
                            (layers_h, X_h, a_h, f"a random ReLU network and α {HIDDEN_NOTE}")):
        expected_pred = _net(ls, Xs)
        (W1, b1), (W2, b2) = ls
        expected = [(a * W1, a * b1), (W2 / a, b2)]
        given = [(W.copy(), b.copy()) for W, b in ls]
        out = _plain_layers(answer(given, a))
        if out is None or any(o.shape != c.shape for (oW, ob), (cW, cb) in zip(out, expected)
                              for o, c in ((oW, cW), (ob, cb))):
            t.fail("expected a list of two (W, b) pairs with the input's shapes", case=case,
                   hint="Return [(W1', b1'), (W2', b2')] with the same shapes as the input.")
            continue
        hint = _rescale_hint(out, ls, a)
        t.close(_net(out, Xs), expected_pred, rtol=1e-9, atol=1e-12, case=case + ": predictions on random inputs",
                hint=hint)
        ok = all(np.allclose(o, c, rtol=1e-10, atol=1e-14) for (oW, ob), (cW, cb) in zip(out, expected)
                 for o, c in ((oW, cW), (ob, cb)))
        t.true(ok, case=case + ": the rescaled weights", message="the weights are not the rescaled ones", hint=hint)
    given = [(W.copy(), b.copy()) for W, b in layers]
    raw = answer(given, 3.0)
    check_input_unchanged(t, layers, given, case="the input layers after the call",
                          message="the input arrays were modified in place",
                          hint="Your function changed the caller's arrays: build new ones instead of updating them "
                               "in place.")
    shared = False
    if isinstance(raw, (list, tuple)):
        arrays = [x for pair in raw if isinstance(pair, (list, tuple)) for x in pair if isinstance(x, np.ndarray)]
        shared = any(np.shares_memory(x, y) for x in arrays for pair in given for y in pair)
    t.true(not shared, case="the returned arrays are new (α = 3)", message="a returned array is one of the inputs",
           hint="One of the arrays you returned is an input array itself (or a view of it): the exercise asks for "
                "new arrays, so that changing one network does not change the other.")
