"""Jensen Explorer: every control across its range; assertions on the state, never on pixels."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from explorer_checks import assert_healthy, labels_outside_the_figure  # noqa: E402

from course_utils.widgets import JensenExplorer  # noqa: E402
from course_utils.widgets.jensen import DISTRIBUTIONS, JENSEN_FUNCTIONS  # noqa: E402


@pytest.fixture
def explorer():
    e = JensenExplorer()
    yield e
    e.close()
    plt.close("all")


def test_two_points_gap_is_the_chord_gap(explorer):
    e = explorer
    e.set(distribution="two points", function="x²", a=-1.0, b=2.0, p=0.3)
    assert_healthy(e)
    r = e.state.result
    mean = 0.3 * -1 + 0.7 * 2
    assert r.mean == pytest.approx(mean)
    assert r.mean_of_f == pytest.approx(0.3 * 1 + 0.7 * 4)
    assert r.gap == pytest.approx(0.3 * 0.7 * 9)  # p(1-p)(b-a)^2 = Var X
    assert e.state.chord.chord_value == pytest.approx(r.mean_of_f)  # E f(X) lies on the chord
    assert "convex" in e.message_text and "≥ 0" in e.message_text
    assert e.mean_of_f.get_xydata()[0] == pytest.approx([mean, r.mean_of_f])


def test_log_is_concave_and_gives_amgm(explorer):
    e = explorer
    e.set(function="log x", a=1.0, b=3.0, p=0.5)
    assert_healthy(e)
    assert e.state.result.gap == pytest.approx(math.log(3.0) / 2 - math.log(2.0))
    assert "AM–GM" in e.message_text and "concave" in e.message_text
    assert e.mean_of_f.get_marker() == "v"  # below: a different marker, not only a colour


def test_gaussian_exp_matches_closed_form_and_monte_carlo(explorer):
    e = explorer
    e.set(distribution="Gaussian", function="eˣ", mean=0.3, std=0.7)
    assert_healthy(e)
    exact = math.exp(0.3 + 0.49 / 2) - math.exp(0.3)
    assert e.state.result.gap == pytest.approx(exact, rel=1e-9)
    mc = e.state.monte_carlo
    assert abs(mc.gap - exact) < 4 * mc.stderr
    assert "Monte Carlo" in e.message_text
    assert e.controls["a"].disabled and not e.controls["std"].disabled


def test_uniform_variance(explorer):
    e = explorer
    e.set(distribution="uniform", function="x²", a=2.0, b=-1.0)  # ends in either order
    assert_healthy(e)
    assert e.state.result.gap == pytest.approx(9 / 12, rel=1e-10)
    assert e.controls["mean"].disabled and e.controls["p"].disabled


def test_log_under_gaussian_is_undefined_in_words(explorer):
    e = explorer
    e.set(distribution="Gaussian", function="log x", mean=2.0, std=0.3)
    assert_healthy(e)
    assert "undefined" in e.message_text


@pytest.mark.parametrize("kind", DISTRIBUTIONS)
def test_every_function_and_extreme_setting(explorer, kind):
    e = explorer
    e.controls["distribution"].value = kind
    for name, (_, shape) in JENSEN_FUNCTIONS.items():
        e.controls["function"].value = name
        for a, b, p, mean, std in [(-3.0, 3.0, 0.0, -2.5, 0.0), (3.0, -3.0, 1.0, 2.5, 1.5),
                                   (0.0, 0.0, 0.5, 0.0, 0.01), (-3.0, -3.0, 0.01, -2.5, 1.5)]:
            e.set(a=a, b=b, p=p, mean=mean, std=std)
            assert_healthy(e)
            r = e.state.result
            if np.isfinite(r.gap):
                if shape == "convex":
                    assert r.gap >= -1e-9
                elif shape == "concave":
                    assert r.gap <= 1e-9
            else:
                assert "undefined" in e.message_text


def test_random_settings(explorer):
    e = explorer
    rng = np.random.default_rng(1)
    for _ in range(30):
        name = list(e.controls)[rng.integers(len(e.controls))]
        c = e.controls[name]
        if name == "distribution":
            c.value = DISTRIBUTIONS[rng.integers(3)]
        elif name == "function":
            c.value = list(JENSEN_FUNCTIONS)[rng.integers(len(JENSEN_FUNCTIONS))]
        else:
            c.value = float(rng.uniform(c.min, c.max))
        assert_healthy(e)


def test_jensen_limits_hold_while_a_moves_and_do_not_depend_on_the_path():
    """Both points stay in view; a small move keeps the limits (a cheap blit); a setting shows the limits of a
    fresh explorer at that setting, however it was reached (the oracle: the fresh explorer)."""
    e = JensenExplorer(distribution="two points", function="x²", a=-3.0, b=2.0)
    try:
        for a in (-2.5, -1.0, 0.0, 1.5, 3.0, -2.95, -3.0):
            e.controls["a"].value = a
            lims = e.ax.get_ylim()
            r = e.state.result
            assert lims[0] <= r.f_of_mean and r.mean_of_f <= lims[1]  # both points stay in view
        assert e.ax.get_ylim() == lims  # -2.95 → -3.0: the same limits
        fresh = JensenExplorer(distribution="two points", function="x²", a=-3.0, b=2.0)
        try:
            assert fresh.ax.get_ylim() == lims and fresh.ax_pdf.get_ylim() == e.ax_pdf.get_ylim()
        finally:
            fresh.close()
    finally:
        e.close()


def test_a_zero_gap_is_explained_by_what_causes_it(explorer):
    """A point mass, a convex f that is affine where X lives, and a non-convex f whose bends cancel by symmetry
    all give a zero gap — for three different reasons, and the message names the right one."""
    e = explorer
    e.set(distribution="uniform", function="sin x", a=-2.0, b=2.0)  # sin is odd: E sin X = 0 = sin E X
    assert e.state.result.gap == pytest.approx(0.0, abs=1e-12) and e.state.distribution.std > 0
    assert "cancel" in e.message_text and "No spread" not in e.message_text and "affine" not in e.message_text
    e.set(distribution="Gaussian", function="sin x", mean=0.0, std=0.0)
    assert "No spread" in e.message_text and "cancel" not in e.message_text
    e.set(distribution="uniform", function="|x|", a=0.5, b=2.5)  # convex, and affine (= x) on [0.5, 2.5]
    assert e.state.result.gap == pytest.approx(0.0, abs=1e-9)
    assert "affine" in e.message_text and "cancel" not in e.message_text
    assert_healthy(e)


@pytest.mark.parametrize("setting", [dict(distribution="Gaussian", function="eˣ", mean=2.5, std=1.5),
                                     dict(distribution="two points", function="x²", a=-3.0, b=3.0),
                                     dict(distribution="uniform", function="log x", a=0.05, b=3.0)])
def test_labels_stay_inside_the_figure_after_the_layout_is_frozen(setting):
    e = JensenExplorer()  # laid out for the default setting, then frozen
    try:
        e.set(**setting)
        assert e.error is None
        assert labels_outside_the_figure(e.fig) == []
    finally:
        e.close()
