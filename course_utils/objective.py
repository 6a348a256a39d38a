"""The one objective protocol every landscape, model and analysis in the course shares.

An :class:`Objective` is a scalar loss over a flat float64 parameter vector ``theta`` of shape
``(P,)``. A 2-D test function is an objective with ``P = 2``; an MLP is one with ``P`` in the
hundreds. The same optimizer, slice and Hessian code serves both.

Subclasses implement one method, ``_loss(theta)``, with ``autograd.numpy`` operations; gradients,
Hessian-vector products and Hessians follow from autograd. Subclasses that can evaluate many
parameter vectors at once override ``_loss_batch(thetas)`` (shape ``(B, P) -> (B,)``); the default
loops.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .validation import check_batch, check_vector

__all__ = ["Objective", "FunctionObjective"]


class Objective:
    """Base class: a scalar loss over flat parameter vectors.

    Attributes
    ----------
    dim : int
        Number of parameters ``P``.
    name : str
        Human-readable name used in titles and messages.
    """

    dim: int = 0
    name: str = "objective"
    #: Set True in subclasses whose ``_loss_batch`` is written with autograd.numpy and treats rows
    #: independently: :meth:`grad_batch` then differentiates it once for the whole batch.
    _traceable_batch: bool = False

    # --- to implement -----------------------------------------------------------------------
    def _loss(self, theta):
        """Loss at one parameter vector, written with autograd.numpy; returns a scalar."""
        raise NotImplementedError

    def _loss_batch(self, thetas: np.ndarray) -> np.ndarray:
        """Losses at a stack of parameter vectors, shape ``(B, P) -> (B,)``. Default: a loop."""
        return np.array([float(self._loss(t)) for t in thetas])

    # --- public protocol --------------------------------------------------------------------
    def loss(self, theta) -> float:
        """The loss :math:`L(\\theta)` at ``theta`` of shape ``(P,)``, as a float."""
        theta = check_vector(theta, "theta", self.dim)
        with np.errstate(over="ignore", invalid="ignore"):  # far from the data the loss may overflow to inf: a result
            return float(self._loss(theta))

    def __call__(self, theta) -> float:
        return self.loss(theta)

    def loss_batch(self, thetas) -> np.ndarray:
        """Losses at parameter vectors of shape ``(..., P)``; returns shape ``(...)``.

        Agrees with a loop of :meth:`loss` to rounding (the tests assert 1e-12).
        """
        thetas = check_batch(thetas, "thetas", self.dim)
        lead = thetas.shape[:-1]
        flat = thetas.reshape(-1, self.dim)
        if flat.shape[0] == 0:
            return np.zeros(lead)
        with np.errstate(all="ignore"):
            out = np.asarray(self._loss_batch(flat), dtype=float)
        return out.reshape(lead)

    def grad(self, theta) -> np.ndarray:
        """The gradient :math:`\\nabla L(\\theta)`, shape ``(P,)`` (autograd)."""
        theta = check_vector(theta, "theta", self.dim)
        return self._grad_fn()(theta)

    def grad_batch(self, thetas) -> np.ndarray:
        r"""Gradients at parameter vectors of shape ``(..., P)``; returns shape ``(..., P)``.

        One autograd call for the whole batch when the batched loss is traceable (2-D landscapes, quadratics,
        linear models): :math:`\nabla_{\Theta} \sum_b L(\theta_b)` has the rows :math:`\nabla L(\theta_b)`.
        Otherwise a loop of :meth:`grad`.
        """
        thetas = check_batch(thetas, "thetas", self.dim)
        flat = thetas.reshape(-1, self.dim)
        if flat.shape[0] == 0:
            return np.zeros(thetas.shape)
        return self._grad_batch(flat).reshape(thetas.shape)

    def _grad_batch(self, thetas: np.ndarray) -> np.ndarray:
        if not self._traceable_batch:
            g = self._grad_fn()
            return np.array([g(t) for t in thetas])
        fn = self.__dict__.get("_cached_grad_batch")
        if fn is None:
            import autograd.numpy as anp
            from autograd import grad

            fn = grad(lambda T: anp.sum(self._loss_batch(T)))
            self.__dict__["_cached_grad_batch"] = fn
        return np.asarray(fn(thetas), dtype=float)

    def value_and_grad(self, theta) -> tuple[float, np.ndarray]:
        """Loss and gradient in one pass, ``(float, (P,))``."""
        theta = check_vector(theta, "theta", self.dim)
        from autograd import value_and_grad

        value, g = value_and_grad(self._loss)(theta)
        return float(value), np.asarray(g, dtype=float)

    def make_hvp(self, theta) -> Callable[[np.ndarray], np.ndarray]:
        """``v -> H(theta) v`` with the forward pass at ``theta`` cached; reuse it for many products."""
        from .derivatives import make_hvp

        theta = check_vector(theta, "theta", self.dim)
        return make_hvp(self._loss, theta)

    def hvp(self, theta, v) -> np.ndarray:
        """One Hessian-vector product :math:`\\nabla^2 L(\\theta) v`, shape ``(P,)``."""
        theta = check_vector(theta, "theta", self.dim)
        v = check_vector(v, "v", self.dim)
        return self.make_hvp(theta)(v)

    def hessian(self, theta) -> np.ndarray:
        """The dense, symmetrized Hessian, shape ``(P, P)``. Fine for ``P`` up to a few thousand."""
        from .derivatives import hessian

        theta = check_vector(theta, "theta", self.dim)
        return hessian(self._loss, theta)

    # --- helpers ----------------------------------------------------------------------------
    def _grad_fn(self):
        fn = self.__dict__.get("_cached_grad")
        if fn is None:
            from autograd import grad

            raw = grad(self._loss)

            def fn(theta):
                return np.asarray(raw(theta), dtype=float)

            self.__dict__["_cached_grad"] = fn
        return fn

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim})"


class FunctionObjective(Objective):
    """Wrap a user's function of ``theta`` (autograd.numpy) as an :class:`Objective`.

    Parameters
    ----------
    f : callable
        ``f(theta) -> scalar`` for ``theta`` of shape ``(dim,)``.
    dim : int
        Number of parameters.
    name : str
    batched : bool
        If True, ``f`` also accepts ``(B, dim)`` and returns ``(B,)``.
    """

    def __init__(self, f: Callable, dim: int, name: str = "custom", batched: bool = False):
        from .validation import check_bool, check_callable, check_int

        self.f = check_callable(f, "f")
        self.dim = check_int(dim, "dim", low=1)
        self.name = str(name)
        self.batched = check_bool(batched, "batched")

    def _loss(self, theta):
        return self.f(theta)

    def _scalar(self, value, shape) -> float:
        """``value`` as a float, or a TypeError that tells the student what ``f`` returned."""
        if np.ndim(value) != 0 and np.size(value) != 1:
            raise TypeError(f"`f` must return one number for a parameter vector of shape {shape}, "
                            f"got an output of shape {np.shape(value)}")
        try:
            return float(np.reshape(value, ()))
        except (TypeError, ValueError):
            raise TypeError(f"`f` must return a number, got {type(value).__name__}") from None

    def loss(self, theta) -> float:
        # a loss may be evaluated at non-finite points (divergence is a result); derivatives may not
        theta = check_vector(theta, "theta", self.dim, finite=False)
        with np.errstate(all="ignore"):
            return self._scalar(self.f(theta), theta.shape)

    def _loss_batch(self, thetas):
        if self.batched:
            out = np.asarray(self.f(thetas), dtype=float)
            if out.size != thetas.shape[0]:
                raise TypeError(f"`f` (batched=True) must map shape {thetas.shape} to ({thetas.shape[0]},), "
                                f"got an output of shape {out.shape}")
            return out.reshape(thetas.shape[0])
        return np.array([self._scalar(self.f(t), t.shape) for t in thetas])
