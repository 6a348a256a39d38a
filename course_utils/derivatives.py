"""The course's one derivative backend (autograd), and finite-difference checkers.

This is the only module that imports autograd (``make test`` greps for it). Every loss in the course is
written with :data:`anp` (``autograd.numpy``: elementwise operations and matrix products only, since
forward mode lacks most ``np.linalg`` JVPs), so its gradient, Hessian-vector product and Hessian come from
here rather than from hand-derived formulas:

* one point — :func:`gradient`, :func:`hessian`, :func:`hvp`, :func:`make_hvp` (validated, for users) and
  :func:`grad`, :func:`value_and_grad` (unvalidated function transforms, for the library's hot loops);
* many points — :func:`batched_grad` and :func:`batched_hessian` differentiate a vectorized loss
  ``(B, P) -> (B,)`` for all rows in one traced pass, verified once against the per-point derivatives.

The checkers compare derivatives with central finite differences, which is how the tests (and the
exercises) verify any derivative.
"""

from __future__ import annotations

from collections.abc import Callable

import autograd
import autograd.numpy as anp  # re-exported: the one name losses are written with
import autograd.scipy.special as aspecial  # re-exported: logsumexp and friends, traceable
import numpy as np

from .validation import check_array, check_callable, check_scalar, check_vector

__all__ = [
    "anp",
    "aspecial",
    "grad",
    "value_and_grad",
    "hvp_and_grad",
    "batched_grad",
    "batched_hessian",
    "gradient",
    "hessian",
    "hvp",
    "make_hvp",
    "finite_difference_gradient",
    "finite_difference_hvp",
    "gradient_error",
    "hvp_error",
]


def _autograd():
    return autograd


def grad(f: Callable) -> Callable[..., np.ndarray]:
    r"""The function :math:`\theta \mapsto \nabla_\theta f(\theta, \ldots)` as float64 arrays, unvalidated.

    Differentiates with respect to the first argument; further arguments are passed through. For the
    library's own loops (the caller guarantees a float array of the right shape); users call
    :func:`gradient`, which validates. ``f`` is written with :data:`anp`.

    Parameters
    ----------
    f : callable
        ``f(theta, *args) -> scalar`` written with :data:`anp`, ``theta`` a float array.

    Returns
    -------
    callable
        ``g(theta, *args) -> ndarray`` of ``theta``'s shape.
    """
    raw = autograd.grad(check_callable(f, "f"))

    def g(theta, *args):
        return np.asarray(raw(theta, *args), dtype=float)

    return g


def value_and_grad(f: Callable) -> Callable[..., tuple[float, np.ndarray]]:
    r"""The function :math:`\theta \mapsto (f(\theta, \ldots), \nabla_\theta f)` in one pass, unvalidated.

    Parameters
    ----------
    f : callable
        ``f(theta, *args) -> scalar`` written with :data:`anp`; the returned function differentiates with
        respect to ``theta`` and passes ``*args`` through.

    Returns
    -------
    callable
        ``vg(theta, *args) -> (float, ndarray)``: the value and the gradient of ``theta``'s shape.
    """
    raw = autograd.value_and_grad(check_callable(f, "f"))

    def vg(theta, *args):
        value, g = raw(theta, *args)
        return float(value), np.asarray(g, dtype=float)

    return vg


def hvp_and_grad(f: Callable) -> Callable[[np.ndarray], tuple[Callable[[np.ndarray], np.ndarray], np.ndarray]]:
    r"""``theta -> (v -> ∇²f(θ) v, ∇f(θ))`` from one forward/backward pass at ``theta``, unvalidated.

    Parameters
    ----------
    f : callable
        ``f(theta) -> scalar`` written with :data:`anp`, ``theta`` a float64 ``(P,)``.

    Returns
    -------
    callable
        ``at(theta) -> (hvp, g)``: ``hvp`` maps ``v (P,)`` to :math:`\nabla^2 f(\theta) v` and ``g`` is the
        gradient ``(P,)``.
    """
    raw = autograd.make_hvp(check_callable(f, "f"))

    def at(theta):
        hvp_at, g = raw(theta)
        return (lambda v: np.asarray(hvp_at(np.asarray(v, dtype=float)), dtype=float)), np.asarray(g, dtype=float)

    return at


def _agrees(batched: np.ndarray, looped: np.ndarray) -> bool:
    # relative to the loop's own size, so a loss multiplied by 1e-8 is checked as strictly as one of size 1
    return bool(np.allclose(batched, looped, rtol=1e-7, atol=1e-9 * np.abs(looped).max(initial=0.0)))


def _rows_gradient(loss_batch: Callable) -> Callable:
    # rows of a batched loss are independent, so the gradient of their *sum* stacks the per-row gradients
    return autograd.elementwise_grad(lambda T: anp.sum(loss_batch(T)))


def batched_grad(loss_batch: Callable, grad_one: Callable, probe) -> Callable[[np.ndarray], np.ndarray]:
    r"""``T (B, P) -> G (B, P)``: the gradients of a vectorized loss at every row, in one traced pass.

    Parameters
    ----------
    loss_batch : callable
        ``T (B, P) -> (B,)`` written with :data:`anp`, each output depending on its own row only.
    grad_one : callable
        ``theta (P,) -> (P,)``, the per-point gradient: the reference, and the fallback.
    probe : ndarray, shape (b, P)
        A few points at which the batched pass is compared with ``grad_one`` once.

    Returns
    -------
    callable
        The batched pass when it agrees with the loop on ``probe`` (rtol 1e-7, atol 1e-9 of the loop's
        largest entry); otherwise the loop itself (a loss that is not traceable in batch form, or whose
        rows interact) — always correct, the batched pass only faster.
    """
    check_callable(grad_one, "grad_one")
    probe = check_array(probe, "probe", ndim=2)
    rows = _rows_gradient(check_callable(loss_batch, "loss_batch"))

    def batched(T):
        return np.asarray(rows(T), dtype=float)

    def looped(T):
        return np.array([grad_one(t) for t in T])

    try:
        with np.errstate(all="ignore"):
            if _agrees(batched(probe), looped(probe)):
                return batched
    except Exception:  # not autograd-traceable in batch form: the loop is always right
        pass
    return looped


def batched_hessian(loss_batch: Callable, grad_one: Callable, hessian_one: Callable, probe
                    ) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    r"""``T (B, P) -> (G (B, P), H (B, P, P))``: gradients and symmetrized Hessians at every row at once.

    One traced pass gives the row gradients and a vector-Jacobian product of them; row :math:`i` of every
    Hessian is that VJP applied to :math:`e_i` (``P`` reverse passes for the whole batch, against ``B·P``
    for a loop). Parameters and the fallback rule as in :func:`batched_grad`, with ``hessian_one``
    ``theta (P,) -> (P, P)`` the per-point reference.

    Parameters
    ----------
    loss_batch : callable
        ``T (B, P) -> (B,)`` written with :data:`anp`, each output depending on its own row only.
    grad_one : callable
        ``theta (P,) -> (P,)``, the per-point gradient: a reference, and part of the fallback.
    hessian_one : callable
        ``theta (P,) -> (P, P)``, the per-point Hessian: the other reference and the rest of the fallback.
    probe : ndarray, shape (b, P)
        A few points at which the batched pass is compared with the loop once.

    Returns
    -------
    callable
        ``T -> (G, H)``: the batched pass when its gradients and Hessians both agree with the loop on
        ``probe``, otherwise the loop (whose Hessians are ``hessian_one``'s, as returned).
    """
    check_callable(grad_one, "grad_one")
    check_callable(hessian_one, "hessian_one")
    probe = check_array(probe, "probe", ndim=2)
    rows = _rows_gradient(check_callable(loss_batch, "loss_batch"))

    def batched(T):
        vjp, G = autograd.make_vjp(rows)(T)
        basis = np.eye(T.shape[1])
        H = np.stack([np.asarray(vjp(np.broadcast_to(basis[i], T.shape)), dtype=float)
                      for i in range(T.shape[1])], axis=1)
        return np.asarray(G, dtype=float), 0.5 * (H + np.swapaxes(H, 1, 2))

    def looped(T):
        return np.array([grad_one(t) for t in T]), np.array([hessian_one(t) for t in T])

    try:
        with np.errstate(all="ignore"):
            G, H = batched(probe)
            G0, H0 = looped(probe)
        if _agrees(G, G0) and _agrees(H, H0):
            return batched
    except Exception:  # not traceable in batch form: the loop is always right
        pass
    return looped


def gradient(f: Callable, theta) -> np.ndarray:
    r"""The gradient :math:`\nabla f(\theta)` of a scalar loss, shape ``(P,)``.

    Parameters
    ----------
    f : callable
        ``f(theta) -> float`` written with ``autograd.numpy``.
    theta : array_like, shape (P,)
        The point, finite.
    """
    check_callable(f, "f")
    theta = check_vector(theta, "theta")
    return np.asarray(_autograd().grad(f)(theta), dtype=float)


def hessian(f: Callable, theta) -> np.ndarray:
    r"""The dense Hessian :math:`\nabla^2 f(\theta)`, shape ``(P, P)``, symmetrized.

    Parameters
    ----------
    f : callable
        ``f(theta) -> float`` written with :data:`anp` (``autograd.numpy``).
    theta : array_like, shape (P,)
        The point, finite.
    """
    check_callable(f, "f")
    theta = check_vector(theta, "theta")
    H = np.asarray(_autograd().hessian(f)(theta), dtype=float).reshape(theta.size, theta.size)
    return 0.5 * (H + H.T)


def make_hvp(f: Callable, theta) -> Callable[[np.ndarray], np.ndarray]:
    r"""Return ``v -> H(theta) v`` with the forward pass at ``theta`` computed once.

    Build it once per point and reuse it for Lanczos, power iteration, Hutchinson and SLQ
    (≈1 ms per product for a small MLP, against hundreds of ms for the dense Hessian).

    Parameters
    ----------
    f : callable
        ``f(theta) -> float`` written with :data:`anp` (``autograd.numpy``).
    theta : array_like, shape (P,)
        Where the Hessian is taken, finite.

    Returns
    -------
    callable
        ``v (P,) -> (P,)``; ``v`` is converted to float64 but not otherwise checked.
    """
    check_callable(f, "f")
    theta = check_vector(theta, "theta")
    hvp_at = _autograd().make_hvp(f)(theta)[0]

    def product(v):
        return np.asarray(hvp_at(np.asarray(v, dtype=float)), dtype=float)

    return product


def hvp(f: Callable, theta, v) -> np.ndarray:
    r"""One Hessian-vector product :math:`\nabla^2 f(\theta)\,v`, shape ``(P,)``.

    Parameters
    ----------
    f : callable
        ``f(theta) -> float`` written with :data:`anp` (``autograd.numpy``).
    theta : array_like, shape (P,)
        Where the Hessian is taken, finite.
    v : array_like, shape (P,)
        The vector the Hessian multiplies, finite.
    """
    theta = check_vector(theta, "theta")
    v = check_vector(v, "v", theta.size)
    return make_hvp(f, theta)(v)


def finite_difference_gradient(f: Callable, theta, h: float = 1e-6) -> np.ndarray:
    r"""Central differences :math:`(f(\theta + h e_i) - f(\theta - h e_i)) / 2h`, shape ``(P,)``.

    Error :math:`O(h^2)` from truncation plus :math:`O(\epsilon_{mach}/h)` from rounding.

    Parameters
    ----------
    f : callable
        ``f(theta) -> scalar``; any Python code (it is only evaluated, not differentiated).
    theta : array_like, shape (P,)
        The point, finite.
    h : float
        The step, in ``(0, 1]``. Default ``1e-6``, near the best trade-off for float64.
    """
    check_callable(f, "f")
    theta = check_vector(theta, "theta")
    h = check_scalar(h, "h", low=0, high=1, low_inclusive=False)  # a finite-difference step, not a stride
    g = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        g[i] = (float(f(theta + e)) - float(f(theta - e))) / (2 * h)
    return g


def finite_difference_hvp(grad_f: Callable, theta, v, h: float = 1e-5) -> np.ndarray:
    r"""Central difference of the gradient along ``v``: :math:`(\nabla f(\theta+hv) - \nabla f(\theta-hv))/2h`.

    Parameters
    ----------
    grad_f : callable
        ``grad_f(theta) -> (P,)``, the gradient (any Python code; only evaluated).
    theta : array_like, shape (P,)
        The point, finite.
    v : array_like, shape (P,)
        The direction, finite. It is not normalized: the points are :math:`\theta \pm h v`.
    h : float
        The step, in ``(0, 1]``. Default ``1e-5``.
    """
    check_callable(grad_f, "grad_f")
    theta = check_vector(theta, "theta")
    v = check_vector(v, "v", theta.size)
    h = check_scalar(h, "h", low=0, high=1, low_inclusive=False)  # a finite-difference step, not a stride
    return (np.asarray(grad_f(theta + h * v)) - np.asarray(grad_f(theta - h * v))) / (2 * h)


def _relative_error(a: np.ndarray, b: np.ndarray) -> float:
    # Mixed error: relative for large vectors, absolute below norm 1. A pure relative error blows up at
    # critical points, where the true gradient is 0 and finite differences leave ~1e-10 of rounding noise.
    scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(b)), 1.0)
    return float(np.linalg.norm(a - b) / scale)


def gradient_error(f: Callable, grad_f: Callable, theta, h: float = 1e-6) -> float:
    """Error ``‖g - g_fd‖ / max(‖g‖, ‖g_fd‖, 1)`` of a gradient function against central differences.

    Relative for large gradients, absolute for small ones, so a correct gradient checked at a critical point
    (true gradient 0) reports ~1e-10 rather than a meaningless 100 %.

    Parameters
    ----------
    f : callable
        ``f(theta) -> scalar``, the loss whose gradient is checked.
    grad_f : callable
        ``grad_f(theta) -> (P,)``, the gradient under test.
    theta : array_like, shape (P,)
        The point, finite.
    h : float
        The finite-difference step, in ``(0, 1]``. Default ``1e-6``.

    Returns
    -------
    float
        The mixed relative/absolute error; a correct gradient typically gives well below ``1e-6``.
    """
    check_callable(grad_f, "grad_f")
    theta = check_vector(theta, "theta")
    return _relative_error(np.asarray(grad_f(theta), dtype=float), finite_difference_gradient(f, theta, h))


def hvp_error(grad_f: Callable, hvp_f: Callable, theta, v, h: float = 1e-5) -> float:
    """Error of ``hvp_f(theta, v)`` against finite differences of ``grad_f`` (mixed relative/absolute, as above).

    Parameters
    ----------
    grad_f : callable
        ``grad_f(theta) -> (P,)``, the gradient the reference is differenced from.
    hvp_f : callable
        ``hvp_f(theta, v) -> (P,)``, the Hessian-vector product under test.
    theta : array_like, shape (P,)
        The point, finite.
    v : array_like, shape (P,)
        The vector the Hessian multiplies, finite (not normalized).
    h : float
        The finite-difference step, in ``(0, 1]``. Default ``1e-5``.

    Returns
    -------
    float
        ``‖Hv - Hv_fd‖ / max(‖Hv‖, ‖Hv_fd‖, 1)``.
    """
    check_callable(hvp_f, "hvp_f")
    theta = check_vector(theta, "theta")
    v = check_vector(v, "v", theta.size)
    return _relative_error(np.asarray(hvp_f(theta, v), dtype=float), finite_difference_hvp(grad_f, theta, v, h))
