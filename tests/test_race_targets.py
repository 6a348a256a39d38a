"""The Optimizer Race's targets in chapter 4 (§3) are achievable as worded — each driven from Python.

Oracles: the known minima of the landscapes (Rosenbrock's (1, 1); Himmelblau's four minima and its maximum)
and the slider's own positions (a log slider with 20 positions per decade from 1e-4).
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from course_utils import functions  # noqa: E402
from course_utils.race import race  # noqa: E402
from course_utils.widgets.optimizer_race import OptimizerRace  # noqa: E402

# The learning-rate slider's positions: 10^(-4 + k/20), k = 0..80.
NOTCHES = 10.0 ** (-4 + np.arange(81) / 20)


def _dist_to(entry, point):
    return float(np.linalg.norm(entry.trajectory.final_theta - np.asarray(point)))


def test_rosenbrock_momentum_gets_within_1e_3_but_plain_gd_never_does():
    """Target: 'get momentum within 1e-3 of the minimum in 1000 steps; how close does plain GD get at its largest
    stable learning rate?'"""
    land = functions.get("rosenbrock")
    r = OptimizerRace(landscape="rosenbrock", steps=1000)
    try:
        r.set(lr=float(10 ** -2.7), show_gd=True, show_momentum=True)
        e = r.state.entries
        assert _dist_to(e["momentum"], (1, 1)) < 1e-3
        assert not e["gd"].trajectory.diverged and 1e-3 < _dist_to(e["gd"], (1, 1)) < 0.05
        # the next notch up makes GD diverge: 10^-2.7 ≈ 0.002 is its largest stable notch
        r.set(lr=float(10 ** -2.65))
        assert r.state.entries["gd"].trajectory.diverged
    finally:
        r.close()
    # momentum reaches the target on more than one notch (it is findable), plain GD on none at all
    hits = 0
    for lr in NOTCHES[20:40]:
        out = race(land, ["gd", "momentum"], (-1.5, 2.0), steps=1000, lr=lr)
        hits += _dist_to(out["momentum"], (1, 1)) < 1e-3
        assert out["gd"].trajectory.diverged or _dist_to(out["gd"], (1, 1)) > 1e-3
    assert hits >= 3


def test_himmelblau_defaults_two_optimizers_end_in_different_minima_and_newton_at_the_maximum():
    """Target: 'from the default start, which optimizers end in different minima, and which one is drawn to the
    maximum?'"""
    land = functions.get("himmelblau")
    r = OptimizerRace(landscape="himmelblau")
    try:
        e = r.state.entries
        ends = {k: tuple(np.round(v.endpoint.point, 2)) for k, v in e.items() if "minimum" in v.endpoint.kind}
        assert len(set(ends.values())) >= 2
        assert ends["gd"] != ends["saddle_free_newton"]
        maximum = next(cp.point for cp in land.critical_points if cp.kind == "maximum")
        assert e["newton"].endpoint.kind == "maximum" and _dist_to(e["newton"], maximum) < 1e-6
    finally:
        r.close()


def test_himmelblau_near_the_maximum_one_notch_of_the_start_changes_the_ending():
    # the text says so: next to the maximum the basins interleave, and a one-notch move (0.01) of the start
    # sends GD to another minimum
    land = functions.get("himmelblau")
    a = race(land, ["gd"], (-0.2, -0.8), steps=200, lr=0.01)["gd"]
    b = race(land, ["gd"], (-0.21, -0.8), steps=200, lr=0.01)["gd"]
    assert "minimum" in a.endpoint.kind and "minimum" in b.endpoint.kind
    assert _dist_to(a, b.endpoint.point) > 1.0
