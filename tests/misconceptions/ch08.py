"""Chapter 8: the landmark figures on real data (exercises 8.1–8.6)."""

import numpy as np

from . import Corpus

corpus = Corpus()
wrong, right = corpus.wrong, corpus.right

# ===== 8.1–8.2 (helper A) =====


# ===== end of 8.1–8.2 =====


# ===== 8.3–8.4 (helper B) =====

# --- 8.3 plateau_ratio(steps, lambda_max, lr) -----------------------------------------------------------------


def _late(steps, lam):
    steps, lam = np.asarray(steps), np.asarray(lam, dtype=float)
    return lam[steps >= 0.5 * steps[-1]]


@wrong("8.3", r"off by a constant factor")
def plateau_one_over_eta(steps, lambda_max, lr):
    """takes the threshold to be 1/η"""
    return float(np.median(_late(steps, lambda_max)) * lr)


@wrong("8.3", r"off by a constant factor")
def plateau_times_threshold(steps, lambda_max, lr):
    """multiplies by 2/η instead of dividing"""
    return float(np.median(_late(steps, lambda_max)) * (2.0 / lr))


@wrong("8.3", r"single spikes and dips")
def plateau_mean(steps, lambda_max, lr):
    """averages the late phase: a spike moves the mean"""
    return float(np.mean(_late(steps, lambda_max)) / (2.0 / lr))


@wrong("8.3", r"early samples")
def plateau_whole_run(steps, lambda_max, lr):
    """takes the median over the whole run, sharpening phase included"""
    return float(np.median(lambda_max) / (2.0 / lr))


@wrong("8.3", r"single sample")
def plateau_last(steps, lambda_max, lr):
    """reads the level off the last sample"""
    return float(lambda_max[-1] / (2.0 / lr))


@wrong("8.3", r"not by the sample's position")
def plateau_second_half_of_array(steps, lambda_max, lr):
    """takes the second half of the array instead of the second half of the run"""
    lam = np.asarray(lambda_max, dtype=float)
    return float(np.median(lam[len(lam) // 2:]) / (2.0 / lr))


@wrong("8.3", r"changed the arrays it was given")
def plateau_sorts_in_place(steps, lambda_max, lr):
    """sorts the caller's late samples in place to find the middle one"""
    late_idx = np.nonzero(np.asarray(steps) >= 0.5 * steps[-1])[0]
    lambda_max[late_idx[0]:] = np.sort(lambda_max[late_idx[0]:])
    return float(np.median(lambda_max[late_idx[0]:]) * lr / 2)


@right("8.3")
def plateau_percentile(steps, lambda_max, lr):
    """np.percentile at 50 over a boolean mask, times η/2"""
    mask = np.asarray(steps) * 2 >= steps[-1]
    return float(np.percentile(np.asarray(lambda_max)[mask], 50) * lr / 2)


@right("8.3")
def plateau_sorted_middle(steps, lambda_max, lr):
    """searchsorted for the first late step, then the middle of a sorted copy"""
    start = int(np.searchsorted(np.asarray(steps), steps[-1] / 2, side="left"))
    late = sorted(float(v) for v in lambda_max[start:])
    n = len(late)
    middle = late[n // 2] if n % 2 else 0.5 * (late[n // 2 - 1] + late[n // 2])
    return middle / (2 / lr)


# --- 8.4 filter_normalize(direction, weights) -----------------------------------------------------------------


@wrong("8.4", r"whole direction by one number")
def fn_global(direction, weights):
    """rescales the whole direction to the norm of all the weights"""
    d = np.sqrt(sum(np.sum(W**2) for W, _ in direction))
    w = np.sqrt(sum(np.sum(W**2) for W, _ in weights))
    return [(W * w / d, np.zeros_like(b)) for W, b in direction]


@wrong("8.4", r"single scale factor")
def fn_per_layer(direction, weights):
    """matches each layer's Frobenius norm instead of each filter's"""
    return [(Wd * np.linalg.norm(Wt) / (np.linalg.norm(Wd) + 1e-10), np.zeros_like(bd))
            for (Wd, bd), (Wt, _) in zip(direction, weights)]


@wrong("8.4", r"normalised rows of W")
def fn_rows(direction, weights):
    """treats rows of W (a unit's outgoing weights) as filters"""
    return [(Wd * (np.linalg.norm(Wt, axis=1) / (np.linalg.norm(Wd, axis=1) + 1e-10))[:, None], np.zeros_like(bd))
            for (Wd, bd), (Wt, _) in zip(direction, weights)]


@wrong("8.4", r"norm 1")
def fn_unit_filters(direction, weights):
    """normalises each filter to unit length"""
    return [(Wd / (np.linalg.norm(Wd, axis=0) + 1e-10), np.zeros_like(bd)) for Wd, bd in direction]


@wrong("8.4", r"biases are unchanged")
def fn_keeps_biases(direction, weights):
    """normalises the filters but leaves the direction's biases as drawn"""
    return [(Wd * np.linalg.norm(Wt, axis=0) / (np.linalg.norm(Wd, axis=0) + 1e-10), bd.copy())
            for (Wd, bd), (Wt, _) in zip(direction, weights)]


@wrong("8.4", r"equal the weights' biases")
def fn_copies_biases(direction, weights):
    """sets the direction's biases to the weights' biases"""
    return [(Wd * np.linalg.norm(Wt, axis=0) / (np.linalg.norm(Wd, axis=0) + 1e-10), bt.copy())
            for (Wd, _), (Wt, bt) in zip(direction, weights)]


@wrong("8.4", r"changed the arrays it was given")
def fn_in_place(direction, weights):
    """rescales the caller's direction in place"""
    for (Wd, bd), (Wt, _) in zip(direction, weights):
        Wd *= np.linalg.norm(Wt, axis=0) / (np.linalg.norm(Wd, axis=0) + 1e-10)
        bd[...] = 0.0
    return direction


@right("8.4")
def fn_column_loop(direction, weights):
    """an explicit loop over the columns"""
    out = []
    for (Wd, bd), (Wt, _) in zip(direction, weights):
        W = np.empty_like(Wd)
        for j in range(Wd.shape[1]):
            W[:, j] = Wd[:, j] * np.sqrt(np.sum(Wt[:, j] ** 2)) / (np.sqrt(np.sum(Wd[:, j] ** 2)) + 1e-10)
        out.append((W, np.zeros(bd.shape)))
    return out


@right("8.4")
def fn_einsum(direction, weights):
    """column norms with einsum, broadcasting with keepdims"""
    out = []
    for (Wd, bd), (Wt, _) in zip(direction, weights):
        nd = np.sqrt(np.einsum("ij,ij->j", Wd, Wd))[None, :]
        nt = np.sqrt(np.einsum("ij,ij->j", Wt, Wt))[None, :]
        out.append((nt * Wd / (nd + 1e-10), 0.0 * bd))
    return out


# ===== end of 8.3–8.4 =====


# ===== 8.5–8.6 (helper C) =====


# ===== end of 8.5–8.6 =====
