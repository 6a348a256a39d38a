"""The two-losses explorer: cross-entropy is convex on the grid, MSE on the sigmoid is not."""

import numpy as np
import pytest

from course_utils.widgets.two_losses import W_MAX, TwoLossesExplorer


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
    assert e.state.on_edge and np.max(np.abs(e.state.best["cross_entropy"])) == W_MAX
    assert "infinity" in e.message_text
    e.set(separation=1.0, label_noise=0.3)
    assert not e.state.on_edge and "infinity" not in e.message_text
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
