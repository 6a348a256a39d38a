"""Chapter 3: classify (3.1), index (3.2), escape direction (3.3), Newton step (3.4), power iteration (3.5),
Hutchinson's trace (3.6), the escape factor of gradient descent at a saddle, derived (3.7), the gradient on a
sphere (3.8)."""

import numpy as np

from . import Corpus

corpus = Corpus()
wrong, right = corpus.wrong, corpus.right


def _label(lam, tol):
    if np.any(lam < -tol) and np.any(lam > tol):
        return "saddle"
    if np.any(np.abs(lam) <= tol):
        return "degenerate"
    return "minimum" if np.all(lam > 0) else "maximum"


# --- 3.1 classify(H, tol) -----------------------------------------------------------------------------------


@wrong("3.1", r"diagonal entries")
def classify_diagonal(H, tol=1e-8):
    """reads the signs of the diagonal entries"""
    return _label(np.diag(H), tol)


@wrong("3.1", r"2×2 matrices only")
def classify_det_trace(H, tol=1e-8):
    """special-cases the 2x2 example: determinant/trace rule for any size"""
    det, tr = np.linalg.det(H), np.trace(H)
    if abs(det) <= tol:
        return "degenerate"
    if det < 0:
        return "saddle"
    return "minimum" if tr > 0 else "maximum"


@wrong("3.1", r"tolerance")
def classify_exact_zero(H, tol=1e-8):
    """ignores tol: tests λ == 0 exactly"""
    return _label(np.linalg.eigvalsh(H), 0.0)


@wrong("3.1", r"swapped")
def classify_swapped(H, tol=1e-8):
    """minimum and maximum swapped"""
    label = _label(np.linalg.eigvalsh(H), tol)
    return {"minimum": "maximum", "maximum": "minimum"}.get(label, label)


@wrong("3.1", r"plain str")
def classify_str_subclass(H, tol=1e-8):
    """a str subclass that claims to equal every label"""

    class Anything(str):
        def __eq__(self, other):
            return True

        __hash__ = str.__hash__

    return Anything("minimum")


@wrong("3.1", r"exactly as the exercise")
def classify_capitalised(H, tol=1e-8):
    """labels capitalised ("Saddle")"""
    return _label(np.linalg.eigvalsh(H), tol).capitalize()


@wrong("3.1", r"all of them")
def classify_largest_only(H, tol=1e-8):
    """looks at the smallest eigenvalue's sign only (min > 0 → minimum, else maximum)"""
    lam = np.linalg.eigvalsh(H)
    if np.any(np.abs(lam) <= tol):
        return "degenerate"
    return "minimum" if lam[0] > 0 else "maximum"


@wrong("3.1", r"silent only when the non-zero eigenvalues all share one sign")
def classify_any_zero_is_degenerate(H, tol=1e-8):
    """any zero eigenvalue makes the point degenerate, even beside eigenvalues of both signs"""
    lam = np.linalg.eigvalsh(H)
    if np.any(np.abs(lam) <= tol):
        return "degenerate"
    return "minimum" if np.all(lam > 0) else "maximum" if np.all(lam < 0) else "saddle"


@right("3.1")
def classify_counting(H, tol=1e-8):
    """counts positive, negative and zero eigenvalues"""
    lam = np.linalg.eigvals(H).real
    pos, neg = int(np.sum(lam > tol)), int(np.sum(lam < -tol))
    if pos and neg:
        return "saddle"
    if pos + neg < len(lam):
        return "degenerate"
    return "minimum" if neg == 0 else "maximum"


@right("3.1")
def classify_scipy(H, tol=1e-8):
    """scipy eigvalsh and min/max"""
    import scipy.linalg

    lam = scipy.linalg.eigvalsh(H)
    if lam.min() < -tol < tol < lam.max():
        return "saddle"
    if np.min(np.abs(lam)) <= tol:
        return "degenerate"
    return "minimum" if lam.min() > 0 else "maximum"


# --- 3.2 index(H, tol) --------------------------------------------------------------------------------------


@wrong("3.2", r"compare with −tol")
def index_no_tol(H, tol=1e-8):
    """no tolerance: counts λ < 0"""
    return int(np.sum(np.linalg.eigvalsh(H) < 0))


@wrong("3.2", r"positive eigenvalues")
def index_positive(H, tol=1e-8):
    """counts the positive eigenvalues"""
    return int(np.sum(np.linalg.eigvalsh(H) > tol))


@wrong("3.2", r"diagonal entries")
def index_diagonal(H, tol=1e-8):
    """counts negative diagonal entries"""
    return int(np.sum(np.diag(H) < -tol))


@wrong("3.2", r"as an int")
def index_float(H, tol=1e-8):
    """returns a float count"""
    return float(np.sum(np.linalg.eigvalsh(H) < -tol))


@wrong("3.2", r"rank")
def index_rank(H, tol=1e-8):
    """counts nonzero eigenvalues (the rank)"""
    return int(np.sum(np.abs(np.linalg.eigvalsh(H)) > tol))


@wrong("3.2", r"as an int")
def index_array(H, tol=1e-8):
    """returns the boolean mask's sum as a 1-element array"""
    return np.atleast_1d(np.sum(np.linalg.eigvalsh(H) < -tol))


@right("3.2")
def index_loop(H, tol=1e-8):
    """loop over eigenvalues"""
    count = 0
    for lam in np.linalg.eigvalsh(H):
        if lam < -tol:
            count += 1
    return count


@right("3.2")
def index_numpy_int(H, tol=1e-8):
    """np.count_nonzero (returns a Python int)"""
    return np.count_nonzero(np.linalg.eigvals(H).real < -tol)


# --- 3.3 escape_direction(H, tol) ---------------------------------------------------------------------------


@wrong("3.3", r"ROW of the eigenvector")
def escape_row(H, tol=1e-8):
    """takes a row of the eigenvector matrix"""
    lam, V = np.linalg.eigh(H)
    return None if lam[0] >= -tol else V[0]


@wrong("3.3", r"LARGEST eigenvalue")
def escape_largest(H, tol=1e-8):
    """eigenvector of the largest eigenvalue (thinks eigh sorts descending)"""
    lam, V = np.linalg.eigh(H)
    return None if lam[0] >= -tol else V[:, -1]


@wrong("3.3", r"smallest in magnitude")
def escape_smallest_magnitude(H, tol=1e-8):
    """eigenvector of the eigenvalue closest to zero"""
    lam, V = np.linalg.eigh(H)
    return None if lam[0] >= -tol else V[:, np.argmin(np.abs(lam))]


@wrong("3.3", r"not of unit length")
def escape_scaled(H, tol=1e-8):
    """returns λ·v (scaled by the eigenvalue)"""
    lam, V = np.linalg.eigh(H)
    return None if lam[0] >= -tol else -lam[0] * V[:, 0]


@wrong("3.3", r"compare with −tol, not 0")
def escape_no_tol(H, tol=1e-8):
    """threshold at 0 instead of −tol"""
    lam, V = np.linalg.eigh(H)
    return None if lam[0] >= 0 else V[:, 0]


@wrong("3.3", r"coordinate axis")
def escape_axis(H, tol=1e-8):
    """returns the axis of the most negative diagonal entry"""
    lam = np.linalg.eigvalsh(H)
    if lam[0] >= -tol:
        return None
    return np.eye(len(H))[np.argmin(np.diag(H))]


@wrong("3.3", r"a number")
def escape_eigenvalue(H, tol=1e-8):
    """returns the eigenvalue instead of the vector"""
    lam = np.linalg.eigvalsh(H)
    return None if lam[0] >= -tol else lam[0]


@right("3.3")
def escape_from_negated(H, tol=1e-8):
    """largest eigenvector of −H"""
    lam, V = np.linalg.eigh(-H)
    return None if -lam[-1] >= -tol else V[:, -1]


@right("3.3")
def escape_scipy_subset(H, tol=1e-8):
    """scipy eigh with subset_by_index, sign flipped"""
    import scipy.linalg

    lam, V = scipy.linalg.eigh(H, subset_by_index=[0, 0])
    return None if lam[0] >= -tol else -V[:, 0]


# --- 3.4 newton_step(grad, H) -------------------------------------------------------------------------------


@wrong("3.4", r"wrong sign")
def newton_sign(grad, H):
    """sign error: solves H Δ = grad"""
    return np.linalg.solve(H, grad)


@wrong("3.4", r"inverse of H")
def newton_inverse(grad, H):
    """inverts H (the text says not to)"""
    return -np.linalg.inv(H) @ grad


@wrong("3.4", r"plain gradient step")
def newton_gradient(grad, H):
    """ignores H: returns −grad"""
    return -grad


@wrong("3.4", r"diagonal of H")
def newton_diagonal(grad, H):
    """divides by the diagonal of H"""
    return -grad / np.diag(H)


@wrong("3.4", r"multiplied by H")
def newton_multiply(grad, H):
    """multiplies by H instead of solving"""
    return -H @ grad


@wrong("3.4", r"flipped the negative curvatures")
def newton_saddle_free(grad, H):
    """saddle-free Newton: uses |λ|"""
    lam, V = np.linalg.eigh(H)
    return -(V / np.abs(lam)) @ (V.T @ grad)


@right("3.4")
def newton_lstsq(grad, H):
    """least squares"""
    return np.linalg.lstsq(H, -grad, rcond=None)[0]


@right("3.4")
def newton_lu(grad, H):
    """scipy LU factorisation"""
    import scipy.linalg

    return -scipy.linalg.lu_solve(scipy.linalg.lu_factor(H), grad)


# --- 3.5 power_iteration(hvp, dim, iters, rng) --------------------------------------------------------------


def _power(hvp, v, iters):
    q = 0.0
    for _ in range(iters):
        w = hvp(v)
        q = float(v @ w)
        v = w / np.linalg.norm(w)
    return q


@wrong("3.5", r"lost the sign")
def power_norm(hvp, dim, iters, rng):
    """returns ‖Hv‖, which loses the sign"""
    v = rng.standard_normal(dim)
    v /= np.linalg.norm(v)
    for _ in range(iters):
        w = hvp(v)
        v = w / np.linalg.norm(w)
    return float(np.linalg.norm(hvp(v)))


@wrong("3.5", r"does not depend on rng")
def power_ignores_rng(hvp, dim, iters, rng):
    """ignores rng: deterministic all-ones start"""
    return _power(hvp, np.ones(dim) / np.sqrt(dim), iters)


@wrong("3.5", r"only \d+ products")
def power_fewer_iterations(hvp, dim, iters, rng):
    """runs a tenth of the iterations"""
    v = rng.standard_normal(dim)
    return _power(hvp, v / np.linalg.norm(v), max(1, iters // 10))


@wrong("3.5", r"unit vectors")
def power_dense(hvp, dim, iters, rng):
    """builds the dense H from dim products with unit vectors, then eigvalsh"""
    H = np.column_stack([hvp(e) for e in np.eye(dim)])
    lam = np.linalg.eigvalsh(0.5 * (H + H.T))
    return float(lam[np.argmax(np.abs(lam))])


@wrong("3.5", r"algebraically")
def power_dense_largest(hvp, dim, iters, rng):
    """shifted power iteration that returns the largest algebraic eigenvalue"""
    v = rng.standard_normal(dim)
    v /= np.linalg.norm(v)
    shift = 0.0
    for _ in range(iters):
        w = hvp(v)
        shift = max(shift, float(np.linalg.norm(w)))
        w = w + shift * v
        v = w / np.linalg.norm(w)
    return float(v @ hvp(v))


@right("3.5")
def power_rayleigh_ratio(hvp, dim, iters, rng):
    """max-abs normalisation; the quotient vᵀHv / vᵀv from the last product (exactly iters products)"""
    v = rng.normal(size=dim)
    q = 0.0
    for _ in range(iters):
        w = hvp(v)
        q = float(v @ w / (v @ v))
        v = w / np.max(np.abs(w))
    return q


@right("3.5")
def power_with_final_product(hvp, dim, iters, rng):
    """iters normalised products, then one more for the final Rayleigh quotient"""
    v = rng.standard_normal(dim)
    for _ in range(iters):
        v = hvp(v)
        v /= np.linalg.norm(v)
    return float(v @ hvp(v))


# --- 3.6 hutchinson(hvp, dim, n_probes, rng) ----------------------------------------------------------------


@wrong("3.6", r"unit vectors")
def hutchinson_exact(hvp, dim, n_probes, rng):
    """exact trace from the unit vectors"""
    return float(sum(e @ hvp(e) for e in np.eye(dim)))


@wrong("3.6", r"not ±1 vectors")
def hutchinson_gaussian(hvp, dim, n_probes, rng):
    """Gaussian probes"""
    return float(np.mean([z @ hvp(z) for z in rng.standard_normal((n_probes, dim))]))


@wrong("3.6", r"entries 0 and 1")
def hutchinson_binary(hvp, dim, n_probes, rng):
    """0/1 probes"""
    Z = rng.integers(0, 2, size=(n_probes, dim)).astype(float)
    return float(np.mean([z @ hvp(z) for z in Z]))


@wrong("3.6", r"same vector")
def hutchinson_one_probe(hvp, dim, n_probes, rng):
    """draws z once and reuses it for every probe"""
    z = rng.choice([-1.0, 1.0], size=dim)
    return float(np.mean([z @ hvp(z) for _ in range(n_probes)]))


@wrong("3.6", r"does not depend on rng")
def hutchinson_own_rng(hvp, dim, n_probes, rng):
    """ignores rng: its own fixed generator"""
    own = np.random.default_rng(0)
    return float(np.mean([z @ hvp(z) for z in own.choice([-1.0, 1.0], size=(n_probes, dim))]))


@wrong("3.6", r"summed")
def hutchinson_sum(hvp, dim, n_probes, rng):
    """sums instead of averaging"""
    return float(sum(z @ hvp(z) for z in rng.choice([-1.0, 1.0], size=(n_probes, dim))))


@right("3.6")
def hutchinson_integers(hvp, dim, n_probes, rng):
    """probes from integers: 2·{0,1} − 1"""
    Z = 2.0 * rng.integers(0, 2, size=(n_probes, dim)) - 1.0
    return float(np.mean([z @ hvp(z) for z in Z]))


@right("3.6")
def hutchinson_sign_of_normal(hvp, dim, n_probes, rng):
    """signs of Gaussian draws, running mean"""
    mean = 0.0
    for i in range(n_probes):
        z = np.sign(rng.standard_normal(dim))
        mean += (z @ hvp(z) - mean) / (i + 1)
    return mean


# --- 3.7 escape_factor(a, b, c, eta) ------------------------------------------------------------------------


def _lam_min(A):
    return float(np.linalg.eigvalsh(np.asarray(A, dtype=float))[0])


@wrong("3.7", r"sign of your update")
def escape_factor_sign(a, b, c, eta):
    """steps along the gradient (θ + η∇f): the escape component appears to shrink"""
    return 1.0 + eta * _lam_min([[2 * a, c], [c, 2 * b]])


@wrong("3.7", r"half the true ones: differentiate a·x² twice")
def escape_factor_no_two(a, b, c, eta):
    """forgets the 2 in d²(a x²)/dx² = 2a, keeps the cross term c"""
    return 1.0 - eta * _lam_min([[a, c], [c, b]])


@wrong("3.7", r"off-diagonal Hessian entry is off by a factor 2")
def escape_factor_half_cross(a, b, c, eta):
    """puts c/2 off the diagonal (the quadratic form's matrix) but 2a, 2b on it"""
    return 1.0 - eta * _lam_min([[2 * a, c / 2], [c / 2, 2 * b]])


@wrong("3.7", r"not the matrix of the quadratic form")
def escape_factor_form_matrix(a, b, c, eta):
    """uses the matrix of the quadratic form [[a, c/2], [c/2, b]] as the Hessian"""
    return 1.0 - eta * _lam_min([[a, c / 2], [c / 2, b]])


@wrong("3.7", r"off the diagonal")
def escape_factor_diagonal(a, b, c, eta):
    """reads the curvatures 2a, 2b off the diagonal and ignores the cross term"""
    return 1.0 - eta * min(2 * a, 2 * b)


@wrong("3.7", r"direction of positive curvature")
def escape_factor_wrong_eigenvalue(a, b, c, eta):
    """uses the largest eigenvalue instead of the most negative one"""
    return 1.0 - eta * float(np.linalg.eigvalsh([[2 * a, c], [c, 2 * b]])[-1])


@wrong("3.7", r"gradient flow")
def escape_factor_flow(a, b, c, eta):
    """continuous-time answer e^{−ηλ_min} instead of one discrete step"""
    return float(np.exp(-eta * _lam_min([[2 * a, c], [c, 2 * b]])))


@wrong("3.7", r"returned a curvature")
def escape_factor_eigenvalue(a, b, c, eta):
    """returns λ_min itself"""
    return _lam_min([[2 * a, c], [c, 2 * b]])


@wrong("3.7", r"GROWS per step")
def escape_factor_increment(a, b, c, eta):
    """returns the relative growth −ηλ_min per step, not the factor"""
    return -eta * _lam_min([[2 * a, c], [c, 2 * b]])


@right("3.7")
def escape_factor_closed_form(a, b, c, eta):
    """the smaller root of the characteristic polynomial, written with the trace and determinant"""
    tr, det = 2 * a + 2 * b, 4 * a * b - c * c
    return 1.0 - eta * (tr / 2 - np.sqrt(tr * tr / 4 - det))


@right("3.7")
def escape_factor_step_matrix(a, b, c, eta):
    """the smallest-curvature eigenvalue of the one-step matrix I − ηH is the largest eigenvalue of I − ηH"""
    step = np.eye(2) - eta * np.array([[2 * a, c], [c, 2 * b]])
    return float(np.linalg.eigvalsh(step)[-1])


# --- 3.8 sphere_gradient(grad, sigma) -------------------------------------------------------------------------


@wrong("3.8", r"unchanged")
def sphere_gradient_euclidean(grad, sigma):
    """forgets the constraint: the Euclidean gradient"""
    return grad


@wrong("3.8", r"component ALONG")
def sphere_gradient_normal_part(grad, sigma):
    """returns the normal component, the part to drop"""
    return (grad @ sigma) / (sigma @ sigma) * sigma


@wrong("3.8", r"instead of removing")
def sphere_gradient_added(grad, sigma):
    """adds the normal component"""
    return grad + (grad @ sigma) / (sigma @ sigma) * sigma


@wrong("3.8", r"length once")
def sphere_gradient_length(grad, sigma):
    """divides by ‖σ‖ instead of ‖σ‖²"""
    return grad - (grad @ sigma) / np.linalg.norm(sigma) * sigma


@wrong("3.8", r"not a unit vector")
def sphere_gradient_unit_assumed(grad, sigma):
    """treats σ as a unit vector"""
    return grad - (grad @ sigma) * sigma


@wrong("3.8", r"‖σ‖² = N")
def sphere_gradient_radius_n(grad, sigma):
    """divides by N, the squared radius of the chapter's sphere, whatever the radius"""
    return grad - (grad @ sigma) / len(sigma) * sigma


@right("3.8")
def sphere_gradient_projector(grad, sigma):
    """the projection matrix I − σσᵀ/‖σ‖² applied to the gradient"""
    P = np.eye(len(sigma)) - np.outer(sigma, sigma) / (sigma @ sigma)
    return P @ grad


@right("3.8")
def sphere_gradient_unit(grad, sigma):
    """normalises σ first, then removes the component along the unit vector"""
    u = sigma / np.linalg.norm(sigma)
    return grad - (grad @ u) * u
