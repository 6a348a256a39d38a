"""The two-losses explorer: cross-entropy is convex on the grid, MSE on the sigmoid is not."""

import numpy as np
import pytest

from course_utils.problems import blob_classification
from course_utils.widgets.two_losses import W_MAX, TwoLossesExplorer, _logit_curvature


def _fd_hessian_min_eigenvalue(objective, W, h=1e-3):
    """λ_min of the 2×2 central-difference Hessian of the model's own loss at the rows of W (the oracle)."""
    f = objective.loss_batch
    e1, e2 = np.array([h, 0.0]), np.array([0.0, h])
    f0 = f(W)
    faa = (f(W + e1) - 2 * f0 + f(W - e1)) / h**2
    fbb = (f(W + e2) - 2 * f0 + f(W - e2)) / h**2
    fab = (f(W + e1 + e2) - f(W + e1 - e2) - f(W - e1 + e2) + f(W - e1 - e2)) / (4 * h * h)
    return 0.5 * (faa + fbb) - np.sqrt(0.25 * (faa - fbb) ** 2 + fab**2)


def test_logit_curvature_matches_finite_differences_and_its_sign_thresholds():
    z = np.linspace(-10, 10, 2001)
    h = 1e-3
    sig = lambda t: 1 / (1 + np.exp(-t))  # noqa: E731
    losses = {("cross_entropy", 1): lambda t: np.logaddexp(0, t) - t, ("cross_entropy", 0): lambda t: np.logaddexp(0, t),
              ("mse", 1): lambda t: (sig(t) - 1) ** 2, ("mse", 0): lambda t: sig(t) ** 2}
    for (loss, label), f in losses.items():
        fd = (f(z + h) - 2 * f(z) + f(z - h)) / h**2
        np.testing.assert_allclose(_logit_curvature(z, np.full_like(z, label), loss), fd, atol=1e-7)
    # MSE curves down exactly where σ(z) < 1/3 (label 1), i.e. z < −ln 2, and where σ(z) > 2/3 (label 0)
    away = np.abs(np.abs(z) - np.log(2)) > 1e-6
    np.testing.assert_array_equal((_logit_curvature(z, np.ones_like(z), "mse") < 0)[away], (z < -np.log(2))[away])
    np.testing.assert_array_equal((_logit_curvature(z, np.zeros_like(z), "mse") < 0)[away], (z > np.log(2))[away])
    assert np.all(_logit_curvature(z, np.ones_like(z), "cross_entropy") > 0)
    with pytest.raises(ValueError, match="labels 0 or 1"):
        _logit_curvature(z, np.full_like(z, 0.5), "mse")


@pytest.mark.parametrize("separation, noise, seed", [(3.0, 0.1, 0), (6.0, 0.0, 0), (0.0, 0.5, 3), (2.25, 0.15, 9)])
def test_hatched_points_are_where_the_surface_curves_down(separation, noise, seed):
    """The hatched mask is the sign of a finite-difference Hessian of the model's loss (where that sign is
    resolvable: |λ_min| above 1e-6 of the grid's largest), and it marks only points where some example is
    confidently wrong — the only way a sum of ℓ''(z_i) x_i x_iᵀ can have a negative eigenvalue."""
    e = TwoLossesExplorer(separation=separation, label_noise=noise, seed=seed)
    try:
        state = e.state
        objectives = blob_classification(separation, noise, seed=seed)
        grid = state.slices["mse"].alphas
        W = np.stack(np.meshgrid(grid, grid, indexing="ij"), axis=-1).reshape(-1, 2)
        for loss, objective in objectives.items():
            fd = _fd_hessian_min_eigenvalue(objective, W).reshape(grid.size, grid.size)
            scale = np.max(np.abs(fd))
            np.testing.assert_allclose(state.lam_min[loss], fd, atol=1e-4 * scale)
            resolvable = np.abs(fd) > 1e-6 * scale
            np.testing.assert_array_equal(state.negative[loss][resolvable], (fd < 0)[resolvable])
            assert state.negative_fraction[loss] == pytest.approx(np.mean(state.negative[loss]))
        assert not state.negative["cross_entropy"].any()
        # necessary condition: at a hatched point some example has σ < 1/3 with label 1 or σ > 2/3 with label 0
        mse = objectives["mse"]
        for w in W[state.negative["mse"].reshape(-1)][::37]:
            p = mse.predict(w)
            assert np.any(np.where(mse.y == 1, p < 1 / 3, p > 2 / 3))
    finally:
        e.close()


def test_two_losses_explorer_all_controls():
    e = TwoLossesExplorer()
    try:
        settings = [("separation", 0.0), ("separation", 6.0), ("label_noise", 0.0), ("label_noise", 0.5),
                    ("seed", 9), ("seed", 0), ("separation", 2.25), ("label_noise", 0.15)]
        rng = np.random.default_rng(0)
        settings += [settings[i] for i in rng.permutation(len(settings))]
        for name, value in settings:
            e.controls[name].value = value
            s = e.state
            assert e.error is None and e.caught_warnings == []
            assert e.state_params == e.params
            # convexity of cross-entropy holds for every data set; MSE on a sigmoid always bends down somewhere
            assert s.negative_fraction["cross_entropy"] == 0.0
            assert s.negative_fraction["mse"] > 0.1
            for loss, sl in s.slices.items():
                assert sl.losses.shape == (61, 61)
                assert sl.losses.min() == pytest.approx(np.min(sl.losses))
                i, j = np.argwhere(sl.losses == sl.losses.min())[0]
                np.testing.assert_allclose(s.best[loss], [sl.alphas[i], sl.betas[j]])
            assert "cross-entropy" in e.message_text
    finally:
        e.close()


def test_separable_data_push_cross_entropy_minimum_to_the_edge():
    e = TwoLossesExplorer(separation=6.0, label_noise=0.0)
    # separable data: neither loss has a finite minimiser, both lowest grid points sit on the box's edge
    for loss in ("cross_entropy", "mse"):
        assert e.state.on_edge[loss] and np.max(np.abs(e.state.best[loss])) == W_MAX
    assert "infinity" in e.message_text and "cross-entropy and MSE" in e.message_text
    e.set(separation=1.0, label_noise=0.3)
    assert not any(e.state.on_edge.values()) and "infinity" not in e.message_text
    e.close()


def test_two_losses_reuses_a_computed_setting():
    e = TwoLossesExplorer(separation=3.0, label_noise=0.1)
    try:
        first = e.state
        e.controls["separation"].value = 4.0
        assert e.state is not first and e.state.slices["mse"].losses.shape == first.slices["mse"].losses.shape
        e.controls["separation"].value = 3.0
        assert e.state is first  # dragged back: the cached state, not a recomputation
        fresh = TwoLossesExplorer(separation=3.0, label_noise=0.1)  # and the cache holds what a new one computes
        try:
            np.testing.assert_array_equal(fresh.state.slices["mse"].losses, first.slices["mse"].losses)
        finally:
            fresh.close()
    finally:
        e.close()


@pytest.mark.parametrize("separation, noise, seed", [(0.0, 0.0, 0), (3.0, 0.1, 0), (6.0, 0.0, 3), (1.75, 0.5, 9)])
def test_the_drawn_surfaces_are_the_models_losses(separation, noise, seed):
    # The explorer computes both losses from logits and sigmoids it shares with the Hessians; the oracle is the
    # model's own loss on the plane (surfaces.slice_2d of the LogisticRegression objectives), and the lowest grid
    # point found on it.
    from course_utils import surfaces

    e = TwoLossesExplorer(separation=separation, label_noise=noise, seed=seed)
    grid = np.linspace(-W_MAX, W_MAX, 61)
    for loss, obj in blob_classification(separation, noise, seed=seed).items():
        want = surfaces.slice_2d(obj, np.zeros(2), [1.0, 0.0], [0.0, 1.0], grid, grid)
        got = e.state.slices[loss]
        np.testing.assert_allclose(got.losses, want.losses, rtol=1e-12, atol=1e-15)
        for name in ("alphas", "betas", "center", "d1", "d2"):
            np.testing.assert_array_equal(getattr(got, name), getattr(want, name))
        i, j = np.unravel_index(np.argmin(want.losses), want.losses.shape)
        np.testing.assert_array_equal(e.state.best[loss], [grid[i], grid[j]])
    e.close()
