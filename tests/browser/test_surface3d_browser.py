"""The 3-D views (plotly WebGL, ``course_utils.widgets.surface3d``) in JupyterLab: they hold the kernel's state and
rotate in the page.

A one-cell notebook shows the Terrain Explorer and the Critical Point Gallery as their chapters build them. After
Run All, the plotly graph in the page (``gd.data``, what plotly.js draws) is compared with the kernel's state read
by a second client and with the terrain formula written out here; a key press on a slider must move the path in
the page to the new state. Then the view is dragged while the kernel is busy (a ``time.sleep`` run by a second
client): the camera must change and WebGL must draw, so a rotation needs no kernel round trip. Accessibility: each
view has a name (``role="group"``, ``aria-label``), its one button (plotly's reset camera) is named, and Tab
moves on out of it.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from browser_helpers import EXPLORER, figure_of, layout_problems, run_in_kernel, wait_for_rendered_figure
from conftest import ARTIFACTS
from test_lab_notebooks import PANEL, SCROLLER, error_texts, open_notebook, run_all

NAME = "_surface3d_check.ipynb"
SOURCE = """%matplotlib widget
from IPython.display import display
from course_utils.widgets import CriticalGallery, TerrainExplorer
terrain = TerrainExplorer(terrain="wobbly", amplitude=1.0, x0=0.9, y0=0.8, lr=0.01, steps=60)
gallery = CriticalGallery(lam1=1.0, lam2=-1.0, angle=45.0)
display(terrain)
display(gallery)
"""

#: The kernel's state, written to a file by a second client.
DUMP_STATE = """
import json as _json
_json.dump({{"terrain": {{"amplitude": terrain.state.amplitude, "path": terrain.state.path.tolist(),
                          "outcome": terrain.state.outcome}},
            "gallery": {{"hessian": gallery.state.hessian.tolist(),
                         "describe": gallery.state.classification.describe()}}}}, open({path!r}, "w"))
del _json
"""

#: plotly's graph div in a view: its data as plain arrays.
READ_GRAPH = """(view) => {
    const gd = view.querySelector('.js-plotly-plot');
    if (!gd || !gd.data || !gd._fullLayout) return null;
    const plain = (a) => a == null ? [] : Array.from(a, (v) => (v != null && typeof v === 'object') ? Array.from(v) : v);
    const cam = gd._fullLayout.scene && gd._fullLayout.scene._scene ? gd._fullLayout.scene._scene.getCamera() : null;
    return {traces: gd.data.map((t) => ({name: t.name, type: t.type, x: plain(t.x), y: plain(t.y), z: plain(t.z)})),
            title: gd._fullLayout.title.text, eye: cam ? [cam.eye.x, cam.eye.y, cam.eye.z] : null};
}"""


def height(x, y, a):
    """The wobbly terrain, written out independently of course_utils."""
    return x**2 + y**2 - a * (np.cos(3 * np.pi * x) + np.cos(3 * np.pi * y))


def as_float(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def graph(view, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = view.evaluate(READ_GRAPH)
        if found and found["traces"] and len(found["traces"][0]["z"]) > 0:
            return found
        time.sleep(0.2)
    raise AssertionError("the plotly graph did not come up in the page")


def kernel_state(server) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "state.json")
        run_in_kernel(server, DUMP_STATE.format(path=path))
        return json.loads(Path(path).read_text())


def check_terrain(shown, state) -> list[str]:
    problems = []
    surface = shown["traces"][0]
    x, y = as_float(surface["x"]), as_float(surface["y"])
    z = np.array([[np.nan if v is None else v for v in row] for row in surface["z"]], dtype=float)
    expected = height(x[None, :], y[:, None], state["amplitude"])  # plotly: z[row][column] over (x[column], y[row])
    if z.shape != expected.shape or not np.allclose(z, expected, atol=1e-6):
        problems.append(f"terrain surface in the page differs from the formula (shape {z.shape})")
    path = shown["traces"][1]
    px, py = as_float(path["x"]), as_float(path["y"])
    pts = np.column_stack([px, py])[np.isfinite(px)]
    inside = [p for p in np.array(state["path"]) if np.all(np.abs(p) <= 1.5)]
    if not pts.size or any(np.min(np.linalg.norm(pts - p, axis=1)) > 1e-9 for p in inside):
        problems.append("the path in the page is not the kernel's trajectory")
    if state["outcome"] not in shown["title"]:
        problems.append(f"the title {shown['title']!r} does not say {state['outcome']!r}")
    return problems


def kernel_client(server):
    """A second client of the open notebook's kernel (the caller stops its channels)."""
    from jupyter_client import BlockingKernelClient
    from jupyter_core.paths import jupyter_runtime_dir

    (session,) = server.api("GET", "/api/sessions")
    client = BlockingKernelClient(connection_file=f"{jupyter_runtime_dir()}/kernel-{session['kernel']['id']}.json")
    client.load_connection_file()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    return client


def drag(page, view, seconds: float = 1.5) -> None:
    box = view.bounding_box()
    x0, y = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.55
    page.mouse.move(x0, y)
    page.mouse.down()
    start, i = time.monotonic(), 0
    while time.monotonic() - start < seconds:
        i += 1
        page.mouse.move(x0 + 80 * min(i / 30, 1.0), y + 5 * min(i / 30, 1.0))
        time.sleep(0.016)
    page.mouse.up()


@pytest.mark.browser
def test_3d_views_hold_the_kernels_state_and_rotate_without_the_kernel(page, lab_server):
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SOURCE)], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(notebook, Path(lab_server.root) / "notebooks" / NAME)
    page.add_init_script("""(() => {
        window.__gl = 0;
        for (const proto of [WebGLRenderingContext.prototype, WebGL2RenderingContext.prototype]) {
            for (const name of ['drawArrays', 'drawElements']) {
                const original = proto[name];
                proto[name] = function (...args) { window.__gl++; return original.apply(this, args); };
            }
        }
    })();""")
    lab_server.delete_sessions()
    try:
        open_notebook(page, lab_server, NAME)
        run_all(page)
        assert not error_texts(page), error_texts(page)
        explorers = page.locator(f"{PANEL} {EXPLORER}")
        assert explorers.count() == 2
        views = [explorers.nth(i).locator(".course-surface3d").first for i in range(2)]
        for i, view in enumerate(views):
            view.wait_for(state="visible")
            wait_for_rendered_figure(figure_of(explorers.nth(i)))
        state = kernel_state(lab_server)
        problems = check_terrain(graph(views[0]), state["terrain"])

        # the gallery: ½θᵀHθ with the kernel's Hessian, its verdict in the title
        shown = graph(views[1])
        surface = shown["traces"][0]
        x, y = as_float(surface["x"]), as_float(surface["y"])
        z = np.array(surface["z"], dtype=float)
        X, Y = np.meshgrid(x, y)
        H = np.array(state["gallery"]["hessian"])
        if not np.allclose(z, 0.5 * (H[0, 0] * X**2 + 2 * H[0, 1] * X * Y + H[1, 1] * Y**2), atol=1e-9):
            problems.append("gallery surface in the page is not ½θᵀHθ of the kernel's H")
        if shown["title"] != state["gallery"]["describe"]:
            problems.append(f"gallery title {shown['title']!r} is not the kernel's verdict")

        # a key press on the terrain's start x₀: the page's path follows the new state
        before = graph(views[0])["traces"][1]["x"]
        handle = explorers.nth(0).locator(".widget-slider").nth(1).locator(".noUi-handle").first  # x₀ (A first)
        for _ in range(5):
            handle.focus()
            page.keyboard.press("ArrowLeft")
        deadline = time.monotonic() + 30
        while graph(views[0])["traces"][1]["x"] == before and time.monotonic() < deadline:
            time.sleep(0.2)
        page.locator(".jp-StatusBar-TextItem:has-text('| Idle')").wait_for(timeout=60_000)
        time.sleep(0.5)
        state = kernel_state(lab_server)
        problems += [f"after a key press: {p}" for p in check_terrain(graph(views[0]), state["terrain"])]

        # a new terrain (A one step up): the page gets the new surface, the path stays right
        amplitude = explorers.nth(0).locator(".widget-slider").nth(0).locator(".noUi-handle").first
        amplitude.focus()
        page.keyboard.press("ArrowRight")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and kernel_state(lab_server)["terrain"]["amplitude"] == state["terrain"]["amplitude"]:
            time.sleep(0.3)
        page.locator(".jp-StatusBar-TextItem:has-text('| Idle')").wait_for(timeout=60_000)
        time.sleep(1.0)
        state = kernel_state(lab_server)
        shown = graph(views[0])
        problems += [f"after a new amplitude: {p}" for p in check_terrain(shown, state["terrain"])]

        # accessibility: a name; whatever takes the focus inside (plotly's "reset camera" button) is named, and Tab
        # and Shift+Tab move on out of the view (no focus trap)
        for i, view in enumerate(views):
            role, label = view.get_attribute("role"), view.get_attribute("aria-label") or ""
            if role != "group" or "3-D" not in label:
                problems.append(f"view {i + 1}: role {role!r}, aria-label {label!r}")
            focusable = view.locator("a[href], button, input, select, textarea, [tabindex]:not([tabindex='-1'])")
            for j in range(focusable.count()):
                if not (focusable.nth(j).get_attribute("aria-label") or "").strip():
                    problems.append(f"view {i + 1}: a focusable element without a name")
                for key in ("Tab", "Shift+Tab"):
                    focusable.nth(j).focus()
                    page.keyboard.press(key)
                    if view.evaluate("(v) => v.contains(document.activeElement)"):
                        problems.append(f"view {i + 1}: {key} from its button stays inside the view")
            explorers.nth(i).scroll_into_view_if_needed()
            problems += [f"explorer {i + 1}: {p}" for p in layout_problems(explorers.nth(i), SCROLLER)]
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            explorers.nth(i).screenshot(path=ARTIFACTS / f"surface3d-lab-{i + 1}.png", animations="disabled")

        # rotation while the kernel is busy: the camera moves and WebGL draws, with no kernel round trip
        for i, view in enumerate(views):
            explorers.nth(i).scroll_into_view_if_needed()
            eye = graph(view)["eye"]
            client = kernel_client(lab_server)
            try:
                msg_id = client.execute("import time as _t; _t.sleep(5)", store_history=False, silent=True)
                time.sleep(1.5)  # the kernel is asleep now
                draws = page.evaluate("window.__gl")
                drag(page, view)
                turned, drawn = graph(view)["eye"], page.evaluate("window.__gl") - draws
                dragged_to = time.monotonic()
                reply = client.get_shell_msg(timeout=60)
                replied = time.monotonic()
            finally:
                client.stop_channels()
            # the kernel slept through the whole drag and the read-back: its reply came after them
            if reply["parent_header"].get("msg_id") != msg_id or replied < dragged_to + 0.2:
                problems.append(f"view {i + 1}: the kernel was not busy for the whole drag (test not conclusive)")
            if eye is None or turned is None or np.allclose(eye, turned, atol=1e-3):
                problems.append(f"view {i + 1}: dragging did not rotate the camera ({eye} → {turned})")
            if drawn < 10:
                problems.append(f"view {i + 1}: only {drawn} WebGL draw calls while dragging")
        assert not problems, "\n".join(problems)
        assert not page.js_errors, f"JavaScript errors in the page: {page.js_errors}"
    finally:
        lab_server.delete_sessions()


LANDSCAPE_NAME = "_surface3d_landscape_check.ipynb"
LANDSCAPE_SOURCE = """%matplotlib widget
from course_utils.widgets import LandscapeExplorer
landscape = LandscapeExplorer(resolution=21)
landscape
"""

#: The model's loss on the kernel's plane θ* + α d₁ + β d₂, evaluated point by point (not the slice's stored
#: losses), capped at its 98th percentile; written to a file by a second client.
DUMP_LANDSCAPE = """
import json as _json, numpy as _np
_s = landscape.state.slice
_L = _np.array([[landscape.model.loss(landscape.theta + _a * _s.d1 + _b * _s.d2) for _b in _s.betas] for _a in _s.alphas])
_json.dump({{"alphas": _s.alphas.tolist(), "losses": _L.tolist(), "view": landscape.state.view,
            "title": landscape.ax2d.get_title()}}, open({path!r}, "w"))
del _json, _np, _s, _L
"""


@pytest.mark.browser
def test_landscape_3d_view_is_shown_by_its_toggle_holds_the_models_loss_fits_and_rotates(page, lab_server):
    import nbformat

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(LANDSCAPE_SOURCE)], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.write(notebook, Path(lab_server.root) / "notebooks" / LANDSCAPE_NAME)
    lab_server.delete_sessions()
    try:
        open_notebook(page, lab_server, LANDSCAPE_NAME)
        run_all(page)
        assert not error_texts(page), error_texts(page)
        explorer = page.locator(f"{PANEL} {EXPLORER}").first
        wait_for_rendered_figure(figure_of(explorer))
        view = explorer.locator(".course-surface3d").first
        problems = []
        if view.is_visible():
            problems.append("the 3-D view is shown in the contour view")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        explorer.screenshot(path=ARTIFACTS / "surface3d-lab-landscape-contour.png", animations="disabled")
        explorer.locator(".widget-toggle-button", has_text="3-D surface").first.click()
        view.wait_for(state="visible")
        page.locator(".jp-StatusBar-TextItem:has-text('| Idle')").wait_for(timeout=60_000)
        shown = graph(view)
        with tempfile.TemporaryDirectory() as folder:
            path = str(Path(folder) / "state.json")
            run_in_kernel(lab_server, DUMP_LANDSCAPE.format(path=path))
            state = json.loads(Path(path).read_text())
        if state["view"] != "surface":
            problems.append(f"the kernel's view is {state['view']!r} after clicking '3-D surface'")
        L = np.array(state["losses"], dtype=float)
        cap = np.percentile(L[np.isfinite(L)], 98)
        surface = shown["traces"][0]
        z = np.array([[np.nan if v is None else v for v in row] for row in surface["z"]], dtype=float)
        expected = np.minimum(L, cap).T  # plotly: z[row][column] over (α[column], β[row])
        if z.shape != expected.shape or not np.allclose(z, expected, rtol=1e-6, atol=1e-9):
            problems.append(f"the surface in the page is not the model's capped loss on the plane (shape {z.shape})")
        if not np.allclose(as_float(surface["x"]), state["alphas"]):
            problems.append("the surface's α in the page are not the kernel's")
        if shown["title"] != state["title"].replace("\n", "<br>"):
            problems.append(f"the 3-D title {shown['title']!r} is not the contour map's {state['title']!r}")
        role, label = view.get_attribute("role"), view.get_attribute("aria-label") or ""
        if role != "group" or "3-D" not in label:
            problems.append(f"the view's role {role!r}, aria-label {label!r}")
        explorer.scroll_into_view_if_needed()
        problems += layout_problems(explorer, SCROLLER)
        box, canvas = view.bounding_box(), figure_of(explorer).bounding_box()
        if abs(box["y"] - canvas["y"]) > 40:
            problems.append(f"the 3-D view is not beside the contour map ({box} vs {canvas})")
        explorer.screenshot(path=ARTIFACTS / "surface3d-lab-landscape-3d.png", animations="disabled")
        eye = graph(view)["eye"]
        drag(page, view)
        turned = graph(view)["eye"]
        if eye is None or turned is None or np.allclose(eye, turned, atol=1e-3):
            problems.append(f"dragging did not rotate the camera ({eye} → {turned})")
        explorer.locator(".widget-toggle-button", has_text="contour").first.click()
        view.wait_for(state="hidden")
        assert not problems, "\n".join(problems)
        assert not page.js_errors, f"JavaScript errors in the page: {page.js_errors}"
    finally:
        lab_server.delete_sessions()
