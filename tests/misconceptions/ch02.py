"""Chapter 2: filter normalization (2.1), a batched 2-D slice (2.2), interpolation (2.3), PCA directions (2.4)."""

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


# --- 2.3 interpolation_losses(loss, theta_a, theta_b, alphas) -----------------------------------------------


@wrong("2.3", r"other way round")
def interp_swapped(loss, theta_a, theta_b, alphas):
    """ends swapped: α = 0 gives θb"""
    return np.array([loss(a * theta_a + (1 - a) * theta_b) for a in alphas])


@wrong("2.3", r"does not pass")
def interp_affine_sum(loss, theta_a, theta_b, alphas):
    """θa + α θb instead of the convex combination"""
    return np.array([loss(theta_a + a * theta_b) for a in alphas])


@wrong("2.3", r"clipped")
def interp_clipped(loss, theta_a, theta_b, alphas):
    """clips α to [0, 1]"""
    return np.array([loss((1 - a) * theta_a + a * theta_b) for a in np.clip(alphas, 0, 1)])


@wrong("2.3", r"points on the line")
def interp_points(loss, theta_a, theta_b, alphas):
    """returns the points instead of their losses"""
    return np.array([(1 - a) * theta_a + a * theta_b for a in alphas])


@wrong("2.3", r"your own α")
def interp_linspace(loss, theta_a, theta_b, alphas):
    """uses an evenly spaced α in [0, 1] instead of the given ones"""
    return np.array([loss((1 - a) * theta_a + a * theta_b) for a in np.linspace(0, 1, len(alphas))])


@wrong("2.3", r"in-place")
def interp_in_place(loss, theta_a, theta_b, alphas):
    """walks θa towards θb in place"""
    out = []
    step = theta_b - theta_a
    previous = 0.0
    for a in alphas:
        theta_a += (a - previous) * step
        previous = a
        out.append(loss(theta_a))
    return np.array(out)


@right("2.3")
def interp_map(loss, theta_a, theta_b, alphas):
    """points built with np.outer, then map"""
    points = theta_a + np.outer(alphas, theta_b - theta_a)
    return np.array(list(map(loss, points)))


@right("2.3")
def interp_fromiter(loss, theta_a, theta_b, alphas):
    """np.fromiter over a generator, list return"""
    return list(np.fromiter((loss(theta_a + a * (theta_b - theta_a)) for a in alphas), float, len(alphas)))


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
