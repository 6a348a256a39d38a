r"""Where every random number in the course comes from: ``default_rng(seed)``.

For a student this is exactly :func:`numpy.random.default_rng`: the same seed gives the same numbers,
so *Restart & Run All* repeats every figure. It exists so that the test suite can ask two questions
of every claim the course makes, without editing a notebook:

* **Does it hold for other seeds?** With the environment variable ``COURSE_SEED=k`` (an integer
  ``k > 0``), every seed ``s`` becomes the independent stream ``SeedSequence([s, k])``: the data, the
  initial weights, the random directions, the minibatches and the probes are all redrawn. A claim
  asserted in a chapter must hold for each ``k`` the suite tries (``tests/test_claims_seeds.py``).
* **Does it survive another CPU's rounding?** A student's CPU rounds differently from ours (another
  BLAS kernel, another thread count). With ``COURSE_PERTURB=eps`` (e.g. ``1e-12``), every
  floating-point draw and every data set is multiplied elementwise by :math:`1 + \epsilon u`,
  :math:`u \sim U(-1, 1)` — a relative change of the size of a few roundings. A claim that flips
  under such a change was luck, not a property.

Both are off unless set; ``COURSE_SEED=0`` and ``COURSE_PERTURB=0`` mean off too.

>>> rng = default_rng(0)
>>> float(rng.normal()) == float(np.random.default_rng(0).normal())   # with both variables unset
True
"""

from __future__ import annotations

import functools
import numbers
import os

import numpy as np

__all__ = ["default_rng", "perturb", "seed_offset", "perturbation"]

SEED_VARIABLE = "COURSE_SEED"
PERTURB_VARIABLE = "COURSE_PERTURB"

# Generator methods that return floating-point draws. Integer draws (integers, choice, permutation,
# shuffle, binomial, poisson …) cannot move by a rounding's worth, so they are left as they are.
_FLOAT_METHODS = (
    "random", "standard_normal", "normal", "uniform", "standard_exponential", "exponential",
    "standard_gamma", "gamma", "beta", "laplace", "logistic", "lognormal", "multivariate_normal",
    "standard_t", "standard_cauchy", "chisquare", "rayleigh", "triangular", "vonmises", "dirichlet",
)


def seed_offset() -> int:
    """The replicate number ``k`` from ``COURSE_SEED`` (0 when unset).

    Raises
    ------
    ValueError
        If ``COURSE_SEED`` is set to something other than a non-negative integer.
    """
    return _read_variable(SEED_VARIABLE, int, 0, "a non-negative integer", lambda k: k >= 0, "a non-negative integer")


def perturbation() -> float:
    """The relative size ``eps`` from ``COURSE_PERTURB`` (0.0 when unset).

    Raises
    ------
    ValueError
        If ``COURSE_PERTURB`` is not a finite number in ``[0, 1e-6]`` (larger is no longer "rounding").
    """
    return _read_variable(PERTURB_VARIABLE, float, 0.0, "a number",
                          lambda eps: bool(np.isfinite(eps)) and 0.0 <= eps <= 1e-6, "in [0, 1e-6]")


def _read_variable(name: str, parse, default, parse_text: str, valid, valid_text: str):
    """Parse the environment variable ``name`` (``default`` when unset or blank) and check it with ``valid``."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = parse(text)
    except ValueError:
        raise ValueError(f"the environment variable {name} must be {parse_text}, got {text!r}") from None
    if not valid(value):
        raise ValueError(f"the environment variable {name} must be {valid_text}, got {value!r}")
    return value


def _jitter(values, eps: float, rng: np.random.Generator):
    """``values * (1 + eps * u)`` with ``u ~ U(-1, 1)`` drawn from ``rng``; keeps scalars scalar."""
    arr = np.asarray(values)
    if not np.issubdtype(arr.dtype, np.floating) or eps == 0.0:
        return values
    out = arr * (1.0 + eps * rng.uniform(-1.0, 1.0, size=arr.shape))
    return out if arr.ndim else out.dtype.type(out)


class PerturbedGenerator(np.random.Generator):
    """A ``numpy.random.Generator`` whose floating-point draws are off by a relative ``eps``.

    The jitter comes from a second, independent stream seeded from the same seed, so a perturbed
    run is itself reproducible and its integer draws (shuffles, minibatch indices) are the
    unperturbed run's.
    """

    def __init__(self, bit_generator: np.random.BitGenerator, eps: float, jitter_seed: np.random.SeedSequence):
        super().__init__(bit_generator)
        self._eps = float(eps)
        self._jitter_rng = np.random.default_rng(jitter_seed)

    def spawn(self, n_children: int):  # children stay perturbed
        return [PerturbedGenerator(bg, self._eps, bg.seed_seq.spawn(1)[0]) for bg in self.bit_generator.spawn(n_children)]


def _perturbed_method(name):
    base = getattr(np.random.Generator, name)

    @functools.wraps(base)
    def method(self, *args, **kwargs):
        return _jitter(base(self, *args, **kwargs), self._eps, self._jitter_rng)

    return method


for _name in _FLOAT_METHODS:
    setattr(PerturbedGenerator, _name, _perturbed_method(_name))


def default_rng(seed) -> np.random.Generator:
    """A ``numpy.random.Generator`` for ``seed``, honouring ``COURSE_SEED`` and ``COURSE_PERTURB``.

    Parameters
    ----------
    seed : int
        A non-negative integer seed. (A ``Generator`` is refused here: pass it to the library as it is.)

    Returns
    -------
    numpy.random.Generator
        ``numpy.random.default_rng(seed)`` when neither variable is set.

    Raises
    ------
    TypeError
        If ``seed`` is not an integer.
    ValueError
        If ``seed`` is negative or an environment variable is malformed.
    """
    if not isinstance(seed, numbers.Integral) or isinstance(seed, (bool, np.bool_)):
        raise TypeError(f"`seed` must be a non-negative integer, got {seed!r} of type {type(seed).__name__}")
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer, got {seed}")
    k = seed_offset()
    seq = np.random.SeedSequence(seed) if k == 0 else np.random.SeedSequence([seed, k])
    eps = perturbation()
    if eps == 0.0:
        return np.random.Generator(np.random.PCG64(seq))
    # the jitter stream is a child of the same sequence, independent of the draws themselves
    return PerturbedGenerator(np.random.PCG64(seq), eps, np.random.SeedSequence([seed, k, 0x5EED]))


def perturb(values, *, salt: int = 0):
    """Return ``values`` (a float array) jittered by ``COURSE_PERTURB``, or unchanged when it is off.

    Used for data sets and fixed inputs that are not random draws. The jitter is reproducible: it
    depends only on ``salt``, ``COURSE_SEED`` and the array's shape.

    Parameters
    ----------
    values : array_like of float
    salt : int
        Distinguishes the jitter of different arrays of the same shape.

    Returns
    -------
    ndarray
        ``values * (1 + eps * u)``, ``u ~ U(-1, 1)`` elementwise; the input itself when ``eps == 0``.

    Raises
    ------
    TypeError
        If ``values`` is not numeric.
    ValueError
        If ``values`` holds a NaN or an infinity.
    """
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"`values` must be an array of floats, got {type(values).__name__}") from None
    if not np.isfinite(arr).all():  # a NaN would pass through unjittered and unnoticed
        raise ValueError("`values` must contain only finite values")
    eps = perturbation()
    if eps == 0.0:
        return values
    seq = np.random.SeedSequence([abs(int(salt)), seed_offset(), 0xDA7A, *arr.shape])
    return _jitter(arr, eps, np.random.default_rng(seq))
