"""Conditioning Explorer: every control across its range; assertions on the state, never on pixels."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from explorer_checks import assert_healthy  # noqa: E402

from course_utils.widgets import ConditioningExplorer  # noqa: E402


@pytest.fixture
def explorer():
    e = ConditioningExplorer()
    yield e
    e.close()
    plt.close("all")


def test_loss_follows_the_theoretical_rate(explorer):
    e = explorer
    e.set(kappa=10.0, lr=0.15, steps=80)
    assert_healthy(e)
    s = e.state
    assert s.constants.L == pytest.approx(10.0) and s.constants.mu == pytest.approx(1.0)
    assert s.rho == pytest.approx(max(abs(1 - 0.15), abs(1 - 1.5)))
    losses = s.trajectory.losses
    assert np.all(losses <= s.envelope * (1 + 1e-9))  # the bound holds at every step
    ratio = losses[-1] / losses[-2]
    assert ratio == pytest.approx(s.rho**2, rel=1e-6)  # and the asymptotic rate is exactly rho^2


def test_divergence_above_two_over_L_is_said_in_words(explorer):
    e = explorer
    e.set(kappa=10.0, lr=0.3, steps=200)
    assert_healthy(e)
    assert e.state.trajectory.diverged
    assert "diverged at step" in e.message_text and "2/L" in e.message_text
    e.set(lr=0.21, steps=20)  # above 2/L but not yet exploded
    assert "diverging" in e.message_text
    e.set(lr=0.19)
    assert not e.state.trajectory.diverged and "per step" in e.message_text


def test_one_step_when_perfectly_conditioned(explorer):
    e = explorer
    e.set(kappa=1.0, lr=1.0)
    assert_healthy(e)
    assert e.state.trajectory.losses[1] == pytest.approx(0.0, abs=1e-20)
    assert "one step" in e.message_text


def test_conditioning_axes_hold_across_kappa():
    """The loss axis keeps its limits while the curves fit, and the step axis shows the requested horizon even
    when the run stops early (diverged): no rescale on every tick."""
    e = ConditioningExplorer(kappa=1.0, lr=0.15, steps=60)
    try:
        lims = {e.ax_loss.get_ylim()}
        for kappa in (1.5, 2.3, 3.5):
            e.controls["kappa"].value = kappa
            lims.add(e.ax_loss.get_ylim())
        assert len(lims) == 1
        e.controls["kappa"].value = 100.0  # η = 0.15 > 2/L: diverges before step 60
        assert e.state.trajectory.diverged
        assert e.ax_loss.get_xlim() == (0.0, 60.0)
        assert e.ax_loss.get_ylim()[1] > np.nanmax(e.state.trajectory.losses[np.isfinite(e.state.trajectory.losses)])
    finally:
        e.close()


def test_the_best_step_rule_uses_two_over_mu_plus_l_exactly():
    """The slider cannot hit 2/(μ+L) at every κ; the step rule does. Oracle: μ = 1 and L = κ by construction, so
    2/(1 + κ) and ρ = (κ − 1)/(κ + 1) by hand; the loss then shrinks by exactly ρ² per step."""
    e = ConditioningExplorer(kappa=30.0, step_rule="best")
    try:
        kappa = e.state.kappa
        assert e.state.lr == pytest.approx(2 / (1 + kappa), rel=1e-15)
        assert e.state.rho == pytest.approx((kappa - 1) / (kappa + 1), rel=1e-12)
        losses = e.state.trajectory.losses
        np.testing.assert_allclose(losses[1:] / losses[:-1], e.state.rho**2, rtol=1e-9)
        e.set(step_rule="slider", lr=0.05)
        assert e.state.lr == pytest.approx(0.05, rel=0.02)  # the slider's value again (log slider: nearest position)
        assert "best in the worst case" in e.message_text
    finally:
        e.close()


def test_the_explorer_task_is_doable_a_slider_step_beats_two_over_mu_plus_l_from_this_start():
    """The chapter's task at κ = 10: note the loss at 2/(μ+L) exactly, then find a slider step that does better
    from the explorer's start. Oracle: the closed form ½ Σ λ_i c_i² (1 − ηλ_i)^{2t} over the slider's own
    positions, independent of the explorer's run."""
    e = ConditioningExplorer(kappa=10.0, step_rule="best", steps=60)
    try:
        at_best = e.state.trajectory.final_loss
        lam, c = np.array([1.0, 10.0]), np.array([-1.8, 0.9])
        slider = e.controls["lr"]
        positions = 10.0 ** np.arange(slider.min, slider.max + 1e-9, slider.step)
        closed = (0.5 * lam * c**2 * (1 - np.outer(positions, lam)) ** 120).sum(axis=1)
        better = positions[closed < at_best]
        assert better.size  # some slider position wins from this start
        e.set(step_rule="slider", lr=float(better[0]))
        assert e.state.trajectory.final_loss < at_best
        assert e.state.rho > (10 - 1) / (10 + 1)  # though its worst-case rate is worse: 2/(μ+L) is worst-case optimal
    finally:
        e.close()


def test_contours_carry_no_number_one_grey_for_every_level():
    """The path panel's contours are one colour (no colourbar needed); the loss panel is labelled."""
    e = ConditioningExplorer(kappa=30.0)
    try:
        edges = np.unique(np.round(e._contours.get_edgecolor(), 6), axis=0)
        assert len(edges) == 1
        assert e.ax_loss.get_yscale() == "log" and e.ax_loss.get_ylabel()
    finally:
        e.close()
