"""Checks for chapter 7 (Diagnosing training): the range test, clipping by norm, per-layer gradient norms and the
mystery-run diagnoses.

References are independent of the student's code: :func:`course_utils.diagnostics.lr_range_test` for the range
test (the exercise rebuilds its rules, so there is one definition of them), the definition of clipping,
finite-difference-free layer norms from :func:`course_utils.diagnostics.layer_gradient_norms`, and the known
failure of each prepared run (:func:`course_utils.diagnostics.mystery_runs`). Feedback names the failing input
and a hint, never the expected answer.
"""

from __future__ import annotations

import numpy as np

from ... import diagnostics
from ...models import MLP, Quadratic
from ..cases import check_input_unchanged
from ..registry import exercise


def _reference_range_test(objective, theta0, lr_min, lr_max, steps, stop_factor=4.0):
    """The chapter's own range test (the one definition of its rules), as the exercise's ``(lrs, losses)``."""
    result = diagnostics.lr_range_test(objective, theta0, lr_min=lr_min, lr_max=lr_max, steps=steps,
                                       stop_factor=stop_factor)
    return result.lrs, result.losses


def _range_quadratic():
    # a fresh one for the student and for each reference run: an answer cannot change the reference's input
    return Quadratic(np.diag([0.5, 2.0, 8.0]))


@exercise("7.1", title="The learning-rate range test", budget=10.0)
def check_range_test(answer, t):
    """answer(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor=4.0) -> (lrs, losses)."""
    q = _range_quadratic()
    out = answer(q.loss, q.grad, np.ones(3), 1e-3, 1e2, 80)
    if not t.true(isinstance(out, tuple) and len(out) == 2, case="return type",
                  message=f"expected a tuple (lrs, losses), got {type(out).__name__}",
                  hint="return np.array(lrs), np.array(losses)"):
        return
    lrs, losses = (np.asarray(v, dtype=float) for v in out)
    ref_lrs, ref_losses = _reference_range_test(_range_quadratic(), np.ones(3), 1e-3, 1e2, 80)
    t.true(lrs.shape == ref_lrs.shape, case="quadratic diag(0.5, 2, 8), η from 1e-3 to 1e2 over 80 steps: length",
           message=f"{lrs.size} steps were kept",
           hint="Stop at the first loss that is not finite or exceeds stop_factor × the best loss so far, and do not "
                "keep that step.")
    if lrs.shape == ref_lrs.shape:
        t.close(lrs, ref_lrs, rtol=1e-10, case="the same sweep: learning rates",
                hint="η_t = lr_min·(lr_max/lr_min)^(t/(steps−1)), t = 0 … steps−1: the first is lr_min, the last lr_max.")
        t.close(losses, ref_losses, rtol=1e-10, case="the same sweep: losses",
                hint="Record the loss *after* the step taken with η_t.")
    # a sweep that never becomes unstable runs to the end and ends exactly at lr_max
    lrs2, losses2 = (np.asarray(v, dtype=float) for v in answer(q.loss, q.grad, np.ones(3), 1e-4, 0.2, 25))
    t.true(lrs2.size == 25 and abs(lrs2[-1] - 0.2) < 1e-12 and abs(lrs2[0] - 1e-4) < 1e-16,
           case="η from 1e-4 to 0.2 over 25 steps (always stable: 0.2 < 2/8)",
           message=f"got {lrs2.size} steps from {lrs2[0] if lrs2.size else None} to {lrs2[-1] if lrs2.size else None}",
           hint="Geometric spacing that includes both ends; do not stop a stable sweep early.")
    # the stop rule's factor is used
    lrs3, _ = answer(q.loss, q.grad, np.ones(3), 1e-3, 1e2, 80, stop_factor=1.5)
    t.equal(len(lrs3), _reference_range_test(_range_quadratic(), np.ones(3), 1e-3, 1e2, 80, 1.5)[0].size,
            case="the first sweep with stop_factor = 1.5", hint="Use the stop_factor argument, not a fixed 4.")


@exercise("7.2", title="Gradient clipping by norm", budget=5.0)
def check_clip(answer, t):
    """answer(g, max_norm) -> g rescaled to norm at most max_norm (same direction)."""
    g = np.array([3.0, 4.0])
    t.close(answer(g.copy(), 1.0), np.array([0.6, 0.8]), rtol=1e-12, case="g = (3, 4), max_norm = 1",
            hint="Rescale by max_norm / ‖g‖ when ‖g‖ > max_norm: the direction stays, the length becomes max_norm.")
    t.close(answer(g.copy(), 10.0), g, rtol=0, case="g = (3, 4), max_norm = 10 (already short enough)",
            hint="Leave g unchanged when ‖g‖ ≤ max_norm — clipping never lengthens a gradient.")
    t.close(answer(np.zeros(3), 1.0), np.zeros(3), atol=0, case="g = 0, max_norm = 1",
            hint="A zero gradient has no direction; return it unchanged (no division by ‖g‖ = 0).")
    rng = np.random.default_rng(0)
    ok_norm = ok_dir = True
    for _ in range(50):
        v, c = rng.standard_normal(int(rng.integers(1, 8))) * 10 ** rng.uniform(-3, 3), 10 ** rng.uniform(-2, 2)
        out = np.asarray(answer(v.copy(), c), dtype=float)
        ok_norm &= bool(np.linalg.norm(out) <= c * (1 + 1e-12))
        ok_dir &= bool(np.allclose(out * np.linalg.norm(v) / max(np.linalg.norm(out), 1e-300), v, rtol=1e-9))
    t.true(ok_norm, case="50 random gradients and thresholds: ‖result‖ ≤ max_norm",
           hint="The clipped norm must never exceed max_norm.")
    t.true(ok_dir, case="50 random gradients and thresholds: the direction is kept",
           hint="Clip by norm scales the whole vector; clipping each component separately changes the direction.")
    v = np.array([10.0, 0.0])
    answer(v, 1.0)
    check_input_unchanged(t, np.array([10.0]), v[:1], case="the input array after the call",
                          message="your function modified its input g", hint="Return a new array (g * factor), do not scale g in place.")


@exercise("7.3", title="Per-layer gradient norms", budget=10.0)
def check_layer_norms(answer, t):
    """answer(model, theta) -> array (n_layers,) of ‖∂L/∂W_ℓ‖_F (weights only, input layer first)."""
    X, y = diagnostics.flow_data(32)
    for hidden, act, scale in (((6,), "tanh", 1.0), ((5, 4, 3), "relu", 2.0)):
        model = MLP(X, y, hidden=hidden, activation=act, loss="cross_entropy")
        theta = model.init(1, scale=scale)
        out = answer(model, theta.copy())
        t.close(np.asarray(out, dtype=float), diagnostics.layer_gradient_norms(model, theta), rtol=1e-8,
                case=f"MLP 2-{'-'.join(map(str, hidden))}-1 ({act}), init scale {scale}",
                hint="model.unflatten(model.grad(theta)) gives [(dW, db), ...]; take the Frobenius norm of each dW "
                     "(biases excluded), in layer order.")


@exercise("7.4", title="Diagnose the mystery runs", budget=10.0, answer_is_function=False)
def check_mystery(answer, t):
    """answer: {run: (diagnosis, remedy)} for runs "A"–"D" (or a function returning it)."""
    if callable(answer):
        answer = answer()
    try:
        answers = diagnostics.validate_diagnoses(answer)
    except (TypeError, ValueError) as exc:
        t.fail(str(exc), case="the form and spelling of your answer",
               hint="Use the keys of diagnostics.DIAGNOSES and diagnostics.REMEDIES, e.g. ('saddle', 'add_noise').")
        return
    evidence = {
        "A": "compare train and test accuracy, and λ_max with the other runs'",
        "B": "compare η with 2/λ_max, and look at how the loss ends",
        "C": "look at the depth, the per-layer gradient norms and the activation spreads; is λ_min clearly negative?",
        "D": "the gradient is tiny — but is the curvature flat, or is λ_min clearly negative?",
    }
    for run, (diagnosis, remedy) in answers.items():
        truth = _TRUTH[run]
        right = t.true(diagnosis == truth, case=f"run {run}: diagnosis",
                       message=f"{diagnosis!r} does not fit run {run}'s evidence", hint=evidence[run])
        t.true(right and remedy in diagnostics.ACCEPTED_REMEDIES[truth], case=f"run {run}: remedy",
               message=(f"{remedy!r} does not address the problem of run {run}" if right
                        else "get the diagnosis right first: the remedy is graded against it"),
               hint="The remedy must act on the cause: what would change this part of the landscape?")


_TRUTH = {"A": "sharp_minimum", "B": "lr_too_large", "C": "vanishing_gradients", "D": "saddle"}
