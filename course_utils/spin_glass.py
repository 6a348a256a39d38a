r"""The spherical p-spin glass: a random landscape whose critical points are counted by theory.

The pure spherical :math:`p`-spin Hamiltonian on the sphere :math:`\|\sigma\|^2 = N` is

.. math::
    H(\sigma) = N^{-(p-1)/2} \sum_{i_1,\dots,i_p=1}^{N} J_{i_1\dots i_p}\,\sigma_{i_1}\cdots\sigma_{i_p},
    \qquad J_{i_1\dots i_p} \ \text{i.i.d.}\ \mathcal N(0, 1),

so :math:`\operatorname{Var} H(\sigma) = N` at every point. Auffinger, Ben Arous & Černý (2013, "Random matrices
and complexity of spin glasses", Comm. Pure Appl. Math. 66) counted its critical points with the Kac–Rice formula:
as :math:`N \to \infty` the critical points of finite index :math:`k` have energies :math:`H/N` between the ground
state :math:`-E_0` and the threshold :math:`-E_\infty = -2\sqrt{(p-1)/p}`, in layers ordered by index, while above
:math:`-E_\infty` almost all critical points have an index that grows with :math:`N`. Choromanska et al. (2015,
"The loss surfaces of multilayer networks", AISTATS) mapped a ReLU network's loss onto this Hamiltonian under
strong assumptions, which Choromanska, LeCun & Ben Arous (2015, COLT open problem) call possibly unrealistic.

The derivatives used here are those of the homogeneous polynomial restricted to the sphere. With :math:`S` the
symmetrized, scaled coupling tensor (:math:`H(\sigma) = S[\sigma,\dots,\sigma]`), Euler's identity
:math:`\sigma\cdot\nabla H = pH` gives

.. math::
    \operatorname{grad} H = P_\sigma \nabla H = \nabla H - \frac{pH}{N}\sigma, \qquad
    \operatorname{Hess} H = P_\sigma\Bigl(\nabla^2 H - \frac{pH}{N} I\Bigr)P_\sigma \ \text{on}\ T_\sigma,

:math:`P_\sigma = I - \sigma\sigma^\top/N`: the Euclidean Hessian projected to the tangent space minus the
Lagrange-multiplier term. Its :math:`N - 1` eigenvalues on the tangent space decide the index.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from .validation import check_array, check_int, check_rng, check_scalar

__all__ = [
    "pspin_couplings",
    "pspin_energy",
    "pspin_sphere_derivatives",
    "PSpinCriticalPoints",
    "find_pspin_critical_points",
    "threshold_energy",
]

_MAX_TENSOR = 2_000_000  # entries of the coupling tensor: N^p; keeps every call small


def pspin_couplings(n: int, p: int = 3, rng=0) -> np.ndarray:
    r"""Draw the couplings :math:`J_{i_1\dots i_p}`, i.i.d. standard normal.

    Parameters
    ----------
    n : int
        :math:`N`, the number of spins, at least 2.
    p : int, default 3
        The order of the interaction, 2 to 6; :math:`N^p` must stay at most two million.
    rng : Generator or int, default 0
        Source of randomness, or an integer seed.

    Returns
    -------
    ndarray, shape (n,) * p
        The raw (unsymmetrized) couplings, as in the definition of :math:`H`.
    """
    n = check_int(n, "n", low=2)
    p = check_int(p, "p", low=2, high=6)
    if n**p > _MAX_TENSOR:
        raise ValueError(f"`n` = {n} with p = {p} gives a tensor of {n**p} entries; keep N^p at most {_MAX_TENSOR}")
    return check_rng(rng).standard_normal((n,) * p)


def _checked_couplings(J) -> np.ndarray:
    J = check_array(J, "J", ndim=range(2, 7))
    n = J.shape[0]
    if n < 2 or any(s != n for s in J.shape):
        raise ValueError(f"`J` must be a cubical tensor of shape (N,) * p with N >= 2, got shape {J.shape}")
    if J.size > _MAX_TENSOR:
        raise ValueError(f"`J` has {J.size} entries; keep N^p at most {_MAX_TENSOR}")
    return J


def _scaled_symmetric(J: np.ndarray) -> np.ndarray:
    """:math:`S = N^{-(p-1)/2}\\,\\mathrm{sym}(J)`: the same polynomial, with a symmetric tensor."""
    p, n = J.ndim, J.shape[0]
    S = sum(np.transpose(J, perm) for perm in itertools.permutations(range(p))) / math.factorial(p)
    return S * n ** (-(p - 1) / 2)


def _checked_sigma(sigma, n: int) -> np.ndarray:
    s = check_array(sigma, "sigma", ndim=range(1, 33))
    if s.shape[-1] != n:
        raise ValueError(f"`sigma` must have shape (..., {n}) to match `J`, got {s.shape}")
    norms = np.linalg.norm(s, axis=-1)
    if np.any(np.abs(norms**2 / n - 1) > 1e-6):
        raise ValueError(f"`sigma` must lie on the sphere ||sigma||^2 = N = {n}; got squared norms "
                         f"{np.round(norms**2, 6).ravel()[:4]}…  (rescale by sqrt(N)/||sigma||)")
    return s


def _contract(S: np.ndarray, s: np.ndarray, times: int) -> np.ndarray:
    """Contract the last ``times`` axes of ``S`` (symmetric) with ``s`` (B, N): shape (B,) + (N,) * (p - times)."""
    out = np.broadcast_to(S, (s.shape[0],) + S.shape)
    for _ in range(times):
        out = np.einsum("b...i,bi->b...", out, s)
    return out


def _derivatives(S: np.ndarray, s: np.ndarray):
    """Energy (B,), Euclidean gradient (B, N) and Hessian (B, N, N) of the polynomial at rows ``s``."""
    p = S.ndim
    T2 = _contract(S, s, p - 2)  # (B, N, N): S[σ, …, σ, ·, ·]
    g1 = np.einsum("bij,bj->bi", T2, s)
    energy = np.einsum("bi,bi->b", g1, s)
    return energy, p * g1, p * (p - 1) * T2


def pspin_energy(J, sigma) -> np.ndarray:
    r"""The Hamiltonian :math:`H(\sigma) = N^{-(p-1)/2}\sum J_{i_1\dots i_p}\sigma_{i_1}\cdots\sigma_{i_p}`.

    Parameters
    ----------
    J : array_like, shape (N,) * p
        Couplings (:func:`pspin_couplings`).
    sigma : array_like, shape (..., N)
        Points on the sphere :math:`\|\sigma\|^2 = N` (to a relative 1e-6).

    Returns
    -------
    ndarray, shape (...)
        :math:`H(\sigma)`; divide by :math:`N` for the energy per spin.
    """
    J = _checked_couplings(J)
    n = J.shape[0]
    s = _checked_sigma(sigma, n)
    flat = s.reshape(-1, n)
    out = J.reshape(1, *J.shape) * n ** (-(J.ndim - 1) / 2)
    out = np.broadcast_to(out, (flat.shape[0],) + J.shape)
    for _ in range(J.ndim):
        out = np.einsum("b...i,bi->b...", out, flat)
    return out.reshape(s.shape[:-1])


def _tangent_bases(s: np.ndarray) -> np.ndarray:
    """Orthonormal bases (B, N, N-1) of the tangent spaces at rows ``s`` (Householder: first column ∝ σ, dropped)."""
    B, n = s.shape
    u = s / np.linalg.norm(s, axis=1, keepdims=True)
    sign = np.where(u[:, 0] >= 0, 1.0, -1.0)
    v = u.copy()
    v[:, 0] += sign
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    Q = np.eye(n)[None] - 2 * v[:, :, None] * v[:, None, :]  # reflector: Q e_1 = -sign · u
    return Q[:, :, 1:]


def _sphere_derivatives(S: np.ndarray, s: np.ndarray):
    p, n = S.ndim, S.shape[0]
    energy, g, hess = _derivatives(S, s)
    mult = p * energy / n  # the Lagrange multiplier σ·∇H / N
    grad = g - mult[:, None] * s
    Q = _tangent_bases(s)
    tangent = np.swapaxes(Q, 1, 2) @ hess @ Q - mult[:, None, None] * np.eye(n - 1)
    return energy, grad, 0.5 * (tangent + np.swapaxes(tangent, 1, 2)), Q


def pspin_sphere_derivatives(J, sigma):
    r"""Energy, Riemannian gradient and Riemannian Hessian (on the tangent space) of :math:`H` on the sphere.

    .. math::
        \operatorname{grad} H = \nabla H - \frac{pH}{N}\sigma, \qquad
        \operatorname{Hess} H = Q^\top\Bigl(\nabla^2 H - \frac{pH}{N} I\Bigr)Q,

    with :math:`Q` an orthonormal basis (shape :math:`N \times (N-1)`) of the tangent space
    :math:`\{\xi : \xi\cdot\sigma = 0\}`. The index of a critical point is the number of negative eigenvalues of
    :math:`\operatorname{Hess} H`.

    Parameters
    ----------
    J : array_like, shape (N,) * p
        Couplings.
    sigma : array_like, shape (B, N)
        Points on the sphere :math:`\|\sigma\|^2 = N`.

    Returns
    -------
    energy : ndarray, shape (B,)
    grad : ndarray, shape (B, N)
        The Riemannian gradient (tangent: ``grad @ sigma = 0``).
    hessian : ndarray, shape (B, N-1, N-1)
        The Riemannian Hessian in the basis :math:`Q` (symmetric).
    basis : ndarray, shape (B, N, N-1)
        :math:`Q`, orthonormal columns orthogonal to :math:`\sigma`.

    Examples
    --------
    For :math:`p = 2`, :math:`H = \sigma^\top A\sigma` with :math:`A = \mathrm{sym}(J)/\sqrt N`: the critical points
    are :math:`\pm\sqrt N` times the eigenvectors of :math:`A`, and the one of the :math:`(k+1)`-th smallest
    eigenvalue has index :math:`k`.

    >>> J = pspin_couplings(4, p=2, rng=0)
    >>> a, V = np.linalg.eigh((J + J.T) / 2 / 2.0)
    >>> E, g, H, _ = pspin_sphere_derivatives(J, 2.0 * V.T)
    >>> bool(np.abs(g).max() < 1e-12), [int((np.linalg.eigvalsh(h) < 0).sum()) for h in H]
    (True, [0, 1, 2, 3])
    """
    J = _checked_couplings(J)
    n = J.shape[0]
    s = _checked_sigma(sigma, n)
    if s.ndim != 2:
        raise ValueError(f"`sigma` must have shape (B, {n}), got {s.shape}")
    return _sphere_derivatives(_scaled_symmetric(J), s)


def threshold_energy(p: int) -> float:
    r""":math:`E_\infty = 2\sqrt{(p-1)/p}`: below :math:`-E_\infty` (energy per spin) the critical points have
    finite index as :math:`N \to \infty` (Auffinger, Ben Arous & Černý 2013).

    Parameters
    ----------
    p : int
        The order of the interaction, at least 2.

    Returns
    -------
    float
        :math:`E_\infty` (1.633 for :math:`p = 3`).
    """
    p = check_int(p, "p", low=2)
    return 2.0 * math.sqrt((p - 1) / p)


@dataclass(frozen=True)
class PSpinCriticalPoints:
    r"""Distinct critical points of a spherical p-spin Hamiltonian, by ascending energy
    (see :func:`find_pspin_critical_points`).

    Parameters
    ----------
    points : ndarray, shape (K, N)
        On the sphere :math:`\|\sigma\|^2 = N`.
    energies : ndarray, shape (K,)
        :math:`H(\sigma)/N`, the energy per spin, ascending.
    indices : ndarray of int, shape (K,)
        Number of negative eigenvalues of the Riemannian Hessian.
    eigenvalues : ndarray, shape (K, N-1)
        Eigenvalues of the Riemannian Hessian, ascending per row.
    grad_norms : ndarray, shape (K,)
        :math:`\|\operatorname{grad} H\|` at each point.
    n_starts : int
        How many starts the search ran.
    """

    points: np.ndarray
    energies: np.ndarray
    indices: np.ndarray
    eigenvalues: np.ndarray
    grad_norms: np.ndarray
    n_starts: int

    @property
    def ground(self) -> float:
        """The lowest energy per spin found (an upper bound on the true ground state)."""
        return float(self.energies[0])


def _retract(s: np.ndarray, n: int) -> np.ndarray:
    return s * (np.sqrt(n) / np.linalg.norm(s, axis=1, keepdims=True))


def _newton_steps(S: np.ndarray, s: np.ndarray, steps: int, max_step: float) -> np.ndarray:
    n = S.shape[0]
    for _ in range(steps):
        _, grad, hess, Q = _sphere_derivatives(S, s)
        rhs = -np.einsum("bni,bn->bi", Q, grad)[..., None]
        try:
            coef = np.linalg.solve(hess, rhs)[..., 0]
        except np.linalg.LinAlgError:  # a singular Hessian somewhere in the batch (measure zero)
            coef = (np.linalg.pinv(hess, rcond=1e-12) @ rhs)[..., 0]
        xi = np.einsum("bni,bi->bn", Q, coef)
        length = np.linalg.norm(xi, axis=1, keepdims=True)
        xi *= np.minimum(1.0, max_step / np.maximum(length, 1e-300))
        s = _retract(s + xi, n)
    return s


def find_pspin_critical_points(J, n_starts: int = 256, rng=0, *, descent_steps: int = 30, newton_steps: int = 40,
                               grad_tol: float = 1e-9) -> PSpinCriticalPoints:
    r"""Critical points of :math:`H` on the sphere, by Riemannian Newton from many random starts.

    Half the starts go straight to Newton (attracted to critical points of every index); the other half first
    take between 1 and ``descent_steps`` steps of projected gradient descent (step :math:`0.1/p`, then retraction
    :math:`\sigma \leftarrow \sqrt N\,\sigma/\|\sigma\|`), so that Newton starts lower on the landscape and finds
    more points of low index. A Newton step solves :math:`\operatorname{Hess}H\,\xi = -\operatorname{grad}H` in the
    tangent space, is shortened to length :math:`\sqrt N/4`, and is followed by the retraction. Points with
    :math:`\|\operatorname{grad} H\| \le` ``grad_tol`` :math:`\cdot\sqrt N` count as critical; their mirror images
    :math:`-\sigma` are critical too (:math:`H(-\sigma) = (-1)^p H(\sigma)`) and are added; duplicates (closer than
    :math:`10^{-6}\sqrt N`) are merged. This is a search, not a census: it finds many critical points, never
    provably all.

    Parameters
    ----------
    J : array_like, shape (N,) * p
        Couplings (:func:`pspin_couplings`).
    n_starts : int, default 256
        Number of random starts, uniform on the sphere, at least 2.
    rng : Generator or int, default 0
        Source of the starts.
    descent_steps : int, default 30
        Most projected-gradient steps before Newton (each descending start draws a number from 1 to this), >= 1.
    newton_steps : int, default 40
        Newton iterations, >= 1.
    grad_tol : float, default 1e-9
        Relative threshold on the Riemannian gradient norm, > 0.

    Returns
    -------
    PSpinCriticalPoints
        Distinct critical points by ascending energy per spin; empty arrays if none converged.
    """
    J = _checked_couplings(J)
    n_starts = check_int(n_starts, "n_starts", low=2)
    rng = check_rng(rng)
    descent_steps = check_int(descent_steps, "descent_steps", low=1)
    newton_steps = check_int(newton_steps, "newton_steps", low=1)
    grad_tol = check_scalar(grad_tol, "grad_tol", low=0, low_inclusive=False)
    S = _scaled_symmetric(J)
    p, n = S.ndim, S.shape[0]
    s = _retract(rng.standard_normal((n_starts, n)), n)
    budget = rng.integers(1, descent_steps + 1, size=n_starts)
    budget[: n_starts // 2] = 0  # the first half: Newton at once
    lr = 0.1 / p
    with np.errstate(all="ignore"):
        for step in range(int(budget.max())):
            moving = budget > step
            _, grad, _ = _derivatives(S, s[moving])
            s[moving] = _retract(s[moving] - lr * grad, n)
        s = _newton_steps(S, s, newton_steps, 0.25 * np.sqrt(n))
        s = np.concatenate([s, -s])
        energy, grad, hess, _ = _sphere_derivatives(S, s)
    gnorm = np.linalg.norm(grad, axis=1)
    ok = np.isfinite(gnorm) & (gnorm <= grad_tol * np.sqrt(n))
    s, energy, hess, gnorm = s[ok], energy[ok], hess[ok], gnorm[ok]
    order = np.argsort(energy, kind="stable")
    s, energy, hess, gnorm = s[order], energy[order], hess[order], gnorm[order]
    keep: list[int] = []
    radius = 1e-6 * np.sqrt(n)
    for i in range(len(s)):
        if not any(np.linalg.norm(s[i] - s[j]) < radius for j in keep[-64:]):
            keep.append(i)
    idx = np.array(keep, dtype=int)
    lam = np.linalg.eigvalsh(hess[idx]) if idx.size else np.empty((0, n - 1))
    scale = np.maximum(np.abs(lam).max(axis=1, initial=0.0), 1.0)
    index = (lam < -1e-8 * scale[:, None]).sum(axis=1)
    return PSpinCriticalPoints(s[idx], energy[idx] / n, index, lam, gnorm[idx], n_starts)
