"""Argument checks shared by every public function of course_utils.

Each helper validates one argument at the boundary and raises a ``ValueError`` or
``TypeError`` whose message names the argument, shows the value received and says what
was expected, in the spirit of scikit-learn's ``check_array``::

    >>> check_scalar(-0.1, "lr", low=0, low_inclusive=False)
    Traceback (most recent call last):
    ValueError: `lr` must be a finite number > 0, got -0.1

Internals trust their inputs; only public entry points call these helpers.
"""

from __future__ import annotations

import difflib
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from . import randomness

__all__ = [
    "check_array",
    "check_vector",
    "check_batch",
    "check_scalar",
    "check_int",
    "check_layer_widths",
    "check_bool",
    "check_option",
    "check_rng",
    "check_callable",
    "check_same_shape",
    "check_str",
    "check_axes",
    "check_points",
    "check_symmetric",
    "check_bounds_2d",
    "check_instance",
    "short_repr",
]


def short_repr(value: Any, limit: int = 60) -> str:
    """A compact, one-line repr of ``value`` for messages: small arrays in full, large ones by shape and dtype,
    anything else by ``repr``, cut to ``limit`` characters (error messages here, students' values in the
    grader's feedback).

    Arrays of at most 6 elements are printed with ``numpy.array2string(precision=4)``; whitespace runs become
    one space; a cut text ends with "…".

    Parameters
    ----------
    value : Any
        The object to describe.
    limit : int
        The maximum length of the result in characters, at least 2. Default 60.

    Returns
    -------
    str
    """
    limit = check_int(limit, "limit", low=2)
    if isinstance(value, np.ndarray):
        if value.size <= 6:
            text = np.array2string(value, precision=4, separator=", ")
        else:
            text = f"array of shape {value.shape} and dtype {value.dtype}"
    else:
        text = repr(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"



def check_bool(value: Any, name: str) -> bool:
    """Return ``value`` if it is a bool (or numpy bool), else raise ``TypeError``.

    Parameters
    ----------
    value : Any
        The candidate; ``0``/``1`` and other non-bools are refused.
    name : str
        The argument's name, used in the error message.

    Returns
    -------
    bool
        ``value`` as a Python bool.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"`{name}` must be True or False, got {short_repr(value)}")


def check_scalar(
    value: Any,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    allow_inf: bool = False,
) -> float:
    """Validate a real number and return it as a Python float.

    Parameters
    ----------
    value : Any
        The candidate number. Bools are rejected (``True`` is not a learning rate).
    name : str
        Argument name used in the error message.
    low, high : float, optional
        Bounds of the admissible interval.
    low_inclusive, high_inclusive : bool
        Whether the bounds themselves are admissible.
    allow_inf : bool
        Accept ``±inf`` (NaN is never accepted).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        if isinstance(value, np.ndarray) and value.ndim == 0 and np.issubdtype(value.dtype, np.number):
            value = value.item()
        else:
            raise TypeError(f"`{name}` must be a real number, got {short_repr(value)} of type {type(value).__name__}")
    value = float(value)
    if np.isnan(value) or (np.isinf(value) and not allow_inf):
        raise ValueError(f"`{name}` must be a finite number{_range_text(low, high, low_inclusive, high_inclusive)}, got {value}")
    bad_low = low is not None and (value < low or (value == low and not low_inclusive))
    bad_high = high is not None and (value > high or (value == high and not high_inclusive))
    if bad_low or bad_high:
        raise ValueError(f"`{name}` must be a finite number{_range_text(low, high, low_inclusive, high_inclusive)}, got {value:g}")
    return value


def _range_text(low, high, low_inclusive, high_inclusive) -> str:
    if low is not None and high is not None:
        return f" in {'[' if low_inclusive else '('}{low:g}, {high:g}{']' if high_inclusive else ')'}"
    if low is not None:
        return f" {'>=' if low_inclusive else '>'} {low:g}"
    if high is not None:
        return f" {'<=' if high_inclusive else '<'} {high:g}"
    return ""


def check_int(value: Any, name: str, *, low: int | None = None, high: int | None = None) -> int:
    """Validate an integer (Python or numpy; bools rejected) within ``[low, high]``.

    Parameters
    ----------
    value : Any
        The candidate; floats such as ``3.0`` are refused.
    name : str
        The argument's name, used in the error message.
    low, high : int, optional
        Inclusive bounds; None (the default) leaves that side unbounded.

    Returns
    -------
    int
        ``value`` as a Python int.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` must be an integer, got {short_repr(value)} of type {type(value).__name__}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        if low is not None and high is not None:
            expected = f"in [{low}, {high}]"
        elif low is not None:
            expected = f">= {low}"
        else:
            expected = f"<= {high}"
        raise ValueError(f"`{name}` must be an integer {expected}, got {value}")
    return value


def check_layer_widths(value: Any, name: str = "hidden") -> tuple[int, ...]:
    """Validate the hidden-layer widths of a network: an integer or a tuple/list of integers >= 1.

    Parameters
    ----------
    value : int or tuple of int or list of int
        One width (one hidden layer) or one width per hidden layer; ``()`` means no hidden layer.
    name : str
        The argument's name, for the error message.

    Returns
    -------
    tuple of int
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        value = (int(value),)
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"`{name}` must be a tuple of layer widths, got {short_repr(value)} of type {type(value).__name__}")
    widths = []
    for i, width in enumerate(value):
        try:
            widths.append(check_int(width, name, low=1))
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{exc} (entry {i} of {short_repr(value)})") from None
    return tuple(widths)


def check_option(value: Any, name: str, options: Iterable[str]) -> str:
    """Validate that ``value`` is one of ``options``; suggest the closest one when misspelled.

    Parameters
    ----------
    value : Any
        The candidate; must be a string equal to one of ``options`` (case-sensitive).
    name : str
        The argument's name, used in the error message.
    options : iterable of str
        The admissible values, non-empty (a bare string is refused, not treated as its characters).

    Returns
    -------
    str
        ``value``.
    """
    if isinstance(options, (str, bytes)) or not isinstance(options, Iterable):
        raise TypeError(f"`options` must be a collection of strings, got {short_repr(options)} of type {type(options).__name__}")
    options = list(options)
    if not all(isinstance(o, str) for o in options):
        raise TypeError(f"`options` must be a collection of strings, got {short_repr(options)}")
    if not options:
        raise ValueError("`options` must not be empty: there is nothing to choose from")
    if not isinstance(value, str):
        raise TypeError(f"`{name}` must be one of {options}, got {short_repr(value)} of type {type(value).__name__}")
    if value not in options:
        close = difflib.get_close_matches(value, options, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"`{name}` must be one of {options}, got {value!r}{hint}")
    return value


def check_rng(rng: Any, name: str = "rng") -> np.random.Generator:
    """Accept a ``numpy.random.Generator`` or an integer seed and return a Generator.

    ``None`` and the legacy ``RandomState`` are refused: every draw in the course must be
    reproducible from an explicit generator or seed. An integer seed goes through
    :func:`course_utils.randomness.default_rng`, so the test suite can redraw it (``COURSE_SEED``) or
    jitter it by a rounding's worth (``COURSE_PERTURB``).

    Parameters
    ----------
    rng : numpy.random.Generator or int
        A generator (returned as is) or a non-negative integer seed.
    name : str
        The argument's name, used in the error message. Default ``"rng"``.

    Returns
    -------
    numpy.random.Generator
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, (bool, np.bool_)):
        if int(rng) < 0:
            raise ValueError(f"`{name}` as a seed must be a non-negative integer, got {int(rng)}")
        return randomness.default_rng(int(rng))
    raise TypeError(
        f"`{name}` must be a numpy.random.Generator or an integer seed, got {short_repr(rng)} "
        f"of type {type(rng).__name__}; use an integer seed such as 0"
    )


def check_callable(value: Any, name: str) -> Any:
    """Raise ``TypeError`` unless ``value`` is callable.

    Parameters
    ----------
    value : Any
        The candidate.
    name : str
        The argument's name, used in the error message.

    Returns
    -------
    callable
        ``value`` itself.
    """
    if not callable(value):
        raise TypeError(f"`{name}` must be callable, got {short_repr(value)} of type {type(value).__name__}")
    return value


def check_array(
    value: Any,
    name: str,
    *,
    ndim: int | Sequence[int] | None = None,
    shape: tuple | None = None,
    min_size: int = 1,
    finite: bool = True,
    dtype: Any = np.float64,
) -> np.ndarray:
    """Convert ``value`` to an array of ``dtype`` and validate it.

    Parameters
    ----------
    value : array_like
    name : str
        Argument name for messages.
    ndim : int or sequence of int, optional
        Admissible numbers of dimensions.
    shape : tuple, optional
        Required shape; ``None`` entries match any length.
    min_size : int
        Minimum number of elements (empty arrays are refused by default).
    finite : bool
        Refuse NaN and inf.
    dtype : numpy dtype
        Target dtype (float64 by default).
    """
    if isinstance(value, (str, bytes, dict, set)) or value is None:
        raise TypeError(f"`{name}` must be array-like of numbers, got {short_repr(value)} of type {type(value).__name__}")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"`{name}` could not be converted to an array: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise TypeError(f"`{name}` must contain numbers, got an array of dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating) and np.issubdtype(np.dtype(dtype), np.floating):
        raise TypeError(f"`{name}` must be real-valued, got complex dtype {arr.dtype}")
    arr = arr.astype(dtype, copy=False)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            if len(allowed) > 2 and allowed == tuple(range(allowed[0], allowed[-1] + 1)):
                want = f"at least {allowed[0]}" if allowed[-1] >= 32 else f"{allowed[0]} to {allowed[-1]}"
            else:
                want = " or ".join(str(a) for a in allowed)
            raise ValueError(f"`{name}` must have {want} dimension(s), got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
            raise ValueError(f"`{name}` must have shape {want}, got {arr.shape}")
    if arr.size < min_size:
        raise ValueError(f"`{name}` must have at least {min_size} element(s), got shape {arr.shape}")
    if finite and np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        raise ValueError(f"`{name}` must contain only finite values, got {short_repr(arr)}")
    return arr


def check_vector(value: Any, name: str, size: int | None = None, *, finite: bool = True) -> np.ndarray:
    """A flat float64 parameter vector of shape ``(size,)``.

    Parameters
    ----------
    value : array_like
        The candidate: a non-empty 1-D array of real numbers (converted to float64).
    name : str
        The argument's name, used in the error message.
    size : int, optional
        The required length. Default None: any length of at least 1.
    finite : bool
        Refuse NaN and inf (the default, True).

    Returns
    -------
    numpy.ndarray, shape (size,)
    """
    arr = check_array(value, name, ndim=1, finite=finite)
    if size is not None and arr.shape[0] != size:
        raise ValueError(f"`{name}` must have shape ({size},), got {arr.shape}")
    return arr


def check_batch(value: Any, name: str, size: int, *, finite: bool = True) -> np.ndarray:
    """A batch of parameter vectors of shape ``(..., size)`` (at least 1-D).

    Parameters
    ----------
    value : array_like
        The candidate: an array of real numbers with 1 to 32 dimensions, converted to float64; empty leading
        axes are allowed.
    name : str
        The argument's name, used in the error message.
    size : int
        The required length of the last axis (the number of parameters ``P``).
    finite : bool
        Refuse NaN and inf (the default, True).

    Returns
    -------
    numpy.ndarray, shape (..., size)
    """
    arr = check_array(value, name, ndim=range(1, 33), finite=finite, min_size=0)
    if arr.shape[-1] != size:
        raise ValueError(f"`{name}` must have shape (..., {size}), got {arr.shape}")
    return arr


def check_same_shape(a: Any, b: Any, name_a: str, name_b: str) -> None:
    """Raise ``ValueError`` unless two arrays (or array-likes) have the same shape.

    Parameters
    ----------
    a, b : array_like
        The two values whose shapes (``numpy.shape``) are compared.
    name_a, name_b : str
        Their argument names, used in the error message.
    """
    shape_a, shape_b = np.shape(a), np.shape(b)
    if shape_a != shape_b:
        raise ValueError(f"`{name_a}` and `{name_b}` must have the same shape, got {shape_a} and {shape_b}")


def check_str(value: Any, name: str, *, allow_none: bool = False, allow_empty: bool = True) -> str | None:
    """Validate a text argument (a title, a label, a file name); ``None`` only when ``allow_none``.

    Parameters
    ----------
    value : Any
        The candidate string.
    name : str
        The argument's name, used in the error message.
    allow_none : bool
        Accept ``None`` (and return it). Default False.
    allow_empty : bool
        Accept an empty or whitespace-only string. Default True.

    Returns
    -------
    str or None
        ``value``.
    """
    allow_none = check_bool(allow_none, "allow_none")
    allow_empty = check_bool(allow_empty, "allow_empty")
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        expected = "a string or None" if allow_none else "a string"
        raise TypeError(f"`{name}` must be {expected}, got {short_repr(value)} of type {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise ValueError(f"`{name}` must be a non-empty string, got {value!r}")
    return value


def check_symmetric(H: Any, name: str = "hessian") -> np.ndarray:
    r"""A symmetric matrix (a Hessian), returned exactly symmetrized as :math:`(H + H^\top)/2`.

    Symmetry is judged relative to the matrix's own size: a Hessian of :math:`10^{-9} f` is as symmetric as
    that of :math:`f` (a zero matrix exactly).

    Parameters
    ----------
    H : array_like, shape (P, P)
        The candidate: a finite square matrix with :math:`|H - H^\top| \le 10^{-8} \max |H|` entrywise.
    name : str
        The argument's name, used in the error message. Default ``"hessian"``.

    Returns
    -------
    numpy.ndarray, shape (P, P)
    """
    H = check_array(H, name, ndim=2)
    if H.shape[0] != H.shape[1]:
        raise ValueError(f"`{name}` must be a square matrix, got shape {H.shape}")
    if not np.allclose(H, H.T, rtol=0, atol=1e-8 * np.abs(H).max(initial=0.0)):
        raise ValueError(f"`{name}` must be symmetric (a Hessian); got max |H - Hᵀ| = {np.abs(H - H.T).max():.3g}")
    return 0.5 * (H + H.T)


def check_points(points: Any, name: str, dim: int | None = None) -> np.ndarray:
    """Points as a float array ``(n, P)``; 1-D input ``(n,)`` means ``n`` scalars when ``dim`` is None or 1, else
    one point. ``dim``, when given, is the required number of coordinates per point.

    Parameters
    ----------
    points : array_like, shape (n, P) or (n,)
        Finite real numbers, one point per row.
    name : str
        The argument's name, used in the error message.
    dim : int, optional
        The required number of coordinates ``P``, at least 1. Default None: any.

    Returns
    -------
    numpy.ndarray, shape (n, P)
    """
    if dim is not None:
        dim = check_int(dim, "dim", low=1)
    arr = check_array(points, name, ndim=(1, 2))
    if arr.ndim == 1:
        arr = arr[:, None] if dim in (None, 1) else arr[None, :]
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"`{name}` must have {dim} coordinate(s) per point, got shape {arr.shape}")
    return arr


def check_bounds_2d(bounds: Any, name: str = "bounds") -> tuple[tuple[float, float], tuple[float, float]]:
    """A 2-D box ``((xmin, xmax), (ymin, ymax))`` with ``min < max`` on each axis, as floats.

    Parameters
    ----------
    bounds : array_like, shape (2, 2)
        The candidate box, finite.
    name : str
        The argument's name, used in the error message. Default ``"bounds"``.

    Returns
    -------
    tuple of two (float, float) tuples
    """
    b = check_array(bounds, name, shape=(2, 2))
    if not (b[0, 0] < b[0, 1] and b[1, 0] < b[1, 1]):
        raise ValueError(f"`{name}` must be ((xmin, xmax), (ymin, ymax)) with min < max, got {b.tolist()}")
    return (float(b[0, 0]), float(b[0, 1])), (float(b[1, 0]), float(b[1, 1]))


def check_axes(value: Any, name: str = "ax") -> Any:
    """Validate a matplotlib ``Axes`` (duck-typed: it can ``plot`` and ``set_title``).

    Parameters
    ----------
    value : Any
        The candidate axes.
    name : str
        The argument's name, used in the error message. Default ``"ax"``.

    Returns
    -------
    matplotlib.axes.Axes
        ``value`` itself.
    """
    if not (hasattr(value, "plot") and hasattr(value, "set_title")):
        raise TypeError(
            f"`{name}` must be a matplotlib Axes (e.g. from plt.subplots()), got {short_repr(value)} "
            f"of type {type(value).__name__}"
        )
    return value


def check_instance(value: Any, name: str, cls: type | tuple[type, ...], what: str | None = None) -> Any:
    """Raise ``TypeError`` unless ``isinstance(value, cls)``; ``what`` describes the expected kind.

    Parameters
    ----------
    value : Any
        The candidate.
    name : str
        The argument's name, used in the error message.
    cls : type or tuple of type
        The admissible class(es).
    what : str, optional
        How the message names the expected kind ("an Objective"). Default None: the class names joined
        by "or".

    Returns
    -------
    Any
        ``value`` itself.
    """
    classes = cls if isinstance(cls, tuple) else (cls,)
    if not classes or not all(isinstance(c, type) for c in classes):
        raise TypeError(f"`cls` must be a class or a tuple of classes, got {short_repr(cls)}")
    if not isinstance(value, cls):
        if what is None:
            names = cls if isinstance(cls, tuple) else (cls,)
            what = " or ".join(c.__name__ for c in names)
        raise TypeError(f"`{name}` must be {what}, got {short_repr(value)} of type {type(value).__name__}")
    return value
