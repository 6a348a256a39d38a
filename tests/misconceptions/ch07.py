"""Chapter 7: the learning-rate range test (7.1), clipping by norm (7.2), per-layer gradient norms (7.3), the
mystery-run diagnoses (7.4)."""

import numpy as np

from . import Corpus

corpus = Corpus()
wrong, right = corpus.wrong, corpus.right

# --- 7.1 lr_range_test(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor=4.0) ---------------------


def _sweep(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor, *, keep_bad=False, linear=False,
           short=False, before=False, factor=None, floor=True, vs_initial=False):
    theta = np.array(theta0, dtype=float)
    initial = loss_fn(theta)
    eps = 1e-12 * max(1.0, abs(initial)) if floor else 0.0
    stop = stop_factor if factor is None else factor
    lrs, losses, best = [], [], np.inf
    for t in range(steps):
        lr = (lr_min + (lr_max - lr_min) * t / (steps - 1) if linear
              else lr_min * (lr_max / lr_min) ** (t / (steps if short else steps - 1)))
        old = loss_fn(theta)
        theta = theta - lr * grad_fn(theta)
        loss = loss_fn(theta)
        best = min(best, loss)
        bad = not np.isfinite(loss) or loss > stop * (initial if vs_initial else best) + eps
        if bad and not keep_bad:
            break
        lrs.append(lr)
        losses.append(old if before else loss)
        if bad:
            break
    return np.array(lrs), np.array(losses)


@wrong("7.1", r"kept the step that broke")
def range_keeps_bad_step(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor=4.0):
    """appends the step before testing the stop rule, so the blow-up step is kept"""
    return _sweep(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor, keep_bad=True)


@wrong("7.1", r"grow linearly")
def range_linear(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor=4.0):
    """np.linspace(lr_min, lr_max, steps) instead of geometric spacing"""
    return _sweep(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor, linear=True)


@wrong("7.1", r"falls short of lr_max")
def range_short_exponent(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor=4.0):
    """exponent t / steps: the last learning rate is below lr_max"""
    return _sweep(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor, short=True)


@wrong("7.1", r"loss before each step")
def range_loss_before(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor=4.0):
    """records the loss at the start of each step"""
    return _sweep(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor, before=True)


@wrong("7.1", r"ignores the stop_factor")
def range_fixed_factor(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor=4.0):
    """hard-codes the factor 4"""
    return _sweep(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor, factor=4.0)


@wrong("7.1", r"rounding noise near zero")
def range_no_floor(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor=4.0):
    """leaves out the 1e-12 allowance: stops when losses creep about near zero"""
    return _sweep(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor, floor=False)


@wrong("7.1", r"initial loss")
def range_vs_initial(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor=4.0):
    """compares with the initial loss instead of the best so far"""
    return _sweep(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor, vs_initial=True)


@wrong("7.1", r"changed the array it was given")
def range_in_place(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor=4.0):
    """updates theta0 in place (theta = theta0; theta -= …)"""
    theta = theta0
    floor = 1e-12 * max(1.0, abs(loss_fn(theta)))
    lrs, losses, best = [], [], np.inf
    for t in range(steps):
        lr = lr_min * (lr_max / lr_min) ** (t / (steps - 1))
        theta -= lr * grad_fn(theta)
        loss = loss_fn(theta)
        best = min(best, loss)
        if not np.isfinite(loss) or loss > stop_factor * best + floor:
            break
        lrs.append(lr)
        losses.append(loss)
    return np.array(lrs), np.array(losses)


@wrong("7.1", r"tuple of two NumPy arrays")
def range_lists(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor=4.0):
    """returns Python lists"""
    lrs, losses = _sweep(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor)
    return list(lrs), list(losses)


@right("7.1")
def range_geomspace(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor=4.0):
    """np.geomspace for the rates, a running minimum, slicing at the stop"""
    rates = np.geomspace(lr_min, lr_max, steps)
    theta = np.asarray(theta0, dtype=float).copy()
    allowance = 1e-12 * max(1.0, abs(loss_fn(theta)))
    losses, best = [], np.inf
    for lr in rates:
        theta = theta - lr * grad_fn(theta)
        value = loss_fn(theta)
        best = min(best, value)
        if not (np.isfinite(value) and value <= stop_factor * best + allowance):
            break
        losses.append(value)
    return rates[: len(losses)].copy(), np.array(losses, dtype=float)


@right("7.1")
def range_while(loss_fn, grad_fn, theta0, lr_min, lr_max, steps, stop_factor=4.0):
    """a while loop and logarithms: η_t = exp(log lr_min + t/(T−1) log(lr_max/lr_min))"""
    theta, t = theta0 + 0.0, 0
    floor = 1e-12 * max(1.0, abs(loss_fn(theta0)))
    lrs, losses, best = np.empty(0), np.empty(0), np.inf
    while t < steps:
        lr = np.exp(np.log(lr_min) + t / (steps - 1) * np.log(lr_max / lr_min))
        theta = theta - lr * grad_fn(theta)
        loss = loss_fn(theta)
        best = loss if loss < best else best
        if np.isnan(loss) or np.isinf(loss) or loss - stop_factor * best > floor:
            break
        lrs, losses = np.append(lrs, lr), np.append(losses, loss)
        t += 1
    return lrs, losses


# --- 7.2 clip_by_norm(g, max_norm) ----------------------------------------------------------------------------


@wrong("7.2", r"longer than max_norm")
def clip_never(g, max_norm):
    """compares the wrong way round: rescales short gradients, leaves long ones alone"""
    norm = np.linalg.norm(g)
    return g * (max_norm / norm) if 0 < norm < max_norm else g.copy()


@wrong("7.2", r"never lengthens")
def clip_always(g, max_norm):
    """always rescales to length max_norm"""
    norm = np.linalg.norm(g)
    return g * (max_norm / norm) if norm > 0 else g.copy()


@wrong("7.2", r"each component separately")
def clip_components(g, max_norm):
    """clips each component to [−max_norm, max_norm] (clip by value)"""
    return np.clip(g, -max_norm, max_norm)


@wrong("7.2", r"length 1")
def clip_unit(g, max_norm):
    """normalises a long gradient to unit length"""
    norm = np.linalg.norm(g)
    return g / norm if norm > max_norm else g.copy()


@wrong("7.2", r"L1 norm")
def clip_l1(g, max_norm):
    """measures the gradient with np.abs(g).sum()"""
    norm = np.abs(g).sum()
    return g * (max_norm / norm) if norm > max_norm else g.copy()


@wrong("7.2", r"changed the array it was given")
def clip_in_place(g, max_norm):
    """scales g in place"""
    norm = np.linalg.norm(g)
    if norm > max_norm:
        g *= max_norm / norm
    return g


@wrong("7.2", r"zero gradient has no direction")
def clip_divides_zero(g, max_norm):
    """normalises first, then scales: g / ‖g‖ · min(‖g‖, max_norm) is 0/0 at g = 0"""
    norm = np.linalg.norm(g)
    with np.errstate(all="ignore"):
        return g / norm * min(norm, max_norm)


@right("7.2")
def clip_pytorch(g, max_norm):
    """PyTorch's clip_grad_norm_ convention: coefficient max_norm / (‖g‖ + 1e-6), clamped to 1"""
    coef = min(max_norm / (np.linalg.norm(g) + 1e-6), 1.0)
    return g * coef


@right("7.2")
def clip_minimum(g, max_norm):
    """g · min(1, c/‖g‖) with a guard against dividing by zero"""
    norm = float(np.sqrt(np.sum(g * g)))
    return g * min(1.0, max_norm / max(norm, np.finfo(float).tiny))


@right("7.2")
def clip_where(g, max_norm):
    """np.where on the norm, new array either way"""
    norm = np.linalg.norm(g)
    return np.where(norm > max_norm, g * (max_norm / (norm if norm > 0 else 1.0)), g).astype(float)


# --- 7.3 layer_gradient_norms(model, theta) -------------------------------------------------------------------


@wrong("7.3", r"include the biases")
def layers_with_biases(model, theta):
    """norm of each layer's weights and biases together"""
    return np.array([np.sqrt(np.sum(W**2) + np.sum(b**2)) for W, b in model.unflatten(model.grad(theta))])


@wrong("7.3", r"bias gradients")
def layers_biases_only(model, theta):
    """takes the second element of each pair"""
    return np.array([np.linalg.norm(b) for _, b in model.unflatten(model.grad(theta))])


@wrong("7.3", r"weights themselves")
def layers_parameter_norms(model, theta):
    """unflattens theta instead of the gradient"""
    return np.array([np.linalg.norm(W) for W, _ in model.unflatten(theta)])


@wrong("7.3", r"reverse order")
def layers_reversed(model, theta):
    """output layer first, as in backpropagation"""
    return np.array([np.linalg.norm(W) for W, _ in reversed(model.unflatten(model.grad(theta)))])


@wrong("7.3", r"squared norms")
def layers_squared(model, theta):
    """forgets the square root"""
    return np.array([np.sum(W**2) for W, _ in model.unflatten(model.grad(theta))])


@wrong("7.3", r"spectral norm")
def layers_spectral(model, theta):
    """np.linalg.norm(W, 2) on a matrix is the largest singular value"""
    return np.array([np.linalg.norm(W, 2) for W, _ in model.unflatten(model.grad(theta))])


@wrong("7.3", r"NumPy array")
def layers_list(model, theta):
    """returns a list of floats"""
    return [float(np.linalg.norm(W)) for W, _ in model.unflatten(model.grad(theta))]


@right("7.3")
def layers_sqrt_sum(model, theta):
    """square root of the sum of squares, collected in a preallocated array"""
    blocks = model.unflatten(model.grad(theta))
    out = np.zeros(len(blocks))
    for i, (dW, _) in enumerate(blocks):
        out[i] = np.sqrt((dW * dW).sum())
    return out


@right("7.3")
def layers_ravel(model, theta):
    """Euclidean norm of each flattened weight block, with the Frobenius order argument"""
    return np.array([np.linalg.norm(np.ravel(W)) for W, _ in model.unflatten(model.grad(theta.copy()))])


# --- 7.4 diagnose_runs(runs) ----------------------------------------------------------------------------------


def _rules(run, *, saddle_rule=True, gap_rule=True, remedies=None):
    remedies = remedies or {}
    if run.diverged_at is not None or run.lr > 2 / run.lambda_max:
        d = "lr_too_large"
    elif gap_rule and run.train_accuracy - run.test_accuracy > 0.1:
        d = "overfitting"
    elif not gap_rule and run.lambda_max > 10:
        d = "lr_too_large"
    elif saddle_rule and run.lambda_min < -0.1 * run.lambda_max:
        d = "saddle"
    else:
        d = "vanishing_gradients"
    default = {"lr_too_large": "lower_lr", "overfitting": "more_data", "saddle": "add_noise",
               "vanishing_gradients": "better_init"}
    return d, remedies.get(d, default[d])


@wrong("7.4", r"names of the runs you were given")
def mystery_fixed_labels(runs):
    """the labels found once for runs A–D, returned whatever runs are given"""
    return {"A": ("overfitting", "more_data"), "B": ("lr_too_large", "lower_lr"),
            "C": ("vanishing_gradients", "better_init"), "D": ("saddle", "add_noise")}


@wrong("7.4", r"not from its name or its place")
def mystery_by_position(runs):
    """hands out the four labels by the runs' order in the dict"""
    labels = [("overfitting", "more_data"), ("lr_too_large", "lower_lr"), ("vanishing_gradients", "better_init"),
              ("saddle", "add_noise")]
    return {name: labels[i % 4] for i, name in enumerate(runs)}


@wrong("7.4", r"sign and size of λ_min")
def mystery_plateau_is_vanishing(runs):
    """every plateau with a tiny gradient is called vanishing gradients (λ_min ignored)"""
    return {name: _rules(run, saddle_rule=False) for name, run in runs.items()}


@wrong("7.4", r"large λ_max alone is not instability")
def mystery_large_curvature_is_lr(runs):
    """a large λ_max is read as a learning rate that is too large"""
    return {name: _rules(run, gap_rule=False) for name, run in runs.items()}


@wrong("7.4", r"treats another problem")
def mystery_overfit_clipped(runs):
    """right diagnoses, but gradient clipping for the overfitting run"""
    return {name: _rules(run, remedies={"overfitting": "clip_gradients"}) for name, run in runs.items()}


@wrong("7.4", r"treats another problem")
def mystery_saddle_lower_lr(runs):
    """right diagnoses, but a lower learning rate for the saddle"""
    return {name: _rules(run, remedies={"saddle": "lower_lr"}) for name, run in runs.items()}


@wrong("7.4", r"treats another problem")
def mystery_vanishing_clip(runs):
    """right diagnoses, but gradient clipping for the vanishing gradients"""
    return {name: _rules(run, remedies={"vanishing_gradients": "clip_gradients"}) for name, run in runs.items()}


@wrong("7.4", r"exactly as the lists print them")
def mystery_capitalised(runs):
    """writes the words as in prose ("Saddle", "add noise")"""
    return {name: tuple(w.replace("_", " ").capitalize() for w in _rules(run)) for name, run in runs.items()}


@wrong("7.4", r"tuple \(diagnosis, remedy\)")
def mystery_list_values(runs):
    """gives each run a list [diagnosis, remedy]"""
    return {name: list(_rules(run)) for name, run in runs.items()}


@right("7.4")
def mystery_layers_and_init(runs):
    """reads the per-layer gradients and activation spreads; better_init for the init-made saddle"""
    out = {}
    for name, run in runs.items():
        if run.diverged_at is not None or not np.all(np.isfinite(run.losses)):
            out[name] = ("lr_too_large", "lower_lr")
        elif run.train_accuracy > 0.95 and run.test_accuracy < run.train_accuracy - 0.05:
            out[name] = ("overfitting", "weight_decay")
        elif run.lambda_min < -0.1:
            out[name] = ("saddle", "better_init")  # D started at ~1e-6: a proper init scale avoids the saddle
        else:
            out[name] = ("vanishing_gradients", "skip_connections")
    return out


@right("7.4")
def mystery_curvature_first(runs):
    """η against 2/λ_max, then the generalization gap in test loss, then λ_min relative to λ_max"""
    out = {}
    for name, run in runs.items():
        if run.lr * run.lambda_max > 2:
            out[name] = ("lr_too_large", "lower_lr")
        elif run.test_losses[-1] > 3 * run.losses[-1]:
            out[name] = ("overfitting", "more_data")
        elif abs(run.lambda_min) > 0.05 * run.lambda_max:
            out[name] = ("saddle", "second_order")
        else:
            out[name] = ("vanishing_gradients", "better_init")
    return out
