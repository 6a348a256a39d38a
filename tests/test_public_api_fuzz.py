"""Fuzz the whole public API of course_utils with malformed inputs.

The public callables are found by introspection (every module's ``__all__``), so a new function is covered the
day it is added. For each callable we build one plausible call from the parameters' names and defaults, then
replace one argument at a time with a malformed value (NaN, inf, wrong shapes and dimensions, empty arrays,
zero and negative sizes, huge values, wrong types). Each call must either return a result with no NaN in it or
raise ``ValueError``/``TypeError`` whose message names that argument in backticks (``lr``
malformed: the message says `` `lr` ``) — never an ``IndexError``,
``LinAlgError``, ``ZeroDivisionError``, a hang, or a silent NaN.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import signal
import warnings
from contextlib import contextmanager
from pathlib import Path

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


def _modules_on_disk():
    """Every module of course_utils by its file, outside SKIP_MODULES (``course_utils/a/b.py`` -> ``course_utils.a.b``)."""
    root = Path(course_utils.__file__).resolve().parent
    names = set()
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if not name.startswith(SKIP_MODULES):
            names.add(name)
    return names


def test_the_fuzz_covers_the_public_api():
    print(f"\nfuzzing {len(PUBLIC)} public callables of course_utils")
    # the walk reaches every module file (a package without __init__.py, a module that fails to import, …)
    assert set(_public_modules()) == _modules_on_disk()
    modules = {name: importlib.import_module(name) for name in _public_modules()}
    # every module but the lazy top-level package declares its API, and every name it declares exists
    assert sorted(name for name, module in modules.items() if not hasattr(module, "__all__")) == ["course_utils"]
    dangling = sorted(f"{name}.{attr}" for name, module in modules.items() for attr in getattr(module, "__all__", [])
                      if not hasattr(module, attr))
    assert dangling == []


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
        # operators known by their products, and derivatives
        "hvp": (lambda v: np.diag([1.0, -2.0]) @ v), "grad": np.array([0.5, -0.5]),
        # schedules, races, curvature of simple models
        "key": "gd", "lr_min": 1e-3, "lr_max": 1.0, "mu": 1.0, "L": 10.0, "depth": 3, "size": 3,
        "separation": 2.0, "label_noise": 0.1, "n_examples": 10, "alpha": 2.0,
        # distributions and plateaus
        "mean": 0.0, "std": 1.0, "low": -1.0, "high": 1.0, "s": 2.0, "a0": 0.01,
        "losses": np.array([1.0, 0.5, 0.1]), "threshold": 0.2,
        # points and planes
        "saddle": np.zeros(dim), "theta_ref": theta, "reference": np.arange(1.0, dim + 1.0),
        "theta_c": theta + 0.1 * (-1.0) ** np.arange(dim),  # off the line through theta and theta + 0.1
        "t": np.array([0.0, 0.5, 1.0]), "tau": 1.0, "ts": np.linspace(-1.0, 1.0, 5),
        "lrs": np.array([0.05, 0.1]), "betas": np.array([0.0, 0.5]),
        # derivatives of the scalar function sum(x²)
        "grad_f": (lambda x: 2.0 * x), "grad_one": (lambda x: 2.0 * x), "hvp_f": (lambda x, v: 2.0 * v),
    })
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


def _sum_of_squares(x):
    return (x**2).sum()


# A few callables take arguments whose plausible values depend on each other (a slider's min, max and value;
# a choice's value among its options): these fill them in coherently, so the one malformed argument is the
# only thing wrong with the call.
def _quadratic_derivatives(T):
    """(loss, grad, hessian) of ½‖θ‖² for rows θ of T: a plausible ``derivatives_of`` for ``newton_search``."""
    T = np.asarray(T, dtype=float)
    return 0.5 * np.sum(T**2, axis=1), T.copy(), np.broadcast_to(np.eye(T.shape[1]), (len(T), T.shape[1], T.shape[1]))


_PSPIN_J = np.random.default_rng(0).standard_normal((4, 4, 4))
_PSPIN_SIGMA = np.array([[1.0, 1.0, 1.0, 1.0], [2.0, 0.0, 0.0, 0.0]])  # on the sphere ‖σ‖² = N = 4

_DIGITS_TASK = __import__("course_utils.real_data").real_data.digits_task((2,), n_train=10)

OVERRIDES = {
    "course_utils.plotting.request_full_frame": {"fig": __import__("matplotlib.figure").figure.Figure()},
    "course_utils.plotting.scale_default_fonts": {"fig": __import__("matplotlib.figure").figure.Figure()},
    # the spherical p-spin glass: a small coupling tensor and points on its sphere
    "course_utils.spin_glass.pspin_couplings": {"n": 4},
    "course_utils.spin_glass.pspin_energy": {"J": _PSPIN_J, "sigma": _PSPIN_SIGMA},
    "course_utils.spin_glass.pspin_sphere_derivatives": {"J": _PSPIN_J, "sigma": _PSPIN_SIGMA},
    "course_utils.spin_glass.find_pspin_critical_points": {"J": _PSPIN_J, "n_starts": 8},
    "course_utils.spin_glass.threshold_energy": {"p": 3},
    "course_utils.regularization.WeightDecay": {"strength": 0.1},
    "course_utils.regularization.train_with_input_noise": {"sigma": 0.1},
    # dropout masks for _small_mlp (30 examples, one hidden layer of 4 units): one 0/1 array per hidden layer
    "course_utils.regularization.dropout_loss": {"masks": [np.ones((30, 4))], "p": 0.1},
    "course_utils.regularization.dropout_grad": {"masks": [np.ones((30, 4))], "p": 0.1},
    "course_utils.regularization.dropout_penalty": {"p": 0.1, "n_masks": 4},
    "course_utils.regularization.draw_dropout_masks": {"p": 0.1},
    "course_utils.regularization.train_with_dropout": {"p": 0.1},
    "course_utils.regularization.ExpectedDropoutLoss": {"model": __import__("course_utils.models").models.MLP(
        np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), np.array([0.0, 1.0, 2.0]), hidden=(3,)), "p": 0.1},
    # separable through the origin (the function refuses other data)
    "course_utils.regularization.max_margin_direction": {"X": np.array([[1.0, 0.0], [2.0, 1.0], [-1.0, 0.0], [-2.0, -1.0]]),
                                                         "y": np.array([1.0, 1.0, 0.0, 0.0])},
    "course_utils.grading.cases.diagnose": {"actual": 1.0, "mistakes": [(2.0, "a hint")], "default": "generic"},
    "course_utils.grading.cases.as_float_array": {"value": [1.0, 2.0], "shape": (2,)},
    "course_utils.grading.cases.watched": {"log": []},
    "course_utils.grading.cases.sphere_uniformity_pvalue": {
        "directions": np.array([[1.0, 0.0, 0.0], [0.0, 0.6, 0.8], [-0.6, 0.0, 0.8], [0.0, -1.0, 0.0]]),
        "axes": np.eye(3)},
    "course_utils.widgets.base.float_slider": {"min": 0.0, "max": 1.0, "step": 0.1, "value": 0.5},
    "course_utils.widgets.limits.nice_limits": {"lo": 0.0, "hi": 1.0},
    "course_utils.widgets.base.log_slider": {"min": 1e-3, "max": 1.0, "value": 0.1},
    "course_utils.widgets.base.int_slider": {"min": 0, "max": 10, "step": 1, "value": 5},
    "course_utils.widgets.base.choice": {"options": ["gd", "adam"], "value": "gd"},
    "course_utils.widgets.base.option_slider": {"options": [("η = 1", 1.0), ("η = 2", 2.0)], "value": 2.0},
    # the validation helpers name the argument they check by their `name`: call it after the checked parameter
    "course_utils.validation.check_option": {"value": "rosenbrock", "name": "value"},
    "course_utils.validation.check_points": {"name": "points"},
    "course_utils.validation.check_symmetric": {"name": "H"},
    "course_utils.validation.check_instance": {"value": "text", "name": "value", "cls": str, "what": "a string"},
    "course_utils.validation.check_str": {"value": "text", "name": "value"},
    "course_utils.plateaus.mode_strengths": "deep_linear",
    **{f"course_utils.overparameterization.{name}": "mse_mlp"
       for name in ("output_jacobian", "fit_interpolant", "minimum_flat_directions", "fit_from_starts")},
    # P = 2 in the plausible calls: one eigenpair at a time
    "course_utils.curvature.lanczos_eigenpairs": {"k": 1},
    "course_utils.curvature.lanczos_eigenvalues": {"k": 1},
    "course_utils.curvature.hessian_top_eigenpairs": {"k": 1},
    "course_utils.connectivity.chain_points": {"nodes": np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])},
    # a small Monte Carlo: the default 100,000 trials ran past CALL_BUDGET on a machine at load 6-8
    "course_utils.critical.probability_all_positive": {"n": 3, "trials": 2_000, "chunk": 1_000},
    "course_utils.critical.semicircle_density": {"x": np.linspace(-1.5, 1.5, 7)},
    "course_utils.critical.semicircle_index_fraction": {"shift": np.array([0.0, 0.5])},
    "course_utils.critical.tanh_network_derivatives": {"X": np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]),
                                                       "y": np.array([0.0, 1.0, 0.5]), "hidden": 2},
    "course_utils.critical.newton_search": {"derivatives_of": _quadratic_derivatives, "starts": np.ones((2, 2))},
    "course_utils.formatting.fmt": {"value": -0.0},
    "course_utils.data.regression_curve": {"x": np.linspace(-1.0, 1.0, 5)},
    # functions of a parameter vector return one number
    **{f"course_utils.derivatives.{name}": {"f": _sum_of_squares}
       for name in ("gradient", "hessian", "make_hvp", "hvp", "finite_difference_gradient", "gradient_error")},
    "course_utils.convexity.chord_test": {"f": _sum_of_squares},
    "course_utils.convexity.chord": {"x": 1.0, "y": -0.5, "t": 0.3},
    "course_utils.convexity.chord_profile": {"x": 1.0, "y": -0.5},
    "course_utils.surfaces.trajectory_pca": {"thetas": np.array([[0.0, 0.0], [1.0, 0.5], [2.0, 0.8], [3.0, 2.0]])},
    # chapter 8's digits task: a 64-2-10 network (160 parameters) on ten training images
    **{f"course_utils.real_data.{name}": {"task": _DIGITS_TASK, "theta": np.zeros(160)}
       for name in ("held_out_accuracy", "held_out_loss")},
    # chapter 8, sections 4 and 5: the cached experiments on tiny settings, copies of the 64-2-10 network
    "course_utils.mode_connectivity.digits_mode_connectivity": {"hidden": 2, "n_train": 10, "steps": 2,
                                                                "curve_steps": 2, "resolution": 3},
    "course_utils.mode_connectivity.aligned_barriers_by_width": {"widths": (2, 3), "n_train": 10, "steps": 2},
    "course_utils.stability.spawn_stability": {"hidden": (2,), "n_train": 10, "steps": 4, "spawn_steps": (0, 2),
                                               "batch_size": 2},
    "course_utils.stability.spawn_copies": {"objective": _DIGITS_TASK.model, "theta": np.zeros(160), "seeds": (0, 1),
                                            "steps": 2, "lr": 0.1, "batch_size": 2},
    # chapter 8 §7: masks of the 64-2-10 network (weights at 0–127 and 130–149), a tiny IMP run
    **{f"course_utils.lottery_ticket.{name}": {"mask": np.ones(160)} for name in ("mask_updates", "masked_sgd")},
    "course_utils.lottery_ticket.magnitude_prune": {"theta": np.linspace(-1.0, 1.0, 160), "mask": np.ones(160),
                                                    "layers": [np.arange(128), np.arange(130, 150)], "fraction": 0.2},
    "course_utils.lottery_ticket.random_mask": {"like": np.ones(160), "layers": [np.arange(128), np.arange(130, 150)],
                                                "rng": 0},
    "course_utils.lottery_ticket.train_masked": {"model": _DIGITS_TASK.model, "theta0": np.zeros(160),
                                                 "mask": np.ones(160), "steps": 2, "lr": 0.1, "batch_size": 2,
                                                 "seed": 0},
    "course_utils.lottery_ticket.lottery_ticket": {"hidden": (2,), "n_train": 10, "steps": 4, "rounds": 1,
                                                   "starts": 1, "batch_size": 2},
    # the Landmark Explorer's fourth experiment on a tiny run (§7's default run takes ~3 s of the call budget)
    "course_utils.widgets.landmarks.LandmarkExplorer": {
        "tickets": __import__("course_utils.lottery_ticket").lottery_ticket.lottery_ticket(
            (2,), n_train=10, steps=4, rounds=2, starts=1, batch_size=2)},
    # chapter 8 §1 and §6: tiny settings (a 64-2-10 network on 10 digits, a few steps)
    "course_utils.hessian_outliers.spectrum_summary": {
        "top": np.arange(12.0, 0.0, -1.0), "dim": 30,
        "density": __import__("course_utils.curvature").curvature.slq_density(lambda v: v, 30, steps=3, n_starts=1)},
    "course_utils.hessian_outliers.class_mean_overlap": {"model": _DIGITS_TASK.model, "theta": np.zeros(160),
                                                         "vectors": np.eye(160)[:, :3]},
    "course_utils.hessian_outliers.outliers_by_classes": {"classes": (3,), "hidden": (2,), "steps": 2, "k": 5},
    "course_utils.hessian_outliers.digits_spectrum": {"hidden": (2,), "n_train": 10, "steps": 3, "k": 11,
                                                      "slq_steps": 3, "slq_starts": 1},
    "course_utils.path_plane.digits_path_plane": {"hidden": (2,), "n_train": 10, "steps": 4, "record_every": 2,
                                                  "resolution": 3},
}


def _deep_linear_call():
    """A two-layer linear network with its target's singular vectors (for ``plateaus.mode_strengths``)."""
    from course_utils import models

    rng = np.random.default_rng(0)
    X = rng.standard_normal((16, 3))
    model = models.MLP(X, X @ np.diag([3.0, 2.0, 1.0]), hidden=(3,), activation="linear", bias=False)
    theta = model.init(rng, scheme="normal", scale=0.1)
    return {"model": model, "thetas": np.stack([theta, theta]), "U": np.eye(3), "V": np.eye(3)}


def _mse_mlp_call():
    """A small squared-loss MLP and a point of it (``overparameterization`` refuses cross-entropy models)."""
    from course_utils import models

    rng = np.random.default_rng(0)
    model = models.MLP(rng.standard_normal((4, 2)), rng.standard_normal(4), hidden=(2,))
    theta = model.init(rng)
    return {"model": model, "theta": theta, "theta0": theta, "starts": np.stack([theta, theta]), "steps": 3,
            "max_evaluations": 5}


def _plausible_call(qualname, sig, params):
    """One plausible keyword call of ``PUBLIC[qualname]`` (by parameter name, then the overrides)."""
    objective, model, theta = _context(sig)
    kwargs = {n: _plausible(n, p, objective, model, theta) for n, p in params.items()}
    override = OVERRIDES.get(qualname, {})
    if override == "deep_linear":
        override = _deep_linear_call()
    if override == "mse_mlp":
        override = _mse_mlp_call()
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


def _plausible_call_error(qualname):
    """Why the plausible call of ``PUBLIC[qualname]`` itself is refused, or None when it is accepted."""
    fn = PUBLIC[qualname]
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    params = {
        n: p for n, p in sig.parameters.items()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and n != "self"
    }
    if not params:
        return None
    try:
        _call(fn, _plausible_call(qualname, sig, params))
    except (Exception, _Hang) as exc:  # noqa: BLE001 - any refusal counts
        return f"{type(exc).__name__}: {exc}"
    return None


# Callables whose plausible call is itself refused (an argument has no plausible value yet: `nodes`, `path`,
# `grades` …). A malformed argument of theirs cannot be told apart from the missing one, so the fuzz below
# leaves them out, and test_the_unfuzzed_list_is_exact keeps this list equal to the callables concerned: give an
# argument a plausible value (in _plausible or OVERRIDES) and the test asks you to strike the callable off here.
UNFUZZED = frozenset({
    "course_utils.connectivity.path_profile",
    "course_utils.curvature.gaussian_broadening",
    "course_utils.derivatives.batched_grad",
    "course_utils.derivatives.batched_hessian",
    "course_utils.diagnostics.validate_diagnoses",
    "course_utils.grading.assign.assign",
    "course_utils.grading.batch.chapter_exercises",
    "course_utils.grading.batch.grade_batch",
    "course_utils.grading.batch.grade_notebook",
    "course_utils.grading.batch.reference_answers",
    "course_utils.grading.cases.check_input_unchanged",
    "course_utils.grading.kernel_runner.KernelRunner",
    "course_utils.grading.kernel_runner.kernel_argv",
    "course_utils.grading.probe.guard_code",
    "course_utils.grading.probe.probe_code",
    "course_utils.grading.report.feedback_markdown",
    "course_utils.grading.report.summary_text",
    "course_utils.grading.report.write_csv",
    "course_utils.grading.report.write_feedback",
    "course_utils.grading.submission.check_exercise_ids",
    "course_utils.grading.batch.flag_identities",
    "course_utils.grading.submission.check_path",
    "course_utils.grading.submission.read_submission",
    "course_utils.grading.submission.stripped_notebook",
    "course_utils.grading.submission.student_id_of",
    "course_utils.jensen.jensen_gap",
    "course_utils.objective.ProtocolObjective",
    "course_utils.objective.as_objective",
    "course_utils.optimizers.run.MinibatchSampler",
    "course_utils.optimizers.run.run_many",
    "course_utils.plotting.grid_values",
    "course_utils.plotting.plot_contour",
    "course_utils.plotting.plot_surface",
    "course_utils.race.racer_key",
    "course_utils.saddles.compare_at_saddle",
    "course_utils.saddles.fit_escape_times",
    "course_utils.surfaces.line_monotonicity",
    "course_utils.surfaces.slice_curvature",
    "course_utils.validation.check_array",
    "course_utils.validation.check_axes",
    "course_utils.validation.check_batch",
    "course_utils.validation.check_bool",
    "course_utils.validation.check_callable",
    "course_utils.validation.check_int",
    "course_utils.validation.check_layer_widths",
    "course_utils.validation.check_scalar",
    "course_utils.validation.check_vector",
    "course_utils.widgets.base.Explorer",
    "course_utils.widgets.blitting.Blitter",
    "course_utils.widgets.cache.LRUCache",
    "course_utils.widgets.path_explorer.PathExplorer",
    "course_utils.widgets.sharpness_measures.SharpnessExplorer",
    "course_utils.widgets.spectrum.SpectrumExplorer",
    "course_utils.widgets.terrain.terrain_objective",
})


@pytest.mark.parametrize("qualname", sorted(PUBLIC))
def test_the_unfuzzed_list_is_exact(qualname):
    error = _plausible_call_error(qualname)
    if qualname in UNFUZZED:
        assert error is not None, f"the plausible call of {qualname} is accepted now: remove it from UNFUZZED"
    else:
        assert error is None, (
            f"the plausible call of {qualname} is refused ({error}): give the argument it names a plausible value "
            "in _plausible or OVERRIDES, so that each malformed argument is the only thing wrong with a call")


@pytest.mark.parametrize("qualname", sorted(set(PUBLIC) - UNFUZZED))
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
        # the argument that was made malformed, by name and in backticks: any other argument's name, or a
        # backtick around anything, would let "`x` must be finite" pass for a bad `lr`
        assert f"`{target}`" in text, (
            f"{qualname}({target}={label}): {type(exc).__name__} does not name `{target}`: {text!r}"
        )
        return
    except _Hang:
        pytest.fail(f"{qualname}({target}={label}) ran longer than {CALL_BUDGET} s")
    except Exception as exc:  # noqa: BLE001 - the point of the test
        pytest.fail(f"{qualname}({target}={label}) raised {type(exc).__name__}: {exc}")
    assert not _has_nan(result), f"{qualname}({target}={label}) returned NaN silently"
