r"""Low-dimensional views of a high-dimensional loss: directions, 1-D and 2-D slices, trajectory PCA.

A loss :math:`L(\theta)` over :math:`P` parameters cannot be drawn, but its restriction to a line or a
plane through a centre :math:`c` can:

.. math::
    f(\alpha) = L(c + \alpha d), \qquad f(\alpha, \beta) = L(c + \alpha d_1 + \beta d_2).

What the picture shows depends on the directions. Li et al. (2018, "Visualizing the Loss Landscape of
Neural Nets") draw Gaussian directions and *filter-normalize* them: every output unit ("filter") of every
weight matrix gets the norm of the same filter of the weights, and biases are zeroed. Then the slice is
invariant to the rescalings :math:`(W_1, W_2) \to (a W_1, W_2 / a)` that leave a ReLU network's function
unchanged, and slices of different networks become comparable.

Grids are evaluated in batches (never a Python loop over grid points). For :class:`~course_utils.models.MLP`
objectives :func:`slice_2d` also exploits that every layer's weights are affine in :math:`(\alpha, \beta)`;
in particular the first layer's pre-activations are

.. math::
    X W_1(\alpha, \beta) + b_1(\alpha, \beta) = (X W_1^c + b_1^c) + \alpha (X D_1 + e_1) + \beta (X D_2 + e_2),

so three ``(N, H)`` products serve the whole grid, and on an ``indexing="ij"`` grid a row of the grid is one
broadcast addition (DESIGN.md §8).

Examples
--------
>>> import numpy as np
>>> from course_utils import surfaces
>>> from course_utils.models import Quadratic
>>> q = Quadratic(np.diag([1.0, 4.0]))
>>> s = surfaces.slice_2d(q, np.zeros(2), [1.0, 0.0], [0.0, 1.0], np.linspace(-1, 1, 3), np.linspace(-1, 1, 5))
>>> s.losses.shape                     # (len(alphas), len(betas)): indexing="ij"
(3, 5)
>>> float(s.losses[2, 4])              # ½(1·1² + 4·1²)
2.5
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .objective import as_objective
from .validation import check_array, check_bool, check_int, check_option, check_rng, check_scalar, check_vector

__all__ = [
    "NORMALIZATIONS",
    "gaussian_direction",
    "filter_normalize",
    "layer_normalize",
    "normalize_direction",
    "orthogonalize",
    "random_directions",
    "Slice1D",
    "Slice2D",
    "slice_1d",
    "slice_2d",
    "interpolate",
    "LineMonotonicity",
    "line_monotonicity",
    "TrajectoryPCA",
    "trajectory_pca",
    "SliceCurvature",
    "slice_curvature",
]

#: Direction normalizations understood by :func:`normalize_direction` and :func:`random_directions`.
NORMALIZATIONS = ("filter", "layer", "none")

# A chunk of the MLP grid evaluation holds about this many activation entries (rows · J · N · H); ~4 MB
# keeps the elementwise passes in cache (measured, chapter-2 net: 2¹⁹ fastest; 2¹⁸ and 2²¹ 20–40 % slower).
_CHUNK_ENTRIES = 1 << 19
# Network outputs (points · N · K) gathered before one call of the loss.
_LOSS_ENTRIES = 1 << 20
# A grid is cut into at least this many groups of blocks (the unit of work of the thread pool), whatever the
# number of threads, so that the groups and hence the results do not depend on it.
_MIN_GROUPS = 8


# --------------------------------------------------------------------------------------------
# Directions
# --------------------------------------------------------------------------------------------
def gaussian_direction(dim: int, rng) -> np.ndarray:
    """A standard Gaussian direction :math:`d \\sim \\mathcal N(0, I_P)`, shape ``(dim,)``.

    Parameters
    ----------
    dim : int
        Number of parameters ``P``.
    rng : numpy.random.Generator or int
        Source of randomness (a seed is accepted).
    """
    dim = check_int(dim, "dim", low=1)
    return check_rng(rng).standard_normal(dim)


def _groups(model, vector):
    """Views into ``vector`` grouped as the model's tensors: ``[(W (in, out) or None, b (out,) or None)]``.

    MLPs give their layers; any other objective is one weight "tensor" with a single filter (the whole
    vector), so filter and layer normalization both reduce to ``d ← d · ‖θ‖ / ‖d‖``.
    """
    if hasattr(model, "unflatten") and hasattr(model, "layer_shapes"):
        return model.unflatten(vector)
    return [(vector.reshape(-1, 1), None)]


def _normalize(direction, theta, model, per_filter: bool, ignore_bias: bool) -> np.ndarray:
    out = direction.copy()
    for (Wd, bd), (Wt, bt) in zip(_groups(model, out), _groups(model, theta)):
        if per_filter:
            # A filter is an output unit: a column of W when the layer computes h @ W (Li et al. 2018).
            Wd *= np.linalg.norm(Wt, axis=0) / (np.linalg.norm(Wd, axis=0) + 1e-10)
        else:
            Wd *= np.linalg.norm(Wt) / (np.linalg.norm(Wd) + 1e-10)
        if bd is not None:
            if ignore_bias:
                bd[...] = 0.0
            elif per_filter:
                bd[...] = bt  # Li et al.'s option for 1-D tensors: copy the weights' values
            else:
                bd *= np.linalg.norm(bt) / (np.linalg.norm(bd) + 1e-10)
    return out


def _check_direction_args(direction, theta, model):
    model = as_objective(model, "model")
    direction = check_vector(direction, "direction", model.dim)
    theta = check_vector(theta, "theta", model.dim)
    return direction, theta, model


def filter_normalize(direction, theta, model, *, ignore_bias: bool = True) -> np.ndarray:
    r"""Filter normalization of Li et al. (2018): rescale each filter of ``direction`` to the norm of ``theta``'s.

    For every weight matrix :math:`W` (layer computes :math:`h W + b`) and every output unit :math:`j`,

    .. math:: d_{:, j} \leftarrow d_{:, j}\, \frac{\|W_{:, j}\|}{\|d_{:, j}\| + 10^{-10}}.

    Bias entries are zeroed (``ignore_bias=True``, their ``biasbn`` default) or set to the biases of
    ``theta`` (``ignore_bias=False``, their treatment of 1-D tensors). For an objective that is not an MLP
    the whole vector is a single filter.

    Parameters
    ----------
    direction, theta : array_like, shape (P,)
    model : Objective
        Supplies the layer structure (``unflatten``).
    ignore_bias : bool

    Returns
    -------
    ndarray, shape (P,)
        A new vector; ``direction`` is not modified.
    """
    direction, theta, model = _check_direction_args(direction, theta, model)
    return _normalize(direction, theta, model, True, check_bool(ignore_bias, "ignore_bias"))


def layer_normalize(direction, theta, model, *, ignore_bias: bool = True) -> np.ndarray:
    r"""Layer normalization: rescale each weight matrix of ``direction`` to the Frobenius norm of ``theta``'s.

    :math:`D_\ell \leftarrow D_\ell \|W_\ell\|_F / (\|D_\ell\|_F + 10^{-10})`; biases zeroed
    (``ignore_bias=True``) or rescaled to the biases' norm. Coarser than :func:`filter_normalize`: it is
    invariant to rescaling a whole layer, not to rescaling single units.

    Parameters
    ----------
    direction : array_like, shape (P,)
        The direction to rescale (e.g. a Gaussian draw); it is not modified.
    theta : array_like, shape (P,)
        The point whose weight norms set the scale.
    model : Objective
        Supplies the layer structure (``unflatten``, ``layer_shapes``, as an MLP has); any other objective is
        treated as a single weight matrix with one filter.
    ignore_bias : bool, default True
        Zero the bias entries; False rescales them to the norm of ``theta``'s biases instead.

    Returns
    -------
    ndarray, shape (P,)
        A new vector.
    """
    direction, theta, model = _check_direction_args(direction, theta, model)
    return _normalize(direction, theta, model, False, check_bool(ignore_bias, "ignore_bias"))


def normalize_direction(direction, theta, model, norm: str = "filter", *, ignore_bias: bool = True) -> np.ndarray:
    """Apply ``norm`` ∈ {"filter", "layer", "none"} to ``direction`` (see :func:`filter_normalize`).

    ``"none"`` returns a copy of ``direction`` unchanged (a raw Gaussian direction, the picture that
    depends on the network's parametrization).

    Parameters
    ----------
    direction : array_like, shape (P,)
        The direction to rescale (e.g. a Gaussian draw); it is not modified.
    theta : array_like, shape (P,)
        The point whose weight norms set the scale.
    model : Objective
        Supplies the layer structure (``unflatten``, ``layer_shapes``, as an MLP has); any other objective is
        treated as a single weight matrix with one filter.
    norm : {"filter", "layer", "none"}
        :func:`filter_normalize`, :func:`layer_normalize`, or no rescaling.
    ignore_bias : bool, default True
        Passed to the normalization (ignored for ``"none"``).

    Returns
    -------
    ndarray, shape (P,)
        A new vector.
    """
    norm = check_option(norm, "norm", NORMALIZATIONS)
    if norm == "filter":
        return filter_normalize(direction, theta, model, ignore_bias=ignore_bias)
    if norm == "layer":
        return layer_normalize(direction, theta, model, ignore_bias=ignore_bias)
    direction, _, _ = _check_direction_args(direction, theta, model)
    return direction.copy()


def orthogonalize(direction, reference) -> np.ndarray:
    r"""Remove from ``direction`` its component along ``reference`` and restore its norm.

    :math:`d \leftarrow \|d\| \, \tilde d / \|\tilde d\|` with
    :math:`\tilde d = d - \frac{d^\top r}{r^\top r} r`. After filter normalization this changes the filter
    norms slightly; in high dimension two Gaussian directions are nearly orthogonal anyway
    (:math:`\cos \approx 1/\sqrt P`), which is why Li et al. skip this step.

    Parameters
    ----------
    direction : array_like, shape (P,)
        The vector to orthogonalize; it must not be parallel to ``reference``.
    reference : array_like, shape (P,)
        A non-zero vector to remove; it need not be normalized.

    Returns
    -------
    ndarray, shape (P,)
        Orthogonal to ``reference``, with the norm of ``direction``.
    """
    d = check_vector(direction, "direction")
    r = check_vector(reference, "reference", d.shape[0])
    rr = r @ r
    if rr == 0:
        raise ValueError("`reference` must be a non-zero vector")
    t = d - (d @ r) / rr * r
    nt = np.linalg.norm(t)
    if nt < 1e-12 * max(np.linalg.norm(d), 1e-300):
        raise ValueError("`direction` is parallel to `reference`; cannot orthogonalize")
    return t * (np.linalg.norm(d) / nt)


def random_directions(
    model,
    theta,
    rng,
    *,
    n: int = 2,
    norm: str = "filter",
    ignore_bias: bool = True,
    orthogonal: bool = False,
) -> np.ndarray:
    """``n`` Gaussian directions drawn from ``rng``, normalized around ``theta``; shape ``(n, P)``.

    Parameters
    ----------
    model : Objective
    theta : array_like, shape (P,)
        The centre whose filter/layer norms set the directions' scale.
    rng : numpy.random.Generator or int
    n : int
        Number of directions (1 or 2 for slices).
    norm : {"filter", "layer", "none"}
    ignore_bias : bool
        Zero the bias entries (filter/layer normalization only).
    orthogonal : bool
        Orthogonalize each direction against the previous ones (Gram–Schmidt, norms kept).
    """
    model = as_objective(model, "model")
    theta = check_vector(theta, "theta", model.dim)
    n = check_int(n, "n", low=1)
    norm = check_option(norm, "norm", NORMALIZATIONS)
    orthogonal = check_bool(orthogonal, "orthogonal")
    rng = check_rng(rng)
    out = np.empty((n, model.dim))
    for k in range(n):
        d = normalize_direction(rng.standard_normal(model.dim), theta, model, norm, ignore_bias=ignore_bias)
        if orthogonal:
            for prev in out[:k]:
                d = orthogonalize(d, prev)
        out[k] = d
    return out


# --------------------------------------------------------------------------------------------
# Slices
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Slice1D:
    """Loss along a line: ``losses[i] = L(point(alphas[i]))``.

    Parameters
    ----------
    alphas : ndarray, shape (A,)
        Positions :math:`\\alpha` along the line.
    losses : ndarray, shape (A,)
        The loss at each position (may hold ``inf``/``nan`` where it overflows).
    kind : str, default "direction"
        ``"direction"`` (:math:`c + \\alpha d`) or ``"interpolation"`` (:math:`(1-\\alpha)\\theta_a + \\alpha\\theta_b`).
    """

    alphas: np.ndarray
    losses: np.ndarray
    kind: str = "direction"

    @property
    def argmin(self) -> float:
        """The α of the lowest finite loss."""
        return float(self.alphas[np.nanargmin(np.where(np.isfinite(self.losses), self.losses, np.nan))])


@dataclass(frozen=True)
class Slice2D:
    """Loss on a plane: ``losses[i, j] = L(center + alphas[i]·d1 + betas[j]·d2)`` (``indexing="ij"``).

    Parameters
    ----------
    alphas : ndarray, shape (A,)
        Coordinates along ``d1``.
    betas : ndarray, shape (B,)
        Coordinates along ``d2``.
    losses : ndarray, shape (A, B)
        First axis follows ``alphas``: plot with ``contourf(alphas, betas, losses.T)``.
    center : ndarray, shape (P,)
        The parameter vector at :math:`(\\alpha, \\beta) = (0, 0)`.
    d1, d2 : ndarray, shape (P,)
        The two directions spanning the plane (as given, not rescaled).
    """

    alphas: np.ndarray
    betas: np.ndarray
    losses: np.ndarray
    center: np.ndarray
    d1: np.ndarray
    d2: np.ndarray

    @property
    def grid(self) -> tuple[np.ndarray, np.ndarray]:
        """``np.meshgrid(alphas, betas, indexing="ij")``: arrays of shape ``(A, B)``."""
        return np.meshgrid(self.alphas, self.betas, indexing="ij")

    @property
    def center_loss(self) -> float:
        """Loss at the grid point nearest to :math:`(\\alpha, \\beta) = (0, 0)`."""
        return float(self.losses[np.argmin(np.abs(self.alphas)), np.argmin(np.abs(self.betas))])


def _check_grid(values, name):
    return check_array(values, name, ndim=1)


def slice_1d(objective, center, direction, alphas=None) -> Slice1D:
    r"""The loss along a line: :math:`f(\alpha) = L(c + \alpha d)`, evaluated in one batched call.

    Parameters
    ----------
    objective : Objective
    center : array_like, shape (P,)
    direction : array_like, shape (P,)
    alphas : array_like, shape (A,), optional
        Default ``np.linspace(-1, 1, 51)``.
    """
    objective = as_objective(objective)
    center = check_vector(center, "center", objective.dim)
    direction = check_vector(direction, "direction", objective.dim)
    alphas = np.linspace(-1.0, 1.0, 51) if alphas is None else _check_grid(alphas, "alphas")
    losses = objective.loss_batch(center + alphas[:, None] * direction)
    return Slice1D(alphas=alphas, losses=losses, kind="direction")


def interpolate(objective, theta_a, theta_b, alphas=None) -> Slice1D:
    r"""The loss on the line through two parameter vectors: :math:`L((1-\alpha)\theta_a + \alpha\theta_b)`.

    ``alphas`` may leave :math:`[0, 1]` (default ``np.linspace(-0.5, 1.5, 81)``) to show what lies beyond
    each end — the picture of Goodfellow et al. (2015) from initialization :math:`\theta_a = \theta_0` to
    solution :math:`\theta_b = \theta^*`.

    Parameters
    ----------
    objective : Objective
        Its ``loss_batch`` is evaluated once on all points.
    theta_a : array_like, shape (P,)
        The point at :math:`\alpha = 0`.
    theta_b : array_like, shape (P,)
        The point at :math:`\alpha = 1`.
    alphas : array_like, shape (A,), optional
        Where to evaluate; default ``np.linspace(-0.5, 1.5, 81)``.

    Returns
    -------
    Slice1D
        With ``kind="interpolation"``.
    """
    objective = as_objective(objective)
    theta_a = check_vector(theta_a, "theta_a", objective.dim)
    theta_b = check_vector(theta_b, "theta_b", objective.dim)
    alphas = np.linspace(-0.5, 1.5, 81) if alphas is None else _check_grid(alphas, "alphas")
    losses = objective.loss_batch(theta_a + alphas[:, None] * (theta_b - theta_a))
    return Slice1D(alphas=alphas, losses=losses, kind="interpolation")


@dataclass(frozen=True)
class LineMonotonicity:
    r"""Whether a 1-D loss profile only falls on a range of α, and if not, how far it climbs.

    The result of :func:`line_monotonicity`.

    Parameters
    ----------
    start, stop : float
        The range of α examined (grid points outside it are ignored).
    strictly_decreasing : bool
        Every grid step in the range lowers the loss: :math:`f(\alpha_{i+1}) < f(\alpha_i)`.
    largest_rise : float
        :math:`\max_{i < j} f(\alpha_j) - f(\alpha_i)` over the range, relative to :math:`f(\alpha_{start})`:
        the height of the tallest bump the line climbs on its way, 0 when it never climbs (relative to 1 instead
        when the start's loss is 0).
    peak_ratio : float
        The highest loss in the range divided by the loss at its start; 1 when nothing rises above the start.
        (For a start at or below 0, where a ratio means nothing: 1, or ``inf`` when the loss rises above it.)
    argmin : float
        The α of the lowest loss in the range.
    """

    start: float
    stop: float
    strictly_decreasing: bool
    largest_rise: float
    peak_ratio: float
    argmin: float


def line_monotonicity(line: Slice1D, start: float = 0.0, stop: float = 1.0) -> LineMonotonicity:
    r"""How monotone a loss profile is between two values of α — the test behind Goodfellow et al.'s line.

    Goodfellow, Vinyals & Saxe (2015) found the loss on the line :math:`(1-\alpha)\theta_0 + \alpha\theta^*`
    from initialization to solution (:func:`interpolate`) falling steadily for many networks; Lucas et al.
    (2021) call this the monotonic linear interpolation property and show it can fail. This function reads a
    sampled profile on ``[start, stop]``: whether every grid step goes down, the tallest bump it climbs
    (relative to the loss at ``start``), the highest point relative to the start, and where the lowest is.
    It judges the grid only: a bump narrower than the grid spacing is not seen.

    Parameters
    ----------
    line : Slice1D
        A profile with increasing ``alphas`` (from :func:`interpolate` or :func:`slice_1d`).
    start, stop : float
        The range examined, ``start < stop``; it must hold at least two grid points.

    Returns
    -------
    LineMonotonicity

    Raises
    ------
    TypeError
        If ``line`` is not a :class:`Slice1D`.
    ValueError
        If ``start >= stop``, the range holds fewer than two grid points, ``alphas`` are not increasing, or a
        loss in the range is not finite.

    Examples
    --------
    >>> from course_utils.models import Quadratic
    >>> q = Quadratic(np.eye(2))
    >>> line = interpolate(q, np.array([2.0, 0.0]), np.zeros(2), np.linspace(0, 1.5, 16))
    >>> m = line_monotonicity(line)          # ½‖θ‖² falls all the way from θ₀ = (2, 0) to θ* = 0
    >>> m.strictly_decreasing, m.largest_rise, m.argmin
    (True, 0.0, 1.0)
    """
    if not isinstance(line, Slice1D):
        raise TypeError(f"`line` must be a Slice1D (from surfaces.interpolate or slice_1d), got {type(line).__name__}")
    start = check_scalar(start, "start")
    stop = check_scalar(stop, "stop")
    if not start < stop:
        raise ValueError(f"`start` must be smaller than `stop`, got start = {start}, stop = {stop}")
    if line.alphas.size > 1 and not np.all(np.diff(line.alphas) > 0):
        raise ValueError("`line.alphas` must be strictly increasing")
    inside = (line.alphas >= start) & (line.alphas <= stop)
    if inside.sum() < 2:
        raise ValueError(f"the range [{start}, {stop}] must hold at least 2 of the line's alphas, got {int(inside.sum())}")
    f, a = line.losses[inside], line.alphas[inside]
    if not np.all(np.isfinite(f)):
        raise ValueError(f"the line has non-finite losses in [{start}, {stop}]; examine a shorter range")
    rise = float(np.max(f - np.minimum.accumulate(f)))  # each point against the lowest before it
    scale = abs(float(f[0])) or 1.0
    if f[0] > 0:
        peak = float(f.max() / f[0])
    else:  # a ratio means nothing for a start at or below 0: say only whether anything rises above it
        peak = 1.0 if f.max() <= f[0] else float("inf")
    return LineMonotonicity(start=start, stop=stop, strictly_decreasing=bool(np.all(np.diff(f) < 0)),
                            largest_rise=rise / scale, peak_ratio=peak, argmin=float(a[np.argmin(f)]))


def slice_2d(objective, center, d1, d2, alphas=None, betas=None, *, threads: int = 1, dtype=np.float64) -> Slice2D:
    r"""The loss on a plane: ``losses[i, j]`` :math:`= L(c + \alpha_i d_1 + \beta_j d_2)` (``indexing="ij"``).

    Any grid shape (``len(alphas)`` need not equal ``len(betas)``). MLP objectives are evaluated layer by
    layer with the weights affine in :math:`(\alpha, \beta)` (see the module docstring); other objectives
    through their vectorized ``loss_batch``. Both agree with a loop of ``objective.loss`` to rounding.

    Parameters
    ----------
    objective : Objective
    center : array_like, shape (P,)
    d1, d2 : array_like, shape (P,)
    alphas, betas : array_like, shape (A,) and (B,), optional
        Default ``np.linspace(-1, 1, 41)`` each.
    threads : int
        MLP objectives only: spread the grid's blocks over this many threads (numpy releases the GIL in its
        matrix products and ufuncs). The blocks and the order of every sum are the same for any value, so the
        losses are bit-identical to ``threads=1``. It pays with a single-threaded BLAS on idle cores
        (``OPENBLAS_NUM_THREADS=1``, 2 cores at load 1.5: 1.5–1.6× on the peers benchmark's grids) and loses
        when BLAS threads as well (0.7×, the cores oversubscribed) or when other work holds the cores (0.6–1.2×
        at load 4–6), which is why the default is 1; ``benchmarks/grid_threads.py`` measures it on your machine.
        Other objectives ignore it.
    dtype : {numpy.float64, numpy.float32}
        MLP objectives only: the precision of the network pass (the loss of its outputs is still taken in
        float64, so a cross-entropy near 0 keeps its digits). ``float32`` halves the memory traffic and doubles
        the SIMD width: 1.6–3.2× faster on the peers benchmark's grids; the losses (returned as float64) then
        carry float32 rounding, at most 1.1e-6 relative there (tests/test_surfaces.py bounds it at 1e-5 on
        trained networks). Default float64. Other objectives need float64.

    Returns
    -------
    Slice2D
    """
    objective = as_objective(objective)
    center = check_vector(center, "center", objective.dim)
    d1 = check_vector(d1, "d1", objective.dim)
    d2 = check_vector(d2, "d2", objective.dim)
    alphas = np.linspace(-1.0, 1.0, 41) if alphas is None else _check_grid(alphas, "alphas")
    betas = np.linspace(-1.0, 1.0, 41) if betas is None else _check_grid(betas, "betas")
    threads = check_int(threads, "threads", low=1)
    if dtype not in (np.float64, np.float32, "float64", "float32"):
        raise ValueError(f"`dtype` must be numpy.float64 or numpy.float32, got {dtype!r}")
    dtype = np.dtype(dtype)
    from .models import MLP

    if dtype != np.float64 and not isinstance(objective, MLP):
        raise ValueError(f"`dtype` = float32 is supported for MLP objectives only, got {type(objective).__name__}")
    with np.errstate(all="ignore"):  # a far-out grid may overflow; the loss is then inf, not a warning
        if isinstance(objective, MLP):
            losses = _mlp_plane_losses(objective, center, d1, d2, alphas, betas, threads=threads, dtype=dtype)
        else:
            A, B = np.meshgrid(alphas, betas, indexing="ij")
            losses = objective.loss_batch(center + A[..., None] * d1 + B[..., None] * d2)
    return Slice2D(alphas=alphas, betas=betas, losses=losses, center=center, d1=d1, d2=d2)


def _activate_inplace(name: str, z: np.ndarray) -> np.ndarray:
    if name == "relu":
        np.maximum(z, 0.0, out=z)
    elif name == "tanh":
        np.tanh(z, out=z)
    return z


def _grid_blocks(A: int, Bn: int, per_point: int) -> list[tuple[slice, slice]]:
    """Split an ``(A, Bn)`` grid into blocks of about ``_CHUNK_ENTRIES`` activation entries."""
    if Bn * per_point <= _CHUNK_ENTRIES:  # several whole grid rows per block
        rows = max(1, _CHUNK_ENTRIES // (Bn * per_point))
        return [(slice(i, min(A, i + rows)), slice(0, Bn)) for i in range(0, A, rows)]
    # one row, split into near-equal blocks of betas (large nets: keep the block in cache)
    n_split = -(-Bn * per_point // _CHUNK_ENTRIES)
    cols = -(-Bn // n_split)
    return [(slice(i, i + 1), slice(j, min(Bn, j + cols))) for i in range(A) for j in range(0, Bn, cols)]


def _mlp_plane_losses(model, c, d1, d2, alphas, betas, threads: int = 1, dtype=np.float64) -> np.ndarray:
    r"""Grid losses of an MLP with each layer's weights written as ``W_c + α W_1 + β W_2``.

    Mirrors ``MLP._forward`` (activation on hidden layers, skip connections on equal-width hidden layers
    after the first when ``residual``) and hands the outputs to ``MLP.loss_from_outputs``.

    Two savings on top of the affine first layer. For ReLU the first activation is
    :math:`\operatorname{relu}(R_i + S_j) = \max(R_i, -S_j) + S_j`, and the second term goes through the next
    (affine) layer in closed form, :math:`S_j W(\alpha_i, \beta_j) = \beta_j (V W_c + \alpha_i V W_1 + \beta_j V W_2)`
    with ``V`` of shape ``(N, H1)``: one pass over the ``(g, N, H1)`` block instead of two. And the network
    outputs of many blocks are gathered before the loss is taken, so its per-call overhead is paid rarely.
    """
    A, Bn = alphas.size, betas.size
    X = model.X
    N = X.shape[0]
    dt = np.dtype(dtype)
    if dt != np.float64:  # the whole network pass in `dt`; the losses are returned as float64
        X, alphas, betas = X.astype(dt), alphas.astype(dt), betas.astype(dt)
    Lc, L1, L2 = (model.unflatten(np.asarray(t, dtype=dt)) for t in (c, d1, d2))
    n_layers = len(Lc)
    K = model.sizes[-1]

    # First layer: Z(α_i, β_j) = R_i + S_j with R_i = Z_c + α_i U and S_j = β_j V, all (N, H1).
    (Wc, bc), (W1, b1), (W2, b2) = Lc[0], L1[0], L2[0]
    Zc, U, V = X @ Wc, X @ W1, X @ W2
    if model.bias:
        Zc, U, V = Zc + bc, U + b1, V + b2
    H1 = Zc.shape[1]
    split_relu = n_layers > 1 and model.activation == "relu" and not model.residual
    S = (-betas if split_relu else betas)[:, None, None] * V  # (B, N, H1); −β_j V for the split ReLU
    if split_relu:
        VW = [V @ layer[0] for layer in (Lc[1], L1[1], L2[1])]  # V W_c, V W_1, V W_2, each (N, H2)

    blocks = _grid_blocks(A, Bn, N * max(model.sizes))
    sizes = [(rs.stop - rs.start) * (cs.stop - cs.start) for rs, cs in blocks]
    g_max = max(sizes)
    # Outputs of consecutive blocks are gathered into a group and go to the loss together (one autograd-numpy
    # call per group). Groups are the unit of work: run in turn, or spread over a thread pool (numpy releases
    # the GIL in its GEMMs and ufuncs). They do not depend on the number of threads, and each block is
    # computed the same way whichever thread runs it, so the result is bit-identical either way.
    flush_at = max(g_max, min(_LOSS_ENTRIES // (N * K), -(-A * Bn // _MIN_GROUPS)))
    groups: list[list[tuple[slice, slice]]] = [[]]
    n_group = 0
    for block, g in zip(blocks, sizes):
        if n_group >= flush_at:
            groups.append([])
            n_group = 0
        groups[-1].append(block)
        n_group += g
    ca_all, cb_all = np.repeat(alphas, Bn), np.tile(betas, A)
    losses = np.empty(A * Bn)
    scratch: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # per thread: the first layer's block and the outputs

    def run_group(group):
        with np.errstate(all="ignore"):  # errstate is per thread; a far-out grid may overflow: then inf, not a warning
            compute_group(group)

    def compute_group(group):
        key = threading.get_ident()
        if key not in scratch:  # reused across groups (no fresh pages per block)
            scratch[key] = (np.empty(g_max * N * H1, dt), np.empty((min(A * Bn, flush_at + g_max), N, K), dt))
        buf, outs = scratch[key]
        pending, n_pending = [], 0
        for rs, cs in group:
            a, b = alphas[rs], betas[cs]
            g = a.size * b.size
            R = Zc + a[:, None, None] * U  # (r, N, H1)
            h = buf[: g * N * H1].reshape(a.size, b.size, N, H1)
            (np.maximum if split_relu else np.add)(R[:, None], S[None, cs], out=h)
            h = h.reshape(g, N, H1)
            # Grid-point coefficients of this block, flattened in the same (i, j) order.
            if cs.stop - cs.start == Bn:  # whole rows: a contiguous stretch of the flattened grid
                flat = np.arange(rs.start * Bn, rs.stop * Bn)
            else:
                flat = np.arange(rs.start * Bn + cs.start, rs.start * Bn + cs.stop)
            ca, cb = ca_all[flat, None], cb_all[flat, None]
            if n_layers > 1 and not split_relu:
                _activate_inplace(model.activation, h)
            for layer in range(1, n_layers):
                (Wc, bc), (W1, b1), (W2, b2) = Lc[layer], L1[layer], L2[layer]
                last = layer == n_layers - 1
                # Per-point weights (g, in, out): one batched matmul, the loop's flops without its overhead.
                W = Wc + ca[:, :, None] * W1 + cb[:, :, None] * W2
                z = np.matmul(h, W, out=outs[n_pending: n_pending + g]) if last else np.matmul(h, W)
                if model.bias:
                    z += (bc + ca * b1 + cb * b2)[:, None, :]
                if layer == 1 and split_relu:  # the S_j W(α_i, β_j) term of the split ReLU
                    z += cb[:, :, None] * (VW[0] + ca[:, :, None] * VW[1] + cb[:, :, None] * VW[2])
                if not last:
                    _activate_inplace(model.activation, z)
                    if model.residual and W.shape[-2] == W.shape[-1]:
                        z += h
                h = z
            if n_layers == 1:
                outs[n_pending: n_pending + g] = h
            pending.append(flat)
            n_pending += g
        idx = np.concatenate(pending)
        thetas = c + ca_all[idx, None] * d1 + cb_all[idx, None] * d2 if model.weight_decay else None
        # the loss itself in float64 (a cross-entropy near 0 is a difference of logits: float32 would lose it)
        losses[idx] = np.asarray(model.loss_from_outputs(outs[:n_pending].astype(np.float64, copy=False), thetas))

    workers = min(threads, len(groups))
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run_group, groups))
    else:
        for group in groups:
            run_group(group)
    return losses.reshape(A, Bn)


# --------------------------------------------------------------------------------------------
# Trajectory PCA
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrajectoryPCA:
    r"""Principal directions of an optimization path around its end point.

    The result of :func:`trajectory_pca`.

    Parameters
    ----------
    directions : ndarray, shape (k, P)
        Orthonormal rows: the top right-singular vectors of :math:`M = [\theta_t - \theta_T]_t`.
    explained_variance_ratio : ndarray, shape (k,)
        :math:`s_i^2 / \sum_j s_j^2`: the share of the path's squared deviation each direction captures.
    coords : ndarray, shape (T, k)
        The path in that basis: :math:`(\theta_t - \theta_T) \cdot u_i`.
    center : ndarray, shape (P,)
        :math:`\theta_T`, the final point (origin of the plane).
    """

    directions: np.ndarray
    explained_variance_ratio: np.ndarray
    coords: np.ndarray
    center: np.ndarray


def trajectory_pca(thetas, n_components: int = 2) -> TrajectoryPCA:
    r"""PCA of an optimization path, as Li et al. (2018, §7) do to find where the optimizer went.

    The rows :math:`\theta_t - \theta_T` (displacements from the final point) are decomposed by SVD,
    :math:`M = U S V^\top`; the first ``n_components`` rows of :math:`V^\top` span the plane through
    :math:`\theta_T` that holds most of the path. Random directions miss the path almost entirely in high
    dimension, since a random unit vector has :math:`|u^\top v| \approx 1/\sqrt P` with any fixed one.

    Parameters
    ----------
    thetas : array_like, shape (T, P), or a :class:`~course_utils.optimizers.Trajectory`
        The iterates, last row = final point. Non-finite rows (a diverged tail) are dropped.
    n_components : int

    Returns
    -------
    TrajectoryPCA
    """
    if hasattr(thetas, "thetas") and not isinstance(thetas, np.ndarray):
        thetas = thetas.thetas
    thetas = check_array(thetas, "thetas", ndim=2, finite=False)
    finite = np.all(np.isfinite(thetas), axis=1)
    # Keep the finite prefix: after a divergence the rest of the path is meaningless.
    stop = thetas.shape[0] if finite.all() else int(np.argmin(finite))
    thetas = thetas[:stop]
    if thetas.shape[0] < 2:
        raise ValueError(f"`thetas` must hold at least 2 finite iterates, got {thetas.shape[0]}")
    k = check_int(n_components, "n_components", low=1, high=min(thetas.shape[0] - 1, thetas.shape[1]))
    center = thetas[-1].copy()
    M = thetas - center
    _, s, Vt = np.linalg.svd(M, full_matrices=False)
    total = float(np.sum(s**2))
    if total == 0:
        raise ValueError("`thetas` never moves: every iterate equals the final one")
    directions = Vt[:k].copy()
    # SVD signs are arbitrary; fix them so the path starts at positive coordinates (reproducible plots).
    coords = M @ directions.T
    signs = np.where(coords[0] < 0, -1.0, 1.0)
    directions *= signs[:, None]
    coords *= signs
    return TrajectoryPCA(directions=directions, explained_variance_ratio=s[:k] ** 2 / total, coords=coords,
                         center=center)


# --------------------------------------------------------------------------------------------
# Curvature of a slice (roughness)
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SliceCurvature:
    r"""Curvature of the plotted surface :math:`f(\alpha, \beta)` at the interior grid points.

    The result of :func:`slice_curvature`.

    Parameters
    ----------
    lam_min, lam_max : ndarray, shape (A-2, B-2)
        Eigenvalues of the 2×2 finite-difference Hessian of :math:`f` at each interior point.
    negative_fraction : float
        Share of interior points with :math:`\lambda_{\min} < -\text{tol}\cdot\max|\lambda_{\max}|`: clearly
        concave somewhere in the plane.
    median_ratio : float
        Median of :math:`|\lambda_{\min}/\lambda_{\max}|` where :math:`\lambda_{\max} > \text{tol}\cdot\max|\lambda_{\max}|`
        — 0 for a convex bowl, near 1 where the surface is as curved downward as upward (Li et al.'s roughness
        map, in the plane); ``nan`` when no point qualifies.
    """

    lam_min: np.ndarray
    lam_max: np.ndarray
    negative_fraction: float
    median_ratio: float


def slice_curvature(slice2d: Slice2D, tol: float = 0.01) -> SliceCurvature:
    r"""Roughness of a 2-D slice from central differences of its grid values.

    .. math::
        f_{\alpha\alpha} \approx \frac{f_{i+1,j} - 2 f_{ij} + f_{i-1,j}}{h_\alpha^2}, \quad
        f_{\alpha\beta} \approx \frac{f_{i+1,j+1} - f_{i+1,j-1} - f_{i-1,j+1} + f_{i-1,j-1}}{4 h_\alpha h_\beta}.

    Li et al. (2018) map :math:`|\lambda_{\min}/\lambda_{\max}|` of the full Hessian; this is the same ratio for
    the surface that is actually drawn, free once the grid is computed. Needs uniform grids with at least 3
    points per axis.

    Parameters
    ----------
    slice2d : Slice2D
    tol : float
        Relative threshold for "clearly negative" curvature.
    """
    if not isinstance(slice2d, Slice2D):
        raise TypeError(f"`slice2d` must be a Slice2D, got {type(slice2d).__name__}")
    tol = check_scalar(tol, "tol", low=0)
    a, b, f = slice2d.alphas, slice2d.betas, slice2d.losses
    if a.size < 3 or b.size < 3:
        raise ValueError(f"the slice needs at least 3 points per axis, got {f.shape}")
    ha, hb = np.diff(a), np.diff(b)
    if not (np.allclose(ha, ha[0], rtol=1e-6) and np.allclose(hb, hb[0], rtol=1e-6)) or ha[0] == 0 or hb[0] == 0:
        raise ValueError("slice_curvature needs uniformly spaced alphas and betas")
    if not np.all(np.isfinite(f)):
        raise ValueError("the slice has non-finite losses; shrink its range")
    ha, hb = ha[0], hb[0]
    faa = (f[2:, 1:-1] - 2 * f[1:-1, 1:-1] + f[:-2, 1:-1]) / ha**2
    fbb = (f[1:-1, 2:] - 2 * f[1:-1, 1:-1] + f[1:-1, :-2]) / hb**2
    fab = (f[2:, 2:] - f[2:, :-2] - f[:-2, 2:] + f[:-2, :-2]) / (4 * ha * hb)
    mean, rad = 0.5 * (faa + fbb), np.sqrt(0.25 * (faa - fbb) ** 2 + fab**2)
    lam_min, lam_max = mean - rad, mean + rad
    scale = float(np.max(np.abs(lam_max))) or 1.0
    negative_fraction = float(np.mean(lam_min < -tol * scale))
    pos = lam_max > tol * scale
    median_ratio = float(np.median(np.abs(lam_min[pos] / lam_max[pos]))) if pos.any() else float("nan")
    return SliceCurvature(lam_min=lam_min, lam_max=lam_max, negative_fraction=negative_fraction,
                          median_ratio=median_ratio)
