"""Benchmark 7 — explorer latency in the browser: key press → pixels, as a student sees it.

The Python benchmark (``explorer_latency``) times a control change until the Agg canvas holds the new state.
A student sees more than that: the key press travels to the kernel, the kernel computes and renders, ipympl
encodes a PNG, sends it over the websocket, the browser decodes it, composites it onto the canvas and paints
the next frame. This benchmark times all of it with the page's own clock, in JupyterLab in headless Chromium
(Playwright, the set-up of ``tests/browser/``).

For every registered explorer (``explorer_latency.explorer_classes``, built as its chapter builds it with
``explorer_latency.build``): a one-cell notebook shows it; after Run All and the first picture, its first enabled
slider's handle gets ``N_PRESSES`` key presses, each a *new* value (ArrowRight, or ArrowLeft when the handle
sits in the upper half of its range, so the handle never comes back to a value it had — an explorer caches the
states it has computed, and a revisit would time the cache; a slider that reaches its end hands the remaining presses
to the next enabled slider, so a slider of three options does not give two presses and eight no-ops; only when
no slider has a new value left do the presses come back to values shown before, and the row says how many). A press counts from the ``keydown`` event's
``timeStamp`` to the timestamp of the animation frame after the first ``drawImage`` onto the figure's visible
canvas that changes its pixels (``drawImage`` is wrapped; the pixel check hashes the canvas after that frame,
so it does not delay it). The next press waits until the figure has been still for ``SETTLE`` seconds. The PNG
bytes of each press's image are read from the blobs ipympl hands to ``URL.createObjectURL``; the one complete image
sent once the explorer is still (``plotting.request_full_frame``) is reported apart.

The 3-D views of the Terrain Explorer and the Critical Point Gallery are plotly WebGL surfaces that rotate in the
page (``course_utils.widgets.surface3d``). A press there is timed as above, by its canvas (the map the student
moves the ball on), and its 3-D redraw is reported in a row of its own: key press → the frame after the last
WebGL draw call that follows the key, within the settle window (a press that changes nothing in 3-D leaves no
WebGL draw and is not counted there). WebGL draw calls are counted by wrapping ``drawArrays``/``drawElements``
(and their instanced forms) of ``WebGLRenderingContext`` and ``WebGL2RenderingContext``.

Where a 3-D redraw's time goes (traced with Chrome's timeline): the kernel's update and the canvas image, then
plotly.js's update of the WebGL scene on the page's main thread (20–60 ms), then a compositor frame that waits
45–75 ms for the WebGL picture to be read back (``GLES2::ReadPixels`` in ``LayerTreeHost::DoUpdateLayers``: the
software compositing of ``--disable-gpu``; a GPU composites WebGL without reading it back; running this Chromium
with SwiftShader compositing instead made every explorer 2–3× slower, so it is not how a laptop's browser
behaves either). The 3-D update leaves the kernel ``surface3d.SEND_AFTER`` after the canvas image, so that the
image is drawn first; sent right behind it, the image had waited for the whole WebGL frame (the canvas 110–130 ms
after the key). The 3-D redraw has no target of its own: the issue's latency is the canvas's; these rows show what
the 3-D view costs where WebGL is software.

3-D rotation: each explorer's 3-D view (also one shown by a toggle button, as the Landscape Explorer's "3-D
surface": clicked first, after the key presses) is dragged with the mouse (Playwright mouse moves every ~16 ms) for
``DRAG_SECONDS``: on a plotly view (``.course-surface3d``) the rate is animation frames in which WebGL draw calls
happened; on a matplotlib 3-D axes (ipympl) pixel-changing canvas frames.
Measured this way before the 3-D views moved to plotly: 5.3 frames/s (Terrain) and 7.6 (Gallery), each frame a
~280 kB PNG from the kernel. In headless Chromium WebGL is software (SwiftShader, ``--disable-gpu``): a laptop's
GPU draws far faster.

Targets (at load ≤ 1; the load average is recorded beside every row): median ≤ 100 ms for every explorer
(≤ 60 ms for the simplest — one 2-D plot, with or without its colour bar), first press ≤ 200 ms, 3-D drag ≥ 15 frames/s, ≤ 60 kB of images per
press. There is no baseline: these are absolute budgets of what a student feels.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path

from harness import Row, fmt_time, median

ROOT = Path(__file__).resolve().parent.parent
BROWSER_TESTS = ROOT / "tests" / "browser"
#: Presses per explorer: their median moved by ±15 ms between runs with 10 at load 1–2 (same code), less with 20.
N_PRESSES = 20
SETTLE = 0.8  # s of stillness: past the complete image sent 0.35 s after the last change
DRAG_SECONDS = 3.0
BUDGET_MEDIAN, BUDGET_SIMPLE, BUDGET_FIRST = 0.100, 0.060, 0.200
BUDGET_FPS, BUDGET_IMAGE_BYTES = 15.0, 60_000

#: Installed in every page before its own scripts: the page's clock for key presses, draws and frames.
INSTRUMENT_JS = r"""
(() => {
  const B = window.__bench = {keys: [], frames: [], images: []};
  const last = new WeakMap();
  const hash = (canvas) => {
    const {width, height} = canvas;
    if (!width || !height) return 0;
    const px = new Uint32Array(canvas.getContext('2d').getImageData(0, 0, width, height).data.buffer);
    let h = 2166136261 >>> 0;
    for (let i = 0; i < px.length; i++) h = Math.imul(h ^ px[i], 16777619) >>> 0;
    return h;
  };
  const draw = CanvasRenderingContext2D.prototype.drawImage;
  CanvasRenderingContext2D.prototype.drawImage = function (source, ...rest) {
    const result = draw.call(this, source, ...rest);
    const canvas = this.canvas;
    if (source instanceof HTMLCanvasElement && canvas.isConnected
        && canvas.closest('.jupyter-matplotlib-canvas-div')) {
      const drawn = performance.now();
      requestAnimationFrame(() => {
        // the frame after the draw: its callbacks run just before it is painted. (The callback's own argument is
        // the frame's start, which headless Chromium may date before the draw.)
        const frame = performance.now();
        // only then: did the draw change what the student sees?
        setTimeout(() => {
          const h = hash(canvas), changed = last.get(canvas) !== h;
          last.set(canvas, h);
          B.frames.push({drawn, frame, changed});
        }, 0);
      });
    }
    return result;
  };
  const objectURL = URL.createObjectURL;
  URL.createObjectURL = function (obj) {
    if (obj instanceof Blob && obj.type === 'image/png') B.images.push({t: performance.now(), bytes: obj.size});
    return objectURL.call(this, obj);
  };
  document.addEventListener('keydown', (e) => B.keys.push(e.timeStamp), true);
  // WebGL (plotly's 3-D views): one entry per animation frame in which draw calls happened
  B.gl = [];
  let glPending = null;
  const wrapGL = (proto, name) => {
    const original = proto && proto[name];
    if (!original) return;
    proto[name] = function (...args) {
      if (glPending === null) {
        glPending = {drawn: performance.now(), calls: 0};
        requestAnimationFrame(() => {
          glPending.frame = performance.now();
          B.gl.push(glPending);
          glPending = null;
        });
      }
      glPending.calls++;
      return original.apply(this, args);
    };
  };
  for (const proto of [window.WebGLRenderingContext && WebGLRenderingContext.prototype,
                       window.WebGL2RenderingContext && WebGL2RenderingContext.prototype]) {
    for (const name of ['drawArrays', 'drawElements', 'drawArraysInstanced', 'drawElementsInstanced']) wrapGL(proto, name);
  }
})();
"""


def _notebook(name: str, quick: bool) -> dict:
    """A one-cell notebook that shows explorer ``name`` (built as in its chapter) in the ipympl backend."""
    import nbformat

    source = ("%matplotlib widget\n"
              "import sys, warnings\n"
              f"sys.path.insert(0, {str(ROOT / 'benchmarks')!r})\n"
              "from explorer_latency import build\n"
              f"explorer = build({name!r}, quick={quick!r})\n"
              "explorer")
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)], metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})


def _settle(page, since: float, timeout: float = 15.0) -> None:
    """Wait until a pixel-changing frame after ``since`` has arrived and nothing was drawn (canvas or WebGL) for
    ``SETTLE`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = page.evaluate("""(since) => {
            const f = window.__bench.frames.filter(x => x.drawn > since);
            const g = window.__bench.gl.filter(x => x.drawn > since);
            return {changed: f.some(x => x.changed),
                    idle: performance.now() - Math.max(since, ...f.map(x => x.drawn), ...g.map(x => x.drawn))};
        }""", since)
        if state["changed"] and state["idle"] > SETTLE * 1000:
            return
        time.sleep(0.05)


def _press_latencies(page, explorer, n: int) -> dict:
    """Press an arrow key ``n`` times, each to a value the explorer has not shown; per press the latency (s) and PNG
    bytes.

    The first enabled slider is pressed towards the end with more room; when it reaches that end (a slider with a
    handful of options, e.g. the Landmark Explorer's three step sizes), the presses go on on the next enabled slider,
    so every press still asks for a new value and none is a revisit (timed from a cache) or a no-op at an end. Only
    when no slider has a new value left do the presses come back along the last slider; they are counted
    (``revisited``) and reported beside the row."""
    from browser_helpers import enabled_sliders, slider_label

    sliders = enabled_sliders(explorer)
    if not sliders:
        raise LookupError("no enabled slider")

    def aria(handle) -> tuple[float, float, float]:
        return tuple(float(handle.get_attribute(a) or 0) for a in ("aria-valuenow", "aria-valuemin", "aria-valuemax"))

    def start(slider):
        handle = slider.locator(".noUi-handle").first
        now, lo, hi = aria(handle)
        return handle, ("ArrowLeft" if now - lo > hi - now else "ArrowRight")

    which = 0
    handle, key = start(sliders[which])
    controls = [slider_label(sliders[which])]
    latencies, redraws_3d, image_bytes, later_bytes, missed = [], [], [], [], 0
    revisits, revisited = False, 0
    for _ in range(n):
        now, lo, hi = aria(handle)
        if (key == "ArrowLeft" and now <= lo) or (key == "ArrowRight" and now >= hi):  # no new value left here
            if which + 1 < len(sliders):
                which += 1
                handle, key = start(sliders[which])
                controls.append(slider_label(sliders[which]))
            else:  # no slider has a new value left: back along the last one (its drawing is timed, not its compute)
                key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
                revisits = True
        revisited += revisits
        handle.focus()
        t0 = page.evaluate("performance.now()")
        page.keyboard.press(key)
        _settle(page, t0)
        got = page.evaluate("""(t0) => {
            const B = window.__bench;
            const key = B.keys.filter(k => k >= t0)[0];
            const frame = B.frames.filter(f => f.changed && f.drawn >= key)[0];
            // the step's own image: the first after the key (a complete image follows once the explorer is still,
            // plotting.request_full_frame; it is counted apart)
            const after = B.images.filter(i => i.t >= key);
            // the 3-D view's redraw, if the press changed it: the frame after its last WebGL draw
            const gl = B.gl.filter(g => g.drawn >= key);
            return {key, frame: frame ? frame.frame : null, bytes: after.length ? after[0].bytes : 0,
                    rest: after.slice(1).reduce((s, i) => s + i.bytes, 0),
                    gl: gl.length ? gl[gl.length - 1].frame : null};
        }""", t0)
        if got["frame"] is None:
            missed += 1
            continue
        latencies.append((got["frame"] - got["key"]) / 1000)
        if got["gl"] is not None:
            redraws_3d.append((got["gl"] - got["key"]) / 1000)
        image_bytes.append(got["bytes"])
        later_bytes.append(got["rest"])
        page.evaluate("window.__bench.images = []")
    return {"control": " then ".join(controls), "latencies": latencies, "redraws_3d": redraws_3d, "bytes": image_bytes,
            "later": later_bytes, "missed": missed, "revisited": revisited}


def _drag_fps(page, explorer, drag) -> float:
    """Frames per second while dragging the explorer's 3-D view: ``drag`` is ``("plotly", None, option)`` for a
    plotly view (animation frames with WebGL draw calls) or ``("matplotlib", centre, option)`` for a matplotlib 3-D
    axes whose centre is at ``centre`` (figure fractions, y from the bottom as matplotlib counts; pixel-changing
    canvas frames); either shown once the toggle button labelled ``option`` is clicked (None: always shown)."""
    from browser_helpers import figure_of, wait_for_rendered_figure

    kind, centre, option = drag
    if option is not None:
        before = page.evaluate("performance.now()")
        explorer.locator(".widget-toggle-button", has_text=option).first.click()
        _settle(page, before)
        wait_for_rendered_figure(figure_of(explorer))
    if kind == "plotly":
        # a view shown by a toggle is built on its first showing: wait for plotly's scene
        explorer.locator(".course-surface3d .js-plotly-plot").first.wait_for(timeout=60_000)
        time.sleep(SETTLE)
        box = explorer.locator(".course-surface3d").first.bounding_box()
        x0, y = box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.55
    else:
        box = figure_of(explorer).bounding_box()
        x0, y = box["x"] + box["width"] * centre[0], box["y"] + box["height"] * (1 - centre[1])
    page.mouse.move(x0, y)
    page.mouse.down()
    t0 = page.evaluate("performance.now()")
    start, i = time.monotonic(), 0
    while time.monotonic() - start < DRAG_SECONDS:
        i += 1
        page.mouse.move(x0 + 60 * ((i % 40) / 40 - 0.5), y + 10 * ((i % 7) / 7 - 0.5))
        time.sleep(0.016)
    t1 = page.evaluate("performance.now()")
    page.mouse.up()
    if kind == "plotly":
        frames = page.evaluate("(t) => window.__bench.gl.filter(f => f.drawn >= t[0] && f.drawn <= t[1]).length",
                               [t0, t1])
    else:
        frames = page.evaluate("(t) => window.__bench.frames.filter(f => f.changed && f.drawn >= t[0] && "
                               "f.drawn <= t[1]).length", [t0, t1])
    return frames / ((t1 - t0) / 1000)


def _measure(page, server, name: str, quick: bool, drag) -> dict:
    import nbformat
    from browser_helpers import EXPLORER, figure_of, wait_for_rendered_figure
    from test_lab_notebooks import PANEL, error_texts, run_all

    path = Path(server.root) / "bench" / f"{name}.ipynb"
    path.parent.mkdir(exist_ok=True)
    nbformat.write(nbformat.from_dict(_notebook(name, quick)), path)
    server.delete_sessions()
    page.goto(f"{server.url}/lab/tree/bench/{name}.ipynb?reset&token={server.token}")
    page.locator(f"{PANEL} .jp-Notebook").wait_for()
    page.locator(".jp-StatusBar-TextItem:has-text('| Idle')").wait_for(timeout=90_000)
    run_all(page)
    errors = error_texts(page)
    if errors:
        raise RuntimeError(errors[0][:300])
    explorer = page.locator(f"{PANEL} {EXPLORER}").first
    wait_for_rendered_figure(figure_of(explorer))
    load = os.getloadavg()[0]
    result = _press_latencies(page, explorer, 3 if quick else N_PRESSES)
    result["load"] = load
    if drag is not None:
        result["fps"] = _drag_fps(page, explorer, drag)
    return result


def _rows(name: str, m: dict, simple: bool) -> list[Row]:
    lat = m["latencies"]
    budget = BUDGET_SIMPLE if simple else BUDGET_MEDIAN
    med = median(lat) if lat else float("nan")
    first = lat[0] if lat else float("nan")
    kb = median(m["bytes"]) / 1e3 if m["bytes"] else float("nan")
    met = bool(lat) and med <= budget and first <= BUDGET_FIRST and kb * 1e3 <= BUDGET_IMAGE_BYTES
    again = f", {m['revisited']} of them back to values shown before" if m.get("revisited") else ""
    note = (f"control `{m['control']}`, {len(lat)} presses ({m['missed']} without a changed frame{again}), first "
            f"{fmt_time(first)}, max {fmt_time(max(lat)) if lat else '—'}, image {kb:.0f} kB per press (median; "
            f"then {median(m['later']) / 1e3 if m['later'] else float('nan'):.0f} kB once still), load {m['load']:.1f}")
    rows = [Row(f"browser {name}", fmt_time(med) + " median", "—", "—",
                f"≤ {budget * 1e3:.0f} ms, first ≤ {BUDGET_FIRST * 1e3:.0f} ms, ≤ {BUDGET_IMAGE_BYTES // 1000} kB",
                met, note=note, seconds=med)]
    if m.get("redraws_3d"):  # the 3-D view redrawn by the presses: reported, see the module's docstring
        r3 = m["redraws_3d"]
        rows.append(Row(f"  ↳ 3-D view redrawn after a key press, {name}", fmt_time(median(r3)) + " median", "—", "—",
                        "report", None, note=f"{len(r3)} presses, first {fmt_time(r3[0])}, max {fmt_time(max(r3))}; "
                        f"software WebGL, read back by the compositor; load {m['load']:.1f}"))
    if "fps" in m:
        rows.append(Row(f"  ↳ 3-D drag, {name}", f"{m['fps']:.1f} frames/s", "—", "—", f"≥ {BUDGET_FPS:.0f} frames/s",
                        m["fps"] >= BUDGET_FPS, note=f"load {m['load']:.1f}"))
    return rows


def run(quick: bool) -> list[Row]:
    sys.path[:0] = [str(BROWSER_TESTS), str(ROOT / "benchmarks")]
    import conftest as browser_setup  # the browser tests' set-up: Chromium, a Lab server on a copy
    from explorer_latency import explorer_classes
    from playwright.sync_api import sync_playwright

    chromium = browser_setup.find_chromium()
    if chromium is None:
        return [Row("browser latency", "not measured", "—", "—", "—", None,
                    note=f"no Chromium: {browser_setup.INSTALL_HINT}")]
    names = list(explorer_classes())
    if quick:
        names = ["TerrainExplorer"]
    only = os.environ.get("BENCH_BROWSER_ONLY")  # e.g. "SAMExplorer,TerrainExplorer": measure these alone
    if only:
        names = [name for name in names if name in only.split(",")]
    layout = _layouts(names)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        root, home = Path(tmp) / "course", Path(tmp) / "home"
        root.mkdir()
        for rel, value in browser_setup.LAB_SETTINGS.items():
            (home / "settings" / rel).parent.mkdir(parents=True, exist_ok=True)
            (home / "settings" / rel).write_text(json.dumps(value))
        port, token = browser_setup.free_port(), secrets.token_hex(16)
        cmd = [sys.executable, "-m", "jupyter", "lab", "--allow-root", "--no-browser", "--ip", "127.0.0.1",
               "--port", str(port), f"--ServerApp.token={token}", f"--ServerApp.root_dir={root}",
               f"--config={ROOT / 'tools' / 'lab' / 'jupyter_lab_config.py'}",
               f"--LabApp.user_settings_dir={home / 'settings'}", f"--LabApp.workspaces_dir={home / 'ws'}"]
        server = browser_setup.start_server(cmd, root=root, port=port, token=token, ready_path="/api/status",
                                            log=Path(tmp) / "lab.log")
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=browser_setup.CHROMIUM_ARGS)
        try:
            for name in names:
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                context.add_init_script(INSTRUMENT_JS)
                page = context.new_page()
                page.set_default_timeout(60_000)
                try:
                    simple, drag = layout.get(name, (False, None))
                    rows += _rows(name, _measure(page, server, name, quick, drag), simple)
                except Exception as exc:  # one explorer failing is a missed row, not a crashed benchmark
                    rows.append(Row(f"browser {name}", "failed", "—", "—", "—", False,
                                    note=f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"))
                finally:
                    context.close()
        finally:
            browser.close()
            server.delete_sessions()
            browser_setup.stop_server(server)
    return rows


def _shown_3d(explorer):
    """The explorer's 3-D view as shown now: ``("plotly", None)`` for a shown plotly view (``explorer.views``
    holding a ``course-surface3d`` box not hidden by ``layout.display``), ``("matplotlib", centre)`` for a visible
    matplotlib 3-D axes (centre in figure fractions), or None."""
    for view in getattr(explorer, "views", []):
        if "course-surface3d" in getattr(view, "_dom_classes", ()) and view.layout.display != "none":
            return ("plotly", None)
    in_3d = [ax for ax in explorer.fig.axes if ax.get_visible() and ax.name == "3d"]
    if in_3d:
        box = in_3d[0].get_position()
        return ("matplotlib", ((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2))
    return None


def _drag_behind_a_choice(explorer):
    """``(kind, centre, label)`` (see :func:`_shown_3d`) when choosing the option labelled ``label`` of one of the
    explorer's toggle buttons shows a 3-D view; None when no option does."""
    import ipywidgets as W

    for name, control in explorer.controls.items():
        if not isinstance(control, W.ToggleButtons):
            continue
        for label, value in zip(control._options_labels, control._options_values):
            explorer.set(**{name: value})
            shown = _shown_3d(explorer)
            if shown is not None:
                return (*shown, label)
    return None


def _layouts(names) -> dict[str, tuple[bool, tuple[str, tuple[float, float] | None, str | None] | None]]:
    """Per explorer: whether it shows one visible 2-D plot and nothing else, a colour bar beside it aside (the tighter
    ``BUDGET_SIMPLE`` applies), and its 3-D view to drag: ``("plotly", None, None)`` for a plotly view (``explorer.views`` holding a
    ``course-surface3d`` box), ``("matplotlib", centre, None)`` for a visible matplotlib 3-D axes (its centre in
    figure fractions), ``(kind, centre, option)`` for one shown by a toggle button's option, or None — from an Agg
    build."""
    import matplotlib

    matplotlib.use("Agg")
    from explorer_latency import build

    found = {}
    for name in names:
        try:
            explorer = build(name, quick=True)
        except Exception:  # judged by the general budget, no drag
            continue
        axes = [ax for ax in explorer.fig.axes if ax.get_visible()]
        in_3d = [ax for ax in axes if ax.name == "3d"]
        views = list(getattr(explorer, "views", []))
        shown = _shown_3d(explorer)
        # else a 3-D view a choice shows (the Landscape Explorer's "3-D surface"): dragged in that view
        drag = (*shown, None) if shown is not None else _drag_behind_a_choice(explorer)
        plots = [ax for ax in axes if ax is not getattr(explorer, "cax", None)]  # a colour bar is not a plot
        found[name] = (len(plots) == 1 and not in_3d and not views, drag)
        explorer.close()
    return found
