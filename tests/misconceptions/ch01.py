"""Chapter 1: chord violations (1.1), Jensen's gap (1.2), a ridge regression's curvature constants (1.3), steps to a
tolerance predicted (1.4), a non-convexity witness for any network (1.5)."""

import itertools
import math

import numpy as np

from . import Corpus

corpus = Corpus()
wrong, right = corpus.wrong, corpus.right


def _gaps(f, points, ts):
    i, j = np.triu_indices(len(points), k=1)
    x, y = points[i][:, None], points[j][:, None]
    return x, y, f(ts * x + (1 - ts) * y) - (ts * f(x) + (1 - ts) * f(y))


# --- 1.1 find_chord_violation(f, points, ts) ----------------------------------------------------------------


@wrong("1.1", r"first violation")
def chord_first_violation(f, points, ts):
    """returns the first violation found, not the largest"""
    for i in range(len(points)):
        for j in range(i + 1, len(points)):
            for t in ts:
                x, y = points[i], points[j]
                if f(t * x + (1 - t) * y) - (t * f(x) + (1 - t) * f(y)) > 1e-9:
                    return float(x), float(y), float(t)
    return None


@wrong("1.1", r"direction of your comparison")
def chord_reversed_inequality(f, points, ts):
    """inequality direction reversed: looks for the chord furthest above the graph"""
    x, y, gaps = _gaps(f, points, ts)
    a, k = np.unravel_index(np.argmin(gaps), gaps.shape)
    if -gaps[a, k] <= 1e-9:
        return None
    return float(x[a, 0]), float(y[a, 0]), float(ts[k])


@wrong("1.1", r"return None when")
def chord_no_threshold(f, points, ts):
    """never returns None: the argmax even when the largest gap is ≤ 0"""
    x, y, gaps = _gaps(f, points, ts)
    a, k = np.unravel_index(np.argmax(gaps), gaps.shape)
    return float(x[a, 0]), float(y[a, 0]), float(ts[k])


@wrong("1.1", r"neighbouring points")
def chord_adjacent_only(f, points, ts):
    """only compares neighbouring points (i, i + 1)"""
    best, arg = 1e-9, None
    for x, y in zip(points[:-1], points[1:]):
        for t in ts:
            gap = f(t * x + (1 - t) * y) - (t * f(x) + (1 - t) * f(y))
            if gap > best:
                best, arg = gap, (float(x), float(y), float(t))
    return arg


@wrong("1.1", r"t weights the wrong point")
def chord_t_weights_y(f, points, ts):
    """returns (y, x, t): t attached to the wrong end point"""
    x, y, gaps = _gaps(f, points, ts)
    a, k = np.unravel_index(np.argmax(gaps), gaps.shape)
    if gaps[a, k] <= 1e-9:
        return None
    return float(y[a, 0]), float(x[a, 0]), float(ts[k])


@wrong("1.1", r"returned indices")
def chord_returns_indices(f, points, ts):
    """returns the indices (i, j, k) instead of the values"""
    i, j = np.triu_indices(len(points), k=1)
    _, _, gaps = _gaps(f, points, ts)
    a, k = np.unravel_index(np.argmax(gaps), gaps.shape)
    if gaps[a, k] <= 1e-9:
        return None
    return int(i[a]), int(j[a]), int(k)


@wrong("1.1", r"single weight t")
def chord_midpoint_only(f, points, ts):
    """ignores ts: only tests the midpoint t = ½ (or the middle weight)"""
    t = float(ts[len(ts) // 2])
    x, y, gaps = _gaps(f, points, np.array([t]))
    a = int(np.argmax(gaps[:, 0]))
    if gaps[a, 0] <= 1e-9:
        return None
    return float(x[a, 0]), float(y[a, 0]), t


@wrong("1.1", r"not only the printed|search the points it is given")
def chord_lookup_table(f, points, ts):
    """lookup table: answers recorded for the printed inputs, None otherwise"""
    key = (len(points), round(float(points[0]), 6), len(ts))
    table = {}
    for _name, g, pts, n in (("quartic", lambda x: x**4 - x**2, np.linspace(-1.5, 1.5, 13), 3),
                            ("sin", np.sin, np.linspace(-3.0, 3.0, 21), 5),
                            ("root", lambda x: np.sqrt(np.abs(x)), np.linspace(-2.0, 2.0, 9), 4)):
        w = np.arange(1, n + 1) / (n + 1)
        x, y, gaps = _gaps(g, pts, w)
        a, k = np.unravel_index(np.argmax(gaps), gaps.shape)
        table[(len(pts), round(float(pts[0]), 6), n)] = (float(x[a, 0]), float(y[a, 0]), float(w[k]))
    return table.get(key)


@right("1.1")
def chord_triple_loop(f, points, ts):
    """plain triple loop with itertools over ordered pairs"""
    best, arg = 1e-9, None
    for (x, y), t in itertools.product(itertools.permutations(points, 2), ts):
        gap = f(t * x + (1 - t) * y) - (t * f(x) + (1 - t) * f(y))
        if gap > best:
            best, arg = gap, (float(x), float(y), float(t))
    return arg


@right("1.1")
def chord_broadcast_all_pairs(f, points, ts):
    """broadcast over an (n, n, k) cube including both orders of each pair"""
    x, y, t = points[:, None, None], points[None, :, None], ts[None, None, :]
    gaps = f(t * x + (1 - t) * y) - (t * f(x) + (1 - t) * f(y))
    i, j, k = np.unravel_index(np.argmax(gaps), gaps.shape)
    return None if gaps[i, j, k] <= 1e-9 else (float(points[i]), float(points[j]), float(ts[k]))


# --- 1.2 jensen_gap_of_samples(f, samples) ------------------------------------------------------------------


@wrong("1.2", r"opposite sign")
def jensen_reversed(f, samples):
    """order reversed: f(mean) − mean f"""
    return float(f(np.mean(samples)) - np.mean(f(samples)))


@wrong("1.2", r"n − 1")
def jensen_unbiased(f, samples):
    """divides by n − 1 (the 'unbiased' habit)"""
    return float(np.sum(f(samples)) / (len(samples) - 1) - f(np.mean(samples)))


@wrong("1.2", r"in-place")
def jensen_mutates(f, samples):
    """centres the caller's samples in place"""
    m = samples.mean()
    samples -= m
    return float(np.mean(f(samples + m)) - f(m))


@wrong("1.2", r"median")
def jensen_median(f, samples):
    """uses the median as the centre"""
    return float(np.mean(f(samples)) - f(np.median(samples)))


@wrong("1.2", r"sample variance whatever f is")
def jensen_variance_only(f, samples):
    """special-cases f = x²: returns the variance"""
    return float(np.var(samples))


@wrong("1.2", r"centred the samples")
def jensen_centred(f, samples):
    """evaluates f on centred samples"""
    return float(np.mean(f(samples - np.mean(samples))))


@wrong("1.2", r"one value per sample")
def jensen_no_average(f, samples):
    """forgets to average: returns an array"""
    return f(samples) - f(np.mean(samples))


@wrong("1.2", r"f applied to the mean")
def jensen_mean_not_f(f, samples):
    """subtracts the mean itself instead of f(mean)"""
    return float(np.mean(f(samples)) - np.mean(samples))


@right("1.2")
def jensen_loop(f, samples):
    """explicit loop and running sums"""
    total, count = 0.0, 0
    for s in samples:
        total += float(f(s))
        count += 1
    return total / count - float(f(sum(float(s) for s in samples) / count))


@right("1.2")
def jensen_weights(f, samples):
    """np.average with explicit uniform weights"""
    w = np.full(len(samples), 1.0 / len(samples))
    return float(np.average(f(samples), weights=w) - f(w @ samples))


# --- 1.3 ridge_constants(X, y, lam) ------------------------------------------------------------------------


def _constants(H):
    eig = np.linalg.eigvalsh(H)
    mu, L = float(eig[0]), float(eig[-1])
    return mu, L, (L / mu if mu > 1e-12 * L else math.inf)


@wrong("1.3", r"half the true one")
def ridge_no_factor_two(X, y, lam):
    """forgets the 2 from differentiating both squares: XᵀX/N + λI"""
    return _constants(X.T @ X / len(X) + lam * np.eye(X.shape[1]))


@wrong("1.3", r"penalty's curvature is off by a factor 2")
def ridge_penalty_once(X, y, lam):
    """data term right, penalty curvature λ instead of 2λ"""
    return _constants(2 * X.T @ X / len(X) + lam * np.eye(X.shape[1]))


@wrong("1.3", r"left out the penalty")
def ridge_without_penalty(X, y, lam):
    """ignores λ: the Hessian of plain least squares"""
    return _constants(2 * X.T @ X / len(X))


@wrong("1.3", r"AVERAGE over the N rows")
def ridge_sum_not_mean(X, y, lam):
    """forgets the 1/N: 2XᵀX + 2λI"""
    return _constants(2 * X.T @ X + 2 * lam * np.eye(X.shape[1]))


@wrong("1.3", r"N×N")
def ridge_gram_of_samples(X, y, lam):
    """X Xᵀ (samples × samples) instead of XᵀX"""
    return _constants(2 * X @ X.T / len(X) + 2 * lam * np.eye(len(X)))


@wrong("1.3", r"DIAGONAL entries")
def ridge_diagonal(X, y, lam):
    """reads μ and L off the Hessian's diagonal (the per-feature curvatures)"""
    d = np.diag(2 * X.T @ X / len(X)) + 2 * lam
    mu, L = float(d.min()), float(d.max())
    return mu, L, (L / mu if mu > 1e-12 * L else math.inf)


@wrong("1.3", r"no\s+finite condition number")
def ridge_finite_kappa(X, y, lam):
    """κ = L/μ even when μ is zero up to rounding (a huge or negative number)"""
    eig = np.linalg.eigvalsh(2 * X.T @ X / len(X) + 2 * lam * np.eye(X.shape[1]))
    return float(eig[0]), float(eig[-1]), float(eig[-1] / eig[0])


@wrong("1.3", r"in-place")
def ridge_centres_in_place(X, y, lam):
    """right constants, but scales the caller's X in place to build the matrix"""
    X *= math.sqrt(2 / len(X))
    return _constants(X.T @ X + 2 * lam * np.eye(X.shape[1]))


@wrong("1.3", r"must work for any X")
def ridge_lookup(X, y, lam):
    """a table of the printed cases' constants (computed once), a guess otherwise"""
    if X.shape in ((50, 2), (30, 3), (50, 3), (4, 6)):
        return _constants(2 * X.T @ X / len(X) + 2 * lam * np.eye(X.shape[1]))
    return 1.0, 10.0, 10.0


@right("1.3")
def ridge_from_singular_values(X, y, lam):
    """singular values of X (no XᵀX formed); missing ones (N < d) are zeros"""
    s = np.linalg.svd(X, compute_uv=False)
    s = np.concatenate([s, np.zeros(X.shape[1] - s.size)])
    curv = 2 * s**2 / X.shape[0] + 2 * lam
    mu, L = float(curv.min()), float(curv.max())
    return mu, L, L / mu if mu > 1e-12 * L else float("inf")


@right("1.3")
def ridge_scipy_subset(X, y, lam):
    """scipy.linalg.eigh on the Hessian written as a sum of per-sample outer products"""
    import scipy.linalg

    H = sum(np.outer(x, x) for x in X) * (2 / len(X)) + 2 * lam * np.eye(X.shape[1])
    eig = scipy.linalg.eigh(H, eigvals_only=True)
    return eig[0], eig[-1], np.float64(eig[-1] / eig[0]) if eig[0] > 1e-12 * eig[-1] else np.inf


# --- 1.4 steps_to_tolerance(A, x0, lr, eps) ----------------------------------------------------------------


def _parts(A, x0):
    lam, V = np.linalg.eigh(A)
    return lam, V.T @ x0


def _first(ratio, eps, limit=100_000):
    t = 0
    while ratio(t) > eps and t < limit:
        t += 1
    return t


@wrong("1.4", r"DISTANCE to the minimum")
def steps_distance(A, x0, lr, eps):
    """predicts when ‖x_t‖ ≤ eps‖x0‖ (the distance, not the loss)"""
    lam, c = _parts(A, x0)
    return _first(lambda t: math.sqrt(np.sum(c**2 * (1 - lr * lam) ** (2 * t)) / np.sum(c**2)), eps)


@wrong("1.4", r"treats every eigen-direction alike")
def steps_unweighted(A, x0, lr, eps):
    """compares squared distances: forgets that the loss weighs components by λ"""
    lam, c = _parts(A, x0)
    return _first(lambda t: np.sum(c**2 * (1 - lr * lam) ** (2 * t)) / np.sum(c**2), eps)


@wrong("1.4", r"worst start")
def steps_worst_case_bound(A, x0, lr, eps):
    """the guaranteed bound ρ^{2t} ≤ eps with ρ = max|1 − ηλ|, whatever the start"""
    lam = np.linalg.eigvalsh(A)
    rho = float(np.max(np.abs(1 - lr * lam)))
    return int(math.ceil(math.log(eps) / (2 * math.log(rho))))


@wrong("1.4", r"feels (each factor|them) twice")
def steps_factor_once(A, x0, lr, eps):
    """loss ratio with (1 − ηλ)^t instead of its square"""
    lam, c = _parts(A, x0)
    return _first(lambda t: np.sum(lam * c**2 * np.abs(1 - lr * lam) ** t) / np.sum(lam * c**2), eps)


@wrong("1.4", r"Off by one")
def steps_off_by_one(A, x0, lr, eps):
    """counts the step that was tested after the loop ends (t + 1)"""
    lam, c = _parts(A, x0)
    return _first(lambda t: np.sum(lam * c**2 * (1 - lr * lam) ** (2 * t)) / np.sum(lam * c**2), eps) + 1


@wrong("1.4", r"diagonal of A")
def steps_axes(A, x0, lr, eps):
    """treats the axes as eigen-directions: λ = diag(A), components = x0"""
    lam, c = np.diag(A), x0
    return _first(lambda t: np.sum(lam * c**2 * (1 - lr * lam) ** (2 * t)) / np.sum(lam * c**2), eps)


@wrong("1.4", r"an int")
def steps_float(A, x0, lr, eps):
    """right count, returned as a float (from np.argmax over a float array … then float())"""
    lam, c = _parts(A, x0)
    ts = np.arange(20_000)
    r = (lam * c**2 * (1 - lr * lam)[None, :] ** (2 * ts[:, None])).sum(1) / np.sum(lam * c**2)
    return float(np.argmax(r <= eps))


@wrong("1.4", r"best fixed step")
def steps_best_step(A, x0, lr, eps):
    """ignores lr and predicts for the best step 2/(μ+L)"""
    lam, c = _parts(A, x0)
    best = 2 / (lam[0] + lam[-1])
    return _first(lambda t: np.sum(lam * c**2 * (1 - best * lam) ** (2 * t)) / np.sum(lam * c**2), eps)


@wrong("1.4", r"in-place")
def steps_runs_gd_in_place(A, x0, lr, eps):
    """runs gradient descent on the caller's x0 in place (right count, x0 destroyed)"""
    f0 = 0.5 * x0 @ A @ x0
    t = 0
    while 0.5 * x0 @ A @ x0 > eps * f0:
        x0 -= lr * (A @ x0)
        t += 1
    return t


@right("1.4")
def steps_vectorised_scan(A, x0, lr, eps):
    """the loss ratio for t = 0 … 20000 at once, first index at or below eps (int)"""
    lam, c = _parts(A, x0)
    ts = np.arange(20_000)[:, None]
    r = (lam * c**2 * ((1 - lr * lam) ** 2) ** ts).sum(1) / np.sum(lam * c**2)
    return int(np.argmax(r <= eps))


@right("1.4")
def steps_simulated_copy(A, x0, lr, eps):
    """runs gradient descent on a copy (a check of the prediction, not a prediction — but the right count)"""
    x = np.array(x0, dtype=float)
    f0 = 0.5 * x @ A @ x
    t = 0
    while 0.5 * x @ A @ x > eps * f0:
        x = x - lr * (A @ x)
        t += 1
    return t


# --- 1.5 nonconvexity_witness(loss, layers) -----------------------------------------------------------------


def _swap(layers, i, j):
    (W1, b1), (W2, b2) = layers
    order = np.arange(W1.shape[1])
    order[[i, j]] = [j, i]
    return [(W1[:, order], b1[order]), (W2[order, :], b2.copy())]


def _copy(layers):
    return [(W.copy(), b.copy()) for W, b in layers]


@wrong("1.5", r"twins")
def witness_fixed_pair(loss, layers):
    """always exchanges units 1 and 2 (a fixed pair works on most networks, not all)"""
    return _copy(layers), _swap(layers, 0, 1)


@wrong("1.5", r"only part of a hidden unit")
def witness_columns_only(loss, layers):
    """exchanges the columns of W1 only (bias and outgoing weights stay)"""
    (W1, b1), (W2, b2) = layers
    return _copy(layers), [(W1[:, [1, 0, *range(2, W1.shape[1])]], b1.copy()), (W2.copy(), b2.copy())]


@wrong("1.5", r"ROWS of W1")
def witness_rows(loss, layers):
    """permutes the rows of W1 (the inputs) instead of its columns"""
    (W1, b1), (W2, b2) = layers
    return _copy(layers), [(W1[::-1, :], b1.copy()), (W2.copy(), b2.copy())]


@wrong("1.5", r"Negating every parameter")
def witness_negated(loss, layers):
    """uses −θ as the 'symmetric' point"""
    return _copy(layers), [(-W, -b) for W, b in layers]


@wrong("1.5", r"identical networks prove nothing")
def witness_identical(loss, layers):
    """returns the same network twice"""
    return _copy(layers), _copy(layers)


@wrong("1.5", r"in-place|in place")
def witness_in_place(loss, layers):
    """exchanges the best pair in place in the caller's arrays"""
    (W1, b1), (W2, b2) = layers
    h = W1.shape[1]
    base = _copy(layers)
    i, j = max(((i, j) for i in range(h) for j in range(i + 1, h)),
               key=lambda p: loss([((a + b) / 2, (c + d) / 2) for (a, c), (b, d) in zip(base, _swap(base, *p))]))
    W1[:, [i, j]] = W1[:, [j, i]]
    b1[[i, j]] = b1[[j, i]]
    W2[[i, j], :] = W2[[j, i], :]
    return base, _copy(layers)


@wrong("1.5", r"two networks \(layers_a, layers_b\)")
def witness_flat_vectors(loss, layers):
    """returns flat parameter vectors instead of lists of layers"""
    flat = lambda ls: np.concatenate([np.ravel(v) for pair in ls for v in pair])  # noqa: E731
    return flat(layers), flat(_swap(layers, 0, 2))


@wrong("1.5", r"only part of a hidden unit")
def witness_flip_incoming_only(loss, layers):
    """flips the sign of one unit's incoming weights and bias, not its outgoing weight"""
    (W1, b1), (W2, b2) = _copy(layers)
    W1[:, 0] *= -1
    b1[0] *= -1
    return _copy(layers), [(W1, b1), (W2, b2)]


@right("1.5")
def witness_sign_flip(loss, layers):
    """tanh is odd: flip one unit's incoming, bias and outgoing signs; keep the unit whose midpoint is worst"""
    (W1, b1), (W2, b2) = layers
    best, out = -math.inf, None
    for k in range(W1.shape[1]):
        s = np.ones(W1.shape[1])
        s[k] = -1.0
        other = [(W1 * s, b1 * s), (W2 * s[:, None], b2.copy())]
        mid = loss([((W1 + W1 * s) / 2, (b1 + b1 * s) / 2), ((W2 + W2 * s[:, None]) / 2, b2.copy())])
        if mid > best:
            best, out = mid, other
    return [(W1.copy(), b1.copy()), (W2.copy(), b2.copy())], out


@right("1.5")
def witness_two_permuted_copies(loss, layers):
    """itertools over pairs; both ends are permuted copies (neither is the input), returned as tuples"""
    h = layers[0][0].shape[1]

    def excess(pair):
        other = _swap(layers, *pair)
        return loss([((Wa + Wb) / 2, (ba + bb) / 2) for (Wa, ba), (Wb, bb) in zip(layers, other)])

    i, j = max(itertools.combinations(range(h), 2), key=excess)
    k, m = [u for u in range(h) if u not in (i, j)][:2]
    one = _swap(layers, k, m)  # a permuted copy: the same function
    two = _swap(one, i, j)  # differs from `one` by exchanging units i and j (untouched by the first swap)
    return tuple(tuple(p) for p in one), tuple(tuple(p) for p in two)
