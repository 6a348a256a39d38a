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


def test_sam_explorer_every_control():
    e = SAMExplorer(steps=60)
    rng = np.random.default_rng(1)
    for name in ("rho", "lr"):
        for v in _values(e.controls[name], rng, k=1):
            e.controls[name].value = float(v)
            assert e.error is None and e.caught_warnings == [] and e.message_text
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
