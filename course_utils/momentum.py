r"""Heavy-ball momentum on a quadratic: its linear rate, the best (learning rate, momentum), and the map of
steps-to-converge over a whole (η, β) grid at once (Polyak 1964).

For the Hessian eigenvalue :math:`\lambda`, heavy ball :math:`v \leftarrow \beta v + \nabla f`,
:math:`\theta \leftarrow \theta - \eta v` is the linear map
:math:`\begin{pmatrix}1+\beta-\eta\lambda & -\beta\\ 1 & 0\end{pmatrix}` on :math:`(\theta_t, \theta_{t-1})`;
its spectral radius, maximised over the eigenvalues, is the rate. :func:`momentum_convergence_map` iterates
the whole grid at once (vectorized), so the explorer's map is instant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .validation import check_array, check_int, check_scalar, check_vector

__all__ = ["momentum_rate", "optimal_momentum", "MomentumMap", "momentum_convergence_map", "HeavyBallRun",
           "heavy_ball_run"]


# --------------------------------------------------------------------------------------------
# Momentum on a quadratic: the (learning rate, momentum) map
# --------------------------------------------------------------------------------------------
def momentum_rate(lr, beta, eigenvalues):
    r"""Linear convergence rate of heavy-ball momentum on a quadratic with the given Hessian eigenvalues.

    Per eigen-direction the iteration :math:`(x_{k+1}, x_k) = M (x_k, x_{k-1})` has
    :math:`M = \begin{pmatrix} 1 + \beta - \eta\lambda & -\beta \\ 1 & 0\end{pmatrix}`, whose eigenvalues solve
    :math:`z^2 - (1 + \beta - \eta\lambda) z + \beta = 0`. The rate is the largest :math:`|z|` over all
    :math:`\lambda` (Polyak 1964; Goh 2017, "Why Momentum Really Works"); ``≥ 1`` means no convergence.

    Parameters
    ----------
    lr, beta : array_like
        Broadcastable (e.g. a meshgrid).
    eigenvalues : array_like, shape (P,)

    Returns
    -------
    ndarray
        Broadcast shape of ``lr`` and ``beta``.
    """
    lam = check_vector(eigenvalues, "eigenvalues")
    lr = check_array(lr, "lr", ndim=range(0, 32))
    beta = check_array(beta, "beta", ndim=range(0, 32))
    if np.any(lr <= 0) or np.any(lr > 1e150):
        raise ValueError(f"`lr` must contain positive step sizes (at most 1e150), got values in [{lr.min():g}, {lr.max():g}]")
    if np.any(beta < 0) or np.any(beta > 1):
        raise ValueError(f"`beta` must contain momentum coefficients in [0, 1], got values in [{beta.min():g}, {beta.max():g}]")
    lr, beta = lr[..., None], beta[..., None]
    tr = 1 + beta - lr * lam
    disc = np.sqrt((tr**2 - 4 * beta).astype(complex))
    z = np.maximum(np.abs((tr + disc) / 2), np.abs((tr - disc) / 2))
    return z.max(axis=-1)


def optimal_momentum(mu: float, L: float) -> tuple[float, float, float]:
    r"""The best heavy-ball parameters for eigenvalues in :math:`[\mu, L]`.

    :math:`\eta^\star = \left(\frac{2}{\sqrt L + \sqrt\mu}\right)^2`,
    :math:`\beta^\star = \left(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\right)^2`, rate
    :math:`\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}` with :math:`\kappa = L/\mu` — against
    :math:`\frac{\kappa - 1}{\kappa + 1}` for the best plain GD.

    Parameters
    ----------
    mu : float
        The smallest Hessian eigenvalue :math:`\mu > 0`.
    L : float
        The largest Hessian eigenvalue :math:`L \ge \mu`.

    Returns
    -------
    (lr, beta, rate)
    """
    mu = check_scalar(mu, "mu", low=0, low_inclusive=False)
    L = check_scalar(L, "L", low=0, low_inclusive=False)
    if L < mu:
        raise ValueError(f"`L` must be >= `mu` = {mu:g} (the largest curvature is at least the smallest), got {L:g}")
    sk = np.sqrt(L / mu)
    return float((2 / (np.sqrt(L) + np.sqrt(mu))) ** 2), float(((sk - 1) / (sk + 1)) ** 2), float((sk - 1) / (sk + 1))


@dataclass(frozen=True)
class MomentumMap:
    """Steps for heavy-ball momentum to converge, over a grid of (learning rate, momentum).

    The result of :func:`momentum_convergence_map`.

    Parameters
    ----------
    lrs : ndarray (n_lr,)
        The learning rates of the grid (columns).
    betas : ndarray (n_beta,)
        The momentum values of the grid (rows).
    steps : ndarray (n_beta, n_lr)
        First step with :math:`\\|\\nabla f\\| \\le` rtol·:math:`\\|\\nabla f(\\theta_0)\\|`; ``nan`` if not
        converged (see ``diverged``).
    diverged : ndarray of bool (n_beta, n_lr)
        The iterates blew up (norm above ``explode`` times the start).
    rate : ndarray (n_beta, n_lr)
        :func:`momentum_rate` on the grid (theory).
    eigenvalues : ndarray (P,)
        The quadratic's Hessian eigenvalues.
    max_steps : int
        The step budget of each run (cells that did not converge within it are ``nan``).
    """

    lrs: np.ndarray
    betas: np.ndarray
    steps: np.ndarray
    diverged: np.ndarray
    rate: np.ndarray
    eigenvalues: np.ndarray
    max_steps: int

    @property
    def best(self) -> tuple[float, float, float]:
        """``(lr, beta, steps)`` of the fastest cell of the grid."""
        filled = np.where(np.isfinite(self.steps), self.steps, np.inf)
        i, j = np.unravel_index(np.argmin(filled), filled.shape)
        return float(self.lrs[j]), float(self.betas[i]), float(self.steps[i, j])

    @property
    def optimum(self) -> tuple[float, float, float]:
        """The theoretical optimum ``(lr*, beta*, rate*)`` (:func:`optimal_momentum`)."""
        return optimal_momentum(float(self.eigenvalues.min()), float(self.eigenvalues.max()))


_MAP_CHUNK = 32


def momentum_convergence_map(eigenvalues, lrs, betas, *, rtol: float = 1e-6, max_steps: int = 1000,
                             explode: float = 1e6, start=None, settled: bool = False) -> MomentumMap:
    r"""Run heavy-ball momentum on :math:`\tfrac12\sum_i \lambda_i x_i^2` for every (η, β) of a grid at once.

    The update is the one of :func:`course_utils.optimizers.momentum`: :math:`v \leftarrow \beta v + \nabla f`,
    :math:`x \leftarrow x - \eta v`, applied to an array of shape (n_beta, n_lr, P) per step — no Python
    loop over grid points. The quadratic is written in its eigenbasis (rotations change nothing).

    Parameters
    ----------
    eigenvalues : array_like (P,)
        Positive Hessian eigenvalues.
    lrs, betas : array_like (n_lr,), (n_beta,)
        Grid axes; ``betas`` in [0, 1).
    rtol : float
        Converged when the gradient norm is below ``rtol`` times the initial one.
    max_steps : int
    explode : float
        Diverged when :math:`\|x\|` exceeds ``explode`` times its initial value.
    start : array_like (P,), optional
        Initial point in the eigenbasis (default: all ones).
    settled : bool
        ``False`` (default): a cell's count is the *first* step with the gradient below the tolerance.
        ``True``: the first step from which it *stays* below until ``max_steps`` (one more than the last step
        above). With momentum the iterates oscillate, and a component passing through zero can dip the
        gradient below the tolerance for one step long before the run has converged (at κ = 1000,
        η = 1.95, β = 0.92: below at step 153, 2e-3 at step 154, settled only at step 339) — the settled count
        is the one comparable with the asymptotic rate :func:`momentum_rate`. Every cell then runs the full
        budget (about twice the cost).

    Returns
    -------
    MomentumMap
        ``steps`` holds the first (or settled) step counts, ``nan`` where the budget ran out or the run
        diverged.
    """
    lam = check_vector(eigenvalues, "eigenvalues")
    if np.any(lam <= 0):
        raise ValueError(f"`eigenvalues` must be positive (a convex quadratic), got {lam}")
    lrs = check_vector(lrs, "lrs")
    betas = check_vector(betas, "betas")
    if np.any(lrs <= 0):
        raise ValueError("`lrs` must be positive")
    if np.any((betas < 0) | (betas >= 1)):
        raise ValueError("`betas` must lie in [0, 1)")
    rtol = check_scalar(rtol, "rtol", low=0, high=1, low_inclusive=False, high_inclusive=False)
    max_steps = check_int(max_steps, "max_steps", low=1)
    if not isinstance(settled, (bool, np.bool_)):
        raise TypeError(f"`settled` must be True or False, got {settled!r}")
    explode = check_scalar(explode, "explode", low=1, low_inclusive=False)
    x0 = np.ones(lam.size) if start is None else check_vector(start, "start", lam.size)
    g0 = np.linalg.norm(lam * x0)
    if g0 == 0:
        raise ValueError("`start` is the minimum already: the gradient there is zero")
    # In-process memo: a chapter's map and its explorer's map at the same settings are computed once.
    key = (lam.tobytes(), lrs.tobytes(), betas.tobytes(), rtol, max_steps, explode, x0.tobytes(), bool(settled))
    memo = _MAP_MEMO.pop(key, None)
    if memo is None:
        lam, lrs, betas, x0 = lam.copy(), lrs.copy(), betas.copy(), x0.copy()  # the caller's arrays stay writable
        memo = (_settled_map(lam, lrs, betas, rtol * g0, max_steps, explode, x0) if settled
                else _first_hit_map(lam, lrs, betas, rtol * g0, max_steps, explode, x0))
        for arr in (memo.lrs, memo.betas, memo.steps, memo.diverged, memo.rate, memo.eigenvalues):
            arr.setflags(write=False)  # shared between callers: read-only
    _MAP_MEMO[key] = memo  # most recently used last
    while len(_MAP_MEMO) > _MAP_MEMO_SIZE:
        _MAP_MEMO.pop(next(iter(_MAP_MEMO)))
    return memo


#: Maps kept in process, by their arguments (a 50 × 67 map is ~60 kB).
_MAP_MEMO: dict = {}
_MAP_MEMO_SIZE = 16


def _first_hit_map(lam, lrs, betas, goal, max_steps, explode, x0) -> MomentumMap:
    """:func:`momentum_convergence_map` with ``settled=False``: the first step with the gradient below ``goal``."""
    # Only the cells still running are iterated, as rows (P, n_active) — one contiguous row per coordinate —
    # shrinking as cells finish. Steps run in chunks: each step stores the squared gradient and iterate norms,
    # and the chunk is then searched for every cell's first converged / blown-up step at once. The arithmetic
    # is the per-step update's, so the counts are exact; a cell iterates at most one chunk past its finish
    # (harmlessly: its count is already taken). ~3x faster than bookkeeping after every step.
    eta_grid, idx, eta, beta, x, v, limit2 = _map_start(lrs, betas, explode, x0)
    steps = np.full(eta_grid.size, np.nan)
    diverged = np.zeros(eta_grid.size, dtype=bool)
    goal2 = goal**2
    done_steps = 0
    with np.errstate(all="ignore"):
        while done_steps < max_steps and idx.size:
            chunk = min(_MAP_CHUNK, max_steps - done_steps)
            grad2, norm2 = _heavy_ball_chunk(x, v, eta, beta, lam, chunk)
            done = grad2 <= goal2
            event = done | ~(norm2 <= limit2)  # NaN counts as blown up
            hit = np.flatnonzero(event.any(axis=0))
            if hit.size:
                first = np.argmax(event[:, hit], axis=0)
                converged = done[first, hit]
                steps[idx[hit[converged]]] = done_steps + 1 + first[converged]
                diverged[idx[hit[~converged]]] = True
                keep = np.ones(idx.size, dtype=bool)
                keep[hit] = False
                idx, x, v, eta, beta = idx[keep], x[:, keep], v[:, keep], eta[keep], beta[keep]
            done_steps += chunk
    steps = steps.reshape(eta_grid.shape)
    diverged = diverged.reshape(eta_grid.shape)
    rate = momentum_rate(lrs[None, :], betas[:, None], lam)
    return MomentumMap(lrs, betas, steps, diverged, rate, lam, max_steps)


def _map_start(lrs, betas, explode, x0):
    """Both map counts' start: ``(eta_grid (n_beta, n_lr), cell indices, eta, beta, x (P, cells), v, limit²)``.

    Every cell starts at ``x0`` with zero velocity; a cell blows up when ``‖x‖² > limit²``.
    """
    eta_grid, beta_grid = np.meshgrid(lrs, betas)  # (n_beta, n_lr)
    idx = np.arange(eta_grid.size)
    x = np.repeat(x0[:, None], idx.size, axis=1)
    with np.errstate(over="ignore"):  # a limit beyond float range is no limit: the run never "diverges"
        limit2 = (explode * np.linalg.norm(x0)) ** 2
    return eta_grid, idx, eta_grid.ravel(), beta_grid.ravel(), x, np.zeros_like(x), limit2


def _heavy_ball_chunk(x, v, eta, beta, lam, chunk: int):
    """``chunk`` heavy-ball steps of every map cell in place; ``(‖∇f‖², ‖x‖²)`` after each, shapes (chunk, cells).

    ``x``, ``v``: (P, cells), the cells' iterates and velocities in the eigenbasis; ``eta``, ``beta``: (cells,);
    ``lam``: (P,). The one stepping loop of both map counts (first hit and settled); in-place operations because
    it runs max_steps times over thousands of cells.
    """
    grad2, norm2 = np.empty((chunk, x.shape[1])), np.empty((chunk, x.shape[1]))
    lam_col, lam2, ones = lam[:, None], lam**2, np.ones(lam.size)
    tmp = np.empty_like(x)
    for j in range(chunk):
        v *= beta                                   # v <- beta v + lam x
        v += np.multiply(lam_col, x, out=tmp)
        x -= np.multiply(eta, v, out=tmp)           # x <- x - eta v
        np.multiply(x, x, out=tmp)
        np.dot(lam2, tmp, out=grad2[j])             # ||grad||^2
        np.dot(ones, tmp, out=norm2[j])             # ||x||^2
    return grad2, norm2


def _settled_map(lam, lrs, betas, goal, max_steps, explode, x0) -> MomentumMap:
    """:func:`momentum_convergence_map` with ``settled=True``: every cell runs the whole budget; the count is
    one more than the last step with the gradient above ``goal`` (diverged cells are dropped as they blow up)."""
    eta_grid, idx, eta, beta, x, v, limit2 = _map_start(lrs, betas, explode, x0)
    last_above = np.zeros(eta_grid.size)  # step 0 (the start) is above the goal: g0 > rtol g0
    diverged = np.zeros(eta_grid.size, dtype=bool)
    goal2 = goal**2
    done_steps = 0
    with np.errstate(all="ignore"):
        while done_steps < max_steps and idx.size:
            chunk = min(_MAP_CHUNK, max_steps - done_steps)
            grad2, norm2 = _heavy_ball_chunk(x, v, eta, beta, lam, chunk)
            above = ~(grad2 <= goal2)  # NaN counts as above
            any_above = above.any(axis=0)
            last = chunk - 1 - np.argmax(above[::-1], axis=0)
            last_above[idx[any_above]] = done_steps + 1 + last[any_above]
            blown = ~(norm2 <= limit2).all(axis=0)
            if blown.any():
                diverged[idx[blown]] = True
                keep = ~blown
                idx, x, v, eta, beta = idx[keep], x[:, keep], v[:, keep], eta[keep], beta[keep]
            done_steps += chunk
    steps = np.where(~diverged & (last_above < max_steps), last_above + 1, np.nan).reshape(eta_grid.shape)
    rate = momentum_rate(lrs[None, :], betas[:, None], lam)
    return MomentumMap(lrs, betas, steps, diverged.reshape(eta_grid.shape), rate, lam, max_steps)


@dataclass(frozen=True)
class HeavyBallRun:
    """One heavy-ball run on :math:`\\tfrac12\\sum_i \\lambda_i x_i^2`, in the eigenbasis.

    The result of :func:`heavy_ball_run`.

    Parameters
    ----------
    iterates : ndarray (T + 1, P)
        :math:`x_0, \\dots, x_T` (the error per eigen-direction: the minimum is the origin); cut after the
        step at which the run blew up.
    eigenvalues : ndarray (P,)
        The curvatures :math:`\\lambda_i`.
    lr, beta : float
        The learning rate and momentum of the run.
    diverged_at : int or None
        The step at which :math:`\\|x\\|` first exceeded ``explode`` times its start (or became non-finite).
    """

    iterates: np.ndarray
    eigenvalues: np.ndarray
    lr: float
    beta: float
    diverged_at: int | None


def heavy_ball_run(eigenvalues, lr: float, beta: float, steps: int, *, start=None,
                   explode: float = 1e6) -> HeavyBallRun:
    r"""Heavy-ball momentum on :math:`f(x) = \tfrac12\sum_i \lambda_i x_i^2` from ``start``, every iterate kept.

    The update of :func:`course_utils.optimizers.momentum` (:math:`v \leftarrow \beta v + \nabla f`,
    :math:`x \leftarrow x - \eta v`, :math:`v_0 = 0`). Each coordinate is one eigen-direction, so
    :math:`|x_{k,i}|` is the error along direction :math:`i`; it equals the first entry of
    :math:`M_i^k (x_{0,i}, x_{0,i})^\top` with :math:`M_i` the :func:`momentum_rate` matrix for
    :math:`\lambda_i`, and decays like :math:`\rho(M_i)^k`.

    Parameters
    ----------
    eigenvalues : array_like (P,)
        Positive curvatures.
    lr : float
        Learning rate :math:`\eta > 0`.
    beta : float
        Momentum :math:`\beta \in [0, 1)`.
    steps : int
        Number of steps :math:`T \ge 1`.
    start : array_like (P,), optional
        Initial point (default all ones).
    explode : float
        The run stops when :math:`\|x\|` exceeds ``explode`` times its start.

    Returns
    -------
    HeavyBallRun
        Iterates of shape (T' + 1, P), T' = ``steps`` or the step it blew up at.
    """
    lam = check_vector(eigenvalues, "eigenvalues")
    if np.any(lam <= 0):
        raise ValueError(f"`eigenvalues` must be positive (a convex quadratic), got {lam}")
    lr = check_scalar(lr, "lr", low=0, low_inclusive=False)
    beta = check_scalar(beta, "beta", low=0, high=1, high_inclusive=False)
    steps = check_int(steps, "steps", low=1, high=1_000_000)
    explode = check_scalar(explode, "explode", low=1, low_inclusive=False)
    x = np.ones(lam.size) if start is None else check_vector(start, "start", lam.size)
    limit = explode * max(np.linalg.norm(x), np.finfo(float).tiny)
    out = np.empty((steps + 1, lam.size))
    out[0] = x
    v = np.zeros(lam.size)
    diverged_at = None
    with np.errstate(all="ignore"):
        for k in range(1, steps + 1):
            v = beta * v + lam * x
            x = x - lr * v
            out[k] = x
            if not np.linalg.norm(x) <= limit:  # NaN counts as blown up
                diverged_at = k
                out = out[: k + 1]
                break
    return HeavyBallRun(out, lam, lr, beta, diverged_at)
