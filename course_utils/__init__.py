"""course_utils — the tested compute library behind the Loss Landscapes course.

Importing the package is light: submodules (and matplotlib, ipywidgets, autograd) load on first use,
so ``import course_utils`` costs milliseconds and ``course_utils.functions`` works as an attribute.

Layers (arrows point down only; enforced by ``lint-imports`` with the contracts in ``.importlinter``):

1. foundations — ``randomness``, ``validation``, ``formatting`` (numbers as printed: no −0), ``functions``,
   ``data``, ``derivatives``, ``objective``
2. models & motion — ``models``, ``optimizers``
3. analyses — ``surfaces``, ``curvature``, ``critical``, ``convexity``, ``jensen`` (Jensen's gap), ``basins``
   (gradient descent from many starts), ``sharpness``, ``connectivity``,
   ``diagnostics``, ``saddles`` (escape), ``momentum`` (heavy ball on a quadratic),
   ``plateaus`` (saddle plateaus, deep linear networks), ``race``, ``problems`` (the chapters' ready-made problems),
   ``rescaling`` (a ReLU network under a function-preserving rescaling), ``regularization`` (weight decay,
   the max-margin direction, input noise, dropout), ``spin_glass`` (the spherical p-spin glass: critical points,
   index against energy),
   ``overparameterization`` (zero-loss minima as manifolds, fits from many starts), ``real_data`` (chapter 8's
   digits task), ``mode_connectivity`` (chapter 8's curve, plane and weight matching on the digits),
   ``stability`` (stability to SGD noise: copies spawned at step k, Frankle et al. 2020), ``hessian_outliers``
   (bulk and outliers of a trained digits network's Hessian), ``path_plane`` (a digits training path in its PCA
   plane), ``batch_size`` (small- against large-batch minima), ``edge_of_stability`` (full-batch GD at several step
   sizes on the digits), ``lottery_ticket`` (iterative magnitude pruning with rewinding, Frankle & Carbin 2019)
4. presentation — ``plotting``, ``widgets``, ``demo`` (the Voilà dashboards server)
aside — ``grading`` (calls analyses; nothing in the library imports it)
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = {
    "randomness", "validation", "formatting", "objective", "derivatives", "functions", "data", "models", "optimizers",
    "surfaces", "curvature", "critical", "convexity", "jensen", "basins", "sharpness", "connectivity",
    "diagnostics", "saddles", "momentum", "plateaus",
    "race", "problems", "rescaling", "regularization", "spin_glass", "overparameterization", "real_data",
    "mode_connectivity", "stability", "hessian_outliers", "path_plane",
    "batch_size", "edge_of_stability", "lottery_ticket", "plotting", "widgets", "demo", "grading",
}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'course_utils' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _SUBMODULES)
