"""Chapter 5: a SAM step (5.1), random-direction sharpness (5.2), the stability threshold (5.3), Dinh et al.'s
rescaling of a ReLU network (5.4)."""

import numpy as np

from . import Corpus

corpus = Corpus()
wrong, right = corpus.wrong, corpus.right


# --- 5.1 sam_step(grad, theta, lr, rho) ----------------------------------------------------------------------


@wrong("5.1", r"length ρ exactly")
def sam_unnormalized(grad, theta, lr, rho):
    """perturbs by ρ·g without normalising"""
    return theta - lr * grad(theta + rho * grad(theta))


@wrong("5.1", r"step starts from θ")
def sam_from_perturbed(grad, theta, lr, rho):
    """steps from θ + ε instead of θ"""
    g = grad(theta)
    n = np.linalg.norm(g)
    eps = rho * g / n if n > 0 else 0 * g
    return theta + eps - lr * grad(theta + eps)


@wrong("5.1", r"plain gradient step")
def sam_plain_gd(grad, theta, lr, rho):
    """uses the gradient at θ for the step"""
    g = grad(theta)
    return theta - lr * g


@wrong("5.1", r"goes downhill")
def sam_minus(grad, theta, lr, rho):
    """perturbs against the gradient"""
    g = grad(theta)
    n = np.linalg.norm(g)
    eps = -rho * g / n if n > 0 else 0 * g
    return theta - lr * grad(theta + eps)


@wrong("5.1", r"squared norm")
def sam_squared_norm(grad, theta, lr, rho):
    """divides by ‖g‖²"""
    g = grad(theta)
    n2 = float(g @ g)
    eps = rho * g / n2 if n2 > 0 else 0 * g
    return theta - lr * grad(theta + eps)


@wrong("5.1", r"0/0")
def sam_no_guard(grad, theta, lr, rho):
    """no special case at g = 0 (0/0 gives NaN)"""
    g = grad(theta)
    with np.errstate(all="ignore"):
        eps = rho * g / np.linalg.norm(g)
    return theta - lr * grad(theta + eps)


@wrong("5.1", r"changed the caller's θ")
def sam_inplace(grad, theta, lr, rho):
    """perturbs θ in place and steps from it after undoing"""
    g = grad(theta)
    n = np.linalg.norm(g)
    eps = rho * g / n if n > 0 else 0 * g
    theta += eps
    g_adv = grad(theta)
    theta -= eps
    theta -= lr * g_adv
    return theta


@right("5.1")
def sam_small_epsilon(grad, theta, lr, rho):
    """normalises with ‖g‖ + 1e-12, as SAM implementations do"""
    g = grad(theta)
    eps = rho * g / (np.sqrt(np.sum(g * g)) + 1e-12)
    return theta - lr * grad(theta + eps)


@right("5.1")
def sam_np_divide(grad, theta, lr, rho):
    """np.divide with a where mask"""
    theta = np.asarray(theta, dtype=float)
    g = np.asarray(grad(theta), dtype=float)
    norm = np.linalg.norm(g)
    unit = np.divide(g, norm, out=np.zeros_like(g), where=norm > 0)
    return theta - lr * np.asarray(grad(theta + rho * unit))


# --- 5.2 random_sharpness(loss, theta, radius, n, rng) ---------------------------------------------------------


def _sharp(loss, theta, radius, n, rng, *, draw=None, combine=None, count=None):
    m = n if count is None else count
    u = rng.standard_normal((m, theta.size)) if draw is None else draw(rng, m, theta.size)
    u = u / np.linalg.norm(u, axis=1, keepdims=True)
    base = loss(theta)
    inc = np.array([loss(theta + radius * d) - base for d in u])
    if combine is None:
        return float(inc.max()), float(inc.mean())
    return combine(inc, base)


@wrong("5.2", r"coordinate axes")
def sharp_axes(loss, theta, radius, n, rng):
    """random ± coordinate axes as directions"""
    def draw(rng, m, P):
        u = np.zeros((m, P))
        u[np.arange(m), rng.integers(P, size=m)] = rng.choice([-1.0, 1.0], size=m)
        return u
    return _sharp(loss, theta, radius, n, rng, draw=draw)


@wrong("5.2", r"not uniform on the sphere")
def sharp_cube(loss, theta, radius, n, rng):
    """normalises uniform-cube vectors"""
    return _sharp(loss, theta, radius, n, rng, draw=lambda rng, m, P: rng.uniform(-1, 1, (m, P)))


@wrong("5.2", r"absolute value")
def sharp_abs(loss, theta, radius, n, rng):
    """|L(θ + ru) − L(θ)|"""
    return _sharp(loss, theta, radius, n, rng, combine=lambda inc, b: (float(np.abs(inc).max()),
                                                                      float(np.abs(inc).mean())))


@wrong("5.2", r"did not use n directions")
def sharp_ten(loss, theta, radius, n, rng):
    """10 directions whatever n"""
    return _sharp(loss, theta, radius, n, rng, count=10)


@wrong("5.2", r"unit vector before")
def sharp_unnormalised(loss, theta, radius, n, rng):
    """Gaussian directions scaled by r without normalising"""
    u = rng.standard_normal((n, theta.size))
    base = loss(theta)
    inc = np.array([loss(theta + radius * d) - base for d in u])
    return float(inc.max()), float(inc.mean())


@wrong("5.2", r"subtract the loss at θ")
def sharp_no_base(loss, theta, radius, n, rng):
    """returns the perturbed losses, not their increases"""
    return _sharp(loss, theta, radius, n, rng, combine=lambda inc, b: (float((inc + b).max()),
                                                                      float((inc + b).mean())))


@wrong("5.2", r"wrong order")
def sharp_swapped(loss, theta, radius, n, rng):
    """returns (average, worst)"""
    return _sharp(loss, theta, radius, n, rng, combine=lambda inc, b: (float(inc.mean()), float(inc.max())))


@wrong("5.2", r"one orthant")
def sharp_orthant(loss, theta, radius, n, rng):
    """|Gaussian| directions: positive orthant only"""
    return _sharp(loss, theta, radius, n, rng, draw=lambda rng, m, P: np.abs(rng.standard_normal((m, P))))


@wrong("5.2", r"generator rng")
def sharp_global(loss, theta, radius, n, rng):
    """draws from np.random instead of rng"""
    return _sharp(loss, theta, radius, n, np.random.default_rng())


@right("5.2")
def sharp_loop(loss, theta, radius, n, rng):
    """one direction at a time, running max and sum"""
    base = loss(theta)
    worst, total = -np.inf, 0.0
    for _ in range(n):
        d = rng.normal(size=theta.shape)
        d = d / np.sqrt(d @ d)
        inc = loss(theta + radius * d) - base
        worst = max(worst, inc)
        total += inc
    return float(worst), total / n


@right("5.2")
def sharp_marsaglia(loss, theta, radius, n, rng):
    """uniform directions by rejection from the ball (another rotation-invariant draw)"""
    base = loss(theta)
    dirs = []
    while len(dirs) < n:
        v = rng.uniform(-1.0, 1.0, theta.size)
        s = np.linalg.norm(v)
        if 0 < s <= 1:
            dirs.append(v / s)
    inc = [loss(theta + radius * d) - base for d in dirs]
    return max(inc), float(np.mean(inc))


# --- 5.3 max_stable_lr(H) ----------------------------------------------------------------------------------------


@wrong("5.3", r"diagonal entries")
def lr_diagonal(H):
    """2 / largest diagonal entry"""
    return 2.0 / np.max(np.diag(H))


@wrong("5.3", r"half the threshold")
def lr_one_over(H):
    """1/λ_max"""
    return 1.0 / np.linalg.eigvalsh(H)[-1]


@wrong("5.3", r"smallest eigenvalue")
def lr_lambda_min(H):
    """uses λ_min"""
    return 2.0 / np.linalg.eigvalsh(H)[0]


@wrong("5.3", r"does not sort")
def lr_eigvals_last(H):
    """takes the last entry of np.linalg.eigvals (unsorted)"""
    return 2.0 / np.linalg.eigvals(H).real[-1]


@wrong("5.3", r"trace")
def lr_trace(H):
    """2 / trace"""
    return 2.0 / np.trace(H)


@wrong("5.3", r"Frobenius")
def lr_frobenius(H):
    """2 / ‖H‖_F"""
    return 2.0 / np.linalg.norm(H)


@right("5.3")
def lr_spectral_norm(H):
    """2 / spectral norm (= λ_max for a positive definite H)"""
    return 2.0 / np.linalg.norm(H, 2)


@right("5.3")
def lr_power_iteration(H):
    """λ_max by power iteration"""
    v = np.ones(len(H)) + np.arange(len(H)) * 0.1
    for _ in range(5000):
        w = H @ v
        v = w / np.linalg.norm(w)
    return float(2.0 / (v @ H @ v))


# --- 5.4 rescale_layers(layers, alpha) ---------------------------------------------------------------------------


@wrong("5.4", r"bias unscaled")
def rescale_no_b1(layers, alpha):
    """scales W1 but not b1"""
    (W1, b1), (W2, b2) = layers
    return [(alpha * W1, b1.copy()), (W2 / alpha, b2.copy())]


@wrong("5.4", r"output bias")
def rescale_b2(layers, alpha):
    """divides b2 by α too"""
    (W1, b1), (W2, b2) = layers
    return [(alpha * W1, alpha * b1), (W2 / alpha, b2 / alpha)]


@wrong("5.4", r"undo the first layer")
def rescale_w2_times(layers, alpha):
    """multiplies W2 by α"""
    (W1, b1), (W2, b2) = layers
    return [(alpha * W1, alpha * b1), (alpha * W2, b2.copy())]


@wrong("5.4", r"changed the caller's arrays")
def rescale_inplace(layers, alpha):
    """scales the arrays in place"""
    (W1, b1), (W2, b2) = layers
    W1 *= alpha
    b1 *= alpha
    W2 /= alpha
    return [(W1, b1), (W2, b2)]


@wrong("5.4", r"other way round")
def rescale_inverse(layers, alpha):
    """puts 1/α on the first layer and α on the second"""
    (W1, b1), (W2, b2) = layers
    return [(W1 / alpha, b1 / alpha), (alpha * W2, b2.copy())]


@wrong("5.4", r"input array itself")
def rescale_alias_b2(layers, alpha):
    """returns the caller's b2 array itself"""
    (W1, b1), (W2, b2) = layers
    return [(alpha * W1, alpha * b1), (W2 / alpha, b2)]


@wrong("5.4", r"weights must change")
def rescale_identity(layers, alpha):
    """returns copies of the input layers"""
    return [(W.copy(), b.copy()) for W, b in layers]


@right("5.4")
def rescale_comprehension(layers, alpha):
    """per-layer factors in a comprehension, tuples"""
    factors = (alpha, 1.0 / alpha)
    out = [(f * W, f * b if i == 0 else np.array(b, copy=True)) for i, ((W, b), f) in enumerate(zip(layers, factors))]
    return tuple(out)


@right("5.4")
def rescale_multiply(layers, alpha):
    """np.multiply / np.divide and a fresh b2"""
    (W1, b1), (W2, b2) = layers
    return [(np.multiply(W1, alpha), np.multiply(b1, alpha)), (np.divide(W2, alpha), b2 + 0.0)]
