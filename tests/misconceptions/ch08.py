"""Chapter 8: the landmark figures on real data (exercises 8.1–8.6)."""

import numpy as np

from . import Corpus

corpus = Corpus()
wrong, right = corpus.wrong, corpus.right

# ===== 8.1–8.2 (helper A) =====

# --- 8.1 count_outliers(eigenvalues, k) ------------------------------------------------------------------------


@wrong("8.1", r"largest \*difference\*")
def outliers_by_difference(eigenvalues, k):
    """looks for the largest difference λ_c − λ_(c+1) instead of the largest ratio"""
    top = np.sort(eigenvalues)[::-1][:k]
    return int(np.argmax(top[:-1] - top[1:])) + 1


@wrong("8.1", r"one short")
def outliers_zero_based(eigenvalues, k):
    """returns the 0-based position of the largest ratio"""
    top = np.sort(eigenvalues)[::-1][:k]
    return int(np.argmax(top[:-1] / top[1:]))


@wrong("8.1", r"order given")
def outliers_unsorted(eigenvalues, k):
    """assumes the eigenvalues arrive in descending order"""
    top = np.asarray(eigenvalues)[:k]
    return int(np.argmax(top[:-1] / top[1:])) + 1


@wrong("8.1", r"by size \|λ\|")
def outliers_by_magnitude(eigenvalues, k):
    """ranks the eigenvalues by magnitude, so a large negative one counts as an outlier"""
    top = eigenvalues[np.argsort(-np.abs(eigenvalues))][:k]
    return int(np.argmax(np.abs(top[:-1] / top[1:]))) + 1


@wrong("8.1", r"changed the array it was given")
def outliers_sort_in_place(eigenvalues, k):
    """sorts the caller's array in place"""
    eigenvalues.sort()
    top = eigenvalues[::-1][:k]
    return int(np.argmax(top[:-1] / top[1:])) + 1


@wrong("8.1", r"one int")
def outliers_float(eigenvalues, k):
    """returns the count as a float"""
    top = np.sort(eigenvalues)[::-1][:k]
    return float(np.argmax(top[:-1] / top[1:]) + 1)


@wrong("8.1", r"definition above")
def outliers_above_tenth(eigenvalues, k):
    """counts the eigenvalues above a tenth of the largest"""
    return int(np.sum(eigenvalues > 0.1 * np.max(eigenvalues)))


@right("8.1")
def outliers_log_gaps(eigenvalues, k):
    """the largest gap between neighbouring log-eigenvalues"""
    top = -np.sort(-np.asarray(eigenvalues, dtype=float))[:k]
    return int(np.argmax(-np.diff(np.log(top)))) + 1


@right("8.1")
def outliers_loop(eigenvalues, k):
    """a plain loop over sorted() values"""
    top = sorted((float(x) for x in eigenvalues), reverse=True)[:k]
    best, count = 0.0, 1
    for c in range(1, k):
        if top[c - 1] / top[c] > best:
            best, count = top[c - 1] / top[c], c
    return count


# --- 8.2 explained_fraction(thetas, k) -------------------------------------------------------------------------


@wrong("8.2", r"about the mean iterate")
def explained_mean_centred(thetas, k):
    """centres the path on its mean (ordinary PCA) instead of its final point"""
    s = np.linalg.svd(thetas - thetas.mean(axis=0), compute_uv=False)
    return float(np.sum(s[:k] ** 2) / np.sum(s**2))


@wrong("8.2", r"iterates themselves")
def explained_not_centred(thetas, k):
    """decomposes the iterates without subtracting anything"""
    s = np.linalg.svd(thetas, compute_uv=False)
    return float(np.sum(s[:k] ** 2) / np.sum(s**2))


@wrong("8.2", r"singular values themselves")
def explained_unsquared(thetas, k):
    """shares of singular values rather than of their squares"""
    s = np.linalg.svd(thetas - thetas[-1], compute_uv=False)
    return float(np.sum(s[:k]) / np.sum(s))


@wrong("8.2", r"k-th direction alone")
def explained_kth_only(thetas, k):
    """returns the share of the k-th direction only"""
    s = np.linalg.svd(thetas - thetas[-1], compute_uv=False)
    return float(s[k - 1] ** 2 / np.sum(s**2))


@wrong("8.2", r"own coordinates")
def explained_rows_centred(thetas, k):
    """centres each iterate over its coordinates (rows and columns swapped)"""
    s = np.linalg.svd(thetas - thetas.mean(axis=1, keepdims=True), compute_uv=False)
    return float(np.sum(s[:k] ** 2) / np.sum(s**2))


@wrong("8.2", r"changed the array it was given")
def explained_in_place(thetas, k):
    """subtracts the final point from the caller's array in place"""
    thetas -= thetas[-1].copy()
    s = np.linalg.svd(thetas, compute_uv=False)
    return float(np.sum(s[:k] ** 2) / np.sum(s**2))


@wrong("8.2", r"one float")
def explained_array(thetas, k):
    """returns the cumulative shares of all directions as an array"""
    s = np.linalg.svd(thetas - thetas[-1], compute_uv=False)
    return np.cumsum(s**2) / np.sum(s**2)


@right("8.2")
def explained_by_covariance(thetas, k):
    """eigenvalues of the P × P second-moment matrix MᵀM"""
    M = thetas - thetas[-1]
    w = np.linalg.eigvalsh(M.T @ M)[::-1]
    return float(w[:k].sum() / np.trace(M.T @ M))


@right("8.2")
def explained_by_projection(thetas, k):
    """projects on the first k right singular vectors and compares squared lengths"""
    M = thetas - thetas[-1]
    _, _, Vt = np.linalg.svd(M, full_matrices=False)
    return float(np.sum((M @ Vt[:k].T) ** 2) / np.sum(M**2))


# ===== end of 8.1–8.2 =====


# ===== 8.3–8.4 (helper B) =====


# ===== end of 8.3–8.4 =====


# ===== 8.5–8.6 (helper C) =====


# ===== end of 8.5–8.6 =====
