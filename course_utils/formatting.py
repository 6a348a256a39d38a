"""Numbers as the course prints them: in messages, labels and tick labels.

One implementation for every layer: the analyses (:mod:`course_utils.saddles`, :mod:`course_utils.convexity`)
word their messages with it, the presentation layer (:mod:`course_utils.plotting`, which re-exports
:func:`fmt`, and the widgets) labels with it. It sits at the foundations, above :mod:`course_utils.validation`
only, and imports nothing heavier than it.

Examples
--------
>>> from course_utils.formatting import fmt
>>> fmt(-0.00001, ".4f"), fmt(-0.0, ".3g"), fmt(-0.25, ".2f")
('0.0000', '0', '-0.25')
"""

from __future__ import annotations

from .validation import check_str

__all__ = ["fmt"]


def fmt(value: float, spec: str = ".4g") -> str:
    """``format(value, spec)`` without a negative zero: ``-0.0000`` becomes ``0.0000``.

    A value in (−0.00005, 0) formatted with ``".4f"`` reads "-0.0000", and ``-0.0`` itself reads "-0": a sign
    on a number that shows no digit but zeros says "negative" of a value the reader cannot see. The sign is
    dropped (or becomes "+" or " " when ``spec`` asks for a sign) exactly when every digit of the mantissa
    shown is 0; the exponent of an "e" format does not count. ``nan`` and ``inf`` keep their sign.

    Parameters
    ----------
    value : float
        The number (anything ``format`` accepts with a float spec: int, float, numpy scalar).
    spec : str
        A Python format spec such as ``".4f"``, ``"+.2e"``, ``".3g"``. Default ``".4g"``.

    Returns
    -------
    str
    """
    spec = check_str(spec, "spec")
    try:
        text = format(value, spec)
    except (TypeError, ValueError):
        raise ValueError(f"`spec` must be a number format such as '.4f' for `value` = {value!r}, got {spec!r}") from None
    minus = text.find("-")
    if minus < 0:
        return text
    mantissa = text[minus + 1:].lower().split("e")[0]
    if "0" in mantissa and not any(c in mantissa for c in "123456789"):
        sign = "+" if "+" in spec else (" " if spec.lstrip("<>=^").lstrip()[:1] == " " or " " in spec[:2] else "")
        text = text[:minus] + sign + text[minus + 1:]
    return text
