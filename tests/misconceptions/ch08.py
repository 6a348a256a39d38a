"""Chapter 8: the landmark figures on real data (exercises 8.1–8.6)."""

import numpy as np

from . import Corpus

corpus = Corpus()
wrong, right = corpus.wrong, corpus.right

# ===== 8.1–8.2 =====

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


# ===== 8.3–8.4 =====

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


# --- 8.4 minibatch_noise(grads, batch_size) ------------------------------------------------------------------


def _spread(G):
    G = np.asarray(G, dtype=float)
    return float(np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)))


@wrong("8.4", r"drawn with replacement")
def noise_with_replacement(grads, batch_size):
    """divides the spread by B: the i.i.d. formula, as if the batch could repeat examples"""
    return _spread(grads) / batch_size


@wrong("8.4", r"falls like 1/B²")
def noise_over_b_squared(grads, batch_size):
    """divides by B² (the variance of a sum of B terms forgotten)"""
    N = len(grads)
    return _spread(grads) * (N - batch_size) / (N - 1) / batch_size ** 2


@wrong("8.4", r"around zero")
def noise_uncentred(grads, batch_size):
    """uses the rows' squared norms instead of their deviations from the mean"""
    N = len(grads)
    return float(np.mean(np.sum(np.asarray(grads) ** 2, axis=1))) * (N - batch_size) / ((N - 1) * batch_size)


@wrong("8.4", r"one overall mean")
def noise_one_mean(grads, batch_size):
    """centres on the mean of all entries instead of the mean gradient vector"""
    G = np.asarray(grads, dtype=float)
    N = len(G)
    return float(np.mean(np.sum((G - G.mean()) ** 2, axis=1))) * (N - batch_size) / ((N - 1) * batch_size)


@wrong("8.4", r"factor N/\(N − 1\)")
def noise_fpc_over_n(grads, batch_size):
    """uses (N − B)/N as the finite-population factor"""
    N = len(grads)
    return _spread(grads) * (N - batch_size) / (N * batch_size)


@wrong("8.4", r"changed the array it was given")
def noise_centres_in_place(grads, batch_size):
    """centres the caller's array in place"""
    N = len(grads)
    grads -= grads.mean(axis=0)
    return float(np.mean(np.sum(grads ** 2, axis=1))) * (N - batch_size) / ((N - 1) * batch_size)


@right("8.4")
def noise_trace_of_covariance(grads, batch_size):
    """the trace of the rows' covariance (divided by N), times (1/B − 1/N)·N/(N − 1)"""
    G = np.asarray(grads, dtype=float)
    N = len(G)
    total = float(np.trace(np.atleast_2d(np.cov(G.T, bias=True))))
    return total * (1 / batch_size - 1 / N) * N / (N - 1)


@right("8.4")
def noise_second_moment(grads, batch_size):
    """mean squared row norm minus the squared norm of the mean row, then the without-replacement factor"""
    G = np.asarray(grads, dtype=float)
    N = len(G)
    spread = float(np.mean(np.einsum("ij,ij->i", G, G)) - G.mean(axis=0) @ G.mean(axis=0))
    return spread * (N - batch_size) / (batch_size * (N - 1))


# ===== 8.5–8.6 =====

# --- 8.5 error_barrier(predict, theta_a, theta_b, X, y, n) ----------------------------------------------------


def _errors_8_5(predict, a, b, X, y, n):
    return np.array([np.mean(np.argmax(predict((1 - s) * a + s * b, X), axis=1) != y) for s in np.linspace(0, 1, n)])


@wrong("8.5", r"highest error on the path")
def error_barrier_is_max(predict, theta_a, theta_b, X, y, n):
    """returns the largest error on the path, not its height above the ends"""
    return float(_errors_8_5(predict, theta_a, theta_b, X, y, n).max())


@wrong("8.5", r"one endpoint only")
def error_barrier_lower_end(predict, theta_a, theta_b, X, y, n):
    """measures from the better endpoint instead of the mean of both"""
    e = _errors_8_5(predict, theta_a, theta_b, X, y, n)
    return float(e.max() - min(e[0], e[-1]))


@wrong("8.5", r"mixed the two networks' outputs")
def error_barrier_mixes_outputs(predict, theta_a, theta_b, X, y, n):
    """interpolates the two networks' scores (an ensemble) instead of their parameters"""
    fa, fb = predict(theta_a, X), predict(theta_b, X)
    e = np.array([np.mean(np.argmax((1 - s) * fa + s * fb, axis=1) != y) for s in np.linspace(0, 1, n)])
    return float(e.max() - 0.5 * (e[0] + e[-1]))


@wrong("8.5", r"measured accuracy")
def error_barrier_of_accuracy(predict, theta_a, theta_b, X, y, n):
    """uses the accuracy instead of the error"""
    acc = 1 - _errors_8_5(predict, theta_a, theta_b, X, y, n)
    return float(acc.max() - 0.5 * (acc[0] + acc[-1]))


@wrong("8.5", r"in per cent")
def error_barrier_percent(predict, theta_a, theta_b, X, y, n):
    """returns the barrier in per cent"""
    e = 100 * _errors_8_5(predict, theta_a, theta_b, X, y, n)
    return float(e.max() - 0.5 * (e[0] + e[-1]))


@wrong("8.5", r"mean error over the whole path")
def error_barrier_path_mean(predict, theta_a, theta_b, X, y, n):
    """measures from the average error along the whole path"""
    e = _errors_8_5(predict, theta_a, theta_b, X, y, n)
    return float(e.max() - e.mean())


@wrong("8.5", r"single float")
def error_barrier_returns_errors(predict, theta_a, theta_b, X, y, n):
    """returns the errors along the path and the barrier together"""
    e = _errors_8_5(predict, theta_a, theta_b, X, y, n)
    return e, float(e.max() - 0.5 * (e[0] + e[-1]))


@wrong("8.5", r"changed the arrays it was given")
def error_barrier_walks_in_place(predict, theta_a, theta_b, X, y, n):
    """walks along the segment by adding steps to theta_a in place"""
    theta, step = theta_a, (theta_b - theta_a) / (n - 1)
    errors = [np.mean(np.argmax(predict(theta, X), axis=1) != y)]
    for _ in range(n - 1):
        theta += step
        errors.append(np.mean(np.argmax(predict(theta, X), axis=1) != y))
    e = np.array(errors)
    return float(e.max() - 0.5 * (e[0] + e[-1]))


@right("8.5")
def error_barrier_counts_then_divides(predict, theta_a, theta_b, X, y, n):
    """counts the mistakes with a loop over points, divides at the end"""
    wrong_counts = []
    for k in range(n):
        s = k / (n - 1)
        labels = predict(theta_a + s * (theta_b - theta_a), X).argmax(axis=1)
        wrong_counts.append(int(np.sum(labels != y)))
    top = max(wrong_counts)
    return (top - (wrong_counts[0] + wrong_counts[-1]) / 2) / len(y)


@right("8.5")
def error_barrier_stacked(predict, theta_a, theta_b, X, y, n):
    """builds all points at once and uses the accuracy's complement"""
    s = np.linspace(0, 1, n)[:, None]
    points = (1 - s) * theta_a[None, :] + s * theta_b[None, :]
    err = 1 - np.array([np.mean(predict(p, X).argmax(1) == y) for p in points])
    return float(np.max(err) - np.mean(err[[0, -1]]))


# --- 8.6 stable_spawn_step(spawn_steps, barriers, threshold) ------------------------------------------------


def _sorted_8_6(spawn_steps, barriers):
    order = np.argsort(spawn_steps)
    return np.asarray(spawn_steps)[order], np.asarray(barriers, dtype=float)[order]


@wrong("8.6", r"stay below")
def spawn_first_below(spawn_steps, barriers, threshold):
    """returns the first spawn step below the threshold, even if a later one rises again"""
    steps, values = _sorted_8_6(spawn_steps, barriers)
    below = np.flatnonzero(values < threshold)
    return int(steps[below[0]]) if below.size else None


@wrong("8.6", r"not sorted")
def spawn_assumes_sorted(spawn_steps, barriers, threshold):
    """assumes the spawn steps come sorted"""
    steps, values = np.asarray(spawn_steps), np.asarray(barriers)
    unstable = np.flatnonzero(values >= threshold)
    first = 0 if unstable.size == 0 else unstable[-1] + 1
    return int(steps[first]) if first < len(steps) else None


@wrong("8.6", r"exactly at the threshold")
def spawn_at_or_below(spawn_steps, barriers, threshold):
    """counts a barrier equal to the threshold as below it"""
    steps, values = _sorted_8_6(spawn_steps, barriers)
    unstable = np.flatnonzero(values > threshold)
    first = 0 if unstable.size == 0 else unstable[-1] + 1
    return int(steps[first]) if first < len(steps) else None


@wrong("8.6", r"last spawn step that is still unstable")
def spawn_last_unstable(spawn_steps, barriers, threshold):
    """returns the last unstable spawn step (off by one)"""
    steps, values = _sorted_8_6(spawn_steps, barriers)
    unstable = np.flatnonzero(values >= threshold)
    if unstable.size == len(steps):
        return None
    return int(steps[unstable[-1]]) if unstable.size else int(steps[0])


@wrong("8.6", r"position in the array")
def spawn_returns_index(spawn_steps, barriers, threshold):
    """returns the index of the stable spawn step, not the step"""
    order = np.argsort(spawn_steps)
    values = np.asarray(barriers)[order]
    unstable = np.flatnonzero(values >= threshold)
    first = 0 if unstable.size == 0 else unstable[-1] + 1
    return int(order[first]) if first < len(order) else None


@wrong("8.6", r"return None")
def spawn_never_none(spawn_steps, barriers, threshold):
    """returns the last spawn step when training never becomes stable"""
    steps, values = _sorted_8_6(spawn_steps, barriers)
    unstable = np.flatnonzero(values >= threshold)
    first = 0 if unstable.size == 0 else unstable[-1] + 1
    return int(steps[min(first, len(steps) - 1)])


@wrong("8.6", r"sort copies|leave the caller")
def spawn_sorts_in_place(spawn_steps, barriers, threshold):
    """sorts the caller's arrays in place"""
    order = np.argsort(spawn_steps)
    spawn_steps[:] = spawn_steps[order]
    barriers[:] = barriers[order]
    unstable = np.flatnonzero(barriers >= threshold)
    first = 0 if unstable.size == 0 else unstable[-1] + 1
    return int(spawn_steps[first]) if first < len(spawn_steps) else None


@right("8.6")
def spawn_walk_backwards(spawn_steps, barriers, threshold):
    """walks from the largest spawn step down while the barrier stays below"""
    pairs = sorted(zip(spawn_steps, barriers), reverse=True)
    answer = None
    for k, b in pairs:
        if not b < threshold:
            break
        answer = int(k)
    return answer


@right("8.6")
def spawn_suffix_max(spawn_steps, barriers, threshold):
    """suffix maximum of the barriers in the order of k"""
    steps, values = _sorted_8_6(spawn_steps, barriers)
    suffix_max = np.maximum.accumulate(values[::-1])[::-1]
    stable = np.flatnonzero(suffix_max < threshold)
    return int(steps[stable[0]]) if stable.size else None


