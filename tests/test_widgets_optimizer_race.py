"""The Optimizer Race: every control across its range, every landscape, extremes included."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import functions  # noqa: E402
from course_utils.race import RACERS, race_one, truncate  # noqa: E402
from course_utils.widgets.optimizer_race import LANDSCAPE_PRESETS, OptimizerRace  # noqa: E402


@pytest.fixture(scope="module")
def race():
    r = OptimizerRace(steps=60)
    yield r
    r.close()


def assert_healthy(r):
    assert r.error is None, r.error
    assert r.caught_warnings == []
    assert r.state_params == r.params
    ticked = [k for k in RACERS if r.params[f"show_{k}"]]
    assert sorted(r.state.entries) == sorted(ticked)
    for entry in r.state.entries.values():
        assert entry.summary in r.message_text


def test_default_race_tells_the_saddle_story(race):
    assert_healthy(race)
    e = race.state.entries
    assert e["newton"].endpoint.kind == "saddle"
    assert e["gd"].endpoint.kind == "global minimum"


@pytest.mark.parametrize("key", list(LANDSCAPE_PRESETS))
def test_every_landscape_with_every_optimizer(race, key):
    with race.hold():
        race.controls["landscape"].value = key
        for k in RACERS:
            race.controls[f"show_{k}"].value = True
    assert_healthy(race)
    land = functions.get(key)
    (x_lo, x_hi), (y_lo, y_hi) = land.bounds
    assert (race.controls["x0"].min, race.controls["x0"].max) == (x_lo, x_hi)
    assert (race.controls["y0"].min, race.controls["y0"].max) == (y_lo, y_hi)
    assert tuple(race.state.start) == LANDSCAPE_PRESETS[key]["start"]
    for entry in race.state.entries.values():
        traj = entry.trajectory
        assert traj.steps <= 60
        if traj.diverged:
            assert f"step {traj.diverged_at}" in entry.endpoint.label


def test_huge_learning_rate_reports_divergence_in_words(race):
    race.set(landscape="rosenbrock", lr=1.0, show_gd=True, steps=100)
    assert_healthy(race)
    assert "diverged at step" in race.state.entries["gd"].endpoint.label


def test_untick_everything_says_so(race):
    race.set(**{f"show_{k}": False for k in RACERS})
    assert_healthy(race)
    assert race.state.entries == {}
    assert "Tick at least one" in race.message_text
    race.set(**{f"show_{k}": True for k in RACERS})
    assert_healthy(race)


def test_cache_reruns_only_what_changed():
    r = OptimizerRace(steps=40)
    try:
        r.set(**{f"show_{k}": True for k in RACERS})
        misses = r.cache_misses
        r.controls["beta"].value = 0.5  # only momentum and Nesterov use β
        assert r.cache_misses == misses + 2
        r.controls["steps"].value = 20  # shorter: truncation, no rerun
        assert r.cache_misses == misses + 2
        fresh = race_one(functions.get("six_hump_camel"), "gd", (0.05, 0.05), steps=20, lr=0.02)
        np.testing.assert_array_equal(r.state.entries["gd"].trajectory.thetas, fresh.trajectory.thetas)
        r.controls["show_adagrad"].value = False
        assert r.cache_misses == misses + 2
    finally:
        r.close()


def test_exact_saddle_start_perturbed_gd_escapes_plain_gd_stays():
    r = OptimizerRace(steps=200, x0=0.0, y0=0.0)
    try:
        r.set(show_gd=True, show_perturbed_gd=True)
        assert r.state.entries["gd"].endpoint.kind == "saddle"
        assert r.state.entries["perturbed_gd"].endpoint.kind in ("minimum", "global minimum")
    finally:
        r.close()


def test_unbounded_landscape_says_it_left_the_window():
    r = OptimizerRace(landscape="saddle", steps=300)
    try:
        assert "left the window" in r.state.entries["gd"].endpoint.label
        assert r.state.entries["newton"].endpoint.kind == "saddle"
    finally:
        r.close()


def test_truncate_matches_a_shorter_run():
    land = functions.get("himmelblau")
    long = race_one(land, "adam", (0.0, 0.0), steps=50, lr=0.1).trajectory
    short = race_one(land, "adam", (0.0, 0.0), steps=20, lr=0.1).trajectory
    cut = truncate(long, 20)
    np.testing.assert_array_equal(cut.thetas, short.thetas)
    np.testing.assert_array_equal(cut.losses, short.losses)
    assert cut.steps == 20 and truncate(long, 80) is long


def test_loss_axis_limits_are_stable_across_learning_rates():
    """Latency: the x-axis follows the steps slider and the log y-axis has a fixed floor and decade tops."""
    r = OptimizerRace(steps=100)
    try:
        for lr in (0.01, 0.012, 0.015, 0.02):
            r.controls["lr"].value = lr
            assert r.ax_loss.get_xlim() == (0.0, 100.0)
            lo, hi = r.ax_loss.get_ylim()
            assert lo == 1e-17 and np.log10(hi) == round(np.log10(hi))
            for line in r.ax_loss.lines:
                if line.get_visible() and len(line.get_ydata()):
                    assert np.max(line.get_ydata()) <= hi  # every curve stays in view
    finally:
        r.close()


def test_the_legend_is_kept_while_the_racers_stay_the_same(race):
    race.set(lr=0.02)
    # one figure legend, the key of both panels (below them in a notebook, beside them on a projector)
    assert race.ax_loss.get_legend() is None and len(race.fig.legends) == 1
    legend = race.fig.legends[0]
    race.set(lr=0.01)  # same racers: the same legend (kept as a cached image when blitting)
    assert race.fig.legends == [legend]
    race.set(show_adam=not race.params["show_adam"])  # one racer fewer or more: a legend that says so
    shown = [t.get_text() for t in race.fig.legends[0].get_texts()]
    assert len(race.fig.legends) == 1 and race.fig.legends[0] is not legend
    assert sorted(shown) == sorted(e.label for e in race.state.entries.values())
    race.set(show_adam=not race.params["show_adam"])


@pytest.mark.parametrize("key", list(LANDSCAPE_PRESETS))
def test_a_landscape_given_at_construction_brings_its_preset_as_the_dropdown_does(key):
    built = OptimizerRace(landscape=key)
    chosen = OptimizerRace()
    chosen.controls["landscape"].value = key  # the oracle: what a click in the dropdown does
    for name in ("x0", "y0", "lr"):
        a, b = built.controls[name], chosen.controls[name]
        assert (a.value, getattr(a, "min", None), getattr(a, "max", None)) == (b.value, getattr(b, "min", None),
                                                                                 getattr(b, "max", None)), name
    (x_lo, x_hi), (y_lo, y_hi) = functions.get(key).bounds
    assert (built.controls["x0"].min, built.controls["x0"].max) == (x_lo, x_hi)
    assert (built.controls["y0"].min, built.controls["y0"].max) == (y_lo, y_hi)


def test_explicit_values_override_the_landscapes_preset():
    race = OptimizerRace(landscape="himmelblau", x0=1.0, lr=0.005)
    assert (race.controls["x0"].value, race.controls["lr"].value) == (1.0, 0.005)
    assert race.controls["y0"].value == LANDSCAPE_PRESETS["himmelblau"]["start"][1]
