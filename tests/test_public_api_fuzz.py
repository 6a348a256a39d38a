"""Fuzz the whole public API of course_utils with malformed inputs.

The public callables are found by introspection (every module's ``__all__``), so a new function is covered the
day it is added. For each callable we build one plausible call from the parameters' names and defaults, then
replace one argument at a time with a malformed value (NaN, inf, wrong shapes and dimensions, empty arrays,
zero and negative sizes, huge values, wrong types). Each call must either return a result with no NaN in it or
raise ``ValueError``/``TypeError`` whose message names an argument — never an ``IndexError``,
``LinAlgError``, ``ZeroDivisionError``, a hang, or a silent NaN.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import signal
import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import course_utils

# Modules that are entry points or content rather than API.
SKIP_MODULES = ("course_utils.grading.exercises", "course_utils.grading.__main__", "course_utils.demo")
# Call budget per fuzzed call (seconds); malformed input must be refused quickly.
CALL_BUDGET = 10.0


def _public_modules():
    names = ["course_utils"]
    for info in pkgutil.walk_packages(course_utils.__path__, "course_utils."):
        if not info.name.startswith(SKIP_MODULES):
            names.append(info.name)
    return sorted(names)


def _public_callables():
    found = {}
    for modname in _public_modules():
        module = importlib.import_module(modname)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if obj is None or not callable(obj):
                continue
            if inspect.isclass(obj) and (issubclass(obj, BaseException) or _is_record(obj)):
                continue
            qual = f"{getattr(obj, '__module__', modname)}.{getattr(obj, '__qualname__', name)}"
            found.setdefault(qual, obj)
    return found


def _is_record(cls) -> bool:
    """Frozen dataclasses and NamedTuples are plain records: nothing to validate."""
    import dataclasses

    return dataclasses.is_dataclass(cls) or (issubclass(cls, tuple) and hasattr(cls, "_fields"))


PUBLIC = _public_callables()


@pytest.fixture(autouse=True)
def _in_a_scratch_directory(tmp_path_factory, monkeypatch):
    # Fuzzed calls may write files (assign, grade): keep them out of the repository.
    monkeypatch.chdir(tmp_path_factory.mktemp("fuzz"))


def test_the_fuzz_covers_the_public_api():
    print(f"\nfuzzing {len(PUBLIC)} public callables of course_utils")
    assert len(PUBLIC) >= 40


# --------------------------------------------------------------------------------------------
# Plausible arguments, by parameter name
# --------------------------------------------------------------------------------------------
def _small_mlp():
    from course_utils import data, models

    X, y = data.two_moons(n=30, noise=0.1, rng=0)
    return models.MLP(X, y, hidden=(4,), activation="relu", loss="cross_entropy")


def _context(sig):
    """Choose a model and matching parameter vectors for the call."""
    from course_utils import functions

    names = set(sig.parameters)
    wants_model = names & {"model", "mlp", "net", "network"}
    model = _small_mlp()
    objective = model if wants_model else functions.get("rosenbrock")
    theta = model.init(np.random.default_rng(0)) if wants_model else np.array([-0.5, 0.5])
    return objective, model, theta


def _plausible(name, param, objective, model, theta):
    if param.default is not inspect.Parameter.empty:
        return param.default
    rng = np.random.default_rng(0)
    dim = theta.size
    table = {
        "objective": objective, "obj": objective, "landscape": objective, "model": model, "mlp": model,
        "net": model, "network": model,
        "theta": theta, "theta0": theta, "center": theta, "point": theta, "x0": theta, "start": theta,
        "theta1": theta, "theta2": theta + 0.1, "theta_a": theta, "theta_b": theta + 0.1, "bend": theta + 0.05,
        "v": np.ones(dim), "direction": np.ones(dim), "d1": np.ones(dim), "d2": np.arange(dim, dtype=float),
        "rng": rng, "seed": 0, "n": 20, "k": 1, "dim": 2, "steps": 5, "lr": 0.01, "eps": 0.01, "rho": 0.05,
        "X": rng.standard_normal((10, 2)), "y": (np.arange(10) % 2).astype(float),
        "A": np.diag([1.0, 3.0]), "H": np.diag([1.0, -2.0]), "hessian": np.diag([1.0, -2.0]),
        "eigenvalues": np.array([1.0, 2.0]), "f": (lambda x: x**2), "fn": (lambda x: x**2),
        "name": "rosenbrock", "exercise_id": "0.1", "answer": (lambda *a: 0.0),
        "thetas": np.stack([theta, theta]), "points": np.stack([theta, theta]), "alphas": np.linspace(0, 1, 3),
        "max_lr": 0.1, "total_steps": 10, "every": 5, "period": 5, "optimizer": None,
        "samples": np.array([1.0, 2.0, 3.0]), "weights": np.array([0.2, 0.3, 0.5]), "values": np.array([1.0, 2.0]),
    }
    table.update({
        # validation helpers and generic containers
        "options": ["rosenbrock", "himmelblau"], "a": np.zeros(2), "b": np.ones(2), "name_a": "a", "name_b": "b",
        "cls": float, "what": "a float", "bounds": ((-2.0, 2.0), (-1.0, 3.0)),
        # plotting and widgets
        "title": "a title", "xlabel": "x", "ylabel": "y", "zlabel": "z", "label": "run", "description": "η",
        "curves": {"gd": np.array([1.0, 0.5, 0.25])}, "labels": None,
        # optimizers, races and saddles
        "keys": ("gd", "momentum"), "radius": 0.1, "beta": 0.9, "eps": 0.01, "lam_min": -1.0,
        "starts": np.array([[0.1, 0.1], [-0.1, 0.2]]),
        # connectivity: the identity permutation of each hidden layer of the small MLP
        "perms": [np.arange(h) for h in getattr(model, "hidden", (4,))],
        # grading
        "exercises_dir": "exercises", "solutions_dir": "solutions", "source": "x = 1\n",
    })
    if name == "optimizer":
        from course_utils import optimizers

        return optimizers.gd()
    if name in ("traj", "trajectory"):
        from course_utils import optimizers

        return optimizers.run(objective, optimizers.gd(), theta, steps=3, lr=1e-3)
    if name == "ax":
        from matplotlib.figure import Figure

        return Figure().add_subplot()
    if name in ("nb", "solution_nb"):
        import nbformat

        return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    if name == "subparsers":
        import argparse

        return argparse.ArgumentParser().add_subparsers()
    if name == "result":
        import importlib

        return importlib.import_module("course_utils.grading.check").run_check("0.1", None)
    if name in table:
        return table[name]
    return None


# A few callables take arguments whose plausible values depend on each other (a slider's min, max and value;
# a choice's value among its options): these fill them in coherently, so the one malformed argument is the
# only thing wrong with the call.
OVERRIDES = {
    "course_utils.widgets.base.float_slider": {"min": 0.0, "max": 1.0, "step": 0.1, "value": 0.5},
    "course_utils.widgets.base.log_slider": {"min": 1e-3, "max": 1.0, "value": 0.1},
    "course_utils.widgets.base.int_slider": {"min": 0, "max": 10, "step": 1, "value": 5},
    "course_utils.widgets.base.choice": {"options": ["gd", "adam"], "value": "gd"},
    "course_utils.validation.check_option": {"value": "rosenbrock", "name": "name"},
    "course_utils.validation.check_instance": {"value": "text", "name": "value", "cls": str, "what": "a string"},
    "course_utils.validation.check_str": {"value": "text", "name": "value"},
    "course_utils.plateaus.mode_strengths": "deep_linear",
}


def _deep_linear_call():
    """A two-layer linear network with its target's singular vectors (for ``plateaus.mode_strengths``)."""
    from course_utils import models

    rng = np.random.default_rng(0)
    X = rng.standard_normal((16, 3))
    model = models.MLP(X, X @ np.diag([3.0, 2.0, 1.0]), hidden=(3,), activation="linear", bias=False)
    theta = model.init(rng, scheme="normal", scale=0.1)
    return {"model": model, "thetas": np.stack([theta, theta]), "U": np.eye(3), "V": np.eye(3)}


def _plausible_call(qualname, sig, params):
    """One plausible keyword call of ``PUBLIC[qualname]`` (by parameter name, then the overrides)."""
    objective, model, theta = _context(sig)
    kwargs = {n: _plausible(n, p, objective, model, theta) for n, p in params.items()}
    override = OVERRIDES.get(qualname, {})
    if override == "deep_linear":
        override = _deep_linear_call()
    kwargs.update({k: v for k, v in override.items() if k in kwargs})
    return kwargs


MALFORMED = [
    ("nan", float("nan")),
    ("inf", float("inf")),
    ("negative", -1),
    ("zero", 0),
    ("huge", 1e300),
    ("string", "nonsense"),
    ("none", None),
    ("object", object()),
    ("empty array", np.zeros(0)),
    ("nan vector", np.full(3, np.nan)),
    ("3-D array", np.zeros((2, 2, 2))),
    ("bool", True),
]


class _Hang(BaseException):
    pass


@contextmanager
def _budget(seconds):
    def handler(signum, frame):
        raise _Hang()

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _has_nan(result) -> bool:
    if isinstance(result, (float, np.floating)):
        return bool(np.isnan(result))
    if isinstance(result, np.ndarray) and np.issubdtype(result.dtype, np.floating):
        return bool(np.isnan(result).any())
    if isinstance(result, (tuple, list)) and len(result) < 50:
        return any(_has_nan(r) for r in result)
    return False


def _call(fn, kwargs):
    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            with _budget(CALL_BUDGET):
                return fn(**kwargs)
        finally:
            plt.close("all")


@pytest.mark.parametrize("qualname", sorted(PUBLIC))
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_malformed_input_is_refused_clearly(qualname, data):
    fn = PUBLIC[qualname]
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        pytest.skip("no signature")
    params = {
        n: p for n, p in sig.parameters.items()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and n != "self"
    }
    if not params:
        return
    kwargs = _plausible_call(qualname, sig, params)
    target = data.draw(st.sampled_from(sorted(params)), label="argument")
    label, bad = data.draw(st.sampled_from(MALFORMED), label="malformed value")
    kwargs[target] = bad
    try:
        result = _call(fn, kwargs)
    except (ValueError, TypeError) as exc:
        text = str(exc)
        assert any(name in text for name in params) or "`" in text, (
            f"{qualname}({target}={label}): {type(exc).__name__} does not name an argument: {text!r}"
        )
        return
    except _Hang:
        pytest.fail(f"{qualname}({target}={label}) ran longer than {CALL_BUDGET} s")
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"{qualname}({target}={label}) raised {type(exc).__name__}: {exc}")
    assert not _has_nan(result), f"{qualname}({target}={label}) returned NaN silently"
