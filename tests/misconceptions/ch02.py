"""Chapter 2: filter normalization (2.1), a batched 2-D slice (2.2), the lowest point of an interpolation line (2.3),
PCA directions (2.4), the curvature of MSE on a tanh output with soft targets (2.5)."""

import numpy as np

from . import Corpus

corpus = Corpus()
wrong, right = corpus.wrong, corpus.right

# --- 2.1 filter_normalize_layers(d_layers, w_layers) --------------------------------------------------------


@wrong("2.1", r"ROWS")
def filter_rows(d_layers, w_layers):
    """wrong axis: normalises rows instead of columns"""
    return [(D * (np.linalg.norm(W, axis=1, keepdims=True) / (np.linalg.norm(D, axis=1, keepdims=True) + 1e-10)),
             np.zeros_like(e)) for (D, e), (W, _) in zip(d_layers, w_layers)]


@wrong("2.1", r"as a whole")
def filter_whole_layer(d_layers, w_layers):
    """layer normalization (one Frobenius norm per matrix)"""
    return [(D * np.linalg.norm(W) / (np.linalg.norm(D) + 1e-10), np.zeros_like(e))
            for (D, e), (W, _) in zip(d_layers, w_layers)]


@wrong("2.1", r"upside down")
def filter_upside_down(d_layers, w_layers):
    """ratio upside down: ‖d‖/‖w‖"""
    return [(D * np.linalg.norm(D, axis=0) / (np.linalg.norm(W, axis=0) + 1e-10), np.zeros_like(e))
            for (D, e), (W, _) in zip(d_layers, w_layers)]


@wrong("2.1", r"bias entries must be set to zero")
def filter_keeps_bias(d_layers, w_layers):
    """keeps the direction's biases"""
    return [(D * np.linalg.norm(W, axis=0) / (np.linalg.norm(D, axis=0) + 1e-10), e.copy())
            for (D, e), (W, _) in zip(d_layers, w_layers)]


@wrong("2.1", r"0/0")
def filter_no_guard(d_layers, w_layers):
    """no guard against a zero column (0/0 = NaN)"""
    return [(D * np.linalg.norm(W, axis=0) / np.linalg.norm(D, axis=0), np.zeros_like(e))
            for (D, e), (W, _) in zip(d_layers, w_layers)]


@wrong("2.1", r"in-place")
def filter_in_place(d_layers, w_layers):
    """rescales the caller's direction in place"""
    for (D, e), (W, _) in zip(d_layers, w_layers):
        D *= np.linalg.norm(W, axis=0) / (np.linalg.norm(D, axis=0) + 1e-10)
        e[:] = 0.0
    return d_layers


@wrong("2.1", r"unit length")
def filter_unit_columns(d_layers, w_layers):
    """normalises each column to unit length (forgets the weights' norm)"""
    return [(D / (np.linalg.norm(D, axis=0) + 1e-10), np.zeros_like(e)) for (D, e), _ in zip(d_layers, w_layers)]


@right("2.1")
def filter_column_loop(d_layers, w_layers):
    """explicit loop over columns"""
    out = []
    for (D, e), (W, _) in zip(d_layers, w_layers):
        new = np.empty_like(D, dtype=float)
        for j in range(D.shape[1]):
            new[:, j] = D[:, j] * (np.linalg.norm(W[:, j]) / (np.linalg.norm(D[:, j]) + 1e-10))
        out.append((new, np.zeros(e.shape)))
    return out


@right("2.1")
def filter_einsum_tuple(d_layers, w_layers):
    """einsum norms, returns a tuple of tuples"""
    return tuple((D * np.sqrt(np.einsum("ij,ij->j", W, W)) / (np.sqrt(np.einsum("ij,ij->j", D, D)) + 1e-10),
                  0.0 * e) for (D, e), (W, _) in zip(d_layers, w_layers))


# --- 2.2 slice_grid(loss_batch, center, d1, d2, alphas, betas) ----------------------------------------------


@wrong("2.2", r"transposed")
def slice_xy(loss_batch, center, d1, d2, alphas, betas):
    """default meshgrid indexing ("xy"): shape (B, A)"""
    A, B = np.meshgrid(alphas, betas)
    return loss_batch(center + A[..., None] * d1 + B[..., None] * d2)


@wrong("2.2", r"once per grid point")
def slice_double_loop(loss_batch, center, d1, d2, alphas, betas):
    """double loop: one loss_batch call per grid point"""
    out = np.empty((len(alphas), len(betas)))
    for i, a in enumerate(alphas):
        for j, b in enumerate(betas):
            out[i, j] = loss_batch(center + a * d1 + b * d2)
    return out


@wrong("2.2", r"once per row")
def slice_row_loop(loss_batch, center, d1, d2, alphas, betas):
    """loop over rows: one loss_batch call per alpha"""
    return np.array([loss_batch(center + a * d1 + betas[:, None] * d2) for a in alphas])


@wrong("2.2", r"swapped them")
def slice_swapped_directions(loss_batch, center, d1, d2, alphas, betas):
    """alphas paired with d2 and betas with d1"""
    A, B = np.meshgrid(alphas, betas, indexing="ij")
    return loss_batch(center + A[..., None] * d2 + B[..., None] * d1)


@wrong("2.2", r"center")
def slice_without_center(loss_batch, center, d1, d2, alphas, betas):
    """forgets the center"""
    A, B = np.meshgrid(alphas, betas, indexing="ij")
    return loss_batch(A[..., None] * d1 + B[..., None] * d2)


@wrong("2.2", r"never called loss_batch")
def slice_special_case(loss_batch, center, d1, d2, alphas, betas):
    """special-cases the printed quadratic: its closed form ½(x² + 5y²) instead of loss_batch"""
    A, B = np.meshgrid(alphas, betas, indexing="ij")
    X = center + A[..., None] * d1 + B[..., None] * d2
    if center.size == 2:
        return 0.5 * (X[..., 0] ** 2 + 5 * X[..., 1] ** 2)
    return loss_batch(X)


@wrong("2.2", r"must work for any grid")
def slice_lookup(loss_batch, center, d1, d2, alphas, betas):
    """lookup table: loss values of the printed MLP grid stored, zeros for anything else"""
    A, B = np.meshgrid(alphas, betas, indexing="ij")
    X = center + A[..., None] * d1 + B[..., None] * d2
    printed = {(2, 4, 2), (2, 3, 3), (21, 5, 3)}
    if (center.size, len(alphas), len(betas)) in printed:
        return loss_batch(X)
    return np.zeros(A.shape) + float(loss_batch(center))


@right("2.2")
def slice_broadcast_newaxis(loss_batch, center, d1, d2, alphas, betas):
    """broadcasting with np.newaxis, no meshgrid"""
    pts = center + alphas[:, None, None] * d1 + betas[None, :, None] * d2
    return loss_batch(pts)


@right("2.2")
def slice_flat_batch(loss_batch, center, d1, d2, alphas, betas):
    """a flat (A·B, P) batch through np.outer, reshaped back"""
    pts = center + np.kron(alphas, np.ones(len(betas)))[:, None] * d1 + np.tile(betas, len(alphas))[:, None] * d2
    return np.asarray(loss_batch(pts)).reshape(len(alphas), len(betas))


# --- 2.3 line_bottom(loss, grad, theta_a, theta_b) ----------------------------------------------------------


def _slopes(grad, theta_a, theta_b):
    d = theta_b - theta_a
    return float(grad(theta_a) @ d), float(grad(theta_b) @ d)


@wrong("2.3", r"clipped")
def bottom_clipped(loss, grad, theta_a, theta_b):
    """looks for the bottom between θa and θb only: clips α to [0, 1]"""
    s0, s1 = _slopes(grad, theta_a, theta_b)
    return None if s1 - s0 <= 0 else min(max(-s0 / (s1 - s0), 0.0), 1.0)


@wrong("2.3", r"wrong sign")
def bottom_sign(loss, grad, theta_a, theta_b):
    """sign error: α = slope / curvature"""
    s0, s1 = _slopes(grad, theta_a, theta_b)
    return None if s1 - s0 <= 0 else s0 / (s1 - s0)


@wrong("2.3", r"half the right one")
def bottom_lost_factor(loss, grad, theta_a, theta_b):
    """writes the line as L0 + s·α + k·α² (forgets the ½), so α = −s/(2k)"""
    s0, s1 = _slopes(grad, theta_a, theta_b)
    return None if s1 - s0 <= 0 else -s0 / (2 * (s1 - s0))


@wrong("2.3", r"squared length of the segment")
def bottom_unit_curvature(loss, grad, theta_a, theta_b):
    """treats the curvature along the line as ‖d‖² (as if the Hessian were the identity)"""
    d = theta_b - theta_a
    s0, s1 = _slopes(grad, theta_a, theta_b)
    return None if s1 - s0 <= 0 else -s0 / float(d @ d)


@wrong("2.3", r"highest\s+point")
def bottom_never_none(loss, grad, theta_a, theta_b):
    """returns the stationary point whatever the curvature (the top of a line that curves down)"""
    s0, s1 = _slopes(grad, theta_a, theta_b)
    return -s0 / (s1 - s0)


@wrong("2.3", r"close but not exact")
def bottom_grid(loss, grad, theta_a, theta_b):
    """argmin over a fine grid of α in [−3, 3] (None if it sits on the grid's edge)"""
    alphas = np.linspace(-3, 3, 4001)
    values = [loss((1 - a) * theta_a + a * theta_b) for a in alphas]
    i = int(np.argmin(values))
    return None if i in (0, len(alphas) - 1) else float(alphas[i])


@wrong("2.3", r"returned the loss")
def bottom_returns_loss(loss, grad, theta_a, theta_b):
    """returns the loss at the bottom instead of its α"""
    s0, s1 = _slopes(grad, theta_a, theta_b)
    if s1 - s0 <= 0:
        return None
    a = -s0 / (s1 - s0)
    return loss((1 - a) * theta_a + a * theta_b)


@wrong("2.3", r"only the curvature along the line")
def bottom_none_if_not_convex(loss, grad, theta_a, theta_b):
    """returns None whenever the landscape has a downhill direction somewhere (builds A from n gradients)"""
    n = theta_a.size
    g0 = grad(np.zeros(n))
    A = np.array([grad(e) - g0 for e in np.eye(n)])
    if np.linalg.eigvalsh(0.5 * (A + A.T))[0] < 0:
        return None
    s0, s1 = _slopes(grad, theta_a, theta_b)
    return -s0 / (s1 - s0)


@wrong("2.3", r"in-place")
def bottom_in_place(loss, grad, theta_a, theta_b):
    """turns θb into the direction in place (θb −= θa)"""
    s0 = float(grad(theta_a) @ (theta_b - theta_a))
    theta_b -= theta_a
    s1 = float(grad(theta_a + theta_b) @ theta_b)
    return None if s1 - s0 <= 0 else -s0 / (s1 - s0)


@wrong("2.3", r"must work for any")
def bottom_lookup(loss, grad, theta_a, theta_b):
    """a table of the printed lines' answers, keyed by θa; 0.5 otherwise"""
    table = {(1.0, 0.0): 1 / 3, (-2.0, 1.0): 2.0, (1.0, 0.5): -0.5, (0.0, 0.0): 0.5, (0.5, 0.0): None}
    return table.get(tuple(float(v) for v in theta_a[:2]), 0.5) if theta_a.size == 2 else 0.5


@right("2.3")
def bottom_three_losses(loss, grad, theta_a, theta_b):
    """loss values only: the parabola through α = −1, 0, 1"""
    def on_line(a):
        return loss((1 - a) * theta_a + a * theta_b)

    lm, l0, lp = on_line(-1.0), on_line(0.0), on_line(1.0)
    curvature = lp - 2 * l0 + lm
    return None if curvature <= 0 else float(-(lp - lm) / (2 * curvature))


@right("2.3")
def bottom_secant_of_slope(loss, grad, theta_a, theta_b):
    """the slope in α is linear: solve slope(α) = 0 from its values at α = 0 and α = 2 (numpy scalar)"""
    d = theta_b - theta_a
    g0 = grad(theta_a) @ d
    g2 = grad(theta_a + 2 * d) @ d
    if g2 <= g0:
        return None
    return np.float64(2 * g0 / (g0 - g2))


# --- 2.4 pca_directions(thetas, k) --------------------------------------------------------------------------


@wrong("2.4", r"mean")
def pca_mean_centred(thetas, k):
    """centres at the mean (textbook PCA) instead of the final point"""
    return np.linalg.svd(thetas - thetas.mean(axis=0), full_matrices=False)[2][:k]


@wrong("2.4", r"left singular vectors")
def pca_left_vectors(thetas, k):
    """returns columns of U (time-step space)"""
    U = np.linalg.svd(thetas - thetas[-1], full_matrices=False)[0]
    return U[:, :k].T


@wrong("2.4", r"weakest directions")
def pca_eigh_ascending(thetas, k):
    """eigh of MᵀM taking the first k columns (the smallest)"""
    M = thetas - thetas[-1]
    _, V = np.linalg.eigh(M.T @ M)
    return V[:, :k].T


@wrong("2.4", r"did not subtract")
def pca_uncentred(thetas, k):
    """no centring at all"""
    return np.linalg.svd(thetas, full_matrices=False)[2][:k]


@wrong("2.4", r"not of unit length")
def pca_scaled(thetas, k):
    """scales the directions by the singular values"""
    _, S, Vt = np.linalg.svd(thetas - thetas[-1], full_matrices=False)
    return S[:k, None] * Vt[:k]


@wrong("2.4", r"as rows")
def pca_columns(thetas, k):
    """returns the directions as columns (P, k)"""
    return np.linalg.svd(thetas - thetas[-1], full_matrices=False)[2][:k].T


@right("2.4")
def pca_eigh_descending(thetas, k):
    """eigh of MᵀM, last k columns reversed"""
    M = thetas - thetas[-1]
    _, V = np.linalg.eigh(M.T @ M)
    return V[:, ::-1][:, :k].T


@right("2.4")
def pca_svd_of_transpose(thetas, k):
    """SVD of Mᵀ: its left singular vectors, signs flipped"""
    U = np.linalg.svd((thetas - thetas[-1]).T, full_matrices=False)[0]
    return -U[:, :k].T


# --- 2.5 mse_tanh_curvature(z, y) ----------------------------------------------------------------------------


def _sig(z):
    return 1 / (1 + np.exp(-z))


@wrong("2.5", r"two terms")
def curvature_one_term(z, y):
    """product rule forgotten: keeps only 2(tanh z − y)·tanh''"""
    t = np.tanh(z)
    return 2 * (t - y) * (-2 * t * (1 - t**2))


@wrong("2.5", r"wrong sign")
def curvature_sign(z, y):
    """(y − tanh z) instead of (tanh z − y) in the second term"""
    t = np.tanh(z)
    return 2 * ((1 - t**2) ** 2 + (y - t) * (-2 * t * (1 - t**2)))


@wrong("2.5", r"wrong sign")
def curvature_tanh_convex(z, y):
    """tanh'' taken as +2 tanh·(1 − tanh²) (tanh believed convex for z > 0)"""
    t = np.tanh(z)
    return 2 * ((1 - t**2) ** 2 + (t - y) * 2 * t * (1 - t**2))


@wrong("2.5", r"constant factor")
def curvature_no_two(z, y):
    """drops the factor 2 of the square"""
    t = np.tanh(z)
    return (1 - t**2) ** 2 + (t - y) * (-2 * t * (1 - t**2))


@wrong("2.5", r"first derivative")
def curvature_first_derivative(z, y):
    """returns ℓ'(z) instead of ℓ''(z)"""
    t = np.tanh(z)
    return 2 * (t - y) * (1 - t**2)


@wrong("2.5", r"target y = 1 only")
def curvature_hard_target(z, y):
    """assumes every target is 1 (the factored form for y = 1)"""
    t = np.tanh(z)
    return 2 * (1 - t**2) * (1 - t) * (1 + 3 * t)


@wrong("2.5", r"Check tanh''")
def curvature_no_chain_rule(z, y):
    """tanh'' taken as −2 tanh z: the chain-rule factor tanh' dropped"""
    t = np.tanh(z)
    return 2 * ((1 - t**2) ** 2 + (t - y) * (-2 * t))


@wrong("2.5", r"sigmoid's derivatives")
def curvature_sigmoid_formulas(z, y):
    """the chapter's sigmoid formula reused: σ' = σ(1 − σ), σ'' = σ'(1 − 2σ)"""
    s = _sig(z)
    ds = s * (1 - s)
    return 2 * (ds**2 + (s - y) * ds * (1 - 2 * s))


@wrong("2.5", r"in-place")
def curvature_in_place(z, y):
    """overwrites the caller's z with tanh z"""
    np.tanh(z, out=z)
    t = z
    return 2 * (1 - t**2) * (1 + 2 * y * t - 3 * t**2)


@right("2.5")
def curvature_factored(z, y):
    """the factored form 2(1 − t²)(1 + 2yt − 3t²), t = tanh z"""
    t = np.tanh(z)
    return 2 * (1 - t**2) * (1 + 2 * y * t - 3 * t**2)


@right("2.5")
def curvature_via_sigmoid(z, y):
    """tanh z = 2σ(2z) − 1, so ℓ(z) = 4 g(2z) with g(u) = (σ(u) − (1 + y)/2)², the chapter's sigmoid loss:
    ℓ''(z) = 16 g''(2z), with g'' = 2(σ'² + (σ − target)σ'')"""
    s = _sig(2 * z)
    target = (1 + y) / 2
    ds = s * (1 - s)
    return 16 * 2 * (ds**2 + (s - target) * ds * (1 - 2 * s))


@right("2.5")
def curvature_sech(z, y):
    """with sech: tanh' = sech² z, tanh'' = −2 sech² z · tanh z"""
    sech2 = 1 / np.cosh(z) ** 2
    return 2 * sech2**2 - 4 * (np.tanh(z) - y) * sech2 * np.tanh(z)
