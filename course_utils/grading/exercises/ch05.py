"""Checks for chapter 5 (Sharpness and SAM): a SAM step, random-direction sharpness, where SAM ends on a quadratic,
and the Hessian after Dinh et al.'s reparameterization of a ReLU network.

Every check runs printed cases and hidden ones drawn afresh on each call (``cases.hidden_rng``: a table of the
printed inputs cannot pass), computes its references before calling the answer, and picks each hint by
recognising the mistake (``cases.diagnose``); no hint states the formula, the code or the expected value.

5.2 watches the points at which the answer evaluates the loss: it must evaluate ``n`` points at distance
``radius`` from θ, return the worst and the mean increase *over those points*, and their directions must be
uniform on the sphere — Kolmogorov–Smirnov tests of the directions' projections, at a combined false-alarm rate of
at most ``_FALSE_ALARM`` (Bonferroni).

5.3 and 5.4 check a derivation: 5.3's distance against SAM run on the hidden quadratic until it bounces, 5.4's
Hessian against the Hessian computed (autograd) at the rescaled point of a ReLU network, away from any minimum.
"""

from __future__ import annotations

import numpy as np

from ...models import MLP
from ...sharpness import rescale_relu_network
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


def _sam_on_quadratic(H, theta, lr, rho, steps):
    """The 5.1 step on ½θᵀHθ repeated ``steps`` times; the last two iterates."""
    prev = th = np.array(theta, dtype=float)
    for _ in range(steps):
        g = H @ th
        norm = np.linalg.norm(g)
        eps = rho * g / norm if norm > 0 else np.zeros_like(th)
        prev, th = th, th - lr * (H @ (th + eps))
    return prev, th


def _bounce(lam, lr, rho):
    return lr * rho * lam / (2.0 - lr * lam)


def _bounce_hint(value, H, lr, rho, expected):
    lam = np.linalg.eigvalsh(H)
    top = float(lam[-1])
    last = float(np.real(np.linalg.eigvals(H)[-1]))
    return diagnose(value, [
        (0.0, "You predicted that SAM settles at the minimum, as gradient descent does: follow a few SAM steps close "
              "to the minimum — how long is the perturbation there?"),
        (rho, "Your distance is the perturbation's length ρ: that is where SAM looks, not where the iterate ends up. "
              "Follow the iterate itself, step by step, near the minimum."),
        (_bounce(float(lam[0]), lr, rho), "You followed the flattest direction: the components along the other "
                                          "eigenvectors die out — find the one that survives."),
        (None if np.isclose(last, top) else _bounce(last, lr, rho),
         "You took the last entry of np.linalg.eigvals: it does not sort the eigenvalues."),
        (_bounce(float(np.max(np.diag(H))), lr, rho), "You used a diagonal entry of H: those are the curvatures "
                                                      "along the axes, not along the eigenvectors."),
        (_bounce(float(np.trace(H)), lr, rho), "You used the trace (the sum of the curvatures): one direction decides."),
        (lr * rho * top / 2.0, "Your distance holds only when ηλ is small: a term was dropped when you solved for "
                               "the point that the step sends to its mirror image — keep all of what one step does "
                               "to the component."),
        (lr * rho * top / (2.0 + lr * top), "A sign slipped when you solved for the point that the step sends to "
                                            "its mirror image: redo that line of algebra."),
        (2.0 * expected, "Your value is the distance between the two points SAM alternates between: the exercise "
                         "asks for the distance of either from the minimum."),
        (0.5 * top * expected**2, "You returned the loss where SAM ends: the exercise asks for the distance from "
                                  "the minimum."),
    ], "Write one SAM step in the eigenbasis of H, component by component, and follow the iterate close to the "
       "minimum, where the perturbation still has length ρ: which component survives, and where does it stop "
       "shrinking?", expected=expected, rtol=1e-6)


@exercise("5.3", title="Where SAM ends on a quadratic", budget=10.0)
def check_sam_bounce(answer, t):
    """answer(H, lr, rho) -> the distance from the minimum of ½θᵀHθ at which SAM ends up (one float)."""
    hidden = hidden_rng()
    n = int(hidden.integers(3, 7))
    lam_h = np.sort(hidden.uniform(0.3, 1.0, n))
    lam_h[-1] = lam_h[-2] * hidden.uniform(1.5, 3.0)  # a gap: the other components die out within the run below
    lam_h *= hidden.uniform(0.5, 5.0)
    Hh = with_eigenvalues(lam_h, seed=int(hidden.integers(2**31)))
    lr_h = float(hidden.uniform(0.3, 1.6) / lam_h[-1])
    rho_h = float(hidden.uniform(0.02, 0.5))
    start_h = hidden.standard_normal(n)
    Hn = with_eigenvalues(np.array([5.0, 0.5, 2.0, 1.0]), seed=10)  # eigvals(...) need not come out sorted
    cases = [
        (np.diag([1.0, 4.0]), 0.1, 0.1, "H = diag(1, 4), lr = 0.1, ρ = 0.1"),
        (with_eigenvalues([0.5, 2.0, 9.0], seed=2), 0.15, 0.05,
         "a non-diagonal 3×3 H with eigenvalues (0.5, 2, 9), lr = 0.15, ρ = 0.05"),
        (Hn, 0.3, 0.2, "a non-diagonal 4×4 H with eigenvalues (5, 0.5, 2, 1), lr = 0.3, ρ = 0.2"),
        (Hh, lr_h, rho_h, f"a random {n}×{n} H, lr and ρ {HIDDEN_NOTE}"),
    ]
    # the derivation checked against SAM itself: the check's own run on the hidden problem, before any answer
    prev, last = _sam_on_quadratic(Hh, start_h, lr_h, rho_h, 3000)
    ran = float(np.linalg.norm(last))
    assert np.allclose(prev, -last, rtol=1e-9, atol=1e-12 * ran), "the reference SAM run has not settled"
    for H, lr, rho, case in cases:
        expected = _bounce(float(np.linalg.eigvalsh(H)[-1]), lr, rho)
        H_in = H.copy()
        value = as_float_array(answer(H_in, lr, rho), ())
        if value is None:
            t.fail("expected one finite number", case=case, hint="Return one number: the distance from the minimum.")
        else:
            t.close(value, expected, rtol=1e-8, case=case, hint=_bounce_hint(value, H, lr, rho, expected))
        if case.startswith("H = diag"):
            check_input_unchanged(t, H, H_in, case="H after the call", message="H was modified in place",
                                  hint="Your function changed the caller's H: work on a copy.")
    value = as_float_array(answer(Hh.copy(), lr_h, rho_h), ())
    case = (f"SAM (the step of 5.1) run for 3000 steps from a random start on the random H: its distance from the "
            f"minimum at the end {HIDDEN_NOTE}")
    if value is None:
        t.fail("expected one finite number", case=case, hint="Return one number: the distance from the minimum.")
    else:
        t.close(value, ran, rtol=1e-6, case=case,
                hint=_bounce_hint(value, Hh, lr_h, rho_h, _bounce(float(lam_h[-1]), lr_h, rho_h)))


# ---------------------------------------------------------------------------------------------------------------
# 5.4


def _relu_problem(rng, d, h, k):
    """A d-h-k ReLU network with squared error on random data, and a point θ that is not a minimum."""
    X, Y = rng.standard_normal((30, d)), rng.standard_normal((30, k))
    net = MLP(X, Y if k > 1 else Y[:, 0], hidden=(h,), activation="relu", loss="mse")
    theta = net.init(int(rng.integers(2**31))) + 0.3 * rng.standard_normal(net.dim)
    return net, theta


def _scales(sizes, a, *, b1=None, b2=1.0, w2=None):
    d, h, k = sizes
    return np.concatenate([np.full(d * h, a), np.full(h, a if b1 is None else b1),
                           np.full(h * k, 1.0 / a if w2 is None else w2), np.full(k, b2)])


def _rescaled_hessian_hint(value, H, sizes, a, expected):
    d, h, k = sizes
    s = _scales(sizes, a)
    diag_only = H.copy()
    blocks = [slice(0, d * h + h), slice(d * h + h, d * h + h + h * k), slice(d * h + h + h * k, None)]
    for blk, f in zip(blocks, (a, 1.0 / a, 1.0)):
        diag_only[blk, blk] = H[blk, blk] / f**2
    n1, n2 = d * h, h * k  # another layout: [W1, W2, b1, b2]
    swapped = np.concatenate([np.full(n1, a), np.full(n2, 1.0 / a), np.full(h, a), np.ones(k)])
    return diagnose(value, [
        (H * np.outer(s, s), "Your factors go the wrong way round: the curvature along a weight does not grow "
                             "with the weight. Redo the chain rule from the identity the rescaling gives you."),
        (H, "You returned H unchanged: the function (and so the loss) is the same, but the coordinates are not — the "
            "Hessian is a derivative with respect to the weights."),
        (H / np.outer(_scales(sizes, a, b2=1.0 / a), _scales(sizes, a, b2=1.0 / a)),
         "You treated the output bias b2 as rescaled: the rescaling leaves it as it is — check its rows and "
         "columns of H."),
        (H / np.outer(_scales(sizes, a, b1=1.0), _scales(sizes, a, b1=1.0)),
         "You left the first layer's bias b1 out: it is multiplied by α together with W1 (chapter, section 6)."),
        (diag_only, "You rescaled only the diagonal blocks (each group of parameters with itself): the blocks that "
                    "couple two groups change as well — look at the mixed second derivatives."),
        (H / np.sqrt(np.outer(s, s)), "Your diagonal blocks changed by the factor of one derivative only: count how "
                                      "many times the chain rule applies in a second derivative."),
        (H / s[:, None], "Your matrix is not symmetric: you rescaled the rows but not the columns."),
        (H / np.outer(swapped, swapped), "Your blocks are in the wrong places: see in the exercise the order in "
                                         "which θ lists W1, b1, W2 and b2."),
    ], "Start from what the rescaling keeps — the loss at the rescaled weights equals the loss at the original "
       "ones, for every θ — and differentiate that identity (see the exercise text).", expected=expected,
        rtol=1e-8, atol=1e-10 * float(np.max(np.abs(expected))))


@exercise("5.4", title="The Hessian after Dinh et al.'s rescaling", budget=10.0)
def check_rescaled_hessian(answer, t):
    """answer(H, sizes, alpha) -> the Hessian at the rescaled point, from H alone (sizes = (d, h, k))."""
    hidden = hidden_rng()
    sizes_h = tuple(int(v) for v in hidden.integers(2, 7, size=3))
    a_h = float(np.exp(hidden.uniform(-2.0, 2.0)))
    problems = [
        ((2, 5, 1), np.random.default_rng(3), 3.0, "a 2-5-1 ReLU network (squared error), α = 3"),
        ((2, 5, 1), np.random.default_rng(3), 0.2, "the same network, α = 0.2"),
        ((3, 4, 2), np.random.default_rng(4), 2.0, "a 3-4-2 ReLU network with two outputs, α = 2"),
        (sizes_h, hidden, a_h, f"a random {'-'.join(map(str, sizes_h))} ReLU network and α {HIDDEN_NOTE}"),
    ]
    for sizes, rng, a, case in problems:
        net, theta = _relu_problem(rng, *sizes)
        H = net.hessian(theta)
        # the reference is the Hessian computed at the rescaled point itself (autograd), not a formula
        expected = net.hessian(rescale_relu_network(net, theta, a))
        H_in = H.copy()
        value = as_float_array(answer(H_in, tuple(sizes), a), H.shape)
        case = case + ", at a point that is not a minimum"
        if value is None:
            t.fail(f"expected a finite ({H.shape[0]}, {H.shape[0]}) array", case=case,
                   hint="Return the Hessian at the rescaled point as one (P, P) array, P as for H.")
        else:
            t.close(value, expected, rtol=1e-8, atol=1e-10 * float(np.max(np.abs(expected))), case=case,
                    hint=_rescaled_hessian_hint(value, H, sizes, a, expected))
        if a == 3.0:
            check_input_unchanged(t, H, H_in, case="H after the call", message="H was modified in place",
                                  hint="Your function changed the caller's H: return a new array (an in-place "
                                       "update such as `H /= ...` changes it).")
