r"""Named 2-D test landscapes with their known critical points.

Each landscape is an :class:`~course_utils.objective.Objective` with ``P = 2`` whose loss is an
elementwise formula :math:`f(x, y)` written with ``autograd.numpy``, so the same code

* evaluates one point (``loss(theta) = f(theta[0], theta[1])``),
* evaluates a whole grid at once (``loss_batch(thetas) = f(thetas[..., 0], thetas[..., 1])``), and
* gives exact gradients, Hessian-vector products and Hessians through autograd.

Besides the formula each landscape carries what a plot or a lesson needs: ``bounds`` (a good plotting
window), ``minima`` (an array ``(k, 2)`` of known minima), ``critical_points`` (a tuple of
:class:`CriticalPoint`: point, kind, value) and ``latex`` (the formula for titles).

>>> import numpy as np
>>> from course_utils import functions
>>> rosen = functions.get("rosenbrock")
>>> rosen.loss([1.0, 1.0])
0.0
>>> [round(float(e), 6) for e in np.linalg.eigvalsh(rosen.hessian([1.0, 1.0]))]
[0.399361, 1001.600639]

Landscapes (registry key → class): ``bowl`` :class:`Bowl`, ``saddle`` :class:`Saddle`,
``monkey_saddle`` :class:`MonkeySaddle`, ``rosenbrock`` :class:`Rosenbrock`, ``himmelblau``
:class:`Himmelblau`, ``six_hump_camel`` :class:`SixHumpCamel`, ``rastrigin`` :class:`Rastrigin`,
``wobbly`` :class:`Wobbly`, ``multimodal`` :class:`Multimodal`, ``quartic_bowl`` :class:`QuarticBowl`,
``quartic_saddle`` :class:`QuarticSaddle`, ``cliff`` :class:`Cliff`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .derivatives import anp
from .objective import Objective
from .validation import check_array, check_option, check_scalar

__all__ = [
    "CriticalPoint",
    "CRITICAL_KINDS",
    "Landscape",
    "Bowl",
    "Saddle",
    "MonkeySaddle",
    "Rosenbrock",
    "Himmelblau",
    "SixHumpCamel",
    "RippledBowl",
    "Rastrigin",
    "Wobbly",
    "Multimodal",
    "QuarticBowl",
    "QuarticSaddle",
    "Cliff",
    "LANDSCAPES",
    "get",
]

#: The kinds a critical point can have, judged by the signs of the Hessian eigenvalues.
CRITICAL_KINDS = ("minimum", "maximum", "saddle", "degenerate")


@dataclass(frozen=True, eq=False)
class CriticalPoint:
    """A point where the gradient vanishes.

    Parameters
    ----------
    point : ndarray, shape (2,)
        Coordinates ``(x, y)`` (read-only).
    kind : str
        ``"minimum"`` (Hessian positive definite), ``"maximum"`` (negative definite), ``"saddle"``
        (eigenvalues of both signs) or ``"degenerate"`` (a zero eigenvalue: the second-derivative
        test is silent, whatever the point really is).
    value : float
        The loss at ``point``.
    """

    point: np.ndarray
    kind: str
    value: float

    def __post_init__(self):
        point = np.array(self.point, dtype=float).reshape(-1)
        point.flags.writeable = False
        object.__setattr__(self, "point", point)
        object.__setattr__(self, "kind", check_option(self.kind, "kind", CRITICAL_KINDS))
        object.__setattr__(self, "value", float(self.value))

    def __repr__(self) -> str:
        x, y = self.point
        return f"CriticalPoint(point=({x:.6g}, {y:.6g}), kind={self.kind!r}, value={self.value:.6g})"


class Landscape(Objective):
    r"""A 2-D objective defined by an elementwise formula :math:`f(x, y)`.

    Subclasses implement ``_f(x, y)`` with ``autograd.numpy`` elementwise operations and set
    ``key``, ``name``, ``latex`` and ``bounds``; they override ``_critical_points()`` where the
    critical points are known.

    Attributes
    ----------
    key : str
        Registry name (``functions.get(key)``).
    name : str
        Human-readable name for titles and messages.
    latex : str
        The formula in LaTeX (with ``$``), for titles.
    bounds : tuple
        ``((xmin, xmax), (ymin, ymax))``, a window that shows the interesting features.
    """

    _traceable_batch = True  # f(x, y) is elementwise: one autograd call differentiates a whole batch

    dim = 2
    key = "landscape"
    name = "landscape"
    latex = ""
    bounds: tuple = ((-2.0, 2.0), (-2.0, 2.0))

    # --- the formula ------------------------------------------------------------------------
    def _f(self, x, y):
        raise NotImplementedError

    def f(self, x, y):
        r"""Evaluate :math:`f(x, y)` elementwise on broadcastable arrays (e.g. a meshgrid).

        Parameters
        ----------
        x, y : array_like
            Coordinates; any broadcastable shapes.

        Returns
        -------
        ndarray or float
            Values with the broadcast shape of ``x`` and ``y`` (a float for scalars).
        """
        x = check_array(x, "x", finite=False, min_size=0)
        y = check_array(y, "y", finite=False, min_size=0)
        try:
            np.broadcast_shapes(x.shape, y.shape)
        except ValueError:
            raise ValueError(f"`x` and `y` must have broadcastable shapes, got {x.shape} and {y.shape}") from None
        with np.errstate(all="ignore"):
            out = np.asarray(self._f(x, y), dtype=float)
        return float(out) if out.ndim == 0 else out

    def _loss(self, theta):
        return self._f(theta[0], theta[1])

    def _loss_batch(self, thetas):
        return self._f(thetas[:, 0], thetas[:, 1])

    def _df(self, x, y):
        r"""The gradient :math:`(\partial f/\partial x, \partial f/\partial y)` in closed form, elementwise, or
        None (then autograd differentiates :meth:`_f`). Written with ``anp``, so it stays differentiable."""
        return None

    def _grad_batch(self, thetas):
        # The optimizer runs ask for a handful of gradients per step: autograd's tracing costs ~0.7 ms a call
        # there, most of an explorer's update (the Optimizer Race: 70 % of it); a closed form costs microseconds.
        # Each closed form is tested against autograd (tests/test_functions.py).
        d = self._df(thetas[:, 0], thetas[:, 1])
        if d is None:
            return super()._grad_batch(thetas)
        return anp.stack(d, axis=-1)

    def _grad_fn(self):
        # one point is a batch of one: the same closed form, so a single run and a batched race agree to the bit
        if type(self)._df is Landscape._df:
            return super()._grad_fn()
        return lambda theta: self._grad_batch(theta[None])[0]

    # --- known structure --------------------------------------------------------------------
    def _critical_points(self) -> list[tuple[tuple[float, float], str]]:
        """Known critical points as ``[((x, y), kind), ...]``; empty when unknown."""
        return []

    @cached_property
    def critical_points(self) -> tuple[CriticalPoint, ...]:
        """Known critical points (inside :attr:`bounds` for the periodic landscapes)."""
        return tuple(CriticalPoint(p, kind, self._f(float(p[0]), float(p[1]))) for p, kind in self._critical_points())

    @property
    def minima(self) -> np.ndarray:
        """Known local and global minima, shape ``(k, 2)`` (``k`` may be 0). Degenerate minima included."""
        pts = [cp.point for cp in self.critical_points if cp.kind == "minimum"]
        pts += [np.asarray(p, dtype=float) for p in self._extra_minima()]
        return np.array(pts, dtype=float).reshape(-1, 2)

    @property
    def global_minima(self) -> np.ndarray:
        """The minima of lowest value, shape ``(k, 2)``."""
        m = self.minima
        if m.shape[0] == 0:
            return m
        values = self._f(m[:, 0], m[:, 1])
        return m[values <= values.min() + 1e-9 * max(1.0, abs(values.min()))]

    def _extra_minima(self) -> list:
        """Minima whose Hessian test is inconclusive (kind "degenerate") but which are minima."""
        return []

    def grid(self, n: int = 101) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(X, Y, Z)`` on an ``n × n`` grid over :attr:`bounds` (``indexing="ij"``), for contour plots.

        Parameters
        ----------
        n : int, default 101
            Grid points per axis, at least 2.

        Returns
        -------
        X, Y, Z : ndarray, shape (n, n)
            Coordinates and loss values; ``X`` varies along the first axis.
        """
        from .validation import check_int

        n = check_int(n, "n", low=2)
        (x0, x1), (y0, y1) = self.bounds
        X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n), indexing="ij")
        return X, Y, self.f(X, Y)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def _coef(c: float) -> str:
    """A LaTeX coefficient: nothing for 1, else the number and a thin space."""
    return "" if c == 1 else f"{c:g}\\,"


def _kind_from_curvatures(cx: float, cy: float) -> str:
    if cx > 0 and cy > 0:
        return "minimum"
    if cx < 0 and cy < 0:
        return "maximum"
    if cx == 0 or cy == 0:
        return "degenerate"
    return "saddle"


def _roots_1d(dg: Callable, lo: float, hi: float, n: int = 4001) -> list[float]:
    """All roots of a smooth scalar function on ``[lo, hi]`` found by sign changes on a fine grid + brentq."""
    from scipy.optimize import brentq

    xs = np.linspace(lo, hi, n)
    values = dg(xs)
    roots = [float(x) for x, v in zip(xs, values) if v == 0.0]
    signs = np.sign(values)
    for i in np.flatnonzero(signs[:-1] * signs[1:] < 0):
        roots.append(brentq(dg, xs[i], xs[i + 1], xtol=1e-15, rtol=4 * np.finfo(float).eps))
    return sorted(roots)


def _separable_critical_points(dg, d2g, bounds) -> list:
    r"""Critical points of :math:`g(x) + g(y)`: every pair of 1-D critical points; kind from :math:`g''`."""
    (x0, x1), (y0, y1) = bounds
    xs, ys = _roots_1d(dg, x0, x1), _roots_1d(dg, y0, y1)
    return [((x, y), _kind_from_curvatures(float(d2g(x)), float(d2g(y)))) for x in xs for y in ys]


# ------------------------------------------------------------------------------------------------
# Quadratics and their degenerate cousins
# ------------------------------------------------------------------------------------------------
class Bowl(Landscape):
    r"""A convex quadratic bowl :math:`f(x, y) = \tfrac12 (x^2 + \kappa y^2)`.

    The Hessian is :math:`\mathrm{diag}(1, \kappa)`, so ``condition`` :math:`\kappa` is exactly its
    condition number (for :math:`\kappa \ge 1`) and its largest eigenvalue: gradient descent is stable
    for :math:`\eta < 2/\max(1, \kappa)`.

    Parameters
    ----------
    condition : float
        :math:`\kappa > 0`, the curvature along :math:`y`.
    """

    key = "bowl"

    def __init__(self, condition: float = 1.0):
        self.condition = check_scalar(condition, "condition", low=0, low_inclusive=False)
        # The course's name for it (chapter 1's "stretched bowl"; chapter 0's "round bowl" is x² + y², the
        # wobbly terrain at A = 0): the same word never names two functions with different step limits.
        kappa = "" if self.condition == 1 else f"{self.condition:g}"
        self.name = f"stretched bowl ½(x² + {kappa}y²), κ = {self.condition:g}"
        self.latex = rf"$\frac{{1}}{{2}}(x^2 + {_coef(self.condition)}y^2)$"

    def _f(self, x, y):
        return 0.5 * (x**2 + self.condition * y**2)

    def _df(self, x, y):
        return x, self.condition * y

    def _critical_points(self):
        return [((0.0, 0.0), "minimum")]


class Saddle(Landscape):
    r"""The quadratic saddle :math:`f(x, y) = a x^2 - b y^2` (Hessian :math:`\mathrm{diag}(2a, -2b)`).

    Parameters
    ----------
    a, b : float
        Positive curvatures; ``Saddle(5, 1)`` has Hessian eigenvalues 10 and −2.
    """

    key = "saddle"

    def __init__(self, a: float = 1.0, b: float = 1.0):
        self.a = check_scalar(a, "a", low=0, low_inclusive=False)
        self.b = check_scalar(b, "b", low=0, low_inclusive=False)
        self.name = f"saddle (a={self.a:g}, b={self.b:g})"
        self.latex = rf"${_coef(self.a)}x^2 - {_coef(self.b)}y^2$"

    def _f(self, x, y):
        return self.a * x**2 - self.b * y**2

    def _critical_points(self):
        return [((0.0, 0.0), "saddle")]


class MonkeySaddle(Landscape):
    r"""The monkey saddle :math:`f(x, y) = x^3 - 3 x y^2`: three valleys, Hessian zero at the origin.

    The origin is "degenerate": the second-derivative test says nothing, and the point is neither a
    minimum nor an ordinary saddle.
    """

    key = "monkey_saddle"
    name = "monkey saddle"
    latex = r"$x^3 - 3xy^2$"
    bounds = ((-1.5, 1.5), (-1.5, 1.5))

    def _f(self, x, y):
        return x**3 - 3 * x * y**2

    def _critical_points(self):
        return [((0.0, 0.0), "degenerate")]


class QuarticBowl(Landscape):
    r""":math:`f(x, y) = x^4 + y^4`: a strict global minimum at the origin whose Hessian is zero (degenerate)."""

    key = "quartic_bowl"
    name = "quartic bowl"
    latex = r"$x^4 + y^4$"
    bounds = ((-1.5, 1.5), (-1.5, 1.5))

    def _f(self, x, y):
        return x**4 + y**4

    def _critical_points(self):
        return [((0.0, 0.0), "degenerate")]

    def _extra_minima(self):
        return [(0.0, 0.0)]


class QuarticSaddle(Landscape):
    r""":math:`f(x, y) = x^4 - y^4`: a saddle at the origin whose Hessian is zero (degenerate)."""

    key = "quartic_saddle"
    name = "quartic saddle"
    latex = r"$x^4 - y^4$"
    bounds = ((-1.5, 1.5), (-1.5, 1.5))

    def _f(self, x, y):
        return x**4 - y**4

    def _critical_points(self):
        return [((0.0, 0.0), "degenerate")]


# ------------------------------------------------------------------------------------------------
# Classic optimization test functions
# ------------------------------------------------------------------------------------------------
class Rosenbrock(Landscape):
    r"""Rosenbrock's banana valley :math:`f(x, y) = (a - x)^2 + b (y - x^2)^2`.

    Its only critical point is the global minimum :math:`(a, a^2)`. For :math:`a = 1, b = 100` the
    Hessian there has eigenvalues 0.399361 and 1001.600639 (condition number ≈ 2508).

    Parameters
    ----------
    a : float
    b : float
        Positive valley steepness.
    """

    key = "rosenbrock"

    def __init__(self, a: float = 1.0, b: float = 100.0):
        # bounded so that a², b·x⁴ and the plotting window stay finite numbers
        self.a = check_scalar(a, "a", low=-1e6, high=1e6)
        self.b = check_scalar(b, "b", low=0, high=1e12, low_inclusive=False)
        self.name = "Rosenbrock" if (self.a, self.b) == (1.0, 100.0) else f"Rosenbrock (a={self.a:g}, b={self.b:g})"
        self.latex = rf"$({self.a:g} - x)^2 + {self.b:g}\,(y - x^2)^2$"
        span = max(2.0, 2 * abs(self.a))
        self.bounds = ((-span, span), (-1.0, max(3.0, self.a**2 + 1.0)))

    def _f(self, x, y):
        return (self.a - x) ** 2 + self.b * (y - x**2) ** 2

    def _df(self, x, y):
        r = y - x**2
        return -2 * (self.a - x) - 4 * self.b * x * r, 2 * self.b * r

    def _critical_points(self):
        return [((self.a, self.a**2), "minimum")]


class Himmelblau(Landscape):
    r"""Himmelblau's function :math:`f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2`.

    Nine critical points: four global minima with :math:`f = 0` (one at :math:`(3, 2)`), four saddles
    and one local maximum near :math:`(-0.270845, -0.923039)` with :math:`f \approx 181.6165`. The
    coordinates were found once with ``scipy.optimize.root`` from a 41 × 41 grid of starts and
    polished by Newton steps; ``tests/test_functions.py`` re-verifies them.
    """

    key = "himmelblau"
    name = "Himmelblau"
    latex = r"$(x^2 + y - 11)^2 + (x + y^2 - 7)^2$"
    bounds = ((-5.0, 5.0), (-5.0, 5.0))

    _POINTS = (
        ((3.0, 2.0), "minimum"),
        ((-2.805118086952745, 3.131312518250573), "minimum"),
        ((-3.779310253377747, -3.283185991286169), "minimum"),
        ((3.5844283403304917, -1.8481265269644036), "minimum"),
        ((-0.2708445906673476, -0.9230385564799813), "maximum"),
        ((3.385154183607021, 0.07385187983774928), "saddle"),
        ((0.08667750455539634, 2.884254701174776), "saddle"),
        ((-3.0730257507643897, -0.08135304428796751), "saddle"),
        ((-0.12796134673068005, -1.9537149802445766), "saddle"),
    )

    def _f(self, x, y):
        return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2

    def _df(self, x, y):
        u, v = x**2 + y - 11, x + y**2 - 7
        return 4 * x * u + 2 * v, 2 * u + 4 * y * v

    def _critical_points(self):
        return list(self._POINTS)


class SixHumpCamel(Landscape):
    r"""The six-hump camel :math:`f(x, y) = (4 - 2.1x^2 + x^4/3)x^2 + xy + (4y^2 - 4)y^2`.

    Fifteen critical points: six minima (two global, :math:`f \approx -1.0316` at
    :math:`\pm(0.0898, -0.7127)`), seven saddles — one at the origin with Hessian eigenvalues
    :math:`\pm\sqrt{65} \approx \pm 8.06` — and two maxima. Coordinates found with
    ``scipy.optimize.root`` from a grid of starts over :math:`[-3, 3] \times [-2, 2]`.
    """

    key = "six_hump_camel"
    name = "six-hump camel"
    latex = r"$(4 - 2.1x^2 + \frac{x^4}{3})x^2 + xy + (4y^2 - 4)y^2$"
    bounds = ((-2.0, 2.0), (-1.0, 1.0))

    _POINTS = (
        ((0.08984201310031806, -0.7126564030207396), "minimum"),
        ((-0.08984201310031806, 0.7126564030207396), "minimum"),
        ((1.7036067149699807, -0.7960835686726252), "minimum"),
        ((-1.703606714969981, 0.7960835686726251), "minimum"),
        ((1.6071047529201972, 0.5686514548841314), "minimum"),
        ((-1.607104752920197, -0.5686514548841314), "minimum"),
        ((0.0, 0.0), "saddle"),
        ((1.1092053368047865, -0.7682680925095398), "saddle"),
        ((-1.1092053368047863, 0.7682680925095398), "saddle"),
        ((1.296070267167109, 0.6050843880386585), "saddle"),
        ((-1.296070267167109, -0.6050843880386585), "saddle"),
        ((1.6380679841897785, 0.22867406904439402), "saddle"),
        ((-1.6380679841897785, -0.22867406904439405), "saddle"),
        ((1.2302298765166524, 0.16233458445899493), "maximum"),
        ((-1.2302298765166526, -0.16233458445899496), "maximum"),
    )

    def _f(self, x, y):
        return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (4 * y**2 - 4) * y**2

    def _df(self, x, y):
        return 8 * x - 8.4 * x**3 + 2 * x**5 + y, x - 8 * y + 16 * y**3

    def _critical_points(self):
        return list(self._POINTS)


class RippledBowl(Landscape):
    r"""The bowl :math:`x^2 + y^2` with a lattice of ripples: :math:`f(x, y) = c + x^2 + y^2 - A(\cos k\pi x + \cos k\pi y)`.

    One family, two named members: :class:`Rastrigin` (:math:`k = 2`, :math:`c = 2A`, so that the global minimum is
    0) and :class:`Wobbly` (:math:`k = 3`, :math:`c = 0`). :math:`A = 0` is the convex bowl. Once
    :math:`k^2\pi^2 A > 2` the ripples' curvature :math:`-k^2\pi^2 A\cos k\pi t` can outweigh the bowl's 2 and
    the function stops being convex; as :math:`A` grows further, local minima appear near the multiples of
    :math:`2/k`. The global minimum is the origin, :math:`f = c - 2A`. The function is separable, so its critical points are all pairs of the 1-D
    critical points of :math:`t^2 - A\cos k\pi t`; :attr:`critical_points` lists those inside :attr:`bounds`
    (bracketing and ``brentq``, on first access).

    Parameters
    ----------
    amplitude : float
        Ripple amplitude :math:`A \ge 0`.
    frequency : float
        :math:`k > 0`: the ripples' period is :math:`2/k`, so a local minimum lies near every multiple of
        :math:`2/k` along each axis.
    offset : float
        The constant :math:`c` added to the loss.
    half_width : float
        The default plotting and search box is :math:`[-w, w]^2` for this :math:`w > 0`.
    """

    key = "rippled_bowl"

    def __init__(self, amplitude: float = 1.0, frequency: float = 3.0, offset: float = 0.0,
                 half_width: float = 1.5):
        self.amplitude = check_scalar(amplitude, "amplitude", low=0)
        self.frequency = check_scalar(frequency, "frequency", low=0, low_inclusive=False)
        self.offset = check_scalar(offset, "offset")
        w = check_scalar(half_width, "half_width", low=0, low_inclusive=False)
        self.bounds = ((-w, w), (-w, w))
        self.name = f"rippled bowl (A={self.amplitude:g}, k={self.frequency:g})"
        offset_text = f"{self.offset:g} + " if self.offset else ""
        self.latex = (rf"${offset_text}x^2 + y^2 - {_coef(self.amplitude)}"
                      rf"(\cos {_coef(self.frequency)}\pi x + \cos {_coef(self.frequency)}\pi y)$")

    def _f(self, x, y):
        A, k = self.amplitude, self.frequency
        return x**2 + y**2 - A * (anp.cos(k * np.pi * x) + anp.cos(k * np.pi * y)) + self.offset

    def _df(self, x, y):
        A, k = self.amplitude, self.frequency
        return 2 * x + A * k * np.pi * anp.sin(k * np.pi * x), 2 * y + A * k * np.pi * anp.sin(k * np.pi * y)

    def _critical_points(self):
        A, k = self.amplitude, self.frequency
        return _separable_critical_points(
            lambda t: 2 * t + k * np.pi * A * np.sin(k * np.pi * t),
            lambda t: 2 + k**2 * np.pi**2 * A * np.cos(k * np.pi * t),
            self.bounds,
        )


class Rastrigin(RippledBowl):
    r"""Rastrigin's function :math:`f(x, y) = 2A + x^2 + y^2 - A(\cos 2\pi x + \cos 2\pi y)` on :math:`[-5.12, 5.12]^2`.

    A bowl covered in a lattice of bumps: a local minimum near every integer point, global minimum
    :math:`f = 0` at the origin. A :class:`RippledBowl` with :math:`k = 2` and :math:`c = 2A`.

    Parameters
    ----------
    A : float
        Bump amplitude, ``A >= 0`` (``A = 0`` is the bowl :math:`x^2 + y^2`).
    """

    key = "rastrigin"

    def __init__(self, A: float = 10.0):
        A = check_scalar(A, "A", low=0)
        super().__init__(amplitude=A, frequency=2.0, offset=2 * A, half_width=5.12)
        self.name = "Rastrigin" if A == 10.0 else f"Rastrigin (A={A:g})"
        self.latex = rf"${2 * A:g} + x^2 + y^2 - {A:g}(\cos 2\pi x + \cos 2\pi y)$"

    @property
    def A(self) -> float:
        """The bump amplitude :math:`A` (the family's ``amplitude``)."""
        return self.amplitude


class Wobbly(RippledBowl):
    r"""A bowl with ripples: :math:`f(x, y) = x^2 + y^2 - A(\cos 3\pi x + \cos 3\pi y)` on :math:`[-1.5, 1.5]^2`.

    ``amplitude`` :math:`A = 0` is the convex bowl :math:`x^2 + y^2`; as :math:`A` grows, local
    minima appear (the first at :math:`A \approx 0.1`) and gradient descent starts to get stuck.
    Global minimum at the origin, :math:`f = -2A`. A :class:`RippledBowl` with :math:`k = 3` and :math:`c = 0`.

    Parameters
    ----------
    amplitude : float
        :math:`A \ge 0`.
    """

    key = "wobbly"

    def __init__(self, amplitude: float = 1.0):
        super().__init__(amplitude=amplitude, frequency=3.0, offset=0.0, half_width=1.5)
        # The course's names: chapter 0's "wobbly terrain", and at A = 0 its "round bowl"
        self.name = "round bowl x² + y²" if self.amplitude == 0 else f"wobbly terrain, A = {self.amplitude:g}"
        self.latex = rf"$x^2 + y^2 - {_coef(self.amplitude)}(\cos 3\pi x + \cos 3\pi y)$"


class Multimodal(Landscape):
    r"""A rippled bowl that is not separable: :math:`f(x, y) = (x^2 + y^2)(1 + \tfrac12 \sin 5x \sin 5y)`.

    :math:`f \ge \tfrac12 (x^2 + y^2)`, so the origin (Hessian :math:`2I`) is the unique global
    minimum; dozens of local minima and saddles ring it. Only the origin is listed: finding the others
    is the job of :mod:`course_utils.critical` (and a chapter exercise).
    """

    key = "multimodal"
    name = "multimodal"
    latex = r"$(x^2 + y^2)(1 + \frac{1}{2}\sin 5x \sin 5y)$"
    bounds = ((-1.5, 1.5), (-1.5, 1.5))

    def _f(self, x, y):
        return (x**2 + y**2) * (1 + 0.5 * anp.sin(5 * x) * anp.sin(5 * y))

    def _critical_points(self):
        return [((0.0, 0.0), "minimum")]


# ------------------------------------------------------------------------------------------------
# A cliff (chapter 7): where gradients explode
# ------------------------------------------------------------------------------------------------
class Cliff(Landscape):
    r"""A bowl behind a cliff (after Pascanu, Mikolov & Bengio 2013, Fig. 6).

    .. math::
        f(x, y) = \tfrac12 (x - 1)^2 + y^2 + H\,\bigl(1 - \rho(x / w)\bigr), \qquad
        \rho(u) = \frac{\operatorname{softplus}(a u) - \operatorname{softplus}(a(u - 1))}{a},

    with :math:`a = 10`. :math:`\rho` is a ramp from 0 (for :math:`u \lesssim 0`) to 1 (for :math:`u \gtrsim 1`)
    with rounded corners, so the loss drops by the ``height`` :math:`H` across the *face*
    :math:`0 \le x \le w`, where its slope is about :math:`H / w` (40 with the defaults), against at most a few
    units anywhere else in :attr:`bounds`. Left of the face lies a high plateau that tilts gently
    towards the cliff; right of it, the bowl with the only critical point, a minimum near :math:`(1, 0)`
    (:math:`\approx (1.0018, 0)` with the defaults: the ramp's last sliver of slope, about
    :math:`2 \cdot 10^{-3}`, moves it a little to the right).

    A gradient step of length :math:`\eta H / w` taken on the face throws the iterate far past the
    minimum: that is the exploding gradient; clipping the gradient's norm (``optimizers.clip_by_norm``)
    keeps the direction and bounds the step.

    Parameters
    ----------
    height : float
        :math:`H > 0`, the drop across the face.
    width : float
        :math:`w > 0`, the width of the face (smaller is steeper); at most 1, so the face lies left of the
        minimum.
    """

    key = "cliff"
    bounds = ((-3.0, 5.0), (-2.0, 2.0))
    _SHARPNESS = 10.0

    def __init__(self, height: float = 20.0, width: float = 0.5):
        self.height = check_scalar(height, "height", low=0, high=1e6, low_inclusive=False)
        self.width = check_scalar(width, "width", low=0.01, high=1.0)
        self.name = "cliff" if (self.height, self.width) == (20.0, 0.5) else f"cliff (H={self.height:g}, w={self.width:g})"
        self.latex = rf"$\frac{{1}}{{2}}(x-1)^2 + y^2 + {self.height:g}\,(1 - \rho(x/{self.width:g}))$"

    @property
    def face_slope(self) -> float:
        """:math:`H / w`, the slope in the middle of the face."""
        return self.height / self.width

    def _ramp(self, u):
        a = self._SHARPNESS
        return (anp.logaddexp(0.0, a * u) - anp.logaddexp(0.0, a * (u - 1.0))) / a

    def _f(self, x, y):
        return 0.5 * (x - 1.0) ** 2 + y**2 + self.height * (1.0 - self._ramp(x / self.width))

    def _critical_points(self):
        from scipy.special import expit

        a, w, H = self._SHARPNESS, self.width, self.height

        def dfdx(x):  # y = 0 at every critical point (the y-part is y², separate)
            u = np.asarray(x, dtype=float) / w
            return (x - 1.0) - (H / w) * (expit(a * u) - expit(a * (u - 1.0)))

        (x0, x1), _ = self.bounds
        return [((x, 0.0), "minimum") for x in _roots_1d(dfdx, x0, x1)]


#: Landscape classes by registry key.
LANDSCAPES: dict[str, type[Landscape]] = {
    cls.key: cls
    for cls in (
        Bowl,
        Saddle,
        MonkeySaddle,
        Rosenbrock,
        Himmelblau,
        SixHumpCamel,
        Rastrigin,
        Wobbly,
        Multimodal,
        QuarticBowl,
        QuarticSaddle,
        Cliff,
    )
}


def get(name: str, **params) -> Landscape:
    """Build a landscape by registry key, e.g. ``get("wobbly", amplitude=0.5)``.

    Parameters
    ----------
    name : str
        One of :data:`LANDSCAPES` (a misspelling gets a "did you mean" suggestion).
    **params
        Passed to the landscape's constructor (``condition`` for ``bowl``, ``a``/``b`` for
        ``saddle`` and ``rosenbrock``, ``A`` for ``rastrigin``, ``amplitude`` for ``wobbly``).
    """
    cls = LANDSCAPES[check_option(name, "name", LANDSCAPES)]
    try:
        return cls(**params)
    except TypeError as exc:
        if "argument" not in str(exc):
            raise
        import inspect

        allowed = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
        raise TypeError(f"landscape {name!r} takes parameters {allowed}, got {sorted(params)}") from None
