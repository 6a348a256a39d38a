"""Chapter 5 explorers driven through every control: extremes, random values, random order."""

import numpy as np
import pytest

from course_utils import data, optimizers
from course_utils.models import MLP, Quadratic
from course_utils.widgets import (
    ReparameterizationExplorer,
    SAMExplorer,
    SharpnessExplorer,
    ShiftExplorer,
    StabilityExplorer,
)


def _values(control, rng, k=3):
    lo, hi = control.min, control.max
    if hasattr(control, "base"):  # log slider: min/max are exponents
        return [control.base**v for v in (lo, hi, *rng.uniform(lo, hi, k))]
    return [lo, hi, *rng.uniform(lo, hi, k)]


def _drive(explorer, rng):
    names = list(explorer.controls)
    for name in rng.permutation(names):
        for v in _values(explorer.controls[name], rng):
            control = explorer.controls[name]
            control.value = int(round(v)) if isinstance(control.value, int) else float(v)
            assert explorer.error is None, explorer.error
            assert explorer.caught_warnings == []
            assert explorer.state_params == explorer.params
            assert explorer.message_text


def test_shift_explorer():
    e = ShiftExplorer()
    assert e.state.sharp_test_loss == e.state.flat_test_loss == 0.0
    sharp, flat = e.landscape.curvatures()
    for d in (-0.05, 0.02, 0.05):
        e.controls["shift"].value = d
        assert e.state.sharp_test_loss > 10 * e.state.flat_test_loss
        # small shifts: the quadratic model ½λδ² (loss curvature at each minimum)
        assert np.isclose(e.state.flat_test_loss, 0.5 * flat * d**2, rtol=0.05)
        assert "sharp" in e.message_text
    _drive(e, np.random.default_rng(0))
    e.close()


def test_sam_explorer_gd_sharp_sam_flat():
    e = SAMExplorer()
    assert (e.state.gd_basin, e.state.sam_basin) == ("sharp", "flat")
    assert "flat minimum" in e.message_text
    e.controls["rho"].value = 0.0
    assert e.state.sam_basin == "sharp"                      # ρ = 0 is GD
    np.testing.assert_allclose(e.state.sam_path, e.state.gd_path)
    with e.hold():
        e.controls["steps"].value = 10
        e.controls["rho"].value = 0.5
    assert e.state.gd_path.shape == (11, 2)
    e.close()


def test_stability_explorer_threshold():
    e = StabilityExplorer(lr=0.19)
    assert np.isclose(e.state.threshold, 0.2)
    assert e.state.stable and e.state.losses[-1] < e.state.losses[0]
    e.controls["lr"].value = 0.21
    assert not e.state.stable and e.state.losses[-1] > 100 * e.state.losses[0]
    assert "diverges" in e.message_text
    e.controls["lr"].value = 0.25
    assert not e.state.stable and e.error is None
    _drive(e, np.random.default_rng(2))
    e.close()


def test_sharpness_explorer_on_a_quadratic():
    q = Quadratic(np.diag([1.0, 10.0, 0.1]))
    e = SharpnessExplorer(q, {"min": np.zeros(3), "off": np.array([0.1, 0.0, 0.0])}, rho=0.1, eps=1e-2)
    s = e.state
    assert s.sam[0] == 0.0 and s.sam[1] > 0
    assert np.all(s.worst_random <= 0.5 * 0.1**2 * 10 + 1e-12 + 0.1 * 0.1 * 10 * 0.1)
    np.testing.assert_allclose(s.top_slices[0], 0.5 * 10 * s.ts**2, rtol=1e-10)
    assert np.isclose(s.keskar[0], 0.5 * 1e-4 * 11.1, rtol=1e-6)
    _drive(e, np.random.default_rng(3))
    e.close()
    with pytest.raises(ValueError, match="minima"):
        SharpnessExplorer(q, {})


@pytest.fixture(scope="module")
def relu_net():
    X, y = data.two_moons(60, noise=0.2, rng=0)
    m = MLP(X, y, hidden=(6,), activation="relu", loss="cross_entropy")
    return m, optimizers.run(m, optimizers.gd(), m.init(0, scheme="he"), steps=100, lr=0.5).final_theta


def test_reparameterization_explorer(relu_net):
    m, th = relu_net
    e = ReparameterizationExplorer(m, th)
    assert np.isclose(e.state.lambda_max, e.state.lambda_max_ref)
    for a in (0.1, 10.0, 0.37):
        e.controls["alpha"].value = a
        s = e.state
        assert s.loss_change < 1e-12 and s.prediction_change < 1e-12
        assert abs(s.lambda_max - s.lambda_max_ref) > 0.1 * s.lambda_max_ref
        np.testing.assert_allclose(s.filter_slice, s.filter_ref, rtol=1e-9, atol=1e-12)
        assert np.max(np.abs(s.raw_slice - s.raw_ref)) > 1e-3
    _drive(e, np.random.default_rng(4))
    e.close()


@pytest.mark.parametrize("dim", [1, 2])
def test_sharp_flat_closed_form_gradient_matches_autograd(dim):
    # SAMExplorer's speed comes from this closed form (optimizers call _grad_fn once per step).
    from autograd import grad

    from course_utils.derivatives import finite_difference_gradient
    from course_utils.sharpness import SharpFlatLandscape

    L = SharpFlatLandscape(dim=dim, sharp_width=0.25)
    pts = np.random.default_rng(0).normal(size=(20, dim)) + L.sharp_minimum
    reference = np.array([grad(L.unchecked_loss)(p) for p in pts])
    np.testing.assert_allclose(np.array([L.grad(p) for p in pts]), reference, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(L.grad_batch(pts), reference, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(L.grad(pts[3]), finite_difference_gradient(L.unchecked_loss, pts[3]), rtol=1e-6, atol=1e-8)


def test_sam_explorer_moving_rho_reuses_the_gd_run_and_revisits_are_cached():
    e = SAMExplorer(steps=60)
    gd_path = e.state.gd_path
    e.controls["rho"].value = 0.3
    assert e.state.gd_path is gd_path            # GD does not depend on ρ: not rerun
    sam_03 = e.state.sam_path
    e.controls["rho"].value = 0.1
    assert e.state.sam_path is not sam_03
    e.controls["rho"].value = 0.3
    assert e.state.sam_path is sam_03            # a value seen before is not recomputed
    fresh = optimizers.run(e.landscape, optimizers.sam(optimizers.gd(), rho=0.3), (-2.0, -1.1), steps=60, lr=1 / 32)
    np.testing.assert_array_equal(sam_03, fresh.thetas)  # ... and is what a fresh run gives
    e.controls["lr"].value = 0.02
    assert e.state.gd_path is not gd_path        # a new η reruns both
    e.close()


def test_sharpness_explorer_layout_is_stable_and_keskar_cached():
    q = Quadratic(np.diag([1.0, 10.0, 0.1]))
    e = SharpnessExplorer(q, {"min": np.zeros(3)}, rho=0.1, eps=1e-2)
    xlim, ylim = e.ax_slice.get_xlim(), e.ax_slice.get_ylim()
    keskar = e._keskar_cache[1e-2]
    for rho in (0.01, 0.003, 0.05):
        e.controls["rho"].value = rho
        # in units of ρ a quadratic's slices are the same parabola ½λ(t/ρ)² at every ρ: the axes never move
        assert e.ax_slice.get_xlim() == xlim and e.ax_slice.get_ylim() == ylim
        x, y = e.top_lines[0].get_data()
        np.testing.assert_allclose(y, 0.5 * 10 * x**2, rtol=1e-9)
        assert e._keskar_cache[1e-2] is keskar   # Keskar's box search depends on ε only
    e.controls["rho"].value = 1.0
    s = e.state
    heights = [h for h in (s.keskar[0], s.worst_random[0], s.average_random[0], s.sam[0]) if h > 0]
    lo, hi = e.ax_bar.get_ylim()
    assert len(heights) >= 3 and all(lo < h < hi for h in heights)  # the bar axis follows data leaving the view
    e.close()


def test_reparameterization_measures_match_direct_measurement(relu_net):
    from course_utils import curvature, sharpness

    m, th = relu_net
    e = ReparameterizationExplorer(m, th)
    assert e._hessian is not None              # small P: the closed form H(θ_α) = D⁻¹ H(θ) D⁻¹ is used
    ylim = e.ax_s.get_ylim()
    for a in (0.1, 0.5, 3.0):
        e.controls["alpha"].value = a
        t = sharpness.rescale_relu_network(m, th, a)
        assert np.isclose(e.state.lambda_max, curvature.lambda_max(m, t, rng=0), rtol=1e-7)
        assert np.isclose(e.state.trace, sharpness.hessian_trace(m, t)[0], rtol=1e-9)
        assert e.ax_s.get_ylim() == ylim       # fixed limits: moving α never rescales the axes
    e.close()
    wd = MLP(m.X, m.y, hidden=(6,), activation="relu", loss="cross_entropy", weight_decay=1e-3)
    e = ReparameterizationExplorer(wd, th, alpha=2.0)
    assert e._hessian is None                  # weight decay breaks the invariance: measured at θ_α instead
    t = sharpness.rescale_relu_network(wd, th, 2.0)
    assert np.isclose(e.state.lambda_max, curvature.lambda_max(wd, t, rng=0))
    e.close()


@pytest.mark.parametrize("rho", [None, 0.0, 0.07, 0.2, 0.5])
def test_sam_explorer_fast_run_is_the_generic_run_number_for_number(rho):
    # The oracle is the generic loop (optimizers.run with the gd / sam transforms), not the fast path's arithmetic:
    # iterates, losses, gradient norms, rates and how the run ended, bit for bit, over the sliders' range — and
    # beyond it (lr = 5: the run explodes, and the record of the divergence is the generic one).
    from course_utils.sharpness import SharpFlatLandscape
    from course_utils.widgets.sam_explorer import SAM_START, _fast_run

    L = SharpFlatLandscape(dim=2, sharp_width=0.25)
    for lr, steps in ((0.005, 400), (1 / 32, 300), (0.06, 300), (0.043, 10), (5.0, 50)):
        fast = _fast_run(L, rho, lr, steps)
        rule = optimizers.gd() if rho is None else optimizers.sam(optimizers.gd(), rho=rho)
        generic = optimizers.run(L, rule, SAM_START, steps=steps, lr=lr)
        for field in ("thetas", "losses", "grad_norms", "lrs"):
            np.testing.assert_array_equal(getattr(fast, field), getattr(generic, field), err_msg=field)
        assert (fast.diverged_at, fast.converged_at, fast.optimizer) == \
            (generic.diverged_at, generic.converged_at, generic.optimizer)
    assert generic.diverged  # the last case did explode


def test_sam_explorer_windowed_paths_are_window_paths():
    # The explorer's shortcut for paths inside the window (and its memo) against plotting.window_path itself,
    # field by field, over settings whose paths stay inside and a made-up one that leaves and comes back.
    from course_utils.plotting import window_path
    from course_utils.widgets.sam_explorer import _BOUNDS

    e = SAMExplorer(steps=100)
    leaving = np.array([[-2.0, -1.1], [0.0, 0.0], [3.0, 0.5], [1.0, 1.0], [1.5, -2.0]])
    paths = [e.state.gd_path, e.state.sam_path, leaving]
    for rho, lr in ((0.0, 0.005), (0.31, 0.06), (0.5, 0.02)):
        e.set(rho=rho, lr=lr)
        paths += [e.state.gd_path, e.state.sam_path]
    for path in paths:
        for diverged in (False, True):
            got, want = e._window(path, diverged), window_path(path, _BOUNDS, diverged=diverged)
            assert e._window(path, diverged) is got  # remembered
            for name in ("xy", "start", "end", "end_inside", "edge", "direction", "diverged", "bounds"):
                if getattr(want, name) is None:
                    assert getattr(got, name) is None, name
                else:
                    np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
    e.close()
