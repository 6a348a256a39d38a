"""Tests for course_utils.validation: every check accepts good input and names argument and value when not."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import validation as V


def test_check_bool():
    assert V.check_bool(True, "flag") is True
    assert V.check_bool(np.bool_(False), "flag") is False
    for bad in (1, 0, "yes", None):
        with pytest.raises(TypeError, match=rf"`flag` must be True or False, got {bad!r}"):
            V.check_bool(bad, "flag")


def test_check_scalar_accepts_and_converts():
    assert V.check_scalar(3, "lr") == 3.0 and isinstance(V.check_scalar(3, "lr"), float)
    assert V.check_scalar(np.float32(0.5), "lr") == 0.5
    assert V.check_scalar(np.array(2.0), "lr") == 2.0
    assert V.check_scalar(0.0, "lr", low=0) == 0.0
    assert V.check_scalar(1.0, "lr", high=1) == 1.0
    assert V.check_scalar(np.inf, "x", allow_inf=True) == np.inf


@pytest.mark.parametrize(
    "value, kwargs, exc, message",
    [
        (-0.1, dict(low=0, low_inclusive=False), ValueError, "`lr` must be a finite number > 0, got -0.1"),
        (0.0, dict(low=0, low_inclusive=False), ValueError, "`lr` must be a finite number > 0, got 0"),
        (2.0, dict(low=0, high=1), ValueError, r"`lr` must be a finite number in \[0, 1\], got 2"),
        (1.0, dict(low=0, high=1, high_inclusive=False), ValueError, r"in \[0, 1\), got 1"),
        (5.0, dict(high=3), ValueError, "`lr` must be a finite number <= 3, got 5"),
        (float("nan"), {}, ValueError, "`lr` must be a finite number, got nan"),
        (float("inf"), dict(low=0), ValueError, "`lr` must be a finite number >= 0, got inf"),
        (True, {}, TypeError, "`lr` must be a real number, got True of type bool"),
        ("0.1", {}, TypeError, "`lr` must be a real number, got '0.1' of type str"),
        (np.array([1.0, 2.0]), {}, TypeError, "`lr` must be a real number"),
        (1 + 2j, {}, TypeError, "`lr` must be a real number"),
    ],
)
def test_check_scalar_rejects(value, kwargs, exc, message):
    with pytest.raises(exc, match=message):
        V.check_scalar(value, "lr", **kwargs)


def test_check_int():
    assert V.check_int(np.int64(4), "steps", low=0) == 4 and type(V.check_int(np.int64(4), "steps")) is int
    assert V.check_int(0, "steps", low=0, high=0) == 0
    with pytest.raises(ValueError, match="`steps` must be an integer >= 1, got 0"):
        V.check_int(0, "steps", low=1)
    with pytest.raises(ValueError, match="`steps` must be an integer <= 5, got 6"):
        V.check_int(6, "steps", high=5)
    with pytest.raises(ValueError, match=r"`steps` must be an integer in \[1, 5\], got 9"):
        V.check_int(9, "steps", low=1, high=5)
    for bad in (2.0, True, "3", None):
        with pytest.raises(TypeError, match=f"`steps` must be an integer, got {bad!r}"):
            V.check_int(bad, "steps")


def test_check_option():
    assert V.check_option("adam", "optimizer", ["gd", "adam"]) == "adam"
    with pytest.raises(ValueError, match=r"`optimizer` must be one of \['gd', 'adam'\], got 'adma'; did you mean 'adam'\?"):
        V.check_option("adma", "optimizer", ["gd", "adam"])
    with pytest.raises(ValueError) as info:
        V.check_option("zzz", "optimizer", ["gd", "adam"])
    assert "did you mean" not in str(info.value) and "'zzz'" in str(info.value)
    with pytest.raises(TypeError, match="`optimizer` must be one of .* got 3 of type int"):
        V.check_option(3, "optimizer", ["gd", "adam"])
    assert V.check_option("b", "key", {"a": 1, "b": 2}) == "b"  # any iterable of names


def test_check_rng():
    g = np.random.default_rng(5)
    assert V.check_rng(g) is g
    a, b = V.check_rng(7), V.check_rng(np.int32(7))
    assert a.random() == b.random()
    with pytest.raises(ValueError, match="`rng` as a seed must be a non-negative integer, got -1"):
        V.check_rng(-1)
    for bad in (None, 1.5, True, np.random.RandomState(0)):
        with pytest.raises(TypeError, match="`seed` must be a numpy.random.Generator or an integer seed"):
            V.check_rng(bad, "seed")


def test_check_callable():
    assert V.check_callable(len, "f") is len
    with pytest.raises(TypeError, match="`f` must be callable, got 3 of type int"):
        V.check_callable(3, "f")


def test_check_array_accepts_and_converts():
    arr = V.check_array([[1, 2], [3, 4]], "X", ndim=2, shape=(None, 2))
    assert arr.dtype == np.float64 and arr.shape == (2, 2)
    assert V.check_array([True, False], "mask").dtype == np.float64
    assert V.check_array([1, 2], "labels", dtype=np.int64).dtype == np.int64
    assert V.check_array([np.nan], "x", finite=False).shape == (1,)
    assert V.check_array(np.zeros(0), "x", min_size=0).shape == (0,)
    assert V.check_array(np.ones((2, 3)), "X", ndim=(1, 2)).ndim == 2


@pytest.mark.parametrize(
    "value, kwargs, exc, message",
    [
        ("abc", {}, TypeError, "`X` must be array-like of numbers, got 'abc' of type str"),
        (None, {}, TypeError, "`X` must be array-like of numbers, got None"),
        ([[1, 2], [3]], {}, ValueError, "`X` could not be converted to an array"),
        (["a", "b"], {}, TypeError, "`X` must contain numbers, got an array of dtype <U1"),
        ([1 + 1j], {}, TypeError, "`X` must be real-valued, got complex dtype complex128"),
        ([1.0, 2.0], dict(ndim=2), ValueError, r"`X` must have 2 dimension\(s\), got shape \(2,\)"),
        ([1.0, 2.0], dict(ndim=(2, 3)), ValueError, r"`X` must have 2 or 3 dimension\(s\)"),
        (np.ones((3, 4)), dict(shape=(None, 2)), ValueError, r"`X` must have shape \(any, 2\), got \(3, 4\)"),
        (np.ones(4), dict(shape=(3,)), ValueError, r"`X` must have shape \(3,\), got \(4,\)"),
        (np.zeros(0), {}, ValueError, r"`X` must have at least 1 element\(s\), got shape \(0,\)"),
        ([1.0, np.inf], {}, ValueError, r"`X` must contain only finite values, got \[ 1\., inf\]"),
    ],
)
def test_check_array_rejects(value, kwargs, exc, message):
    with pytest.raises(exc, match=message):
        V.check_array(value, "X", **kwargs)


def test_check_array_large_arrays_are_summarised_in_messages():
    big = np.ones(100)
    big[3] = np.nan
    with pytest.raises(ValueError, match=r"array of shape \(100,\) and dtype float64"):
        V.check_array(big, "X")


def test_check_vector_and_batch():
    np.testing.assert_array_equal(V.check_vector([1, 2, 3], "theta", 3), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"`theta` must have shape \(3,\), got \(2,\)"):
        V.check_vector([1, 2], "theta", 3)
    with pytest.raises(ValueError, match="`theta` must have 1 dimension"):
        V.check_vector([[1, 2]], "theta")
    assert np.isnan(V.check_vector([np.nan], "theta", finite=False)[0])
    assert V.check_batch(np.zeros((4, 5, 2)), "thetas", 2).shape == (4, 5, 2)
    assert V.check_batch(np.zeros((0, 2)), "thetas", 2).shape == (0, 2)
    with pytest.raises(ValueError, match=r"`thetas` must have shape \(\.\.\., 2\), got \(4, 3\)"):
        V.check_batch(np.zeros((4, 3)), "thetas", 2)
    with pytest.raises(ValueError, match=r"`thetas` must have at least 1 dimension\(s\), got shape \(\)"):
        V.check_batch(5.0, "thetas", 2)


def test_check_same_shape():
    V.check_same_shape(np.zeros(3), np.ones(3), "a", "b")
    with pytest.raises(ValueError, match=r"`a` and `b` must have the same shape, got \(3,\) and \(2,\)"):
        V.check_same_shape(np.zeros(3), np.zeros(2), "a", "b")


def test_dimension_ranges_read_well():
    with pytest.raises(ValueError, match=r"`X` must have 1 to 3 dimension\(s\), got shape \(\)"):
        V.check_array(1.0, "X", ndim=range(1, 4))


def test_short_repr_is_one_line_and_cut_to_its_limit():
    from course_utils.validation import short_repr

    assert short_repr(np.array([1.0, 2.5])) == "[1. , 2.5]"
    assert short_repr(np.zeros((3, 4))) == "array of shape (3, 4) and dtype float64"
    assert short_repr({"a": "x  \t y"}) == "{'a': 'x \\t y'}"  # runs of white space fold to one
    assert short_repr(np.arange(6).reshape(2, 3)) == "[[0, 1, 2], [3, 4, 5]]"
    long = short_repr("z" * 200, limit=20)
    assert len(long) == 20 and long.endswith("…")
    with pytest.raises(ValueError, match="`limit` must be an integer >= 2, got 1"):
        short_repr(1, limit=1)


def test_layer_widths_name_the_argument_and_the_entry():
    from course_utils.validation import check_layer_widths

    assert check_layer_widths(16) == (16,) and check_layer_widths([8, 4]) == (8, 4) and check_layer_widths(()) == ()
    with pytest.raises(ValueError, match=r"`hidden` must be an integer >= 1, got 0 \(entry 1 of \(8, 0\)\)"):
        check_layer_widths((8, 0))
    with pytest.raises(TypeError, match="`widths` must be a tuple of layer widths"):
        check_layer_widths(2.5, "widths")
    with pytest.raises(TypeError, match="`hidden` must be an integer"):
        check_layer_widths(("8",))
