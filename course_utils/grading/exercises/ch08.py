r"""Checks for chapter 8 (The landmark figures, live on real data).

Scaffold: ``make new-chapter`` wrote this module with the check of the placeholder exercise 8.1. Replace it with
your chapter's checks — one ``@exercise("8.k", …)`` per exercise, built from property cases plus the cases that
catch the usual misconceptions, each with a hint that diagnoses without giving the answer (see
:mod:`course_utils.grading`).

Exercise 8.1: ``answer(A)`` for a symmetric positive-definite ``A`` of shape (n, n) returns the largest stable
learning rate of gradient descent on :math:`f(\theta) = \tfrac12 \theta^\top A \theta`, :math:`2/\lambda_{\max}(A)`.
"""

from __future__ import annotations

import numpy as np

from ..cases import HIDDEN_NOTE, as_float_array, check_input_unchanged, diagnose, hidden_rng
from ..registry import exercise

# ===== exercises 8.1–8.2 (helper A: bulk and outliers, the trajectory's PCA plane) =====
# (8.1 below is the scaffold's placeholder: replace it)

_EIGEN_HINT = ("Each step multiplies the component of θ along an eigenvector of A by (1 − ηλ). Gradient descent "
               "converges from every start only if every such factor is smaller than 1 in size: which eigenvalue "
               "limits η?")
_ONE_OVER_HINT = ("At η = 1/λ the sharpest component is zeroed in one step, but larger steps converge too: they "
                  "overshoot and oscillate with a shrinking amplitude. For which η does |1 − ηλ| reach 1?")
_DIAGONAL_HINT = ("The diagonal entries of A are its curvatures along the coordinate axes only; the sharpest "
                  "direction of a non-diagonal A lies elsewhere (along an eigenvector).")
_NUMBER_HINT = "Return one positive float (for instance `float(...)`), not an array, a list or None."


def _one_number(value) -> float | None:
    """``value`` as a float if it is one finite positive number, else None."""
    try:
        x = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return None
    return float(x) if x.shape == () and np.isfinite(x) and x > 0 else None


def _hint(value, A: np.ndarray) -> str:
    """The hint for a wrong ``value``: which misconception it looks like."""
    x = _one_number(value)
    if x is None:
        return _NUMBER_HINT
    lam_max = np.linalg.eigvalsh(A)[-1]
    if np.isclose(x, 1.0 / lam_max, rtol=1e-3):
        return _ONE_OVER_HINT
    if np.isclose(x, 2.0 / np.max(np.diag(A)), rtol=1e-3):
        return _DIAGONAL_HINT
    return _EIGEN_HINT


def _loss_ratio(A: np.ndarray, theta0: np.ndarray, lr: float, steps: int = 500) -> float:
    """f(θ_steps) / f(θ_0) for gradient descent with step ``lr`` (inf or nan once it has blown up)."""
    theta = theta0.copy()
    with np.errstate(all="ignore"):
        for _ in range(steps):
            theta = theta - lr * (A @ theta)
        return float((theta @ A @ theta) / (theta0 @ A @ theta0))


def _random_spd(rng: np.random.Generator, n: int) -> np.ndarray:
    q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return q @ np.diag(rng.uniform(1.0, 10.0, size=n)) @ q.T


@exercise("8.1", title="The largest stable learning rate", budget=5.0)
def check_largest_stable_lr(answer, t):
    """answer(A) -> η* = 2/λ_max(A) for A symmetric positive definite, shape (n, n) -> float; A unchanged."""
    A = np.diag([1.0, 10.0])
    value = answer(A.copy())
    t.close(value, 2.0 / 10.0, case="A = diag(1, 10)", rtol=1e-6, hint=_hint(value, A))

    c = np.sqrt(0.5)
    R = np.array([[c, -c], [c, c]])
    A = R @ np.diag([1.0, 10.0]) @ R.T  # its diagonal is (5.5, 5.5): the sharp direction is off the axes
    value = answer(A.copy())
    t.close(value, 2.0 / 10.0, case="A = diag(1, 10) rotated by 45° (diagonal entries 5.5 and 5.5)", rtol=1e-6,
            hint=_hint(value, A))

    # The defining property, whatever the formula: just below η* GD converges, just above it diverges.
    rng = np.random.default_rng(0)
    for k in range(3):
        A, theta0 = _random_spd(rng, 4), rng.standard_normal(4)
        value = answer(A.copy())
        lr = _one_number(value)
        case = f"random 4×4 symmetric positive-definite A #{k + 1}, 500 steps of gradient descent from a random start"
        if lr is None:
            t.fail("your function did not return one positive finite number", case=case, hint=_NUMBER_HINT)
            t.fail("your function did not return one positive finite number", case=case, hint=_NUMBER_HINT)
            continue
        ratio = _loss_ratio(A, theta0, 0.99 * lr)
        t.true(ratio < 1e-6, case=case + ", at 0.99 × your η (it must converge)",
               message=("gradient descent diverges just below your learning rate: it is too large" if not ratio <= 1
                        else "gradient descent has not converged after 500 steps just below your learning rate"),
               hint=_hint(value, A))
        t.true(_loss_ratio(A, theta0, 1.01 * lr) > 1, case=case + ", at 1.01 × your η (it must diverge)",
               message="gradient descent still converges just above your learning rate: it is not the largest",
               hint=_hint(value, A))

    A = np.diag([2.0, 5.0])
    before = A.copy()
    answer(A)
    t.true(np.array_equal(A, before), case="the input A after the call (it must be unchanged)",
           message="your function changed the caller's A in place",
           hint="Work on a copy (`A.copy()`) if you need to modify the matrix.")


# ===== end of exercises 8.1–8.2 =====


# ===== exercises 8.3–8.4 (helper B: batch size, edge of stability) =====

# ---------------------------------------------------------------------------------------------------------------
# 8.3 plateau_ratio(steps, lambda_max, lr): the late-phase median of the sharpness, in units of 2/η

_PLATEAU_IN_PLACE = ("Your function changed the arrays it was given (np.ndarray.sort, an in-place operation or a "
                     "slice assignment on an argument): work on copies and leave the caller's arrays alone.")
_PLATEAU_NUMBER = "Return one finite float (for instance `float(...)`), not an array, a list or None."
_PLATEAU_THRESHOLD = ("Your ratio is off by a constant factor: compare with the stability threshold of gradient "
                      "descent on a quadratic — for which step sizes does |1 − ηλ| stay below 1?")
_PLATEAU_MEAN = ("Your value is pulled by single spikes and dips: at the edge of stability one sample can sit far "
                 "above or below the level the run hovers at. Use a statistic that a few outliers cannot move.")
_PLATEAU_WHOLE = ("Your value includes the early samples, taken while the sharpness was still rising: the plateau is "
                  "what the run does in its late phase only.")
_PLATEAU_LAST = "A single sample (the last one) swings at the edge of stability: summarise the whole late phase."
_PLATEAU_INDEX = ("The late phase is defined by the training step, not by the sample's position in the array: here "
                  "the samples are not evenly spaced in steps.")
_PLATEAU_DEFAULT = ("Select the samples of the late phase (steps ≥ half the last step), summarise them robustly, and "
                    "express the result in units of the stability threshold.")


def _late(steps, lam):
    return lam[steps >= 0.5 * steps[-1]]


def _plateau_mistakes(steps, lam, lr):
    thr = 2.0 / lr
    late = _late(steps, lam)
    return [
        (np.median(late) * lr, _PLATEAU_THRESHOLD), (np.median(late) / (4.0 / lr), _PLATEAU_THRESHOLD),
        (np.median(late) * thr, _PLATEAU_THRESHOLD), (np.median(late), _PLATEAU_THRESHOLD),
        (np.mean(late) / thr, _PLATEAU_MEAN),
        (np.median(lam) / thr, _PLATEAU_WHOLE), (np.mean(lam) / thr, _PLATEAU_WHOLE),
        (lam[-1] / thr, _PLATEAU_LAST),
        (np.median(lam[len(lam) // 2:]) / thr, _PLATEAU_INDEX), (np.median(lam[(len(lam) - 1) // 2:]) / thr, _PLATEAU_INDEX),
    ]


def _eos_trace(rng, lr, steps):
    """A made-up edge-of-stability trace: a linear rise to 2/η, then noise around 1.04·2/η with a spike and a dip."""
    thr = 2.0 / lr
    T = steps[-1]
    rise = np.minimum(1.0, 0.35 + steps / (0.35 * T))
    lam = thr * (rise + (steps > 0.35 * T) * (0.04 + 0.02 * rng.standard_normal(steps.size)))
    late = np.nonzero(steps >= 0.5 * T)[0]
    lam[late[1]] = 1.8 * thr        # a spike ...
    lam[late[-3]] = 0.4 * thr       # ... and a catapult dip
    return lam


@exercise("8.3", title="Where the sharpness hovers, in units of 2/η", budget=2.0)
def check_plateau_ratio(answer, t):
    """answer(steps, lambda_max, lr) -> float: median of lambda_max over steps >= steps[-1]/2, divided by 2/lr."""
    hidden = hidden_rng()
    cases = []
    steps = np.arange(0, 501, 20)
    cases.append((steps, _eos_trace(np.random.default_rng(0), 2.0, steps), 2.0,
                  "η = 2, λ_max sampled every 20 steps up to 500 (a rise, then a spike and a dip late)"))
    steps = np.r_[np.arange(0, 100, 2), np.arange(100, 601, 50)]  # dense early, sparse late
    lam = _eos_trace(np.random.default_rng(1), 0.5, steps)
    lam[:50] = np.linspace(0.3, 0.95, 50) * 4.0                     # the early samples rise to 0.95·2/η
    cases.append((steps, lam, 0.5, "η = 0.5, sampled every 2 steps up to 100, then every 50 up to 600"))
    for _ in range(2):
        lr = float(hidden.uniform(0.05, 3.0))
        every = int(hidden.integers(3, 12))
        steps = np.arange(0, every * int(hidden.integers(20, 40)) + 1, every)
        cases.append((steps, _eos_trace(hidden, lr, steps), lr,
                      f"η = {lr:.3f}, sampled every {every} steps {HIDDEN_NOTE}"))
    for steps, lam, lr, case in cases:
        expected = float(np.median(_late(steps, lam)) / (2.0 / lr))
        args = [steps.copy(), lam.copy(), lr]
        before = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
        value = answer(*args)
        check_input_unchanged(t, before[:2], args[:2], case=case + ": the inputs after the call",
                              message="your function modified its input arrays", hint=_PLATEAU_IN_PLACE)
        x = as_float_array(value, ())
        if x is None:
            t.fail(f"expected one finite number, got {type(value).__name__}", case=case, hint=_PLATEAU_NUMBER)
            continue
        t.close(float(x), expected, case=case, rtol=1e-9,
                hint=diagnose(float(x), _plateau_mistakes(steps, lam, lr), _PLATEAU_DEFAULT, expected=expected,
                              rtol=1e-9))


# ---------------------------------------------------------------------------------------------------------------
# 8.4 filter_normalize(direction, weights): Li et al.'s filter normalisation of a random direction, for an MLP

_FN_IN_PLACE = ("Your function changed the arrays it was given (an in-place *=, /= or slice assignment on an "
                "argument, or an alias of it): build new arrays and leave the caller's alone.")
_FN_TYPE = ("Return a list with one (W, b) tuple of NumPy arrays per layer, with the same shapes as the layers "
            "you were given.")
_FN_GLOBAL = ("You rescaled the whole direction by one number: with one scale for all layers, a layer with small "
              "weights gets steps as large as any other. Each filter needs its own scale.")
_FN_LAYER = ("Each weight matrix got a single scale factor (its norm matched as a whole): the normalisation works "
             "filter by filter, so that every unit of a layer is moved in proportion to its own weights.")
_FN_ROWS = ("You normalised rows of W. A layer computes h @ W + b: which axis of W holds one output unit's incoming "
            "weights?")
_FN_UNIT = ("Your filters all have norm 1: each filter of the direction must get the size of the same filter of "
            "the weights, not a fixed size.")
_FN_BIAS_KEPT = ("The direction's biases are unchanged: in this convention (the one the course's `surfaces` module "
                 "uses by default) the direction does not move the biases at all.")
_FN_BIAS_COPY = ("The direction's biases equal the weights' biases: that is another option of Li et al.'s code; here "
                 "the direction does not move the biases at all.")
_FN_BIAS_NORM = ("The biases were normalised like a filter: in this convention the direction does not move the "
                 "biases at all.")
_FN_DEFAULT = ("For each layer and each output unit, rescale the direction's incoming weights of that unit to the "
               "norm of the same unit's weights in θ; leave the direction's biases out of the step.")


def _fn_reference(direction, weights, *, axis=0, per="filter", bias="zero"):
    out = []
    for (Wd, bd), (Wt, bt) in zip(direction, weights):
        if per == "filter":
            Wn = Wd * (np.linalg.norm(Wt, axis=axis, keepdims=True) / (np.linalg.norm(Wd, axis=axis, keepdims=True)
                                                                       + 1e-10))
        elif per == "unit":
            Wn = Wd / (np.linalg.norm(Wd, axis=axis, keepdims=True) + 1e-10)
        else:
            Wn = Wd * (np.linalg.norm(Wt) / (np.linalg.norm(Wd) + 1e-10))
        b = {"zero": np.zeros_like(bd), "keep": bd, "copy": bt,
             "norm": bd * np.linalg.norm(bt) / (np.linalg.norm(bd) + 1e-10)}[bias]
        out.append((Wn, b))
    return out


def _flat(layers):
    return np.concatenate([np.r_[np.ravel(W), np.ravel(b)] for W, b in layers])


def _fn_mistakes(direction, weights):
    def weights_only(layers):
        return np.linalg.norm(np.concatenate([np.ravel(W) for W, _ in layers]))

    w_only = weights_only(weights) / weights_only(direction)          # weights' norms only, biases aside
    with_b = np.linalg.norm(_flat(weights)) / np.linalg.norm(_flat(direction))   # everything in one vector
    return [
        (_flat([(W * w_only, np.zeros_like(b)) for W, b in direction]), _FN_GLOBAL),
        (_flat([(W * w_only, b * w_only) for W, b in direction]), _FN_GLOBAL),
        (_flat([(W * with_b, b * with_b) for W, b in direction]), _FN_GLOBAL),
        (_flat([(W * with_b, np.zeros_like(b)) for W, b in direction]), _FN_GLOBAL),
        (_flat(_fn_reference(direction, weights, per="layer")), _FN_LAYER),
        (_flat(_fn_reference(direction, weights, per="layer", bias="norm")), _FN_LAYER),
        (_flat(_fn_reference(direction, weights, axis=1)), _FN_ROWS),
        (_flat(_fn_reference(direction, weights, per="unit")), _FN_UNIT),
        (_flat(_fn_reference(direction, weights, bias="keep")), _FN_BIAS_KEPT),
        (_flat(_fn_reference(direction, weights, bias="copy")), _FN_BIAS_COPY),
        (_flat(_fn_reference(direction, weights, bias="norm")), _FN_BIAS_NORM),
    ]


def _layers(rng, widths, scales):
    return [(s * rng.standard_normal((a, b)) * rng.uniform(0.2, 3.0, size=b), s * rng.standard_normal(b))
            for a, b, s in zip(widths[:-1], widths[1:], scales)]


def _layers_ok(value, reference) -> bool:
    if not isinstance(value, (list, tuple)) or len(value) != len(reference):
        return False
    for layer, (W, b) in zip(value, reference):
        if not (isinstance(layer, (list, tuple)) and len(layer) == 2):
            return False
        if any(as_float_array(v, np.shape(r)) is None for v, r in zip(layer, (W, b))):
            return False
    return True


@exercise("8.4", title="Filter normalisation of a direction", budget=2.0)
def check_filter_normalize(answer, t):
    """answer(direction, weights) -> [(W', b'), ...]: each column of W' has the norm of the same column of θ's W;
    biases zero."""
    hidden = hidden_rng()
    rng = np.random.default_rng(4)
    cases = [(_layers(rng, (3, 4, 2), (1.0, 1.0)), _layers(rng, (3, 4, 2), (0.5, 2.0)),
              "a 3-4-2 network (two layers, biases non-zero)")]
    cases.append((_layers(rng, (5, 3, 3, 1), (1.0, 1.0, 1.0)), _layers(rng, (5, 3, 3, 1), (3.0, 0.1, 1.0)),
                  "a 5-3-3-1 network whose layers have very different scales"))
    for _ in range(2):
        widths = tuple(int(w) for w in hidden.integers(1, 7, size=int(hidden.integers(3, 5))))
        widths = (int(hidden.integers(2, 6)),) + widths[1:]
        cases.append((_layers(hidden, widths, np.ones(len(widths) - 1)),
                      _layers(hidden, widths, hidden.uniform(0.1, 3.0, size=len(widths) - 1)),
                      f"a random {'-'.join(map(str, widths))} network {HIDDEN_NOTE}"))
    for direction, weights, case in cases:
        expected = _fn_reference(direction, weights)
        args = [[(W.copy(), b.copy()) for W, b in direction], [(W.copy(), b.copy()) for W, b in weights]]
        before = [[(W.copy(), b.copy()) for W, b in a] for a in args]
        value = answer(*args)
        check_input_unchanged(t, before, args, case=case + ": the inputs after the call",
                              message="your function modified its input arrays", hint=_FN_IN_PLACE)
        if not _layers_ok(value, expected):
            t.fail("expected a list of (W, b) pairs shaped like the layers given", case=case, hint=_FN_TYPE)
            continue
        got = _flat([(np.asarray(W, dtype=float), np.asarray(b, dtype=float)) for W, b in value])
        hint = diagnose(got, _fn_mistakes(direction, weights), _FN_DEFAULT, expected=_flat(expected), rtol=1e-6)
        t.close(got, _flat(expected), case=case, rtol=1e-6, atol=1e-9, hint=hint)


# ===== end of exercises 8.3–8.4 =====


# ===== exercises 8.5–8.6 (helper C: mode connectivity, spawn step) =====


# ===== end of exercises 8.5–8.6 =====
