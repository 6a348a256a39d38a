"""Tests for the Explorer base class, with a tiny dummy explorer (Agg backend, no browser)."""

import subprocess
import sys
import warnings
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import ipywidgets as W  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils.widgets import Explorer  # noqa: E402
from course_utils.widgets.base import choice, float_slider, int_slider, log_slider  # noqa: E402


@dataclass(frozen=True)
class ProductState:
    product: float
    message: str


class ProductExplorer(Explorer):
    """a · b, drawn as a bar; a < 0 is an error; a > 9 emits a warning; b = 13 overflows quietly."""

    title = "product"

    def __init__(self, **kw):
        self.calls = 0
        super().__init__(**kw)

    def _make_controls(self):
        return {"a": float_slider("a", -1.0, 10.0, 0.5, 2.0), "b": int_slider("b", 0, 20, value=3),
                "mode": choice("mode", ["plain", "bad draw"], value="plain")}

    def compute(self, params):
        self.calls += 1
        a, b = params["a"], params["b"]
        if a < 0:
            raise ValueError(f"`a` must be >= 0, got {a}")
        if a > 9:
            warnings.warn("a is large", UserWarning, stacklevel=2)
        if b == 13:
            np.exp(np.array([1e5]))  # overflow: silenced by np.errstate inside update()
        return ProductState(a * b, f"a·b = {a * b:g}")

    def _build_figure(self):
        self.fig, self.ax = self.new_figure(figsize=(3, 2))
        (self.line,) = self.ax.plot([], [])

    def draw(self, state):
        if self.params["mode"] == "bad draw":
            raise RuntimeError("cannot draw")
        self.line.set_data([0, 1], [0, state.product])


@pytest.fixture
def explorer():
    e = ProductExplorer()
    yield e
    e.close()
    plt.close("all")


def test_initial_state_matches_controls(explorer):
    assert explorer.params == {"a": 2.0, "b": 3, "mode": "plain"}
    assert explorer.state == ProductState(6.0, "a·b = 6")
    assert explorer.state_params == explorer.params
    assert explorer.message_text == "a·b = 6" and "a·b = 6" in explorer.message.value
    assert list(explorer.line.get_ydata()) == [0, 6.0]


def test_setting_a_control_recomputes_and_redraws_synchronously(explorer):
    explorer.controls["a"].value = 4.5
    assert explorer.state.product == 13.5
    assert explorer.state_params == explorer.params
    assert list(explorer.line.get_ydata()) == [0, 13.5]
    assert explorer.last_update_ms >= 0


def test_compute_error_becomes_a_message_not_an_exception(explorer):
    explorer.controls["a"].value = -1.0
    assert explorer.state is None and explorer.state_params == explorer.params
    assert "`a` must be >= 0, got -1.0" in explorer.error
    assert explorer.message_text.startswith("could not compute")
    assert "⚠" in explorer.message.value
    explorer.controls["a"].value = 1.0  # recovers
    assert explorer.error is None and explorer.state.product == 3.0


def test_draw_error_becomes_a_message(explorer):
    explorer.controls["mode"].value = "bad draw"
    assert "cannot draw" in explorer.error and explorer.state.product == 6.0


def test_warnings_are_captured_not_sprayed(explorer):
    # pytest turns warnings into errors: reaching the asserts means nothing escaped
    explorer.controls["a"].value = 9.5
    assert explorer.caught_warnings == ["UserWarning: a is large"]
    explorer.controls["a"].value = 1.0
    assert explorer.caught_warnings == []
    explorer.controls["b"].value = 13  # floating-point overflow is silenced, not recorded
    assert explorer.caught_warnings == [] and explorer.state.product == 13.0


def test_hold_and_set_recompute_once(explorer):
    before = explorer.calls
    explorer.set(a=3.0, b=4)
    assert explorer.calls == before + 1 and explorer.state.product == 12.0
    with explorer.hold():
        explorer.controls["a"].value = 5.0
        explorer.controls["b"].value = 5
        assert explorer.state.product == 12.0  # not yet
    assert explorer.calls == before + 2 and explorer.state.product == 25.0
    with pytest.raises(ValueError, match="unknown control"):
        explorer.set(c=1)


def test_reset_button_restores_initial_values(explorer):
    explorer.set(a=7.0, b=9)
    explorer.reset_button().click()
    assert explorer.params == {"a": 2.0, "b": 3, "mode": "plain"} and explorer.state.product == 6.0


def test_initial_values_and_unknown_names():
    e = ProductExplorer(a=1.5, b=2)
    try:
        assert e.state.product == 3.0
        e.controls["a"].value = 4.0
        e.reset_controls()
        assert e.params["a"] == 1.5  # the defaults are the values the explorer was created with
    finally:
        e.close()
    with pytest.raises(ValueError, match="unknown control"):
        ProductExplorer(z=1)


def test_widget_layout_contains_controls_canvas_and_message(explorer):
    box = explorer.widget
    assert explorer.widget is box  # built once

    def walk(w):
        yield w
        for child in getattr(w, "children", ()):
            yield from walk(child)

    parts = list(walk(box))
    for control in explorer.controls.values():
        assert control in parts
    assert explorer.message in parts
    # Agg is not a DOM widget: the figure sits in an Output widget
    assert any(isinstance(w, W.Output) for w in parts)
    assert any(isinstance(w, W.Button) and w.description == "Reset" for w in parts)
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == box.model_id


def test_updates_after_display_keep_working(explorer):
    _ = explorer.widget
    explorer.controls["b"].value = 10
    assert explorer.state.product == 20.0


def test_presentation_mode_is_bigger():
    small, big = ProductExplorer(), ProductExplorer(presentation=True)
    try:
        assert big.fig.get_size_inches()[0] > small.fig.get_size_inches()[0]
        assert "1.25em" in big.message.value
    finally:
        small.close()
        big.close()


def test_control_factories_have_descriptions_readouts_and_throttling():
    s = float_slider("rate", 0.0, 1.0, 0.1, 0.5, heavy=True)
    assert s.description == "rate" and s.readout and s.continuous_update is False
    lg = log_slider("η", 1e-3, 1.0, 0.01)
    assert np.isclose(lg.value, 0.01) and lg.min == pytest.approx(-3) and lg.max == pytest.approx(0)
    assert lg.continuous_update is True
    i = int_slider("steps", 0, 100, value=10)
    assert (i.min, i.max, i.value) == (0, 100, 10)
    d = choice("opt", ["gd", "adam"], buttons=False)
    assert isinstance(d, W.Dropdown) and d.value == "gd"


def test_subclass_without_figure_is_a_clear_error():
    class NoFigure(ProductExplorer):
        def _build_figure(self):
            pass

    with pytest.raises(RuntimeError, match="must set self.fig"):
        NoFigure()


def test_import_widgets_is_lazy():
    code = "import sys, course_utils.widgets as w; print('matplotlib' in sys.modules, 'ipywidgets' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
    with pytest.raises(AttributeError):
        import course_utils.widgets

        course_utils.widgets.NoSuchExplorer  # noqa: B018


@pytest.mark.parametrize("name", ["TerrainExplorer", "OptimizerRace", "CriticalGallery", "MomentumMapExplorer",
                                  "LandscapeExplorer", "CriticalFinder"])
def test_presentation_mode_grows_every_tick_and_axis_label(name):
    # colour bars and axes the explorer does not label itself kept matplotlib's 10 pt on a projector while
    # everything else grew: each text must be larger than the same text in the notebook's explorer
    import course_utils.widgets as widgets

    shown, plain = getattr(widgets, name)(presentation=True), getattr(widgets, name)()
    try:
        for explorer in (shown, plain):
            explorer.fig.canvas.draw()
        assert len(shown.fig.axes) == len(plain.fig.axes)
        for big, small in zip(shown.fig.axes, plain.fig.axes):
            for axis in ("xaxis", "yaxis"):
                a, b = getattr(big, axis), getattr(small, axis)
                ticks_a = [t.get_fontsize() for t in a.get_ticklabels() if t.get_text()]
                ticks_b = [t.get_fontsize() for t in b.get_ticklabels() if t.get_text()]
                if ticks_a and ticks_b:
                    assert min(ticks_a) >= 1.15 * max(ticks_b), (name, big.get_label(), axis, ticks_a, ticks_b)
                if a.label.get_text():
                    assert a.label.get_fontsize() >= 1.15 * b.label.get_fontsize(), (name, a.label.get_text())
    finally:
        shown.close()
        plain.close()


def test_presentation_mode_scales_legend_and_text_fonts_like_the_titles():
    from course_utils.plotting import PRESENTATION_FONT_SCALE
    from course_utils.widgets import ChordExplorer

    normal, shown = ChordExplorer(), ChordExplorer(presentation=True)
    try:
        assert PRESENTATION_FONT_SCALE > 1
        assert normal.font(8) == 8 and shown.font(8) == pytest.approx(8 * PRESENTATION_FONT_SCALE)
        size = {e: e.fig.legends[0].get_texts()[0].get_fontsize() for e in (normal, shown)}
        assert size[shown] == pytest.approx(size[normal] * PRESENTATION_FONT_SCALE)
        assert shown.verdict.get_fontsize() == pytest.approx(normal.verdict.get_fontsize() * PRESENTATION_FONT_SCALE)
        with pytest.raises(ValueError, match="`points`"):
            normal.font(0)
    finally:
        normal.close()
        shown.close()
