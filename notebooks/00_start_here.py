# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 00 · Start here: a first look at a loss landscape
#
# Training a model means walking downhill on a **loss landscape**: every setting of the parameters
# $\theta$ is a point, its loss $L(\theta)$ is the height there, and an optimizer decides where to step
# next. Whether that walk ends somewhere good depends on the *shape* of the terrain — and that shape is
# what this course is about: convexity, curvature, critical points, saddles, sharp and flat minima, the
# paths that connect solutions, and how to read a training curve.
#
# **By the end of this notebook you will be able to**
#
# 1. check that the interactive widgets work in your setup (and fix them if they don't);
# 2. use an *explorer* — sliders that recompute and redraw a figure — to test a prediction;
# 3. say why a ball rolling on a round, convex bowl always finds the bottom, and why on a wobbly terrain it may not;
# 4. find your way around the course: chapters, exercises and the `check` function.
#
# ## How to read a chapter: predict → check → explore
#
# Every chapter follows the same rhythm:
#
# * **Predict.** Before a figure or a number appears, a prompt asks you what you expect. Write your guess
#   down (a comment in the cell is fine). A wrong guess you made yourself teaches more than a right one you read.
# * **Check.** The next cell computes the answer — and *asserts* it, so the claims in the text are tested
#   every time the course is built.
# * **Explore.** An explorer lets you move sliders and watch the landscape respond. Each comes with a
#   concrete goal ("make the ball diverge with the fewest steps").
#
# **What to do first:** run the notebook top to bottom (*Run → Run All Cells*). JupyterLab then shows the last cell:
# come back up here (the *Table of Contents*, the list icon in the left bar, jumps to any section), read on, and
# move the sliders as you reach them. Every chapter works the same way.

# %%
# %matplotlib widget
import ipywidgets as widgets
import numpy as np

from course_utils import functions, optimizers, plotting
from course_utils.widgets import TerrainExplorer

# %% [markdown]
# ## Do your widgets work?
#
# Run the next cell. **You should see a slider labelled "power k" above a small plot of $y = x^k$.**
# Drag the slider: the curve should bend (higher powers hug the x axis longer). Hovering over the plot
# should show a small toolbar on its left (pan, zoom, save).
#
# If instead you see text such as `IntSlider(value=2, …)` or `Canvas(…)`, or a static picture, the widget
# libraries are not talking to your browser. The README's *Troubleshooting* section has the fixes; the
# usual one is to start JupyterLab with `make lab` (which uses the course's own environment) and choose
# *Kernel → Restart Kernel and Run All Cells*.

# %%
xs = np.linspace(0, 1, 101)
fig, ax = plotting.new_figure(figsize=(3.6, 2.4))
(curve,) = ax.plot(xs, xs**2, color=plotting.OKABE_ITO[4], linewidth=2)
plotting.label_axes(ax, title="y = x^k", xlabel="x", ylabel="y")
power = widgets.IntSlider(value=2, min=1, max=6, description="power k", continuous_update=True)


def redraw(change):
    curve.set_ydata(xs ** change["new"])
    fig.canvas.draw_idle()


power.observe(redraw, names="value")
widgets.VBox([power, fig.canvas if plotting.is_widget_canvas(fig.canvas) else widgets.Label("(static backend)")])

# %% [markdown]
# The slider and the figure are connected by a callback; setting the slider from code fires it too —
# which is how this course tests its widgets without a browser:

# %%
power.value = 4
assert np.allclose(curve.get_ydata(), xs**4)
power.value = 2

# %% [markdown]
# ## The Terrain Explorer: a ball on a landscape
#
# Here are two landscapes over two parameters $(x, y)$:
#
# * the **round bowl** $f(x, y) = x^2 + y^2$ (the explorer's "convex bowl") — one valley, one bottom;
# * the **wobbly terrain** $f(x, y) = x^2 + y^2 - A(\cos 3\pi x + \cos 3\pi y)$ — the round bowl with
#   ripples of amplitude $A$. Its lowest point is still the origin, $f(0, 0) = -2A$, but the ripples
#   carve many smaller dips around it.
#
# The ball is **gradient descent**: from a start $(x_0, y_0)$ it repeatedly steps
# $\theta \leftarrow \theta - \eta\,\nabla f(\theta)$, with learning rate $\eta$, for a number of steps.
#
# > **Predict.** On the wobbly terrain with $A = 1$, start the ball at $(0.9, 0.8)$ with $\eta = 0.01$
# > and 60 steps. Where does it stop?
# > (a) at the global minimum $(0, 0)$; (b) in the nearest dip, close to where it started; (c) it is
# > still rolling after 60 steps. Write down your answer before running the next cell.

# %%
terrain = TerrainExplorer(terrain="wobbly", amplitude=1.0, x0=0.9, y0=0.8, lr=0.01, steps=60)
terrain

# %% [markdown]
# Drag the 3-D surface to rotate it (it turns in your browser; the button that appears at its top right puts
# the view back). The orange path is the ball; the white circle is where it started, the square where it ended.
# The contour map on the right is the same terrain seen from above, with every minimum marked by a star. The line
# under the figures says where the ball came to rest.
#
# **Check.** The ball rolls into the dip nearest its start — answer (b) — and stays there: the dip is a
# *local* minimum, higher than the global one at the origin.

# %%
# checked on a copy at the settings above, so the check holds whatever you did with the sliders
copy = TerrainExplorer(terrain="wobbly", amplitude=1.0, x0=0.9, y0=0.8, lr=0.01, steps=60)
state = copy.state
copy.close()
print(state.message)
assert state.outcome == "local minimum"
assert np.all(np.abs(state.rest_point - 0.65) < 0.01)  # the dip near (0.65, 0.65), not the origin
assert state.rest_loss > -2.0 + 0.5  # well above the global minimum f(0, 0) = -2

# %% [markdown]
# ### Convex versus non-convex: the claim, tested
#
# On the **round bowl**, every start leads to the same bottom. On the **wobbly terrain**, where you start
# decides where you end. Here we run gradient descent from a grid of starts on both terrains and count the
# distinct resting points (`optimizers.run` is the same call the explorer makes).

# %%
starts = [(x, y) for x in np.linspace(-1.4, 1.4, 5) for y in np.linspace(-1.4, 1.4, 5)]


def resting_points(landscape, lr, steps=200):
    # all 25 balls roll side by side: run_many takes one gradient of the whole batch per step
    runs = optimizers.run_many(landscape, [optimizers.gd() for _ in starts], np.array(starts), steps=steps, lrs=lr)
    return np.unique(np.round([run.final_theta for run in runs], 3), axis=0)


bowl = functions.get("wobbly", amplitude=0.0)  # A = 0: the round bowl x² + y²
wobbly = functions.get("wobbly", amplitude=1.0)
bowl_ends = resting_points(bowl, lr=0.2)
wobbly_ends = resting_points(wobbly, lr=0.01)
print(f"round bowl:     {len(bowl_ends)} distinct resting point(s) from {len(starts)} starts")
print(f"wobbly terrain: {len(wobbly_ends)} distinct resting points from {len(starts)} starts")
assert len(bowl_ends) == 1 and np.allclose(bowl_ends[0], 0.0)
assert len(wobbly_ends) > 5

# %% [markdown]
# ### How big can a step be?
#
# > **Predict.** On the round bowl, is there a learning rate so large that gradient descent *never*
# > reaches the bottom, however many steps it takes?
#
# For $f = x^2 + y^2$ the gradient is $2\theta$, so one step maps $\theta \mapsto (1 - 2\eta)\,\theta$. The
# ball gets closer when $|1 - 2\eta| < 1$, i.e. $\eta < 1$; at $\eta = 1$ it jumps between $\theta$ and
# $-\theta$ forever; beyond, every step throws it further out. This is the round bowl's case of a rule you will
# meet again in chapters 1 and 5: gradient descent is stable when $\eta < 2/\lambda_{\max}$, where $\lambda_{\max}$ is
# the largest curvature — the largest eigenvalue of the Hessian, here $2I$, so $\lambda_{\max} = 2$ and $\eta < 1$.
# (Chapter 1 uses the *stretched* bowl $\tfrac12(x^2 + \kappa y^2)$, Hessian $\mathrm{diag}(1, \kappa)$; at
# $\kappa = 1$ it is this bowl halved, with curvature 1, so the same rule gives $\eta < 2$ there.) The explorer,
# driven from code:

# %%
bowl = TerrainExplorer(terrain="bowl", x0=0.9, y0=0.8, steps=200)  # a second explorer, driven only from code
bowl.set(lr=0.95)
print("η = 0.95:", bowl.state.message)
assert bowl.state.outcome == "global minimum"
bowl.set(lr=1.05)
print("η = 1.05:", bowl.state.message)
assert bowl.state.outcome == "diverged"
bowl.close()

# %% [markdown]
# ### Explore
#
# Use the explorer above (the cell before drove a separate copy, so yours is as you left it).
#
# 1. Set $A = 0$ (the round bowl) and $\eta = 0.1$ (60 steps). Try starts in all four corners: does the ball
#    always reach the origin? (At $\eta = 0.01$ it is still rolling after 60 steps: each step only shrinks the
#    distance by 2 %.)
# 2. Back at $A = 1$: find a start from which the ball reaches the **global** minimum. How far from the
#    origin can you start and still get there?
# 3. Raise $\eta$ slowly from 0.01 on the wobbly terrain. The message changes from "at rest" to
#    "bouncing" long before $\eta = 1$ (near $\eta \approx 0.022$). Why? (Hint: what is the curvature at the bottom
#    of a dip — still 2? Exercise 0.4 derives it at the global minimum.)
# 4. Can a *larger* learning rate help the ball escape a local dip? Try $\eta \approx 0.05$ from $(0.9, 0.8)$
#    with more steps. Is that a reliable strategy?
#
# *For instructors:* `TerrainExplorer(presentation=True)` makes the figure and text larger for a projector.
#
# ## Exercises and `check`
#
# Each chapter has an exercise notebook in `exercises/` — for this one,
# [`exercises/00_start_here_exercises.ipynb`](../exercises/00_start_here_exercises.ipynb): three warm-ups on
# gradients and gradient descent, and a derivation on paper (0.4: how large may the step be at the wobbly
# terrain's global minimum?). An exercise gives you a function to complete (it starts as
# `raise NotImplementedError`), and a cell that checks it:
#
# ```python
# from course_utils.grading import check
# check("0.2", gd_step)
# ```
#
# `check` runs the exercise's tests at once and shows a verdict: *passed*, *failed* (with the input that
# broke your function and a hint about the likely misconception — never the answer), or *not attempted yet*.
# It never raises, so you can run the whole notebook at any time. Here is what a mistake looks like — a
# gradient step with the wrong sign, which walks the ball *uphill*:

# %%
from course_utils.grading import check


def uphill_step(grad, x, lr):
    return x + lr * grad(x)  # wrong sign: this climbs


verdict = check("0.2", uphill_step)
assert verdict.status == "failed"

# %% [markdown]
# ## The course map
#
# | chapter | what you will learn to see |
# |---|---|
# | [01 · Convexity and Jensen](01_convexity_and_jensen.ipynb) | what makes a bowl a bowl: chords above the graph, Jensen's inequality, why every local minimum of a convex function is global (and why a convex function may still have none or many), condition numbers, the step-size limit $\eta < 2/\lambda_{\max}$, and why momentum needs $\sqrt\kappa$ steps where gradient descent needs $\kappa$ |
# | [02 · Loss geometry](02_loss_geometry.ipynb) | slices of real networks' losses: one model under two losses, filter normalization, the line from initialization to solution, where the optimizer went |
# | [03 · Critical points](03_critical_points.ipynb) | minima, maxima and saddles: finding them and classifying them from the Hessian |
# | [04 · Saddle points](04_saddle_points.ipynb) | why saddles, not local minima, slow high-dimensional training, and how optimizers escape them |
# | [05 · Sharpness and SAM](05_sharpness_and_sam.ipynb) | sharp versus flat minima, how to measure sharpness (and its pitfalls), sharpness-aware minimization |
# | [06 · Mode connectivity](06_mode_connectivity.ipynb) | low-loss paths between independently trained networks, barriers, and neuron permutations |
# | [07 · Diagnosing training](07_diagnosing_training.ipynb) | reading loss curves: divergence, plateaus, learning-rate schedules, what to try next |
# | [08 · The landmark figures, live on real data](08_real_data.ipynb) | the papers' headline figures — Hessian outliers, sharp and flat minima, the edge of stability, mode connectivity, the spawn step, the training path — reproduced on real handwritten digits in seconds |
#
# ## Summary
#
# * A loss landscape is a height over parameter space; an optimizer is a ball rolling on it.
# * On a **convex** landscape every start rolls down to the same lowest level (on the round bowl, to its single bottom),
#   given a small enough step; on a **non-convex** one, the start decides which minimum you get — and a local
#   minimum can sit well above the global one.
# * The learning rate is bounded by the curvature, $\eta < 2/\lambda_{\max}$: on the round bowl $x^2 + y^2$
#   (curvature 2), $\eta < 1$; in the wobbly terrain's steep dips, far less.
# * Each chapter: predict, check (the notebook asserts its claims), explore; then do the exercises with `check`.
#
# **Next:** [01 · Convexity and Jensen](01_convexity_and_jensen.ipynb), or try the
# [exercises for this notebook](../exercises/00_start_here_exercises.ipynb).
