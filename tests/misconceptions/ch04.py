"""Chapter 4: perturbed GD (4.1), a saddle-free Newton step (4.2), escape steps (4.3), momentum with divergence
detection (4.4)."""

import numpy as np

from . import Corpus

corpus = Corpus()
wrong, right = corpus.wrong, corpus.right


# --- 4.1 perturbed_gd(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng) ------------------------------


def _pgd(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng, *, draw=None, mode="right", norm_sq=False,
         last0=None, inplace=False):
    theta = theta0 if inplace else np.array(theta0, dtype=float)
    path = [theta.copy()]
    last = -(t_thres + 1) if last0 is None else last0
    d = theta.size
    for k in range(steps):
        g = grad_fn(theta)
        size = float(g @ g) if norm_sq else np.linalg.norm(g)
        if size <= g_thres and k - last > t_thres:
            if draw is None:
                u = rng.standard_normal(d)
                u /= np.linalg.norm(u)
                xi = radius * rng.uniform() ** (1 / d) * u
            else:
                xi = draw(rng, d, radius)
            last = k
            if mode == "old_grad":
                theta = theta + xi - lr * g
            elif mode == "no_step":
                theta = theta + xi
            else:
                theta = theta + xi
                theta = theta - lr * grad_fn(theta)
        else:
            if inplace:
                theta -= lr * g
            else:
                theta = theta - lr * g
        path.append(theta.copy())
    return np.array(path)


@wrong("4.1", r"gradient at the perturbed point")
def pgd_old_gradient(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng):
    """after the jump, steps with the gradient taken at θ instead of θ + ξ"""
    return _pgd(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng, mode="old_grad")


@wrong("4.1", r"only jumped")
def pgd_no_step_on_jump(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng):
    """a perturbation step only jumps (no gradient step in the same step)"""
    return _pgd(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng, mode="no_step")


@wrong("4.1", r"coordinate axes")
def pgd_axis_aligned(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng):
    """perturbs along a random coordinate axis only (random sign, uniform-ball radius)"""
    def draw(rng, d, r):
        xi = np.zeros(d)
        xi[rng.integers(d)] = rng.choice([-1.0, 1.0]) * r * rng.uniform() ** (1 / d)
        return xi
    return _pgd(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng, draw=draw)


@wrong("4.1", r"one orthant")
def pgd_positive_orthant(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng):
    """draws the direction from uniform(0, 1) coordinates: positive orthant only"""
    def draw(rng, d, r):
        u = rng.uniform(size=d)
        return r * rng.uniform() ** (1 / d) * u / np.linalg.norm(u)
    return _pgd(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng, draw=draw)


@wrong("4.1", r"its square")
def pgd_squared_norm(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng):
    """compares ‖g‖² with g_thres"""
    return _pgd(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng, norm_sq=True)


@wrong("4.1", r"changed the caller's theta0")
def pgd_mutates_theta0(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng):
    """updates theta0 in place (theta = theta0; theta -= lr * g)"""
    return _pgd(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng, inplace=True)


@wrong("4.1", r"crowds the centre")
def pgd_uniform_radius(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng):
    """uniform radius r·U instead of a uniform draw in the ball"""
    def draw(rng, d, r):
        u = rng.standard_normal(d)
        return r * rng.uniform() * u / np.linalg.norm(u)
    return _pgd(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng, draw=draw)


@wrong("4.1", r"surface")
def pgd_on_sphere(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng):
    """jumps onto the sphere of radius r (never inside)"""
    def draw(rng, d, r):
        u = rng.standard_normal(d)
        return r * u / np.linalg.norm(u)
    return _pgd(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng, draw=draw)


@wrong("4.1", r"first step may perturb")
def pgd_counter_starts_now(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng):
    """starts the 'last perturbation' counter at step 0, so the first perturbation waits t_thres steps"""
    return _pgd(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng, last0=0)


@wrong("4.1", r"too soon")
def pgd_off_by_one_wait(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng):
    """waits t_thres − 1 steps between perturbations (k − last ≥ t_thres)"""
    return _pgd(grad_fn, theta0, lr, steps, radius, g_thres, t_thres - 1, rng)


@wrong("4.1", r"generator rng")
def pgd_global_random(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng):
    """draws from np.random instead of the given rng"""
    return _pgd(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, np.random.default_rng())


@right("4.1")
def pgd_rejection_sampling(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng):
    """uniform in the ball by rejection from the cube; a countdown instead of the last step"""
    theta = np.asarray(theta0, dtype=float).copy()
    out = np.empty((steps + 1, theta.size))
    out[0] = theta
    wait = 0
    for k in range(steps):
        g = grad_fn(theta)
        if wait == 0 and np.sqrt(np.sum(g ** 2)) <= g_thres:
            while True:
                xi = rng.uniform(-1.0, 1.0, theta.size)
                if xi @ xi <= 1.0:
                    break
            theta = theta + radius * xi
            g = grad_fn(theta)
            wait = t_thres + 1
        theta = theta - lr * g
        wait = max(wait - 1, 0)
        out[k + 1] = theta
    return out


@right("4.1")
def pgd_normal_and_random(grad_fn, theta0, lr, steps, radius, g_thres, t_thres, rng):
    """rng.normal and rng.random, last perturbation kept as None"""
    theta = np.array(theta0, dtype=float)
    path = [theta]
    last = None
    for k in range(steps):
        g = grad_fn(theta)
        if np.linalg.norm(g) <= g_thres and (last is None or k - last >= t_thres + 1):
            z = rng.normal(0.0, 1.0, size=theta.shape)
            xi = z / np.linalg.norm(z) * radius * rng.random() ** (1.0 / len(theta))
            point = theta + xi
            theta = point - lr * grad_fn(point)
            last = k
        else:
            theta = theta - lr * g
        path.append(theta)
    return np.stack(path)


# --- 4.2 saddle_free_newton_step(grad, hessian, damping) -----------------------------------------------------


@wrong("4.2", r"plain \(damped\) Newton")
def sfn_newton(grad, hessian, damping):
    """plain Newton step (no absolute value)"""
    return np.linalg.solve(hessian + damping * np.eye(len(grad)), -grad)


@wrong("4.2", r"every entry")
def sfn_entrywise_abs(grad, hessian, damping):
    """np.abs(H) entrywise"""
    return np.linalg.solve(np.abs(hessian) + damping * np.eye(len(grad)), -grad)


@wrong("4.2", r"diagonal of H")
def sfn_diagonal(grad, hessian, damping):
    """divides by |diag(H)| + damping"""
    return -grad / (np.abs(np.diag(hessian)) + damping)


@wrong("4.2", r"before taking the absolute")
def sfn_damping_inside(grad, hessian, damping):
    """|λ + damping| instead of |λ| + damping"""
    w, Q = np.linalg.eigh(hessian)
    return -Q @ ((Q.T @ grad) / np.abs(w + damping))


@wrong("4.2", r"eigenbasis")
def sfn_no_rotate_back(grad, hessian, damping):
    """forgets to rotate the step back from the eigenbasis"""
    w, Q = np.linalg.eigh(hessian)
    return -(Q.T @ grad) / (np.abs(w) + damping)


@wrong("4.2", r"wrong sign")
def sfn_sign(grad, hessian, damping):
    """+(|H| + δI)⁻¹ g"""
    w, Q = np.linalg.eigh(hessian)
    return Q @ ((Q.T @ grad) / (np.abs(w) + damping))


@wrong("4.2", r"ignores the damping")
def sfn_no_damping(grad, hessian, damping):
    """drops the damping"""
    w, Q = np.linalg.eigh(hessian)
    return -Q @ ((Q.T @ grad) / np.abs(w))


@wrong("4.2", r"changed the caller")
def sfn_inplace(grad, hessian, damping):
    """builds |H| + δI in the caller's hessian array"""
    w, Q = np.linalg.eigh(hessian)
    hessian[...] = (Q * (np.abs(w) + damping)) @ Q.T
    return np.linalg.solve(hessian, -grad)


@right("4.2")
def sfn_matrix_solve(grad, hessian, damping):
    """builds |H| as a matrix, then solves the linear system"""
    w, Q = np.linalg.eigh(hessian)
    absH = Q @ np.diag(np.abs(w)) @ Q.T
    return np.linalg.solve(absH + damping * np.eye(len(grad)), -grad)


@right("4.2")
def sfn_sqrtm(grad, hessian, damping):
    """|H| as the matrix square root of H², with scipy"""
    import scipy.linalg

    absH = np.real(scipy.linalg.sqrtm(hessian @ hessian))
    return -scipy.linalg.solve(absH + damping * np.eye(len(grad)), grad, assume_a="sym")


# --- 4.3 escape_steps(eps, lr, lam_min, radius) ----------------------------------------------------------------


@wrong("4.3", r"whatever the sign")
def escape_no_abs(eps, lr, lam_min, radius):
    """compares y (not |y|) with the radius"""
    y, k = eps, 0
    while y < radius:
        y -= lr * lam_min * y
        k += 1
    return k


@wrong("4.3", r"reaches the radius \(≥\)")
def escape_strict(eps, lr, lam_min, radius):
    """stops only once |y| > radius"""
    y, k = eps, 0
    while abs(y) <= radius:
        y -= lr * lam_min * y
        k += 1
    return k


@wrong("4.3", r"as an int")
def escape_float(eps, lr, lam_min, radius):
    """returns the count as a float"""
    y, k = eps, 0.0
    while abs(y) < radius:
        y -= lr * lam_min * y
        k += 1
    return k


@wrong("4.3", r"before testing")
def escape_do_while(eps, lr, lam_min, radius):
    """takes a step before testing (never 0)"""
    y, k = eps, 0
    while True:
        y -= lr * lam_min * y
        k += 1
        if abs(y) >= radius:
            return k


@wrong("4.3", r"continuous-time")
def escape_continuous(eps, lr, lam_min, radius):
    """ceil of the continuous-time estimate ln(R/ε)/(η|λ|)"""
    if abs(eps) >= radius:
        return 0
    return int(np.ceil(np.log(radius / abs(eps)) / (lr * abs(lam_min))))


@wrong("4.3", r"sign of the update")
def escape_sign(eps, lr, lam_min, radius):
    """y ← y + lr·λ·y (shrinks towards the saddle)"""
    y, k = eps, 0
    while abs(y) < radius:
        y += lr * lam_min * y
        k += 1
    return k


@wrong("4.3", r"one too high")
def escape_counts_iterates(eps, lr, lam_min, radius):
    """counts the iterates (start included) instead of the steps"""
    y, k = eps, 1
    while abs(y) < radius:
        y -= lr * lam_min * y
        k += 1
    return k


@right("4.3")
def escape_squares(eps, lr, lam_min, radius):
    """compares y² with radius², growth factor precomputed"""
    factor = 1.0 - lr * lam_min
    y, n = float(eps), 0
    while y * y < radius * radius:
        y *= factor
        n += 1
    return n


@right("4.3")
def escape_for_loop(eps, lr, lam_min, radius):
    """a for loop with break, numpy int returned"""
    y = np.float64(eps)
    for k in range(10**7):
        if np.abs(y) >= radius:
            return np.int64(k)
        y = y - lr * lam_min * y
    return np.int64(-1)


# --- 4.4 momentum_run(grad_fn, theta0, lr, beta, steps, explode) --------------------------------------------


def _mom(grad_fn, theta0, lr, beta, steps, explode, variant="right"):
    theta = np.array(theta0, dtype=float)
    v = np.zeros_like(theta)
    limit = explode * (np.linalg.norm(theta) if variant != "absolute" else 1.0)
    path = [theta.copy()]
    with np.errstate(all="ignore"):
        for k in range(1, steps + 1):
            if variant == "ema":
                v = beta * v + (1 - beta) * grad_fn(theta)
                theta = theta - lr * v
            elif variant == "stale":
                old = theta
                theta = theta - lr * v
                v = beta * v + grad_fn(old)
            elif variant == "nesterov":
                v = beta * v + grad_fn(theta - lr * beta * v)
                theta = theta - lr * v
            else:
                v = beta * v + grad_fn(theta)
                theta = theta - lr * v
            path.append(theta.copy())
            n = np.linalg.norm(theta)
            if variant in ("no_finite", "keeps_going"):
                if n > limit and variant == "no_finite":
                    return np.array(path), k
            elif not np.all(np.isfinite(theta)) or n > limit:
                if variant == "off_by_one":
                    return np.array(path), k - 1
                if variant == "float":
                    return np.array(path), float(k)
                return np.array(path), k
    return np.array(path), None


@wrong("4.4", r"NaN fails every comparison")
def momentum_no_isfinite(grad_fn, theta0, lr, beta, steps, explode):
    """only tests ‖θ‖ > explode·‖θ0‖ (a NaN slips through)"""
    return _mom(grad_fn, theta0, lr, beta, steps, explode, "no_finite")


@wrong("4.4", r"averages the gradients")
def momentum_ema(grad_fn, theta0, lr, beta, steps, explode):
    """v ← βv + (1 − β)g (the averaging convention)"""
    return _mom(grad_fn, theta0, lr, beta, steps, explode, "ema")


@wrong("4.4", r"look-ahead")
def momentum_nesterov(grad_fn, theta0, lr, beta, steps, explode):
    """Nesterov's look-ahead gradient"""
    return _mom(grad_fn, theta0, lr, beta, steps, explode, "nesterov")


@wrong("4.4", r"old velocity")
def momentum_stale(grad_fn, theta0, lr, beta, steps, explode):
    """moves θ before updating v"""
    return _mom(grad_fn, theta0, lr, beta, steps, explode, "stale")


@wrong("4.4", r"relative to ‖θ0‖")
def momentum_absolute(grad_fn, theta0, lr, beta, steps, explode):
    """divergence threshold explode on ‖θ‖ itself"""
    return _mom(grad_fn, theta0, lr, beta, steps, explode, "absolute")


@wrong("4.4", r"step number is off")
def momentum_off_by_one(grad_fn, theta0, lr, beta, steps, explode):
    """reports the last good step instead of the one that blew up"""
    return _mom(grad_fn, theta0, lr, beta, steps, explode, "off_by_one")


@wrong("4.4", r"as an int")
def momentum_float_step(grad_fn, theta0, lr, beta, steps, explode):
    """reports the divergence step as a float"""
    return _mom(grad_fn, theta0, lr, beta, steps, explode, "float")


@right("4.4")
def momentum_lr_in_velocity(grad_fn, theta0, lr, beta, steps, explode):
    """the other convention v ← βv + η∇f, θ ← θ − v (the same iterates for a constant η)"""
    theta = np.asarray(theta0, dtype=float).copy()
    v = np.zeros_like(theta)
    limit = explode * np.sqrt(theta @ theta)
    path = [theta]
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps + 1):
            v = beta * v + lr * grad_fn(theta)
            theta = theta - v
            path.append(theta)
            if not np.isfinite(theta).all() or np.sqrt(theta @ theta) > limit:
                return np.vstack(path), k
    return np.vstack(path), None


@right("4.4")
def momentum_preallocated(grad_fn, theta0, lr, beta, steps, explode):
    """a preallocated array, cut at the divergence step"""
    theta0 = np.asarray(theta0, dtype=float)
    out = np.zeros((steps + 1, theta0.size))
    out[0] = theta0
    v = np.zeros(theta0.size)
    limit = explode * np.linalg.norm(theta0)
    with np.errstate(all="ignore"):
        for k in range(1, steps + 1):
            v = beta * v + grad_fn(out[k - 1])
            out[k] = out[k - 1] - lr * v
            if not np.linalg.norm(out[k]) <= limit:
                return out[: k + 1], int(k)
    return out, None
