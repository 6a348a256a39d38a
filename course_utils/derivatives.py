"""Derivatives of NumPy losses through autograd, and finite-difference checkers.

Every loss in the course is written with ``autograd.numpy`` (elementwise operations and matrix
products only: forward mode lacks most ``np.linalg`` JVPs), so its gradient, Hessian-vector product
and Hessian come from autograd rather than from hand-derived formulas. The checkers compare them with
central finite differences, which is how the tests (and the exercises) verify any derivative.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .validation import check_callable, check_scalar, check_vector

__all__ = [
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
    import autograd  # deferred: keeps `import course_utils` light

    return autograd


def gradient(f: Callable, theta) -> np.ndarray:
    r"""The gradient :math:`\nabla f(\theta)` of a scalar loss, shape ``(P,)``.

    Parameters
    ----------
    f : callable
        ``f(theta) -> float`` written with ``autograd.numpy``.
    theta : array_like, shape (P,)
    """
    check_callable(f, "f")
    theta = check_vector(theta, "theta")
    return np.asarray(_autograd().grad(f)(theta), dtype=float)


def hessian(f: Callable, theta) -> np.ndarray:
    r"""The dense Hessian :math:`\nabla^2 f(\theta)`, shape ``(P, P)``, symmetrized."""
    check_callable(f, "f")
    theta = check_vector(theta, "theta")
    H = np.asarray(_autograd().hessian(f)(theta), dtype=float).reshape(theta.size, theta.size)
    return 0.5 * (H + H.T)


def make_hvp(f: Callable, theta) -> Callable[[np.ndarray], np.ndarray]:
    r"""Return ``v -> H(theta) v`` with the forward pass at ``theta`` computed once.

    Build it once per point and reuse it for Lanczos, power iteration, Hutchinson and SLQ
    (≈1 ms per product for a small MLP, against hundreds of ms for the dense Hessian).
    """
    check_callable(f, "f")
    theta = check_vector(theta, "theta")
    hvp_at = _autograd().make_hvp(f)(theta)[0]

    def product(v):
        return np.asarray(hvp_at(np.asarray(v, dtype=float)), dtype=float)

    return product


def hvp(f: Callable, theta, v) -> np.ndarray:
    r"""One Hessian-vector product :math:`\nabla^2 f(\theta)\,v`, shape ``(P,)``."""
    theta = check_vector(theta, "theta")
    v = check_vector(v, "v", theta.size)
    return make_hvp(f, theta)(v)


def finite_difference_gradient(f: Callable, theta, h: float = 1e-6) -> np.ndarray:
    r"""Central differences :math:`(f(\theta + h e_i) - f(\theta - h e_i)) / 2h`, shape ``(P,)``.

    Error :math:`O(h^2)` from truncation plus :math:`O(\epsilon_{mach}/h)` from rounding.
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
    r"""Central difference of the gradient along ``v``: :math:`(\nabla f(\theta+hv) - \nabla f(\theta-hv))/2h`."""
    check_callable(grad_f, "grad_f")
    theta = check_vector(theta, "theta")
    v = check_vector(v, "v", theta.size)
    h = check_scalar(h, "h", low=0, high=1, low_inclusive=False)  # a finite-difference step, not a stride
    return (np.asarray(grad_f(theta + h * v)) - np.asarray(grad_f(theta - h * v))) / (2 * h)


def _relative_error(a: np.ndarray, b: np.ndarray) -> float:
    # Mixed error: relative for large vectors, absolute below norm 1. A pure relative error blows up at
    # critical points, where the true gradient is 0 and finite differences leave ~1e-10 of rounding noise.
    scale = max(np.linalg.norm(a), np.linalg.norm(b), 1.0)
    return float(np.linalg.norm(a - b) / scale)


def gradient_error(f: Callable, grad_f: Callable, theta, h: float = 1e-6) -> float:
    """Error ``‖g - g_fd‖ / max(‖g‖, ‖g_fd‖, 1)`` of a gradient function against central differences.

    Relative for large gradients, absolute for small ones, so a correct gradient checked at a critical point
    (true gradient 0) reports ~1e-10 rather than a meaningless 100 %.
    """
    check_callable(grad_f, "grad_f")
    theta = check_vector(theta, "theta")
    return _relative_error(np.asarray(grad_f(theta), dtype=float), finite_difference_gradient(f, theta, h))


def hvp_error(grad_f: Callable, hvp_f: Callable, theta, v, h: float = 1e-5) -> float:
    """Error of ``hvp_f(theta, v)`` against finite differences of ``grad_f`` (mixed relative/absolute, as above)."""
    check_callable(hvp_f, "hvp_f")
    theta = check_vector(theta, "theta")
    v = check_vector(v, "v", theta.size)
    return _relative_error(np.asarray(hvp_f(theta, v), dtype=float), finite_difference_hvp(grad_f, theta, v, h))
