"""Interactive explorers: one module per explorer, all built on :class:`~course_utils.widgets.base.Explorer`.

Access is lazy — ``import course_utils.widgets`` imports neither matplotlib nor ipywidgets; the first use
of a name imports its module::

    from course_utils.widgets import TerrainExplorer
    TerrainExplorer()

To add an explorer, write ``course_utils/widgets/<name>.py`` with a subclass of ``Explorer`` (see the
example in :mod:`course_utils.widgets.base`) and add one line to ``_EXPLORERS`` below.
"""

from __future__ import annotations

import importlib

#: Public name -> module (inside this package) that defines it.
_EXPLORERS = {
    "Explorer": "base",
    "float_slider": "base",
    "log_slider": "base",
    "int_slider": "base",
    "choice": "base",
    "option_slider": "base",
    "TerrainExplorer": "terrain",
    "TerrainState": "terrain",
    "OptimizerRace": "optimizer_race", "SaddleEscape": "saddle_escape", "MomentumMapExplorer": "momentum_map",
    "ChordExplorer": "chord", "JensenExplorer": "jensen", "ConditioningExplorer": "conditioning",
    "PathExplorer": "path_explorer", "PathState": "path_explorer",
    "LandscapeExplorer": "landscape", "TwoLossesExplorer": "two_losses", "RescalingExplorer": "rescaling",
    "CriticalGallery": "critical_gallery", "CriticalFinder": "critical_finder", "SpectrumExplorer": "spectrum",
    "GradientFlowExplorer": "gradient_flow", "GradientFlowState": "gradient_flow",
    "LandmarkExplorer": "landmarks", "LandmarkState": "landmarks",
    "ShiftExplorer": "sharpness_shift", "SharpnessExplorer": "sharpness_measures", "SAMExplorer": "sam_explorer", "StabilityExplorer": "edge_of_stability", "ReparameterizationExplorer": "sharpness_rescaling",  # noqa: E501
}

__all__ = sorted(_EXPLORERS)


def __getattr__(name: str):
    module = _EXPLORERS.get(name)
    if module is None:
        raise AttributeError(f"module 'course_utils.widgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_EXPLORERS))
