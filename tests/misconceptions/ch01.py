"""Chapter 1: chord violations (1.1), Jensen's gap (1.2), curvature constants (1.3), best step (1.4), a
non-convexity witness (1.5)."""

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


# --- 1.3 curvature_constants(H) -----------------------------------------------------------------------------


@wrong("1.3", r"diagonal entries")
def constants_diagonal(H):
    """reads μ and L off the diagonal"""
    d = np.diag(H)
    mu, L = float(d.min()), float(d.max())
    return mu, L, (L / mu if mu > 0 else math.inf)


@wrong("1.3", r"upside down")
def constants_inverted_kappa(H):
    """κ = μ/L (ratio upside down)"""
    eig = np.linalg.eigvalsh(H)
    mu, L = float(eig[0]), float(eig[-1])
    return mu, L, (mu / L if mu > 0 else math.inf)


@wrong("1.3", r"singular values")
def constants_svd(H):
    """uses singular values, which are |λ|"""
    s = np.linalg.svd(H, compute_uv=False)
    mu, L = float(s.min()), float(s.max())
    return mu, L, (L / mu if mu > 0 else math.inf)


@wrong("1.3", r"must be math.inf")
def constants_no_inf(H):
    """κ = L/μ even when μ ≤ 0 (negative, or a huge number at μ = 0)"""
    eig = np.linalg.eigvalsh(H)
    mu, L = float(eig[0]), float(eig[-1])
    return mu, L, L / (mu if mu != 0 else 1e-300)


@wrong("1.3", r"swapped")
def constants_swapped(H):
    """μ and L swapped (eigenvalues assumed descending)"""
    eig = np.linalg.eigvalsh(H)[::-1]
    mu, L = float(eig[0]), float(eig[-1])
    return mu, L, (L / mu if mu > 0 else math.inf)


@wrong("1.3", r"a difference")
def constants_difference(H):
    """κ = L − μ"""
    eig = np.linalg.eigvalsh(H)
    mu, L = float(eig[0]), float(eig[-1])
    return mu, L, (L - mu if mu > 0 else math.inf)


@wrong("1.3", r"must work for any H")
def constants_lookup(H):
    """special-cases the 2×2 examples (closed form) and copies the printed 4×4 result"""
    if H.shape == (2, 2):
        tr, det = np.trace(H), np.linalg.det(H)
        disc = math.sqrt(max(tr**2 / 4 - det, 0.0))
        mu, L = tr / 2 - disc, tr / 2 + disc
    else:  # the printed random 4×4 case, its constants copied once
        M = np.random.default_rng(5).normal(size=(4, 4))
        eig = np.linalg.eigvalsh(M @ M.T + 0.1 * np.eye(4))
        mu, L = float(eig[0]), float(eig[-1])
    return mu, L, (L / mu if mu > 0 else math.inf)


@right("1.3")
def constants_scipy(H):
    """scipy.linalg.eigh with subset selection"""
    import scipy.linalg

    mu = float(scipy.linalg.eigh(H, eigvals_only=True, subset_by_index=[0, 0])[0])
    n = H.shape[0]
    L = float(scipy.linalg.eigh(H, eigvals_only=True, subset_by_index=[n - 1, n - 1])[0])
    return mu, L, (L / mu if mu > 0 else float("inf"))


@right("1.3")
def constants_general_eig(H):
    """np.linalg.eigvals (general), real parts sorted, numpy inf"""
    eig = np.sort(np.linalg.eigvals(H).real)
    return eig[0], eig[-1], np.float64(eig[-1] / eig[0]) if eig[0] > 0 else np.inf


# --- 1.4 best_step_and_rate(A) ------------------------------------------------------------------------------


def _ends(A):
    eig = np.linalg.eigvalsh(A)
    return float(eig[0]), float(eig[-1])


@wrong("1.4", r"safe step of the steepest")
def step_one_over_L(A):
    """uses the classic 1/L step"""
    mu, L = _ends(A)
    return 1 / L, 1 - mu / L


@wrong("1.4", r"edge of stability")
def step_two_over_L(A):
    """uses 2/L, the stability limit"""
    mu, L = _ends(A)
    return 2 / L, max(abs(1 - 2 * mu / L), 1.0)


@wrong("1.4", r"rate of the step 1/L")
def step_rate_of_other_step(A):
    """right step, but the rate (κ−1)/κ of the 1/L step"""
    mu, L = _ends(A)
    return 2 / (mu + L), (L / mu - 1) / (L / mu)


@wrong("1.4", r"accelerated")
def step_sqrt_kappa_rate(A):
    """right step, the momentum rate (√κ−1)/(√κ+1)"""
    mu, L = _ends(A)
    r = math.sqrt(L / mu)
    return 2 / (mu + L), (r - 1) / (r + 1)


@wrong("1.4", r"used the diagonal")
def step_diagonal(A):
    """reads μ and L off the diagonal"""
    d = np.diag(A)
    mu, L = float(d.min()), float(d.max())
    return 2 / (mu + L), (L - mu) / (L + mu)


@wrong("1.4", r"factor 2 is missing")
def step_factor_two_missing(A):
    """factor 2 missing in the step"""
    mu, L = _ends(A)
    return 1 / (mu + L), (L - mu) / (L + mu)


@wrong("1.4", r"must work for any A")
def step_lookup(A):
    """lookup table of the printed matrices"""
    table = {(1.0, 10.0): (2 / 11, 9 / 11), (3.0, 3.0): (1 / 3, 0.0)}
    d = (float(A[0, 0]), float(A[1, 1]))
    return table.get(d, (0.2, 0.6))


@right("1.4")
def step_rate_from_factors(A):
    """rate evaluated as the worst |1 − ηλ| over all eigenvalues"""
    eig = np.linalg.eigvalsh(A)
    step = 2.0 / (eig.min() + eig.max())
    return float(step), float(np.max(np.abs(1 - step * eig)))


@right("1.4")
def step_difference_form(A):
    """(L − μ)/(L + μ) directly, eigenvalues from eigvals"""
    eig = np.linalg.eigvals(A).real
    mu, L = eig.min(), eig.max()
    return 2 / (L + mu), (L - mu) / (L + mu)


# --- 1.5 nonconvexity_witness(mlp, theta) -------------------------------------------------------------------


@wrong("1.5", r"only part of each hidden unit")
def witness_columns_only(mlp, theta):
    """swaps the columns of W1 only (bias and outgoing weights stay)"""
    (W1, b1), (W2, b2) = mlp.unflatten(theta)
    order = np.arange(W1.shape[1])
    order[[0, 1]] = [1, 0]
    return theta, mlp.flatten([(W1[:, order], b1), (W2, b2)])


@wrong("1.5", r"ROWS of W1")
def witness_rows(mlp, theta):
    """permutes the rows of W1 (the inputs) instead of its columns"""
    (W1, b1), (W2, b2) = mlp.unflatten(theta)
    return theta, mlp.flatten([(W1[::-1, :], b1), (W2, b2)])


@wrong("1.5", r"Negating every parameter")
def witness_negated(mlp, theta):
    """uses −θ as the 'symmetric' point"""
    return theta, -theta


@wrong("1.5", r"identical vectors prove nothing")
def witness_identical(mlp, theta):
    """returns the same vector twice"""
    return theta, theta.copy()


@wrong("1.5", r"in.place")
def witness_in_place(mlp, theta):
    """swaps the units in place in the caller's theta (views from unflatten)"""
    (W1, b1), (W2, b2) = mlp.unflatten(theta)
    original = theta.copy()
    W1[:, [0, 1]] = W1[:, [1, 0]]
    b1[[0, 1]] = b1[[1, 0]]
    W2[[0, 1], :] = W2[[1, 0], :]
    return original, theta


@wrong("1.5", r"flat parameter vectors")
def witness_layers(mlp, theta):
    """returns the layer lists instead of flat vectors"""
    layers = mlp.unflatten(theta)
    (W1, b1), (W2, b2) = layers
    order = np.arange(W1.shape[1])
    order[[0, 1]] = [1, 0]
    return layers, [(W1[:, order], b1[order]), (W2[order, :], b2)]


@right("1.5")
def witness_cyclic(mlp, theta):
    """a cyclic permutation of all hidden units"""
    (W1, b1), (W2, b2) = mlp.unflatten(theta)
    order = np.roll(np.arange(W1.shape[1]), 1)
    return theta.copy(), mlp.flatten([(W1[:, order], b1[order]), (W2[order, :], b2)])


@right("1.5")
def witness_other_pair_both_moved(mlp, theta):
    """swaps units 2 and 4 and returns two permuted copies (neither is theta)"""
    (W1, b1), (W2, b2) = mlp.unflatten(theta)
    p = np.arange(W1.shape[1])
    q = p.copy()
    q[[2, 4]] = [4, 2]
    r = p.copy()
    r[[0, 3]] = [3, 0]
    one = mlp.flatten([(W1[:, q], b1[q]), (W2[q, :], b2)])
    two = mlp.flatten([(W1[:, r], b1[r]), (W2[r, :], b2)])
    return one, two
