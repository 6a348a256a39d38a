"""Benchmark 3 — explorer latency: control change → finished Agg draw, for every explorer.

Every class registered in ``course_utils.widgets._EXPLORERS`` that subclasses ``Explorer`` is found and built
with its defaults (new explorers are picked up by themselves). One representative control is driven through
30 changes across its range — the first float slider (linear or log), else the first integer slider, else the
first choice — and each change is timed from ``control.value = v`` until the (already drawn) Agg canvas shows
the new state: compute, in-place artist updates, and the explorer's own refresh — a blit of the data artists
over the cached axes furniture, or a full draw when the layout changed. The median is compared with the budget: 50 ms
for a figure with only 2-D axes, 100 ms when a visible axes is 3-D (``ax.name == "3d"``). The note splits it into
its parts, each timed around the explorer's own method (:data:`PARTS`): ``compute``, the in-place artist updates
(``draw``) and the render (``_refresh_canvas``: the blit, or the full draw). The browser adds the PNG of the
changed pixels, its trip and its paint to these (``browser_latency``).

BASELINE (the straightforward approach: rebuild the figure from scratch on every change, as ``ax.clear()`` and
replot does): on a second instance, for the same values — ``compute(params)``, close the old figure, build a
new one with the explorer's own ``_build_figure()``, ``draw(state)`` on the fresh axes, ``fig.canvas.draw()``
(which also runs the layout engine, as a fresh figure must). It is interleaved with ours (every third change)
and its median is reported; the ratio is baseline / ours.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from harness import Row, fmt_ratio, fmt_time, median

N_CHANGES = 30
BUDGET_2D, BUDGET_3D = 0.050, 0.100


def _path_explorer(quick=False, **options):
    """As in chapter 6: the straight line and a trained Bézier curve between the two minima."""
    from mode_connectivity import minima

    from course_utils import connectivity
    from course_utils.widgets import PathExplorer

    model, a, b = minima()
    curve = connectivity.train_curve(model, a, b, steps=30 if quick else 300, lr=0.02, rng=0, eval_every=100).path
    return PathExplorer(model, {"straight line": connectivity.Path.line(a, b), "trained curve": curve}, **options)


def _spectrum_explorer(quick=False, **options):
    """As in chapter 3: the Hessian of a trained 2-10-1 tanh MLP on two moons."""
    from course_utils import data, models, optimizers
    from course_utils.widgets import SpectrumExplorer

    X, y = data.two_moons(100, noise=0.3, rng=0)
    mlp = models.MLP(X, y, hidden=(10,), activation="tanh", loss="cross_entropy")
    theta = optimizers.run(mlp, optimizers.adam(), mlp.init(np.random.default_rng(1)), steps=30 if quick else 300,
                           lr=0.05).final_theta
    return SpectrumExplorer(mlp, theta, label="trained MLP", steps=20, **options)


def _chapter5_data():
    from course_utils import data

    X, y = data.two_moons(300, noise=0.3, rng=0)
    X_train, _, y_train, _ = data.train_test_split(X, y, test_frac=0.5, rng=0)
    return X_train, y_train


def _sharpness_explorer(quick=False, **options):
    """As in chapter 5: a full-batch GD minimum of a 2-16-1 tanh MLP."""
    from course_utils import models, optimizers
    from course_utils.widgets import SharpnessExplorer

    net = models.MLP(*_chapter5_data(), hidden=(16,), activation="tanh", loss="cross_entropy")
    theta = optimizers.run(net, optimizers.gd(), net.init(0), steps=15 if quick else 150, lr=0.5).final_theta
    return SharpnessExplorer(net, {"full-batch GD": theta}, **options)


def _reparameterization_explorer(quick=False, **options):
    """As in chapter 5: a trained 2-16-1 ReLU MLP."""
    from course_utils import models, optimizers
    from course_utils.widgets import ReparameterizationExplorer

    relu = models.MLP(*_chapter5_data(), hidden=(16,), activation="relu", loss="cross_entropy")
    theta = optimizers.run(relu, optimizers.gd(), relu.init(0, scheme="he"), steps=15 if quick else 150,
                           lr=0.5).final_theta
    return ReparameterizationExplorer(relu, theta, **options)


def _landmark_explorer(quick=False, **options):
    """As in chapter 8 (its runs computed with the chapter's settings); ``quick``: tiny runs of the same kinds."""
    from course_utils.edge_of_stability import edge_of_stability_runs
    from course_utils.lottery_ticket import lottery_ticket
    from course_utils.mode_connectivity import aligned_barriers_by_width
    from course_utils.stability import spawn_stability
    from course_utils.widgets import LandmarkExplorer

    if not quick:
        return LandmarkExplorer(**options)
    return LandmarkExplorer(eos=edge_of_stability_runs((2.0, 2.5, 3.0), steps=40, every=10, n_train=30, hidden=4),
                            spawn=spawn_stability((4,), n_train=30, batch_size=5, steps=20, spawn_steps=(0, 5, 10)),
                            widths=aligned_barriers_by_width((2, 4, 8), n_nets=2, n_train=30, steps=20),
                            tickets=lottery_ticket((8,), n_train=30, steps=10, batch_size=5, rounds=3, starts=2),
                            **options)


#: Explorers that need arguments are built as their chapter builds them (``quick``: shorter training); every
#: other one with its defaults.
#: A new explorer with required arguments needs an entry here (the benchmark reports it until then).
FACTORIES = {"PathExplorer": _path_explorer, "SpectrumExplorer": _spectrum_explorer,
             "SharpnessExplorer": _sharpness_explorer, "ReparameterizationExplorer": _reparameterization_explorer,
             "LandmarkExplorer": _landmark_explorer}


def build(name: str, quick: bool = False, **options):
    """The explorer class ``name`` (see :func:`explorer_classes`) built as its chapter builds it, else with its
    defaults; the browser benchmark builds its explorers with this too. ``options`` go to the constructor
    (``presentation=True``: as a demo shows it)."""
    factory = FACTORIES.get(name)
    return factory(quick=quick, **options) if factory else explorer_classes()[name](**options)


def explorer_classes() -> dict[str, type]:
    """Every registered ``Explorer`` subclass, by public name."""
    import course_utils.widgets as widgets
    from course_utils.widgets.base import Explorer

    found = {}
    for name in sorted(widgets._EXPLORERS):
        obj = getattr(widgets, name)
        if isinstance(obj, type) and issubclass(obj, Explorer) and obj is not Explorer:
            found[name] = obj
    return found


def representative_control(explorer):
    """``(name, values)``: the control to drive and ``N_CHANGES`` values for it, each differing from the last."""
    import ipywidgets as W

    ctrls = explorer.controls
    # An explorer whose first control switches between whole figures (LandmarkExplorer's experiment) names the
    # control a student turns most (its knob) in ``drive_control``.
    named = getattr(explorer, "drive_control", None)
    if named is not None and not getattr(ctrls[named], "disabled", False):
        return named, _sweep(ctrls[named])
    for kinds in ((W.FloatSlider, W.FloatLogSlider), (W.IntSlider,), (W.Dropdown, W.ToggleButtons, W.RadioButtons)):
        for name, c in ctrls.items():
            if isinstance(c, kinds) and not getattr(c, "disabled", False):
                return name, _sweep(c)
    raise LookupError(f"{type(explorer).__name__} has no slider or choice to drive")


def _sweep(control, n=N_CHANGES + 2) -> list:
    """``n`` values for ``control``, each differing from the last and, wherever the control has that many
    positions, none visited before (not even its current value).

    A student pressing a key always asks for a new value, so the sweep must too: an explorer caches the states it
    has computed, and a sweep that goes up and back over a short grid times mostly cache hits (the bias the
    browser measurements exposed: Optimizer Race 115 ms on new values, 13 ms on revisits). The values are spread
    evenly over every position the control can take (``min + k·step``), in increasing order, as a drag across
    the range. A choice control with fewer than ``n + 1`` options has to revisit; :func:`revisits` counts them.
    """
    import ipywidgets as W

    if isinstance(control, W.FloatLogSlider):
        k = int(round((control.max - control.min) / control.step))
        grid = [float(control.base ** (control.min + i * control.step)) for i in range(k + 1)]
    elif isinstance(control, W.FloatSlider):
        k = int(round((control.max - control.min) / control.step))
        grid = [float(control.min + i * control.step) for i in range(k + 1)]
    elif isinstance(control, W.IntSlider):
        grid = list(range(control.min, control.max + 1, control.step))
    else:
        grid = [opt[1] if isinstance(opt, tuple) else opt for opt in control.options]
    fresh = [v for v in grid if not np.isclose(v, control.value, rtol=1e-9, atol=0)] if not isinstance(
        control, (W.Dropdown, W.ToggleButtons, W.RadioButtons)) else [v for v in grid if v != control.value]
    if len(fresh) >= n:
        return [fresh[i] for i in np.linspace(0, len(fresh) - 1, n).round().astype(int)]
    # too few positions: cycle through them (each step still a change)
    values, last, i = [], control.value, 0
    cycle = fresh + [control.value] if control.value in grid else fresh
    while len(values) < n:
        v = cycle[i % len(cycle)]
        i += 1
        if v != last:
            values.append(v)
            last = v
    return values


def revisits(values, initial) -> int:
    """How many of ``values`` were already visited (``initial`` counts as visited): cache hits in the sweep."""
    seen, count = {initial}, 0
    for v in values:
        count += v in seen
        seen.add(v)
    return count


def _is_3d(fig) -> bool:
    return any(ax.name == "3d" and ax.get_visible() for ax in fig.axes)


#: The parts of an update timed apart: the explorer's pure ``compute``, its in-place artist updates (``draw``)
#: and its refresh of the canvas (a blit of the data artists over the cached background, or a full draw).
PARTS = {"compute": "compute", "artists": "draw", "render": "_refresh_canvas"}


def _time_parts(explorer) -> dict:
    """Wrap ``explorer``'s update steps (:data:`PARTS`) with timers; returns the dict their seconds accumulate in
    (reset it before each change)."""
    spent = dict.fromkeys(PARTS, 0.0)
    for part, attr in PARTS.items():
        method = getattr(explorer, attr)

        def timed(*args, _method=method, _part=part, **kwargs):
            start = time.perf_counter()
            try:
                return _method(*args, **kwargs)
            finally:
                spent[_part] += time.perf_counter() - start

        setattr(explorer, attr, timed)
    return spent


def _ours(explorer, name, value, spent=None) -> tuple[float, float, dict]:
    """Wall and CPU seconds from ``control.value = value`` until the canvas shows the new state, and the seconds
    of each part of the update (:data:`PARTS`, when ``spent`` comes from :func:`_time_parts`).

    The canvas has been drawn once (as on screen), so the explorer's own refresh renders each change: a blit of
    the data artists over the cached axes furniture, or a full ``canvas.draw()`` when the layout changed
    (:mod:`course_utils.widgets.blitting`).
    """
    if spent is not None:
        spent.update(dict.fromkeys(spent, 0.0))
    start, cpu = time.perf_counter(), time.process_time()
    explorer.controls[name].value = value
    end = time.perf_counter()
    return end - start, time.process_time() - cpu, dict(spent or {})


def _rebuild(explorer, name, value) -> float:
    """BASELINE: compute, then a new figure built and drawn from scratch."""
    import matplotlib.pyplot as plt

    params = dict(explorer.params)
    params[name] = value
    start = time.perf_counter()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        explorer._sync_controls(params)
        state = explorer.compute(params)
        plt.close(explorer.fig)
        explorer._build_figure()
        explorer.draw(state)
        explorer.fig.canvas.draw()
    return time.perf_counter() - start


def measure(cls, n_changes: int = N_CHANGES, baseline_every: int = 3, quick: bool = False,
            rebuild: bool = True) -> dict:
    """Latencies of one explorer class: ours (wall, cpu lists), baseline (list), control name, 3-D flag, errors.

    The baseline runs on a second instance, interleaved with ours; ``quick`` uses one instance, no warm-up,
    and rebuilds it once at the end (if ``rebuild``).
    """
    def make():
        return build(cls.__name__, quick=quick)

    ours_ex = make()
    base_ex = ours_ex if quick else make()
    try:
        ours_ex.fig.canvas.draw()  # on screen: the first full draw caches the background for blitting
        spent = _time_parts(ours_ex)
        name, values = representative_control(ours_ex)
        cache_hits = revisits(values, ours_ex.controls[name].value)
        if not quick:
            for v in values[:2]:  # warm-up: caches, first-draw costs
                _ours(ours_ex, name, v, spent)
            values = values[2:]
        base_error = None if rebuild else "not run"
        ours, cpu, upd, base, errors = [], [], [], [], set()
        for i, v in enumerate(values[:n_changes]):
            wall, c, u = _ours(ours_ex, name, v, spent)
            ours.append(wall)
            cpu.append(c)
            upd.append(u)
            if ours_ex.error:
                errors.add(ours_ex.error)
            if base_error is None and (i % baseline_every == 0 or quick and i == n_changes - 1):
                try:
                    base.append(_rebuild(base_ex, name, v))
                except Exception as exc:  # e.g. a draw that relies on artists made in __init__
                    base_error = f"{type(exc).__name__}: {exc}"
        return {"ours": ours, "cpu": cpu, "update": upd, "base": base, "control": name, "is_3d": _is_3d(ours_ex.fig),
                "revisits": cache_hits,
                "errors": sorted(errors), "base_error": base_error}
    finally:
        ours_ex.close()
        if base_ex is not ours_ex:
            base_ex.close()


def run(quick: bool) -> list[Row]:
    import matplotlib

    matplotlib.use("Agg")
    rows = []
    for k, (cls_name, cls) in enumerate(explorer_classes().items()):
        try:
            # quick: the rebuild baseline once (first explorer) is enough to keep its code from rotting
            m = measure(cls, n_changes=1 if quick else N_CHANGES, quick=quick, rebuild=not quick or k == 0)
        except TypeError as exc:  # required arguments and no factory: say so, count it as missed
            rows.append(Row(f"explorer {cls_name}", "not measured", "—", "—", "≤ 50 ms", False,
                            note=f"cannot build with defaults ({exc}); add it to FACTORIES"))
            continue
        ours, budget = median(m["ours"]), BUDGET_3D if m["is_3d"] else BUDGET_2D
        base = median(m["base"]) if m["base"] else float("nan")
        split = ", ".join(f"{part} {fmt_time(median([u[part] for u in m['update']]))}" for part in PARTS)
        note = "; ".join(filter(None, [f"medians: {split} (render: the blit or full draw), "
                                       f"CPU {fmt_time(median(m['cpu']))}",
                                       m["revisits"] and f"{m['revisits']} of the values were revisits (a choice "
                                                         "control with few options)",
                                       *(f"error shown: {e}" for e in m["errors"][:1]),
                                       m["base_error"] not in (None, "not run")
                                       and f"baseline failed: {m['base_error']}"]))
        rows.append(Row(f"explorer {cls_name} ({'3-D' if m['is_3d'] else '2-D'}; control `{m['control']}`)",
                        fmt_time(ours) + " median", fmt_time(base) + " (rebuild)", fmt_ratio(base / ours),
                        f"≤ {budget * 1e3:.0f} ms", ours <= budget, note=note, seconds=ours))
    return rows
