"""course_utils — the tested compute library behind the Loss Landscapes course.

Importing the package is light: submodules (and matplotlib, ipywidgets, autograd) load on first use,
so ``import course_utils`` costs milliseconds and ``course_utils.functions`` works as an attribute.

Layers (arrows point down only):

1. foundations — ``functions``, ``data``, ``derivatives``, ``validation``, ``objective``
2. models & motion — ``models``, ``optimizers``
3. analyses — ``surfaces``, ``curvature``, ``critical``, ``convexity``, ``sharpness``, ``connectivity``
4. presentation — ``plotting``, ``widgets``
aside — ``grading``
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = {
    "validation", "objective", "derivatives", "functions", "data", "models", "optimizers",
    "surfaces", "curvature", "critical", "convexity", "sharpness", "connectivity", "diagnostics",
    "plotting", "widgets", "grading",
}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'course_utils' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES)
