"""Gradient Flow Explorer: per-layer gradient norms and activation spreads of a deep MLP at initialization.

Sliders for depth and the initialization's scale, choices for the scheme (naive N(0, 1), Xavier, He), the
activation and skip connections. Everything is computed by :func:`course_utils.diagnostics.gradient_flow`;
the explorer draws two log-scale profiles across the layers and says in words whether the gradient vanishes,
explodes or flows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import diagnostics
from ..plotting import label_axes, series_styles
from .base import Explorer, choice, int_slider, log_slider

__all__ = ["GradientFlowExplorer", "GradientFlowState"]

# The log axes span this range; values outside are drawn at the edge and named in the message.
_FLOOR, _CEIL = 1e-12, 1e12
_MAX_DEPTH = 30


@dataclass(frozen=True)
class GradientFlowState:
    """What the explorer shows for one setting.

    Parameters
    ----------
    grad_norms : ndarray, shape (depth + 1,)
        ‖∂L/∂W_ℓ‖ per layer, input layer first.
    activation_std : ndarray, shape (depth,)
        Spread of each hidden layer's outputs.
    verdict : str
        "vanishing", "exploding" or "healthy".
    message : str
        The verdict in words (from :func:`course_utils.diagnostics.gradient_flow`).
    """

    grad_norms: np.ndarray
    activation_std: np.ndarray
    verdict: str
    message: str


class GradientFlowExplorer(Explorer):
    """Depth × initialization: watch gradients vanish or explode layer by layer.

    Parameters
    ----------
    presentation : bool
        Larger figure and fonts.
    **values
        Initial control values: ``depth``, ``scheme`` ("normal", "xavier", "he"), ``scale``, ``activation``
        ("tanh", "relu"), ``residual`` (False/True).
    """

    title = "Gradient Flow Explorer — how much gradient reaches each layer?"

    def _make_controls(self):
        return {
            "depth": int_slider("hidden layers", 1, _MAX_DEPTH, value=10, tooltip="number of hidden layers"),
            "scheme": choice("initialization", [("naive N(0, 1)", "normal"), ("Xavier", "xavier"), ("He", "he")],
                             value="xavier"),
            "scale": log_slider("init scale ×", 0.1, 10.0, value=1.0, steps_per_decade=10,
                                tooltip="multiplies the standard deviation of every weight"),
            "activation": choice("activation", [("tanh", "tanh"), ("ReLU", "relu")], value="relu"),
            "residual": choice("skip connections", [("off", False), ("on", True)], value=False),
        }

    def compute(self, params) -> GradientFlowState:
        """Pure: the control values → the :class:`GradientFlowState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``depth`` (hidden layers, 1 … 30), ``scheme`` (``"normal"``, ``"xavier"`` or ``"he"``), ``scale`` (multiplies every weight's standard deviation, 0.1 … 10), ``activation`` (``"tanh"`` or ``"relu"``), ``residual`` (bool, skip connections).

        Returns
        -------
        GradientFlowState
        """
        flow = diagnostics.gradient_flow(params["depth"], scheme=params["scheme"], scale=params["scale"],
                                         activation=params["activation"], residual=params["residual"])
        return GradientFlowState(grad_norms=flow.grad_norms, activation_std=flow.activation_std,
                                 verdict=flow.verdict, message=flow.message)

    def _build_figure(self):
        self.fig, (self.ax_grad, self.ax_act) = self.new_figure(1, 2, figsize=(9.6, 3.8))
        styles = series_styles(2)
        (self.grad_line,) = self.ax_grad.plot([], [], markersize=5, **styles[0])
        (self.act_line,) = self.ax_act.plot([], [], markersize=5, **styles[1])
        for ax in (self.ax_grad, self.ax_act):
            ax.set_yscale("log")
            ax.set_ylim(_FLOOR, _CEIL)
            ax.set_xlim(0.5, _MAX_DEPTH + 1.5)
            ax.grid(True, which="major", alpha=0.3)
        # the band a healthy network stays in (same thresholds as diagnostics.GradientFlow.verdict)
        self.ax_grad.axhspan(1e-4, 1e3, color="0.85", zorder=0, label="healthy range")
        self.ax_grad.legend(loc="upper left", fontsize=self.font(8))
        label_axes(self.ax_grad, "gradient per layer", "layer (1 = input)", r"$\|\partial L / \partial W_\ell\|$")
        label_axes(self.ax_act, "activation spread per hidden layer", "hidden layer",
                            "std of the layer's outputs")
        self.verdict_text = self.ax_grad.text(0.97, 0.05, "", transform=self.ax_grad.transAxes, ha="right",
                                              fontsize=self.font(10), fontweight="bold")

    def draw(self, state: GradientFlowState) -> None:
        """Update the figure's artists in place to show ``state``.

        Parameters
        ----------
        state : GradientFlowState
            The explorer's current state (see :class:`GradientFlowState`), from :meth:`compute`.
        """
        g = np.clip(np.nan_to_num(state.grad_norms, nan=_CEIL, posinf=_CEIL), _FLOOR, _CEIL)
        a = np.clip(np.nan_to_num(state.activation_std, nan=_CEIL, posinf=_CEIL), _FLOOR, _CEIL)
        self.grad_line.set_data(np.arange(1, g.size + 1), g)
        self.act_line.set_data(np.arange(1, a.size + 1), a)
        self.verdict_text.set_text(state.verdict)

    def describe(self, state: GradientFlowState) -> str:
        """The message line: ``state.message``, noting when values beyond the axes' range are drawn at the edge.

        Parameters
        ----------
        state : GradientFlowState
            The explorer's current state, from :meth:`compute`.

        Returns
        -------
        str
        """

        clipped = np.any(state.grad_norms < _FLOOR) or np.any(~(state.grad_norms <= _CEIL))
        return state.message + (" (values beyond the axes are drawn at the edge)" if clipped else "")
