"""Chapter 5: a SAM step (5.1), random-direction sharpness (5.2), where SAM ends on a quadratic (5.3), the Hessian
after Dinh et al.'s rescaling of a ReLU network (5.4)."""

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


# --- 5.3 sam_end_distance(H, lr, rho) ---------------------------------------------------------------------------


def _top(H):
    return np.linalg.eigvalsh(H)[-1]


@wrong("5.3", r"settles at the minimum, as gradient descent")
def end_at_minimum(H, lr, rho):
    """predicts that SAM converges to the minimum, like GD below 2/λ_max"""
    return 0.0


@wrong("5.3", r"perturbation's length ρ")
def end_at_rho(H, lr, rho):
    """treats the perturbation as constant: the fixed point a = (1 − ηλ)a − ηλρ gives |a| = ρ"""
    return rho


@wrong("5.3", r"flattest direction")
def end_flattest(H, lr, rho):
    """follows the smallest eigenvalue (the flat direction, where SAM is slowest)"""
    lam = np.linalg.eigvalsh(H)[0]
    return lr * rho * lam / (2 - lr * lam)


@wrong("5.3", r"ηλ is small")
def end_small_step(H, lr, rho):
    """drops the ηλ term when solving a' = −a (small-step approximation)"""
    return lr * rho * _top(H) / 2


@wrong("5.3", r"sign slipped")
def end_sign_slip(H, lr, rho):
    """solves (2 + ηλ)a = ηλρ instead of (2 − ηλ)a = ηλρ"""
    lam = _top(H)
    return lr * rho * lam / (2 + lr * lam)


@wrong("5.3", r"distance between the two points")
def end_diameter(H, lr, rho):
    """returns the width of the bounce (from one side to the other)"""
    lam = _top(H)
    return 2 * lr * rho * lam / (2 - lr * lam)


@wrong("5.3", r"does not sort")
def end_eigvals_last(H, lr, rho):
    """takes the last entry of np.linalg.eigvals (unsorted)"""
    lam = np.linalg.eigvals(H).real[-1]
    return lr * rho * lam / (2 - lr * lam)


@wrong("5.3", r"diagonal entry")
def end_diagonal(H, lr, rho):
    """uses the largest diagonal entry of H as the top curvature"""
    lam = np.max(np.diag(H))
    return lr * rho * lam / (2 - lr * lam)


@wrong("5.3", r"the loss where SAM ends")
def end_loss(H, lr, rho):
    """returns the loss on the cycle, ½λR², instead of R"""
    lam = _top(H)
    r = lr * rho * lam / (2 - lr * lam)
    return 0.5 * lam * r**2


@wrong("5.3", r"changed the caller's H")
def end_inplace(H, lr, rho):
    """scales H in place by η to read off the eigenvalues of ηH"""
    H *= lr
    step = np.linalg.eigvalsh(H)[-1]
    return rho * step / (2 - step)


@right("5.3")
def end_by_running_sam(H, lr, rho):
    """an experiment instead of a formula: run SAM long enough and measure the distance"""
    theta = np.linspace(1.0, 2.0, len(H))
    for _ in range(20000):
        g = H @ theta
        n = np.linalg.norm(g)
        theta = theta - lr * (H @ (theta + (rho * g / n if n > 0 else 0 * g)))
    return float(np.linalg.norm(theta))


@right("5.3")
def end_power_iteration(H, lr, rho):
    """λ_max by power iteration, the period-2 point solved as a ratio"""
    v = np.ones(len(H)) + np.arange(len(H)) * 0.1
    for _ in range(5000):
        w = H @ v
        v = w / np.linalg.norm(w)
    step = lr * float(v @ H @ v)
    return rho * step / (2.0 - step)


@right("5.3")
def end_spectral_norm(H, lr, rho):
    """the spectral norm (= λ_max for a positive definite H), returned as a numpy float"""
    lam = np.linalg.norm(H, 2)
    return np.float64(rho / (2.0 / (lr * lam) - 1.0))


# --- 5.4 rescaled_hessian(H, sizes, alpha) -----------------------------------------------------------------------


def _factors(sizes, alpha, *, b1=None, w2=None, b2=1.0):
    d, h, k = sizes
    return np.concatenate([np.full(d * h, alpha), np.full(h, alpha if b1 is None else b1),
                           np.full(h * k, 1 / alpha if w2 is None else w2), np.full(k, b2)])


@wrong("5.4", r"wrong way round")
def hess_times(H, sizes, alpha):
    """the Hessian scales like the weights: multiplies by the factors instead of dividing"""
    s = _factors(sizes, alpha)
    return H * np.outer(s, s)


@wrong("5.4", r"returned H unchanged")
def hess_same(H, sizes, alpha):
    """same function, so the same Hessian"""
    return H.copy()


@wrong("5.4", r"output bias b2")
def hess_b2(H, sizes, alpha):
    """treats b2 as rescaled by 1/α, like W2"""
    s = _factors(sizes, alpha, b2=1 / alpha)
    return H / np.outer(s, s)


@wrong("5.4", r"bias b1 out")
def hess_no_b1(H, sizes, alpha):
    """forgets that b1 is rescaled with W1"""
    s = _factors(sizes, alpha, b1=1.0)
    return H / np.outer(s, s)


@wrong("5.4", r"only the diagonal blocks")
def hess_diagonal_blocks(H, sizes, alpha):
    """rescales each layer's own block by 1/α² or α² and leaves the coupling blocks alone"""
    d, h, k = sizes
    out = H.copy()
    n1, n2 = d * h + h, h * k
    out[:n1, :n1] /= alpha**2
    out[n1:n1 + n2, n1:n1 + n2] *= alpha**2
    return out


@wrong("5.4", r"one derivative only")
def hess_one_factor(H, sizes, alpha):
    """divides by the gradient's factor (1/α, α), not by the product of two"""
    s = _factors(sizes, alpha)
    return H / np.sqrt(np.outer(s, s))


@wrong("5.4", r"rows but not the columns")
def hess_rows(H, sizes, alpha):
    """rescales the rows only"""
    return H / _factors(sizes, alpha)[:, None]


@wrong("5.4", r"wrong places")
def hess_weights_first(H, sizes, alpha):
    """assumes θ lists the weights first: [W1, W2, b1, b2]"""
    d, h, k = sizes
    s = np.concatenate([np.full(d * h, alpha), np.full(h * k, 1 / alpha), np.full(h, alpha), np.ones(k)])
    return H / np.outer(s, s)


@wrong("5.4", r"changed the caller's H")
def hess_inplace(H, sizes, alpha):
    """divides H in place"""
    s = _factors(sizes, alpha)
    H /= np.outer(s, s)
    return H


@right("5.4")
def hess_congruence(H, sizes, alpha):
    """D⁻¹ H D⁻¹ with an explicit diagonal matrix"""
    D_inv = np.diag(1.0 / _factors(sizes, alpha))
    return D_inv @ H @ D_inv


@right("5.4")
def hess_blocks(H, sizes, alpha):
    """block by block: each block's factor is the product of its two groups' factors, returned as nested lists"""
    d, h, k = sizes
    edges = np.cumsum([0, d * h + h, h * k, k])
    factor = (1 / alpha, alpha, 1.0)  # how the curvature per unit step changes for each group
    out = np.array(H, dtype=float)
    for i in range(3):
        for j in range(3):
            out[edges[i]:edges[i + 1], edges[j]:edges[j + 1]] *= factor[i] * factor[j]
    return out.tolist()
