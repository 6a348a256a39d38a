"""Every explorer at every extreme (issue 13, item 4).

The explorers are discovered from ``course_utils.widgets._EXPLORERS`` (every registered subclass of
``Explorer``), so one added tomorrow is covered without touching this file. For each we set every control to
its minimum and its maximum (sliders), to each option (dropdowns, toggle buttons) or to both states
(checkboxes), one control at a time in a seeded random order; then all controls at their minima, all at their
maxima, and a few seeded random joint settings. After every update the explorer must

* have computed and drawn without error (``error is None``),
* have caught no warning (``caught_warnings == []``),
* hold the state of the controls shown (``state_params == params``),
* say something on its message line (``message_text`` non-empty).

Explorers whose constructor needs arguments (a trained model, paths) get them from ``FACTORIES`` below; a
new explorer with required arguments fails here with a message asking for a factory, rather than being
skipped silently.

This is the one "drive every control at its extremes" test: the per-explorer test files keep only what is
specific to their explorer (a convexity verdict, a reference computation, a message's wording).
"""

from __future__ import annotations

import importlib
import inspect
import zlib

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import ipywidgets as W  # noqa: E402

from course_utils import widgets  # noqa: E402
from course_utils.widgets.base import Explorer  # noqa: E402

#: Random joint settings per explorer (each is one recomputation).
N_RANDOM = 3


def _explorer_classes() -> dict[str, type]:
    found = {}
    for name, module in widgets._EXPLORERS.items():
        obj = getattr(importlib.import_module(f"course_utils.widgets.{module}"), name, None)
        if inspect.isclass(obj) and issubclass(obj, Explorer) and obj is not Explorer:
            found[name] = obj
    return found


# --------------------------------------------------------------------------------------------
# Explorers that need constructor arguments
# --------------------------------------------------------------------------------------------
def _trained_pair():
    from course_utils import data, models, optimizers

    X, y = data.two_moons(80, 0.15, rng=0)
    model = models.MLP(X, y, hidden=(6,), activation="tanh", loss="cross_entropy")
    a, b = (optimizers.run(model, optimizers.adam(), model.init(np.random.default_rng(s)), steps=60, lr=0.05).final_theta
            for s in (1, 2))
    return model, a, b


def _path_explorer(cls):
    from course_utils import connectivity

    model, a, b = _trained_pair()
    mid = 0.5 * (a + b) + 0.1
    paths = {"straight line": connectivity.Path.line(a, b), "bent": connectivity.Path.bezier(a, mid, b)}
    return cls(model, paths, resolution=20, n=21)


def _spectrum_explorer(cls):
    # a small indefinite Hessian with a repeated eigenvalue: the estimators' awkward case
    return cls(H=np.diag([3.0, 1.0, 1.0, -0.5, -2.0]))


def _sharpness_explorer(cls):
    from course_utils.models import Quadratic

    q = Quadratic(np.diag([1.0, 10.0, 0.1]))
    return cls(q, {"minimum": np.zeros(3), "off centre": np.array([0.1, 0.0, 0.0])})


def _relu_explorer(cls):
    from course_utils import data, models, optimizers

    X, y = data.two_moons(60, noise=0.2, rng=0)
    model = models.MLP(X, y, hidden=(6,), activation="relu", loss="cross_entropy")
    theta = optimizers.run(model, optimizers.gd(), model.init(0, scheme="he"), steps=100, lr=0.5).final_theta
    return cls(model, theta)


def _landmark_explorer(cls):
    # chapter 8's three experiments on tiny runs (the chapter's own take seconds; the drawing code is the same)
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    import explorer_latency

    return explorer_latency.FACTORIES["LandmarkExplorer"](quick=True)


FACTORIES = {
    "LandmarkExplorer": _landmark_explorer,
    "PathExplorer": _path_explorer,
    "SpectrumExplorer": _spectrum_explorer,
    "SharpnessExplorer": _sharpness_explorer,
    "ReparameterizationExplorer": _relu_explorer,
}

CLASSES = _explorer_classes()


def _build(name: str):
    cls = CLASSES[name]
    if name in FACTORIES:
        return FACTORIES[name](cls)
    required = [p.name for p in inspect.signature(cls.__init__).parameters.values()
                if p.name != "self" and p.default is inspect.Parameter.empty
                and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    if required:
        pytest.fail(f"{name} needs {required} to be built: add a factory for it to FACTORIES in this file")
    return cls()


# --------------------------------------------------------------------------------------------
# The values each control can take
# --------------------------------------------------------------------------------------------
def _grid(control) -> list:
    """Admissible values of a control, smallest first (sliders: on their step grid)."""
    if isinstance(control, W.Checkbox):
        return [False, True]
    options = getattr(control, "options", None)
    if options is not None:
        return [o[1] if isinstance(o, tuple) else o for o in options]
    if isinstance(control, W.FloatLogSlider):
        n = int(round((control.max - control.min) / control.step))
        return list(control.base ** np.linspace(control.min, control.max, n + 1))
    if isinstance(control, (W.IntSlider, W.FloatSlider)):
        n = int(round((control.max - control.min) / control.step))
        values = np.linspace(control.min, control.max, n + 1)
        return [int(round(v)) for v in values] if isinstance(control, W.IntSlider) else list(values)
    pytest.fail(f"no rule for controls of type {type(control).__name__}: teach _grid about it")


def _extremes(control) -> list:
    grid = _grid(control)
    if getattr(control, "options", None) is not None or isinstance(control, W.Checkbox):
        return grid  # every option, every state
    return [grid[0], grid[-1]]


def _assert_consistent(explorer, what: str) -> None:
    name = type(explorer).__name__
    assert explorer.error is None, f"{name} at {what}: {explorer.error}"
    assert explorer.caught_warnings == [], f"{name} at {what}: warnings {explorer.caught_warnings}"
    assert explorer.state_params == explorer.params, f"{name} at {what}: state does not match the controls"
    assert explorer.message_text.strip(), f"{name} at {what}: the message line is empty"


def _set(explorer, values: dict) -> None:
    with explorer.hold():
        for key, value in values.items():
            explorer.controls[key].value = value
    # a setting equal to the current one fires no callback: make sure the state is for these controls
    if explorer.state_params != explorer.params:
        explorer.update()


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_every_control_at_every_extreme(name):
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    explorer = _build(name)
    try:
        _assert_consistent(explorer, "its initial setting")
        controls = explorer.controls
        names = list(controls)
        # one control at a time, each to its extremes (options: each one), in a random order; the others stay at
        # their initial values (the previous control is put back in the same recomputation, so a slow extreme such
        # as the largest step count does not make every later update slow too)
        initial = explorer.params
        restore: dict = {}
        for i in rng.permutation(len(names)):
            key = names[i]
            for value in _extremes(controls[key]):
                _set(explorer, {**restore, key: value})
                restore = {}
                _assert_consistent(explorer, f"{key}={value!r} (others {explorer.params})")
            restore = {key: initial[key]}
        # all at once: every control at its minimum, then at its maximum, then random settings
        grids = {key: _grid(c) for key, c in controls.items()}
        joint = [{k: g[0] for k, g in grids.items()}, {k: g[-1] for k, g in grids.items()}]
        for _ in range(N_RANDOM):
            order = rng.permutation(len(names))
            joint.append({names[i]: grids[names[i]][rng.integers(len(grids[names[i]]))] for i in order})
        for setting in joint:
            _set(explorer, setting)
            _assert_consistent(explorer, repr(setting))
        # the reset button's action restores the initial setting
        explorer.reset_controls()
        _assert_consistent(explorer, "after reset")
    finally:
        explorer.close()


def test_every_registered_explorer_is_covered():
    # the discovery must find the explorers (a typo in _EXPLORERS would silently shrink the test)
    assert {"TerrainExplorer", "OptimizerRace", "ChordExplorer"} <= set(CLASSES)
