"""Checks for chapter 7 (Diagnosing training): the range test, clipping by norm, per-layer gradient norms and the
mystery-run diagnoses.

References are independent of the student's code: :func:`course_utils.diagnostics.lr_range_test` for the range
test (the exercise rebuilds its rules, so there is one definition of them), the definition of clipping,
:func:`course_utils.diagnostics.layer_gradient_norms` for the layer norms, and the known failure of each prepared
run (:func:`course_utils.diagnostics.mystery_runs`). Every check computes its expected values before calling the
answer, runs printed cases and hidden ones drawn afresh on each call (7.4 hands the answer the runs under names
drawn afresh, with repeats, so labels cannot be memorised), and picks each hint by recognising the mistake; no
hint states the formula, the code or the expected answer.
"""

from __future__ import annotations

import dataclasses
import string

import numpy as np

from ... import diagnostics
from ...models import MLP, Quadratic
from ..cases import HIDDEN_NOTE, check_input_unchanged, diagnose, hidden_rng
from ..registry import exercise

_IN_PLACE = ("Your function changed the array it was given (an in-place operation such as *= or a slice "
             "assignment on an argument): return a new array and leave the caller's alone.")

# ---------------------------------------------------------------------------------------------------------------
# 7.1


def _reference_range_test(objective, theta0, lr_min, lr_max, steps, stop_factor=4.0):
    """The chapter's own range test (the one definition of its rules), as the exercise's ``(lrs, losses)``."""
    result = diagnostics.lr_range_test(objective, theta0, lr_min=lr_min, lr_max=lr_max, steps=steps,
                                       stop_factor=stop_factor)
    return np.array(result.lrs, dtype=float), np.array(result.losses, dtype=float)


def _range_variant(q, theta0, lr_min, lr_max, steps, stop_factor, *, keep_bad=False, linear=False,
                   short_exponent=False, loss_before=False, fixed_factor=False, no_floor=False, vs_initial=False):
    """What a misconception of the range test returns (one flag per mistake), for diagnosing hints only.

    ``q`` is the quadratic's matrix A (loss ½θᵀAθ), evaluated here directly: the variants run often.
    """
    A = np.asarray(q, dtype=float)

    class q:  # noqa: N801 - a light stand-in with the course objective's two methods
        loss = staticmethod(lambda th: float(0.5 * th @ A @ th))
        grad = staticmethod(lambda th: A @ th)

    theta = np.array(theta0, dtype=float)
    initial = q.loss(theta)
    floor = 0.0 if no_floor else 1e-12 * max(1.0, abs(initial))
    factor = 4.0 if fixed_factor else stop_factor
    lrs, losses, best = [], [], np.inf
    with np.errstate(all="ignore"):
        for t in range(steps):
            if linear:
                lr = lr_min + (lr_max - lr_min) * t / (steps - 1)
            else:
                lr = lr_min * (lr_max / lr_min) ** (t / (steps if short_exponent else steps - 1))
            before = q.loss(theta)
            theta = theta - lr * q.grad(theta)
            loss = q.loss(theta)
            best = min(best, loss)
            reference = initial if vs_initial else best
            bad = not np.isfinite(loss) or loss > factor * reference + floor
            if bad and not keep_bad:
                break
            lrs.append(lr)
            losses.append(before if loss_before else loss)
            if bad:
                break
    return np.concatenate([lrs, losses])


def _range_hint(lrs, losses, case_args):
    q, theta0, lr_min, lr_max, steps, stop_factor = case_args
    got = np.concatenate([lrs, losses])

    def v(**flags):
        return _range_variant(q, theta0, lr_min, lr_max, steps, stop_factor, **flags)

    expected = v()
    return diagnose(got, [
        (v(fixed_factor=True), "Your stop rule ignores the stop_factor argument."),
        (v(keep_bad=True), "You kept the step that broke the stop rule: the sweep ends *before* that step."),
        (v(linear=True), "Your learning rates grow linearly: the sweep spaces them geometrically (equal ratios)."),
        (v(short_exponent=True), "Your last learning rate falls short of lr_max: check the exponent's denominator "
                                 "(the first step has t = 0, the last t = steps − 1)."),
        (v(loss_before=True), "You recorded the loss before each step: record the loss after the step taken with "
                              "that learning rate."),
        (v(no_floor=True), "Your sweep stops on rounding noise near zero loss: reread the small allowance the "
                           "exercise adds to the stop rule."),
        (v(vs_initial=True), "You compare with the initial loss; the stop rule compares with the best loss so far."),
    ], "Follow the exercise's rules step by step: the learning rate of step t, the step, the loss after it, then "
       "the stop test.", expected=expected, rtol=1e-9, atol=1e-13)


@exercise("7.1", title="The learning-rate range test", budget=10.0)
def check_range_test(answer, t):
    """answer(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor=4.0) -> (lrs, losses)."""
    hidden = hidden_rng()
    cases = [
        (np.diag([0.5, 2.0, 8.0]), 1e-3, 1e2, 80, 4.0, "quadratic diag(0.5, 2, 8), η from 1e-3 to 1e2 over 80 steps"),
        (np.diag([0.5, 2.0, 8.0]), 1e-4, 0.2, 25, 4.0,
         "quadratic diag(0.5, 2, 8), η from 1e-4 to 0.2 over 25 steps (always stable: 0.2 < 2/8)"),
        (np.diag([0.5, 2.0, 8.0]), 1e-3, 1e2, 80, 1.5, "the first sweep with stop_factor = 1.5"),
        (np.diag([1.0, 1.2]), 0.05, 20.0, 60, 2.0,
         "quadratic diag(1, 1.2), η from 0.05 to 20 over 60 steps, stop_factor = 2 (the loss reaches ~1e-20)"),
    ]
    n = int(hidden.integers(2, 6))
    eigs = np.sort(10 ** hidden.uniform(-1, 1.5, n))
    cases.append((np.diag(eigs), float(10 ** hidden.uniform(-4, -2.5)), float(10 ** hidden.uniform(0.5, 2)),
                  int(hidden.integers(30, 90)), float(hidden.uniform(1.5, 6.0)),
                  f"a random {n}-dimensional quadratic and sweep {HIDDEN_NOTE}"))
    lam = float(10 ** hidden.uniform(0, 1))
    cases.append((np.diag([lam, lam / 3]), float(10 ** hidden.uniform(-4, -3)), float(1.5 / lam),
                  int(hidden.integers(15, 40)), 4.0, f"a random quadratic, a sweep that stays stable {HIDDEN_NOTE}"))
    for A, lr_min, lr_max, steps, stop_factor, case in cases:
        theta0 = np.ones(A.shape[0])
        ref_lrs, ref_losses = _reference_range_test(Quadratic(A), theta0, lr_min, lr_max, steps, stop_factor)
        q = Quadratic(A)  # a fresh one for the student: the answer cannot change the reference's input
        given = theta0.copy()
        out = answer(q.loss, q.grad, given, lr_min, lr_max, steps, stop_factor)
        check_input_unchanged(t, theta0, given, case=case + ": theta0 after the call",
                              message="your function modified theta0", hint=_IN_PLACE)
        if not (type(out) is tuple and len(out) == 2 and all(isinstance(v, np.ndarray) for v in out)):
            t.fail(f"expected a tuple (lrs, losses) of two NumPy arrays, got {type(out).__name__}", case=case,
                   hint="Return a tuple of two NumPy arrays (np.array(...)): the learning rates and the losses kept.")
            continue
        lrs, losses = (np.asarray(v, dtype=float) for v in out)
        if lrs.shape != losses.shape or lrs.ndim != 1:
            t.fail("lrs and losses must be flat arrays of the same length", case=case,
                   hint="Keep one learning rate and one loss per step kept.")
            continue
        same = lrs.shape == ref_lrs.shape
        atol = 1e-12 * max(1.0, float(np.sum(np.diag(A))) / 2)
        fine = same and np.allclose(lrs, ref_lrs, rtol=1e-10, atol=0) and np.allclose(losses, ref_losses, rtol=1e-9,
                                                                                      atol=atol)
        hint = None if fine else _range_hint(lrs, losses, (A, theta0, lr_min, lr_max, steps, stop_factor))
        if not t.true(same, case=case + ": the number of steps kept", message=f"{lrs.size} steps were kept",
                      hint=hint):
            continue
        t.close(lrs, ref_lrs, rtol=1e-10, case=case + ": the learning rates", hint=hint)
        t.close(losses, ref_losses, rtol=1e-9, atol=atol, case=case + ": the losses", hint=hint)


# ---------------------------------------------------------------------------------------------------------------
# 7.2

_EPS_CONVENTION = 1e-5  # PyTorch's clip_grad_norm_ divides by ‖g‖ + 1e-6: accept any such guard up to 1e-5


def _clip_hint(out, g, c):
    norm = np.linalg.norm(g)
    with np.errstate(all="ignore"):
        return diagnose(out, [
            (g, "Your result is longer than max_norm: a gradient longer than max_norm must be shortened."),
            (g * (c / norm) if norm > 0 else None,
             "You rescaled a gradient that was already short enough: clipping never lengthens a gradient."),
            (np.clip(g, -c, c), "You clipped each component separately: that changes the direction; clip by norm "
                                "rescales the whole vector."),
            (g / norm if norm > 0 else None, "You normalised g to length 1: the clipped length is max_norm."),
            (g * (c / norm**2) if norm > 0 else None, "Your scale factor divides by the squared norm: check the "
                                                      "length of your result."),
            (g * min(1.0, c / np.abs(g).sum()) if norm > 0 else None,
             "You measured the gradient with the L1 norm (sum of |gᵢ|): clipping by norm uses the Euclidean length."),
            (g * min(1.0, c / np.abs(g).max()) if norm > 0 else None,
             "You measured the gradient by its largest component: clipping by norm uses the Euclidean length."),
        ], "Compare ‖g‖ with max_norm, then look at the length and the direction of your result.",
            rtol=1e-9, atol=1e-15)


def _clip_ok(out, g, c):
    """Whether ``out`` is g clipped to norm c, up to an ε-guard such as PyTorch's max_norm / (‖g‖ + 1e-6)."""
    norm = np.linalg.norm(g)
    if norm == 0:
        return bool(np.all(out == 0))
    # out must be λ·g with λ in [min(1, c / (‖g‖ + ε)), min(1, c / ‖g‖)]
    lam = float(out @ g) / norm**2
    low = min(1.0, c / (norm + _EPS_CONVENTION)) * (1 - 1e-12)
    high = min(1.0, c / norm) * (1 + 1e-12)
    return bool(low <= lam <= high and np.allclose(out, lam * g, rtol=1e-12, atol=1e-15 * norm))


@exercise("7.2", title="Gradient clipping by norm", budget=5.0)
def check_clip(answer, t):
    """answer(g, max_norm) -> g rescaled to norm at most max_norm (same direction); g unchanged."""
    hidden = hidden_rng()
    cases = [(np.array([3.0, 4.0]), 1.0, "g = (3, 4), max_norm = 1"),
             (np.array([3.0, 4.0]), 10.0, "g = (3, 4), max_norm = 10 (already short enough)"),
             (np.array([0.3, -0.1, 0.2]), 0.5, "g = (0.3, −0.1, 0.2), max_norm = 0.5 (already short enough)"),
             (np.array([10.0, -1.0, 0.5, 2.0]), 2.0, "g = (10, −1, 0.5, 2), max_norm = 2"),
             (np.zeros(3), 1.0, "g = 0, max_norm = 1")]
    for long in (True, True, False):
        P = int(hidden.integers(2, 9))
        g = hidden.standard_normal(P) * 10 ** hidden.uniform(-1, 2)
        norm = float(np.linalg.norm(g))
        c = float(norm * (10 ** hidden.uniform(-2, -0.3) if long else 10 ** hidden.uniform(0.3, 2)))
        cases.append((g, c, f"a random gradient in ℝ^{P}, {'longer' if long else 'shorter'} than max_norm {HIDDEN_NOTE}"))
    for g, c, case in cases:
        given = g.copy()
        out = answer(given, c)
        check_input_unchanged(t, g, given, case=case + ": g after the call", message="your function modified g",
                              hint=_IN_PLACE)
        if not (isinstance(out, np.ndarray) and out.shape == g.shape and out.dtype.kind == "f"):
            t.fail(f"expected a float array of shape {g.shape}, got {type(out).__name__} "
                   f"{getattr(out, 'shape', '')}", case=case, hint="Return a NumPy array of g's shape.")
            continue
        value = np.array(out, dtype=float)
        if not np.all(np.isfinite(value)):
            t.fail("your result contains NaN or inf", case=case,
                   hint=("A zero gradient has no direction to rescale: return it unchanged, without dividing by its "
                         "norm." if not np.any(g) else "Your result is not finite: look at your divisions."))
            continue
        t.true(_clip_ok(value, g, c), case=case, message="your result is not g clipped to norm max_norm",
               hint=_clip_hint(value, g, c))


# ---------------------------------------------------------------------------------------------------------------
# 7.3


def _layer_hint(out, model, theta, expected):
    blocks = model.unflatten(model.grad(theta))
    params = model.unflatten(theta)
    return diagnose(out, [
        (np.array([np.sqrt(np.sum(W**2) + np.sum(b**2)) for W, b in blocks]),
         "Your norms include the biases: the exercise asks for the weights of each layer only."),
        (np.array([np.linalg.norm(b) for _, b in blocks]), "You took the norms of the bias gradients, not of the "
                                                           "weight gradients."),
        (np.array([np.linalg.norm(W) for W, _ in params]), "Those are the norms of the weights themselves: the "
                                                           "exercise asks for the gradient with respect to them."),
        (expected[::-1], "Your layers are in reverse order: the input layer comes first."),
        (expected**2, "You returned squared norms: take the square root."),
        (np.array([np.abs(W).max() for W, _ in blocks]), "You took the largest entry of each block; the exercise "
                                                          "asks for the Frobenius norm."),
        (np.array([np.linalg.norm(W, 2) for W, _ in blocks]), "You took the spectral norm (largest singular value); "
                                                               "the exercise asks for the Frobenius norm."),
    ], "Split the gradient into its layers and take one norm per layer's weights, input layer first.",
        expected=expected, rtol=1e-8, atol=0.0)


@exercise("7.3", title="Per-layer gradient norms", budget=10.0)
def check_layer_norms(answer, t):
    """answer(model, theta) -> array (n_layers,) of ‖∂L/∂W_ℓ‖_F (weights only, input layer first)."""
    X, y = diagnostics.flow_data(32)
    hidden = hidden_rng()
    depth = int(hidden.integers(2, 5))
    cases = [((6,), "tanh", 1.0, 1, ""), ((5, 4, 3), "relu", 2.0, 1, ""),
             (tuple(int(w) for w in hidden.integers(2, 7, depth)), str(hidden.choice(["tanh", "relu"])),
              float(hidden.uniform(0.5, 2.0)), int(hidden.integers(2**31)), " " + HIDDEN_NOTE)]
    for widths, act, scale, seed, extra in cases:
        model = MLP(X, y, hidden=widths, activation=act, loss="cross_entropy")
        theta = model.init(seed, scale=scale)
        expected = np.array(diagnostics.layer_gradient_norms(model, theta), dtype=float)  # before the answer runs
        given = theta.copy()
        out = answer(model, given)
        case = f"MLP 2-{'-'.join(map(str, widths))}-1 ({act}), init scale {scale:.2g}{extra}"
        check_input_unchanged(t, theta, given, case=case + ": theta after the call",
                              message="your function modified theta", hint=_IN_PLACE)
        if not (isinstance(out, np.ndarray) and out.shape == expected.shape):
            t.fail(f"expected a NumPy array of shape {expected.shape}, got {type(out).__name__} "
                   f"{getattr(out, 'shape', '')}", case=case,
                   hint="Return one norm per layer (weights only) as a NumPy array.")
            continue
        value = np.array(out, dtype=float)
        t.close(value, expected, rtol=1e-8, case=case, hint=_layer_hint(value, model, theta, expected))


# ---------------------------------------------------------------------------------------------------------------
# 7.4

_TRUTH = {"A": "overfitting", "B": "lr_too_large", "C": "vanishing_gradients", "D": "saddle"}
# Run D is a saddle created by its initialization (every weight ~1e-6: all hidden units alike, at the origin's
# saddle). Beside the saddle's own remedies, a proper initialization scale (chapter 4) avoids it from the start.
_EXTRA_REMEDIES = {"D": frozenset({"better_init"})}

_EVIDENCE = {
    "overfitting": "Compare the training loss and accuracy with the test loss and accuracy, and note how many "
                   "examples the run trained on. (λ_max compared across different models and data says nothing.)",
    "lr_too_large": "Compare η with 2/λ_max and look at how the loss curve ends.",
    "vanishing_gradients": "Look at the per-layer gradient norms and the activation spreads, and at λ_min: is it "
                           "clearly negative, or essentially zero?",
    "saddle": "The gradient is tiny — but is the curvature flat, or is λ_min clearly negative compared with λ_max?",
}
_CONFUSIONS = {
    ("saddle", "vanishing_gradients"): "Both plateau runs have tiny gradients; what tells a saddle from a flat "
                                       "region is the sign and size of λ_min. Look at it again for this run.",
    ("vanishing_gradients", "saddle"): "Both plateau runs have tiny gradients, but this one's λ_min is essentially "
                                       "zero: look at its per-layer gradient norms and activation spreads.",
    ("overfitting", "lr_too_large"): "A large λ_max alone is not instability: compare η with 2/λ_max, and the "
                                     "train accuracy with the test accuracy.",
}


def _runs_for_check(rng):
    """The four prepared runs, each twice, under 8 distinct names drawn from ``rng``: name → (run, original)."""
    base = diagnostics.mystery_runs()
    originals = [k for k in "ABCD" for _ in range(2)]
    order = rng.permutation(len(originals))
    names = rng.choice(list(string.ascii_uppercase), size=len(originals), replace=False)
    return {str(name): (dataclasses.replace(base[originals[i]], name=str(name)), originals[i])
            for name, i in zip(names, order)}


def _depends_on_order(answer, runs, answers) -> bool:
    """Whether ``answer`` diagnoses some run differently when the same runs come in the opposite dict order."""
    try:
        again = answer(dict(reversed(list(runs.items()))))
    except Exception:  # the first call's verdict stands; a second call is only a probe
        return False
    if type(again) is not dict:
        return False
    return any(type(again.get(name)) is tuple and len(again[name]) == 2 and again[name][0] != value[0]
               for name, value in answers.items())


def _remedy_for(remedy):
    return [d for d, accepted in diagnostics.ACCEPTED_REMEDIES.items() if remedy in accepted]


@exercise("7.4", title="Diagnose the mystery runs", budget=30.0)
def check_mystery(answer, t):
    """answer(runs) -> {name: (diagnosis, remedy)}, for runs given as {name: MysteryRun} under fresh names."""
    given = _runs_for_check(hidden_rng())
    truth = {name: (_TRUTH[orig], diagnostics.ACCEPTED_REMEDIES[_TRUTH[orig]] | _EXTRA_REMEDIES.get(orig, frozenset()))
             for name, (_, orig) in given.items()}  # before the answer runs
    runs = {name: run for name, (run, _) in given.items()}
    out = answer(dict(runs))
    case = f"runs {', '.join(sorted(runs))} (two runs of each kind, under names drawn afresh on every check)"
    if type(out) is not dict:
        t.fail(f"expected a dict {{name: (diagnosis, remedy)}}, got {type(out).__name__}", case=case,
               hint="Return a dict with one entry per run you are given, keyed by the run's name.")
        return
    if set(out) != set(runs) or not all(type(k) is str for k in out):
        t.fail("the dict's keys are not the names of the runs given", case=case,
               hint=("Your keys are not the names of the runs you were given: the names change on every check, so "
                     "key each answer by the name of the run it diagnoses (the dict's keys, or run.name)."))
        return
    answers = {}
    for name, value in out.items():
        if not (type(value) is tuple and len(value) == 2 and all(type(v) is str for v in value)):
            t.fail(f"run {name}: expected a tuple of two plain str (diagnosis, remedy)", case=f"run {name}: the form",
                   hint="Give each run a tuple (diagnosis, remedy) of two plain strings.")
            return
        for word, vocab, kind in ((value[0], diagnostics.DIAGNOSES, "diagnosis"),
                                  (value[1], diagnostics.REMEDIES, "remedy")):
            if word not in vocab:
                tidy = word.strip().lower().replace(" ", "_").replace("-", "_")
                t.fail(f"run {name}: {word!r} is not one of the words of the {kind} list",
                       case=f"run {name}: the spelling",
                       hint=("Spell the words exactly as the lists print them (lower case, with underscores)."
                             if tidy in vocab else f"Choose the {kind} from the printed list of words."))
                return
        answers[name] = value
    copies: dict[str, list[str]] = {}
    for name, (_, orig) in given.items():
        copies.setdefault(orig, []).append(name)
    # The same runs in the opposite order: an answer that reads the dict's order, not the runs, changes its mind.
    # (The twins' test below alone missed it whenever the draw put each wrong answer's twin on the same label.)
    by_place = _depends_on_order(answer, runs, answers)
    for name in sorted(runs):
        diagnosis, remedy = answers[name]
        right, accepted = truth[name]
        twin = next(n for n in copies[given[name][1]] if n != name)
        if diagnosis != right and (by_place or answers[twin][0] != diagnosis):
            hint = ("Two copies of the same run got different diagnoses: decide from each run's numbers, not from "
                    "its name or its place in the dict.")
        else:
            hint = _CONFUSIONS.get((right, diagnosis), _EVIDENCE[right])
        ok = t.true(diagnosis == right, case=f"run {name}: diagnosis",
                    message=f"{diagnosis!r} does not fit run {name}'s evidence", hint=hint)
        treats = [d for d in _remedy_for(remedy) if d != right]
        t.true(ok and remedy in accepted, case=f"run {name}: remedy",
               message=(f"{remedy!r} does not address the problem of run {name}" if ok
                        else "get the diagnosis right first: the remedy is graded against it"),
               hint=(None if not ok else
                     f"{remedy!r} treats another problem ({', '.join(treats)}): the remedy must act on this run's "
                     "cause." if treats else "The remedy must act on the cause: what would change this part of the "
                                             "landscape?"))
