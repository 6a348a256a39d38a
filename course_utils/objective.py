"""The one objective protocol every landscape, model and analysis in the course shares.

An :class:`Objective` is a scalar loss over a flat float64 parameter vector ``theta`` of shape
``(P,)``. A 2-D test function is an objective with ``P = 2``; an MLP is one with ``P`` in the
hundreds. The same optimizer, slice and Hessian code serves both.

Subclasses implement one method, ``_loss(theta)``, with :data:`course_utils.derivatives.anp`
operations; gradients, Hessian-vector products and Hessians follow from :mod:`course_utils.derivatives`.
Subclasses that can evaluate many parameter vectors at once override ``_loss_batch(thetas)`` (shape
``(B, P) -> (B,)``); the default loops.

**The contract is public and structural.** :class:`HasLoss`, :class:`HasGradient` and
:class:`HasCurvature` are :class:`typing.Protocol` s: what an object must have to be a loss, to give
gradients, to give curvature. A student's own class with ``dim``, ``loss`` and ``grad`` satisfies the
first two without inheriting anything, and :func:`as_objective` — the one checker every analysis calls
— accepts it, wrapping it in an :class:`Objective` whose Hessian-vector products come from central
differences of the student's gradient (or from their own ``hvp``/``hessian`` when they have them).

**The fast path.** Inside the library's hot loops the arguments are already validated, so the
``unchecked_*`` methods skip validation: :meth:`Objective.unchecked_loss`,
:meth:`Objective.unchecked_loss_batch`, :meth:`Objective.unchecked_grad`,
:meth:`Objective.unchecked_grad_batch`. They take float64 arrays of the right shape and nothing else;
user-facing code calls :meth:`~Objective.loss`, :meth:`~Objective.grad` and friends.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

from . import derivatives
from .validation import check_batch, check_callable, check_int, check_vector, short_repr

__all__ = ["HasLoss", "HasGradient", "HasCurvature", "Objective", "FunctionObjective", "ProtocolObjective",
           "as_objective", "batch_loss_function"]


@runtime_checkable
class HasLoss(Protocol):
    """What a loss must have: ``dim`` parameters and ``loss(theta (P,)) -> float``.

    A :class:`typing.Protocol`: it is never instantiated, only checked structurally
    (``isinstance(obj, HasLoss)`` looks for the attributes).

    Parameters
    ----------
    *args
        Unused: :class:`typing.Protocol` supplies this signature, and a protocol cannot be instantiated.
    **kwargs
        Unused, as ``*args``.

    Attributes
    ----------
    dim : int
        Number of parameters ``P``.
    """

    dim: int

    def loss(self, theta: np.ndarray) -> float:
        """The loss at one parameter vector.

        Parameters
        ----------
        theta : numpy.ndarray, shape (P,)
            A float64 parameter vector with ``P = dim`` entries.

        Returns
        -------
        float
            The scalar loss.
        """


@runtime_checkable
class HasGradient(HasLoss, Protocol):
    """A loss that also gives its gradient ``grad(theta (P,)) -> (P,)``.

    A :class:`typing.Protocol` extending :class:`HasLoss`; it is never instantiated.

    Parameters
    ----------
    *args
        Unused: :class:`typing.Protocol` supplies this signature, and a protocol cannot be instantiated.
    **kwargs
        Unused, as ``*args``.
    """

    def grad(self, theta: np.ndarray) -> np.ndarray:
        """The gradient of the loss at one parameter vector.

        Parameters
        ----------
        theta : numpy.ndarray, shape (P,)
            A float64 parameter vector with ``P = dim`` entries.

        Returns
        -------
        numpy.ndarray, shape (P,)
            The gradient :math:`\\nabla L(\\theta)`.
        """


@runtime_checkable
class HasCurvature(HasGradient, Protocol):
    """A loss with gradient and Hessian-vector products ``hvp(theta (P,), v (P,)) -> (P,)``.

    A :class:`typing.Protocol` extending :class:`HasGradient`; it is never instantiated.

    Parameters
    ----------
    *args
        Unused: :class:`typing.Protocol` supplies this signature, and a protocol cannot be instantiated.
    **kwargs
        Unused, as ``*args``.
    """

    def hvp(self, theta: np.ndarray, v: np.ndarray) -> np.ndarray:
        """The Hessian-vector product at one parameter vector.

        Parameters
        ----------
        theta : numpy.ndarray, shape (P,)
            A float64 parameter vector with ``P = dim`` entries: where the Hessian is taken.
        v : numpy.ndarray, shape (P,)
            The vector the Hessian multiplies.

        Returns
        -------
        numpy.ndarray, shape (P,)
            :math:`\\nabla^2 L(\\theta) v`.
        """


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
        """The loss :math:`L(\\theta)` at ``theta`` of shape ``(P,)``, as a float.

        Parameters
        ----------
        theta : array_like, shape (P,)
            A parameter vector with ``P = dim`` finite entries.

        Returns
        -------
        float
            The loss; it may be ``inf`` or ``nan`` far from the data (overflow is not an error).
        """
        theta = check_vector(theta, "theta", self.dim)
        with np.errstate(over="ignore", invalid="ignore"):  # far from the data the loss may overflow to inf: a result
            return float(self._loss(theta))

    def __call__(self, theta) -> float:
        return self.loss(theta)

    def loss_batch(self, thetas) -> np.ndarray:
        """Losses at parameter vectors of shape ``(..., P)``; returns shape ``(...)``.

        Agrees with a loop of :meth:`loss` to rounding (the tests assert 1e-12).

        Parameters
        ----------
        thetas : array_like, shape (..., P)
            Parameter vectors stacked along the leading axes, last axis ``P = dim``, all entries finite.

        Returns
        -------
        numpy.ndarray, shape (...)
            One loss per parameter vector (an empty batch gives an empty array).
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
        """The gradient :math:`\\nabla L(\\theta)`, shape ``(P,)`` (autograd).

        Parameters
        ----------
        theta : array_like, shape (P,)
            A parameter vector with ``P = dim`` finite entries.
        """
        theta = check_vector(theta, "theta", self.dim)
        return self._grad_fn()(theta)

    def grad_batch(self, thetas) -> np.ndarray:
        r"""Gradients at parameter vectors of shape ``(..., P)``; returns shape ``(..., P)``.

        One autograd call for the whole batch when the batched loss is traceable (2-D landscapes, quadratics,
        linear models): :math:`\nabla_{\Theta} \sum_b L(\theta_b)` has the rows :math:`\nabla L(\theta_b)`.
        Otherwise a loop of :meth:`grad`.

        Parameters
        ----------
        thetas : array_like, shape (..., P)
            Parameter vectors stacked along the leading axes, last axis ``P = dim``, all entries finite.
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
            fn = derivatives.grad(lambda T: derivatives.anp.sum(self._loss_batch(T)))
            self.__dict__["_cached_grad_batch"] = fn
        return fn(thetas)

    # --- the fast, unchecked path for the library's hot loops ------------------------------------
    @property
    def batch_is_traceable(self) -> bool:
        """True when :meth:`unchecked_loss_batch` is written with ``anp`` and treats rows independently."""
        return bool(self._traceable_batch)

    def unchecked_loss(self, theta: np.ndarray) -> Any:
        """``_loss(theta)`` without validation: a float64 ``(P,)`` in, the raw (traceable) scalar out.

        Parameters
        ----------
        theta : numpy.ndarray, shape (P,)
            A float64 parameter vector of the right shape; it is not checked.
        """
        return self._loss(theta)

    def unchecked_loss_batch(self, thetas: np.ndarray) -> np.ndarray:
        """``_loss_batch(thetas)`` without validation: float64 ``(B, P)`` in, ``(B,)`` out (traceable).

        Parameters
        ----------
        thetas : numpy.ndarray, shape (B, P)
            A float64 stack of ``B`` parameter vectors; it is not checked.
        """
        return self._loss_batch(thetas)

    def unchecked_grad(self, theta: np.ndarray) -> np.ndarray:
        """The gradient at a float64 ``(P,)`` without validation (the function is built once and cached).

        Parameters
        ----------
        theta : numpy.ndarray, shape (P,)
            A float64 parameter vector of the right shape; it is not checked.
        """
        return self._grad_fn()(theta)

    def unchecked_grad_batch(self, thetas: np.ndarray) -> np.ndarray:
        """Gradients at float64 ``(B, P)`` without validation, ``(B, P)``: one pass when the batch is traceable.

        Parameters
        ----------
        thetas : numpy.ndarray, shape (B, P)
            A float64 stack of ``B`` parameter vectors; it is not checked.
        """
        return self._grad_batch(thetas)

    def value_and_grad(self, theta) -> tuple[float, np.ndarray]:
        """Loss and gradient, ``(float, (P,))``: one autograd pass, or the loss and the subclass's own gradient
        when it has one (an ``_grad_fn`` of its own: the MLP's backpropagation, a student's ``grad``).

        Parameters
        ----------
        theta : array_like, shape (P,)
            A parameter vector with ``P = dim`` finite entries.
        """
        theta = check_vector(theta, "theta", self.dim)
        if type(self)._grad_fn is not Objective._grad_fn:
            return self._loss(theta), self._grad_fn()(theta)
        return derivatives.value_and_grad(self._loss)(theta)

    def make_hvp(self, theta) -> Callable[[np.ndarray], np.ndarray]:
        """``v -> H(theta) v`` with the forward pass at ``theta`` cached; reuse it for many products.

        Parameters
        ----------
        theta : array_like, shape (P,)
            Where the Hessian is taken: a parameter vector with ``P = dim`` finite entries.

        Returns
        -------
        callable
            ``v (P,) -> (P,)``, the product :math:`\\nabla^2 L(\\theta) v`; ``v`` is not validated.
        """
        theta = check_vector(theta, "theta", self.dim)
        return derivatives.make_hvp(self._loss, theta)

    def hvp_and_grad(self, theta) -> tuple[Callable[[np.ndarray], np.ndarray], np.ndarray]:
        """``(v -> H(theta) v, ∇L(theta))`` from one forward/backward pass at a float64 ``(P,)``, unvalidated.

        Parameters
        ----------
        theta : numpy.ndarray, shape (P,)
            A float64 parameter vector of the right shape; it is not checked.
        """
        return derivatives.hvp_and_grad(self._loss)(theta)

    def hvp(self, theta, v) -> np.ndarray:
        """One Hessian-vector product :math:`\\nabla^2 L(\\theta) v`, shape ``(P,)``.

        Parameters
        ----------
        theta : array_like, shape (P,)
            Where the Hessian is taken: a parameter vector with ``P = dim`` finite entries.
        v : array_like, shape (P,)
            The vector the Hessian multiplies (finite entries).
        """
        theta = check_vector(theta, "theta", self.dim)
        v = check_vector(v, "v", self.dim)
        return self.make_hvp(theta)(v)

    def hessian(self, theta) -> np.ndarray:
        """The dense, symmetrized Hessian, shape ``(P, P)``. Fine for ``P`` up to a few thousand.

        Parameters
        ----------
        theta : array_like, shape (P,)
            A parameter vector with ``P = dim`` finite entries.
        """
        theta = check_vector(theta, "theta", self.dim)
        return derivatives.hessian(self._loss, theta)

    # --- helpers ----------------------------------------------------------------------------
    def _grad_fn(self):
        fn = self.__dict__.get("_cached_grad")
        if fn is None:
            fn = derivatives.grad(self._loss)
            self.__dict__["_cached_grad"] = fn
        return fn

    def __getstate__(self) -> dict:
        # The cached autograd functions are closures (not picklable) rebuilt on first use: a pickled objective
        # carries its data only (the batch grader sends models to a student's kernel this way).
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_cached")}

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim})"


class FunctionObjective(Objective):
    """Wrap a user's function of ``theta`` (autograd.numpy) as an :class:`Objective`.

    Parameters
    ----------
    f : callable
        ``f(theta) -> scalar`` for ``theta`` of shape ``(dim,)``.
    dim : int
        Number of parameters, at least 1.
    name : str
        Human-readable name used in titles and messages. Default ``"custom"``.
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
        """The loss ``f(theta)`` as a float; unlike the derivatives it accepts non-finite ``theta``.

        Parameters
        ----------
        theta : array_like, shape (P,)
            A parameter vector with ``P = dim`` entries; ``inf``/``nan`` entries are allowed (a diverged run).

        Returns
        -------
        float
            ``f(theta)``.

        Raises
        ------
        TypeError
            When ``f`` returns more than one number, or something that is not a number.
        """
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


class ProtocolObjective(Objective):
    """An :class:`Objective` view of a student's own object that satisfies :class:`HasGradient`.

    ``loss`` and ``grad`` are the student's; ``hvp`` is theirs when they have one, else central differences
    of their gradient (step ``1e-5·max(1, ‖θ‖)/‖v‖``, error :math:`O(h^2)`); ``hessian`` is theirs, else
    built column by column from ``hvp`` and symmetrized. Their code is not autograd-traced (it may use plain
    NumPy), so batches loop.

    Usually built by :func:`as_objective` rather than directly.

    Parameters
    ----------
    inner : object with ``dim``, ``loss(theta)`` and ``grad(theta)``
        The student's object (see :class:`HasGradient`); ``inner.dim`` must be an int of at least 1. Optional
        ``hvp(theta, v)`` and ``hessian(theta)`` methods are used when present.
    argument : str
        The name of the argument ``inner`` was passed as, used in error messages. Default ``"inner"``.

    Raises
    ------
    TypeError
        When ``inner`` lacks ``dim``, ``loss`` or ``grad`` (the message names what is missing).
    """

    def __init__(self, inner: HasGradient, argument: str = "inner"):
        missing = [m for m in ("dim", "loss", "grad") if not hasattr(inner, m)]
        missing += [m for m in ("loss", "grad") if m not in missing and not callable(getattr(inner, m))]
        if missing:
            raise TypeError(
                f"`{argument}` must be an objective: an Objective, a model from course_utils.models, a landscape "
                f"from course_utils.functions, or your own object with dim, loss(theta) and grad(theta); "
                f"got {short_repr(inner)} of type {type(inner).__name__}, which lacks {', '.join(missing)}")
        self.inner = inner
        self.dim = check_int(inner.dim, f"{argument}.dim", low=1)
        self.name = str(getattr(inner, "name", type(inner).__name__))

    def _loss(self, theta):
        return float(self.inner.loss(theta))

    def _grad_fn(self):
        def g(theta):
            return np.asarray(self.inner.grad(theta), dtype=float).reshape(self.dim)

        return g

    def make_hvp(self, theta) -> Callable[[np.ndarray], np.ndarray]:
        """``v -> H(theta) v``: the student's ``hvp`` if they have one, else central differences of ``grad``.

        Parameters
        ----------
        theta : array_like, shape (P,)
            Where the Hessian is taken: a parameter vector with ``P = dim`` finite entries.

        Returns
        -------
        callable
            ``v (P,) -> (P,)``. The finite-difference version returns zeros for ``v = 0``.
        """
        theta = check_vector(theta, "theta", self.dim)
        own = getattr(self.inner, "hvp", None)
        if callable(own):
            return lambda v: np.asarray(own(theta, np.asarray(v, dtype=float)), dtype=float)
        g = self._grad_fn()

        def product(v):
            v = np.asarray(v, dtype=float)
            norm = float(np.linalg.norm(v))
            if norm == 0.0:
                return np.zeros(self.dim)
            h = 1e-5 * max(1.0, float(np.linalg.norm(theta))) / norm
            return (g(theta + h * v) - g(theta - h * v)) / (2 * h)

        return product

    def hvp_and_grad(self, theta) -> tuple[Callable[[np.ndarray], np.ndarray], np.ndarray]:
        """``(v -> H(theta) v, grad(theta))``: :meth:`make_hvp` and the student's gradient at ``theta``.

        Parameters
        ----------
        theta : array_like, shape (P,)
            A parameter vector with ``P = dim`` finite entries (checked by :meth:`make_hvp`).
        """
        return self.make_hvp(theta), self._grad_fn()(theta)

    def hessian(self, theta) -> np.ndarray:
        """The dense Hessian ``(P, P)``, symmetrized: the student's ``hessian`` if present, else ``P`` HVPs.

        Parameters
        ----------
        theta : array_like, shape (P,)
            A parameter vector with ``P = dim`` finite entries.
        """
        theta = check_vector(theta, "theta", self.dim)
        own = getattr(self.inner, "hessian", None)
        H: np.ndarray
        if callable(own):
            H = np.asarray(own(theta), dtype=np.float64).reshape(self.dim, self.dim)
        else:
            product = self.make_hvp(theta)
            H = np.stack([product(e) for e in np.eye(self.dim)], axis=1)
        return 0.5 * (H + H.T)


def as_objective(value: Any, name: str = "objective", *, dim: int | None = None) -> Objective:
    """The one objective checker: an :class:`Objective` for anything that satisfies :class:`HasGradient`.

    Parameters
    ----------
    value : Objective or object with ``dim``, ``loss(theta)`` and ``grad(theta)``
        A course objective is returned as it is; a student's own class satisfying the protocol is wrapped
        in a :class:`ProtocolObjective` (so every analysis accepts it).
    name : str
        The argument's name, for the error message.
    dim : int, optional
        The number of parameters required.

    Raises
    ------
    TypeError
        When ``value`` lacks ``dim``, ``loss`` or ``grad`` (the message names what is missing).
    ValueError
        When ``dim`` is given and differs.
    """
    if not isinstance(value, Objective):
        value = ProtocolObjective(value, name)
    if dim is not None and value.dim != dim:
        raise ValueError(f"`{name}` must have dim = {dim}, got an objective with dim = {value.dim}")
    return value


def batch_loss_function(f: Any, dim: int | None = None) -> tuple[Callable[[np.ndarray], np.ndarray], int]:
    """A loss over many points at once, for an objective or a plain callable.

    Returns ``(g, P)`` where ``g`` maps points ``(n, P)`` to values ``(n,)`` (NaN where ``f`` fails).

    An Objective uses its vectorized ``loss_batch``. A callable of one variable is tried on the whole
    array first (``np.exp``-style); if that raises or returns the wrong shape it is called point by point
    (``math.exp``-style); a point where it raises (``math.log(-1)``) gives NaN — outside the domain.
    A callable with ``dim > 1`` is wrapped in :class:`FunctionObjective` (called point by point).

    Parameters
    ----------
    f : Objective or callable
        An :class:`Objective` (subclass instance; other protocol objects are not wrapped here), or a function
        of one point: a scalar ``x`` when ``dim`` is 1, a vector of shape ``(dim,)`` otherwise.
    dim : int, optional
        Number of coordinates of a point, at least 1. Default None: the objective's ``dim``, or 1 for a
        callable. For an objective a given ``dim`` must equal ``f.dim``.

    Returns
    -------
    g : callable
        ``points (n, P) -> values (n,)``.
    P : int
        The number of coordinates ``g`` expects.

    Raises
    ------
    ValueError
        When ``dim`` differs from an objective's ``dim``.
    """
    if dim is not None:
        dim = check_int(dim, "dim", low=1)
    if isinstance(f, Objective):
        if dim is not None and dim != f.dim:
            raise ValueError(f"points have {dim} coordinates but the objective {f.name!r} has dim {f.dim}")
        return f.loss_batch, f.dim
    check_callable(f, "f")
    dim = 1 if dim is None else dim
    if dim > 1:
        obj = FunctionObjective(f, dim)
        return obj.loss_batch, dim

    def one_point(x: float) -> float:
        try:
            value = float(np.asarray(f(x)).reshape(()))
        except (ValueError, ArithmeticError, TypeError):  # outside the domain, or not a scalar
            return math.nan
        return value

    def g(points: np.ndarray) -> np.ndarray:
        x = points[:, 0]
        with np.errstate(all="ignore"):
            try:
                out = np.asarray(f(x), dtype=float)
                if out.shape == x.shape:
                    return out
            except Exception:  # not vectorized (math.exp, max(x, 0), if-statements): go point by point
                pass
            return np.array([one_point(float(v)) for v in x], dtype=float)

    return g, 1
