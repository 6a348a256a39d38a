"""Chapter 5 explorers: their markers stay on the axes and out from under the legend at every slider value.

The oracle is the drawn figure itself (axes limits, the legend's bounding box in display coordinates), not the
explorers' own state.
"""

import numpy as np
import pytest

from course_utils import data, optimizers
from course_utils.models import MLP
from course_utils.widgets import ReparameterizationExplorer, ShiftExplorer
from course_utils.widgets.sharpness_measures import _span


@pytest.mark.parametrize("shift", [-0.3, -0.15, 0.15, 0.3])
def test_shift_markers_inside_the_axes(shift):
    e = ShiftExplorer(shift=shift)
    lo, hi = e.ax.get_ylim()
    for mark in (e.sharp_mark, e.flat_mark):
        y = mark.get_ydata()[0]
        assert lo < y < hi, (shift, y, (lo, hi))


@pytest.fixture(scope="module")
def relu_fit():
    X, y = data.two_moons(120, noise=0.3, rng=0)
    relu = MLP(X, y, hidden=(8,), activation="relu", loss="cross_entropy")
    theta = optimizers.run(relu, optimizers.gd(), relu.init(0, scheme="he"), steps=60, lr=0.5).final_theta
    return relu, theta


@pytest.mark.parametrize("alpha", [0.1, 1.0, 8.0, 10.0])
def test_reparameterization_markers_not_under_the_legend(relu_fit, alpha):
    relu, theta = relu_fit
    e = ReparameterizationExplorer(relu, theta, alpha=alpha)
    e.fig.canvas.draw()
    box = e.ax_m.get_legend().get_window_extent()
    lo, hi = e.ax_m.get_ylim()
    for mark in (e.mark_lam, e.mark_tr):
        x, y = mark.get_xdata()[0], mark.get_ydata()[0]
        assert lo < y < hi
        px, py = e.ax_m.transData.transform((x, y))
        assert not box.contains(px, py), (alpha, (x, y))


def test_span_prints_one_value_once():
    assert _span(np.array([4.71, 4.69])) == "4.7×"
    assert _span(np.array([3.1, 4.7])) == "3.1–4.7×"
