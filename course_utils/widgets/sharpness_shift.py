r"""The Shift Explorer: why a flat minimum is said to generalize better.

The training loss has a sharp and a flat minimum of exactly equal depth
(:class:`course_utils.sharpness.SharpFlatLandscape`). Pretend the test loss is the same curve shifted by
:math:`\delta` (the test data differ a little from the training data). The slider moves the test curve; the
loss at the sharp minimum rises like :math:`\tfrac12\lambda_{\text{sharp}}\delta^2`, at the flat one like
:math:`\tfrac12\lambda_{\text{flat}}\delta^2` — many times less. This is the common intuition, in
numbers; the chapter later shows where it breaks (Dinh et al. 2017).

Examples
--------
>>> e = ShiftExplorer(shift=0.1)
>>> e.state.sharp_test_loss > 10 * e.state.flat_test_loss
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..sharpness import SharpFlatLandscape
from .base import Explorer, float_slider

__all__ = ["ShiftExplorer", "ShiftState"]

_XS = np.linspace(-2.0, 2.5, 451)


@dataclass(frozen=True)
class ShiftState:
    """Train and shifted test curves and the test loss at each training minimum.

    Parameters
    ----------
    shift : float
        The shift δ: the test loss is the training loss moved right by δ, ``test(x) = train(x - δ)``.
    xs, train, test : ndarray, shape (G,)
        The parameter grid (451 points in [-2, 2.5]) and the training and test losses on it.
    sharp_test_loss, flat_test_loss : float
        Test loss at the sharp and the flat training minimum.
    message : str
        The message line: both test losses and their ratio.
    """

    shift: float
    xs: np.ndarray
    train: np.ndarray
    test: np.ndarray
    sharp_test_loss: float
    flat_test_loss: float
    message: str


class ShiftExplorer(Explorer):
    """Shift the test loss and compare the sharp and the flat minimum (control: ``shift``, −0.3 to 0.3).

    Parameters
    ----------
    **values
        Initial control value ``shift``; also ``presentation=True`` for larger figure and fonts (see
        :class:`~course_utils.widgets.base.Explorer`).
    """


    title = "Sharp vs flat minimum under a train/test shift"

    def __init__(self, **values):
        self.landscape = SharpFlatLandscape(dim=1)
        super().__init__(**values)

    def _make_controls(self):
        return {"shift": float_slider("test-time shift δ", -0.3, 0.3, 0.01, 0.0, readout_format="+.2f")}

    def compute(self, params) -> ShiftState:
        """Pure: the control values → the :class:`ShiftState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``shift`` (the test-time shift δ, −0.3 … 0.3).

        Returns
        -------
        ShiftState
        """
        d = float(params["shift"])
        L = self.landscape
        train = L.loss_batch(_XS[:, None])
        test = L.loss_batch(_XS[:, None] - d)
        sharp = float(L.loss_batch(L.sharp_minimum[None, :] - d)[0])
        flat = float(L.loss_batch(L.flat_minimum[None, :] - d)[0])
        if d == 0:
            msg = "No shift: both minima have training and test loss 0. Move the slider."
        else:
            ratio = sharp / flat if flat > 0 else np.inf
            msg = (f"δ = {d:+.2f}: test loss {sharp:.4f} at the sharp minimum, {flat:.5f} at the flat one "
                   f"({ratio:.0f}× smaller).")
        return ShiftState(d, _XS, train, test, sharp, flat, msg)

    def _build_figure(self):
        from ..plotting import OKABE_ITO, label_axes

        self.fig, self.ax = self.new_figure(figsize=(6.4, 3.8))
        (self.train_line,) = self.ax.plot([], [], color="0.45", linestyle="--", label="training loss")
        (self.test_line,) = self.ax.plot([], [], color=OKABE_ITO[4], linestyle="-", label="test loss (shifted)")
        L = self.landscape
        xs, xf = L.sharp_minimum[0], L.flat_minimum[0]
        (self.sharp_mark,) = self.ax.plot([xs], [0.0], marker="v", color=OKABE_ITO[3], linestyle="none", markersize=9,
                                          label="sharp minimum: test loss")
        (self.flat_mark,) = self.ax.plot([xf], [0.0], marker="s", color=OKABE_ITO[2], linestyle="none", markersize=8,
                                         label="flat minimum: test loss")
        self.ax.set_xlim(_XS[0], _XS[-1])
        # fixed limits that hold the sharp minimum's marker at every slider value (at δ = +0.3 its test loss is
        # about 1.8): limits that follow the marker would force a full redraw on every slider step
        lo, hi = self.controls["shift"].min, self.controls["shift"].max
        worst = float(L.loss_batch(np.array([[xs - lo], [xs - hi]])).max())
        self.ax.set_ylim(-0.05, max(1.5, 1.1 * worst))
        self.ax.legend(loc="upper center", fontsize=self.font(8))
        label_axes(self.ax, "Equal depth, unequal sensitivity", r"parameter $\theta$", "loss")

    def draw(self, state: ShiftState):
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : ShiftState
            The explorer's current state (see :class:`ShiftState`), from :meth:`compute`.
        """
        self.train_line.set_data(state.xs, state.train)
        self.test_line.set_data(state.xs, state.test)
        self.sharp_mark.set_ydata([state.sharp_test_loss])
        self.flat_mark.set_ydata([state.flat_test_loss])
