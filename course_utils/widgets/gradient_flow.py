"""Gradient Flow Explorer: per-layer gradient norms and activation spreads of a deep MLP at initialization.

Sliders for depth and the initialization's scale, choices for the scheme (naive N(0, 1), Xavier, He), the
activation, skip connections and what their residual branches start as (plain, scaled by 1/√L, or zero). Everything is computed by :func:`course_utils.diagnostics.gradient_flow`;
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


def _branch_options(params) -> dict:
    r"""The keyword arguments of :func:`~course_utils.diagnostics.gradient_flow` for the explorer's skip controls.

    Parameters
    ----------
    params : dict
        Control values with ``depth`` (int ≥ 1), ``residual`` (bool) and ``branches`` (``"plain"``, ``"scaled"``
        or ``"zero"``).

    Returns
    -------
    dict
        ``residual``, ``branch_scale`` (:math:`1/\sqrt{\text{depth}-1}` for "scaled", else 1) and
        ``zero_branches``.
    """
    if not isinstance(params, dict):
        raise TypeError(f"`params` must be a dict of control values, got {type(params).__name__}")
    branches = params.get("branches", "plain")
    if branches not in ("plain", "scaled", "zero"):
        raise ValueError(f"`params['branches']` must be 'plain', 'scaled' or 'zero', got {branches!r}")
    residual = bool(params["residual"])
    blocks = int(params["depth"]) - 1  # the first hidden layer changes the width and has no skip
    scaled = residual and branches == "scaled" and blocks >= 1
    return {"residual": residual, "branch_scale": 1.0 / np.sqrt(blocks) if scaled else 1.0,
            "zero_branches": residual and branches == "zero"}


class GradientFlowExplorer(Explorer):
    r"""Depth × initialization: watch gradients vanish or explode layer by layer.

    Parameters
    ----------
    presentation : bool
        Larger figure and fonts.
    **values
        Initial control values: ``depth``, ``scheme`` ("normal", "xavier", "he"), ``scale``, ``activation``
        ("tanh", "relu"), ``residual`` (False/True), ``branches`` ("plain", "scaled": each residual branch
        times :math:`1/\sqrt{L}` for :math:`L` = depth − 1 blocks, "zero": branch weights initialized at zero).
    """

    title = "Gradient Flow Explorer — how much gradient reaches each layer?"

    def _make_controls(self):
        controls = {
            "depth": int_slider("hidden layers", 1, _MAX_DEPTH, value=10, tooltip="number of hidden layers"),
            "scheme": choice("initialization", [("naive N(0, 1)", "normal"), ("Xavier", "xavier"), ("He", "he")],
                             value="xavier"),
            "scale": log_slider("init scale ×", 0.1, 10.0, value=1.0, steps_per_decade=10,
                                tooltip="multiplies the standard deviation of every weight"),
            "activation": choice("activation", [("tanh", "tanh"), ("ReLU", "relu")], value="relu"),
            "residual": choice("skip connections", [("off", False), ("on", True)], value=False),
            "branches": choice("residual branches", [("plain", "plain"), ("× 1/√L", "scaled"),
                                                     ("zero-initialized", "zero")], value="plain",
                               tooltips=["φ(z) added as it is", "each branch times 1/√(depth − 1)",
                                         "branch weights start at zero: every block starts as the identity"]),
        }
        return controls

    def compute(self, params) -> GradientFlowState:
        """Pure: the control values → the :class:`GradientFlowState` to show (draws nothing).

        Parameters
        ----------
        params : dict
            Control values by name: ``depth`` (hidden layers, 1 … 30), ``scheme`` (``"normal"``, ``"xavier"`` or ``"he"``), ``scale`` (multiplies every weight's standard deviation, 0.1 … 10), ``activation`` (``"tanh"`` or ``"relu"``), ``residual`` (bool, skip connections), ``branches`` (``"plain"``, ``"scaled"`` or ``"zero"``; used only with ``residual``).

        Returns
        -------
        GradientFlowState
        """
        flow = diagnostics.gradient_flow(params["depth"], scheme=params["scheme"], scale=params["scale"],
                                         activation=params["activation"], **_branch_options(params))
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
        # no "healthy band" of absolute values: the verdict is relative (diagnostics.GradientFlow.verdict) —
        # the slope of each profile across the layers, not its height, is what matters
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
