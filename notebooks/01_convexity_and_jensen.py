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
# # Chapter 1 — Convexity and Jensen's inequality
#
# Some loss landscapes are easy: walk downhill from anywhere and you reach the best point. This chapter
# pins down which ones, and why.
#
# **By the end of this chapter you can**
#
# 1. state the chord definition of convexity and test it numerically, finding a *witness* when it fails;
# 2. use the second-order test (the Hessian is positive semi-definite) and read a minimum-eigenvalue map;
# 3. state Jensen's inequality $f(\mathbb E X) \le \mathbb E f(X)$, compute the gap, and derive AM–GM from it;
# 4. explain why convexity makes optimization easy (local = global) and show it with a basin map;
# 5. compute $\mu$, $L$, $\kappa$, the best step $2/(\mu+L)$ and the rate $(\kappa-1)/(\kappa+1)$ of a quadratic, and
#    say why heavy-ball momentum's $(\sqrt\kappa-1)/(\sqrt\kappa+1)$ is so much faster;
# 6. tell which common losses are convex — and prove in two lines that a neural network's loss is not.

# %%
# %matplotlib widget
import itertools
import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

from course_utils import basins, connectivity, convexity, data, functions, jensen, models, momentum, optimizers, plotting
from course_utils.randomness import default_rng
from course_utils.widgets import ChordExplorer, ConditioningExplorer, JensenExplorer

# %% [markdown]
# ## 1. The definition, live
#
# A function $f$ is **convex** when every chord lies on or above its graph: for all $x, y$ and $t \in [0, 1]$,
#
# $$f\big(t x + (1-t) y\big) \;\le\; t\, f(x) + (1-t)\, f(y).$$
#
# The left side is the graph at the point $z = tx + (1-t)y$; the right side is the chord from $(y, f(y))$ to
# $(x, f(x))$ at the same place. One triple $(x, y, t)$ where the graph is *above* the chord proves that $f$ is not
# convex — a **witness**. No finite number of checks proves convexity, but many passing checks are good evidence.
#
# **Predict first.** Which of these are convex on $[-3, 3]$ (or on their domain)?
# $x^2$, $|x|$, $e^x$, $x^4 - x^2$, $\sin x$, $\log(1 + e^x)$, $-\log x$. Write your guesses down, then run the
# next cell: `convexity.chord_test` tries every pair of 61 points at 9 weights and reports the worst violation.

# %%
candidates = {
    "x²": lambda x: x**2, "|x|": np.abs, "eˣ": np.exp, "x⁴ − x²": lambda x: x**4 - x**2,
    "sin x": np.sin, "log(1 + eˣ)": lambda x: np.logaddexp(0, x), "−log x": lambda x: -np.log(x),
}
points = np.linspace(-3, 3, 61)
verdicts = {name: convexity.chord_test(f, points, n_segments=2000) for name, f in candidates.items()}
for name, result in verdicts.items():
    print(f"{name:12s} {result.message}")
not_convex = {name for name, r in verdicts.items() if r.violated}
assert not_convex == {"x⁴ − x²", "sin x"}

# %% [markdown]
# For $-\log x$ the chords through $x \le 0$ were skipped (the function is undefined there) — the test only
# speaks about its domain. The witness for $x^4 - x^2$ is a real certificate; recompute it by hand:

# %%
x, y, t = verdicts["x⁴ − x²"].witness
f = candidates["x⁴ − x²"]
graph, chord = f(t * x + (1 - t) * y), t * f(x) + (1 - t) * f(y)
print(f"x = {x[0]:.2f}, y = {y[0]:.2f}, t = {t:.1f}: graph {round(graph[0], 4) + 0.0:.4f} > chord {chord[0]:.4f}")
assert graph > chord

# %% [markdown]
# ### Chord Explorer
#
# Drag $x$, $y$ and $t$. The dashed line is the chord, the square is the chord at $z$, the round marker is the
# graph at $z$ (it turns into a cross when it is *above* the chord). The right panel shows the gap along the whole
# segment: anything in the hatched region above zero is a violation.
#
# *Try:* with $x^4 - x^2$, find a chord that is violated and one that is not. With $\sin x$, find $x, y$ where
# every chord is fine (hint: where is $\sin$ curving up?). Pass your own function with
# `ChordExplorer(f=lambda x: ..., f_label="my f")` — it does not even need to be vectorized.

# %%
ChordExplorer(function="x⁴ − x²", x=-0.9, y=0.9, t=0.5)

# %% [markdown]
# ### Convex does not mean "one minimum"
#
# A common simplification says a convex function "has only one minimum, the global minimum". Two corrections, both
# checked below:
#
# * a convex function may have **no** minimum at all — $e^x$ is convex and decreases forever to the left;
# * it may have **many** minimisers — $\max(|x| - 1, 0)$ is convex and equals 0 on the whole interval $[-1, 1]$.
#
# What convexity does guarantee: every local minimum is global, and the set of minimisers is convex (an interval,
# a point, or empty). *Strict* convexity makes the minimiser unique when it exists.

# %%
flat_bottom = lambda x: np.maximum(np.abs(x) - 1, 0)  # noqa: E731
assert not convexity.chord_test(flat_bottom, points).violated
minimisers = points[flat_bottom(points) == 0]
print(f"max(|x| − 1, 0) is convex; it is minimal on [{minimisers.min():.0f}, {minimisers.max():.0f}]")
assert minimisers.min() == -1 and minimisers.max() == 1
assert np.all(np.diff(np.exp(points)) > 0)  # eˣ: always increasing, no minimum on the line

# %% [markdown]
# ### The second-order test
#
# For a twice-differentiable $f$ on a convex region: $f$ is convex there **iff** its Hessian $\nabla^2 f$ is
# positive semi-definite everywhere, i.e. its smallest eigenvalue $\lambda_{\min} \ge 0$. The map below shows
# $\lambda_{\min}$ for two of the course's landscapes; hatched cells are where $\lambda_{\min} < 0$.
#
# * The **stretched bowl** $\tfrac12(x^2 + \kappa y^2)$, here at $\kappa = 1$: $\tfrac12(x^2 + y^2)$, Hessian $I$.
#   It is chapter 0's **round bowl** $x^2 + y^2$ halved — same shape, half the curvature (chapter 0's Hessian is
#   $2I$). That is why chapter 0's step limit is $\eta < 1$ and this bowl's is $\eta < 2$: one rule,
#   $\eta < 2/\lambda_{\max}$, with $\lambda_{\max} = 2$ there and $1$ here. §4 stretches it ($\kappa > 1$).
# * The **wobbly terrain** of chapter 0, $x^2 + y^2 - A(\cos 3\pi x + \cos 3\pi y)$, at $A = 0.5$.

# %%
bowl, wobbly = functions.get("bowl"), functions.get("wobbly", amplitude=0.5)  # the stretched bowl at κ = 1
box = wobbly.bounds
maps = {obj.name: convexity.hessian_eigenvalue_map(obj, box, resolution=61) for obj in (bowl, wobbly)}
fig, axes = plotting.new_figure(1, 2, figsize=(9.2, 4.3))
with plt.rc_context({"hatch.color": "white", "hatch.linewidth": 1.2}):  # hatching visible on the dark cells
    for ax, (name, hm) in zip(axes, maps.items()):
        im = ax.imshow(hm.min_eigenvalue, origin="lower", extent=[*box[0], *box[1]], cmap=plotting.ALT_CMAP,
                       vmin=-45, vmax=5)
        ax.contourf(hm.xs, hm.ys, hm.negative.astype(float), levels=[0.5, 1.5], colors="none", hatches=["///"])
        if hm.negative.any():
            ax.contour(hm.xs, hm.ys, hm.min_eigenvalue, levels=[0.0], colors="white", linewidths=1.0)
        plotting.label_axes(ax, title=f"λ_min: {name}", xlabel="x", ylabel="y")
        print(hm.message)
    key = matplotlib.patches.Patch(facecolor=matplotlib.colormaps[plotting.ALT_CMAP](0.0), hatch="///",
                                   edgecolor="white", label="λ_min < 0: not convex here (white line: λ_min = 0)")
    fig.legend(handles=[key], loc="outside lower center", ncol=1, fontsize=8.5, framealpha=0.95)
fig.colorbar(im, ax=axes, extend="max", label="smallest Hessian eigenvalue λ_min (above 5: clipped)")
fig

# %%
assert not maps[bowl.name].negative.any()
assert 0.3 < maps[wobbly.name].fraction_negative < 0.9

# %% [markdown]
# ## 2. Jensen's inequality
#
# Take the chord inequality and read the weight $t$ as a probability: $X = x$ with probability $t$ and $X = y$
# with probability $1 - t$. Then the left side is $f(\mathbb E X)$ and the right side is $\mathbb E f(X)$. The
# same holds for any distribution (with finite mean):
#
# $$f \text{ convex} \;\Longrightarrow\; f(\mathbb E X) \le \mathbb E f(X), \qquad
# \text{Jensen's gap } \; \mathbb E f(X) - f(\mathbb E X) \ge 0.$$
#
# For a concave $f$ the inequality flips. For $f(x) = x^2$ the gap is exactly the variance:
# $\mathbb E X^2 - (\mathbb E X)^2 = \operatorname{Var} X$.
#
# **Predict first.** $X \sim \mathcal N(0, 1)$ and $f = e^x$. Is $\mathbb E e^X$ bigger or smaller than
# $e^{\mathbb E X} = 1$? By how much? (The exact answer is $e^{1/2} - 1 \approx 0.649$.)

# %%
gap_mc = jensen.jensen_gap(np.exp, jensen.gaussian(0.0, 1.0), n=20_000, rng=0)
print(gap_mc.message)
assert abs(gap_mc.gap - (math.exp(0.5) - 1)) < 4 * gap_mc.stderr  # Monte Carlo within 4 standard errors
gap_quad = jensen.jensen_gap(np.exp, jensen.gaussian(0.0, 1.0), method="quadrature")
assert abs(gap_quad.gap - (math.exp(0.5) - 1)) < 1e-10

sample = default_rng(1).normal(2.0, 0.5, size=200)
gap_sq = jensen.jensen_gap(lambda x: x**2, jensen.discrete(sample))  # exact for the sample itself
assert np.isclose(gap_sq.gap, sample.var())
print(f"for f = x² the gap on a sample is its variance: {gap_sq.gap:.4f}")

# %% [markdown]
# ### Jensen Explorer
#
# Shape the distribution — two points with a weight, a Gaussian, a uniform — and watch the round marker
# $f(\mathbb E X)$ on the graph and the square $\mathbb E f(X)$ above it. With two points the square sits on the
# chord: Jensen *is* the chord inequality. *Try:* make the gap 0 without making $f$ affine (hint: spread);
# switch to $\log x$ (concave: the marker flips below); pick $x^4 - x^2$ and find distributions giving gaps of
# both signs — Jensen needs convexity.

# %%
JensenExplorer()

# %% [markdown]
# ### AM–GM as a corollary
#
# $\log$ is concave, so $\mathbb E \log X \le \log \mathbb E X$. For $X$ uniform on positive numbers
# $a_1, \dots, a_n$ this reads $\frac1n\sum \log a_i \le \log \frac1n\sum a_i$; exponentiating,
#
# $$\sqrt[n]{a_1 \cdots a_n} \;\le\; \frac{a_1 + \dots + a_n}{n} \qquad \text{(geometric mean ≤ arithmetic mean).}$$

# %%
a = default_rng(2).uniform(0.1, 10, size=8)
gap_log = jensen.jensen_gap(np.log, jensen.discrete(a))
gm, am = math.exp(np.mean(np.log(a))), a.mean()
print(f"GM = {gm:.4f} ≤ AM = {am:.4f};  log(AM/GM) = {math.log(am / gm):.4f} = −(Jensen gap of log)")
assert gap_log.gap <= 0 and gm <= am and math.isclose(-gap_log.gap, math.log(am / gm))

# %% [markdown]
# ## 3. Why convexity makes optimization easy
#
# Let $f$ be convex and $x^\star$ a local minimum: $f(x) \ge f(x^\star)$ for every $x$ within some distance $r$ of
# $x^\star$. Take any $y$, and a point $x_t = (1 - t)\,x^\star + t\,y$ on the segment towards it, with $t > 0$
# small enough that $x_t$ lies within $r$. Then
#
# $$f(x^\star) \le f(x_t) \le (1 - t)\,f(x^\star) + t\,f(y)
#   \quad\Longrightarrow\quad t\,f(x^\star) \le t\,f(y) \quad\Longrightarrow\quad f(x^\star) \le f(y).$$
#
# The first inequality is local minimality, the second convexity; dividing by $t > 0$ finishes it. So **every
# local minimum is global.** Gradient descent cannot get stuck in a bad valley because there is none.
#
# **Predict first.** Run gradient descent from a 41 × 41 grid of starts on the stretched bowl at $\kappa = 1$ and on
# the wobbly terrain.
# How many *different* end points will each produce?
#
# `basins.basin_map` runs all 1681 descents at once (one vectorized gradient per step for the whole batch) and
# colours each start by the minimum it reaches, lowest loss first.

# %%
basins = {obj.name: basins.basin_map(obj, box, resolution=41, lr=0.02, steps=600) for obj in (bowl, wobbly)}
fig, axes = plotting.new_figure(1, 2, figsize=(9.2, 4.5))
low = min(bm.minima_losses.min() for bm in basins.values())
high = max(bm.minima_losses.max() for bm in basins.values())
for ax, (name, bm) in zip(axes, basins.items()):
    # each start coloured by the loss of the minimum it reaches (one shared scale); unconverged starts left blank
    reached = np.where(bm.labels >= 0, bm.minima_losses[np.maximum(bm.labels, 0)], np.nan)
    im = ax.imshow(np.ma.masked_invalid(reached), origin="lower", extent=[*box[0], *box[1]], cmap=plotting.CMAP,
                   vmin=low, vmax=high, interpolation="nearest")
    ax.plot(*bm.minima.T, "w^", markeredgecolor="k", markersize=7, linestyle="none", label="a minimum reached")
    ax.plot(*bm.minima[0], "*", color="w", markeredgecolor="k", markersize=15, linestyle="none",
            label="the lowest one (global)")
    plotting.label_axes(ax, title=f"{name}\n{bm.n_minima} minim{'um' if bm.n_minima == 1 else 'a'} reached",
                        xlabel="start x", ylabel="start y")
    print(f"{name}: {bm.message}")
fig.legend(*axes[1].get_legend_handles_labels(), loc="outside lower center", ncol=2, fontsize=8.5, framealpha=0.95)
fig.colorbar(im, ax=axes, label="loss at the minimum the start reaches")
fig

# %%
bowl_map, wobbly_map = basins[bowl.name], basins[wobbly.name]
assert bowl_map.n_minima == 1 and bowl_map.n_unconverged == 0        # convex: every start, same answer
assert np.allclose(bowl_map.minima[0], 0, atol=1e-4)
assert wobbly_map.n_minima > 1                                          # non-convex: the start decides
worse = wobbly_map.minima_losses[1:] - wobbly_map.minima_losses[0]
share_global = wobbly_map.counts[0] / wobbly_map.labels.size
print(f"wobbly: {wobbly_map.n_minima} minima; only {100 * share_global:.0f}% of starts find the global one; "
      f"the others end {worse.min():.2f} to {worse.max():.2f} higher")
assert np.all(worse > 0.1)  # local minima that are not global: impossible for a convex function

# %% [markdown]
# ## 4. Convex but slow — conditioning
#
# Convex does not mean fast. On the stretched bowl $\tfrac12(x^2 + \kappa y^2)$ the Hessian is $\mathrm{diag}(1, \kappa)$:
# curvatures $\mu = 1$ and $L = \kappa$ (for $\kappa \ge 1$), condition number $\kappa = L/\mu$. Gradient descent
# multiplies each eigen-component of the error by $1 - \eta\lambda_i$, so per step the error shrinks by
#
# $$\rho(\eta) = \max_i |1 - \eta\lambda_i|,$$
#
# which is below 1 only for $0 < \eta < 2/L$. The best fixed step balances the two extremes:
# $\eta^\star = 2/(\mu + L)$, giving $\rho^\star = (\kappa - 1)/(\kappa + 1)$ — close to 1 when $\kappa$ is large.
#
# **Predict first.** With $\kappa = 10$: what is the best step, and by what factor does the loss shrink per step?

# %%
c = convexity.quadratic_constants(np.diag([1.0, 10.0]))
print(f"μ = {c.mu:g}, L = {c.L:g}, κ = {c.kappa:g}, best step 2/(μ+L) = {c.best_step:.4f}, "
      f"ρ = (κ−1)/(κ+1) = {c.rate:.4f}, limit 2/L = {c.max_stable_step:g}")
run = optimizers.run(functions.get("bowl", condition=10.0), optimizers.gd(), [-1.8, 0.9], steps=60,
                     lr=c.best_step)
per_step = run.losses[1:] / run.losses[:-1]
print(f"measured loss ratio per step: {per_step[-1]:.6f}; theory ρ² = {c.rate**2:.6f}")
assert np.allclose(per_step, c.rate**2, rtol=1e-9)  # the loss shrinks by exactly ρ² each step here
assert np.all(run.losses <= run.losses[0] * c.rate ** (2 * np.arange(61)) * (1 + 1e-9))

# %% [markdown]
# At the best step both eigen-directions contract by exactly $\rho^\star$ (one of them flipping sign each step:
# the zig-zag), so the measured ratio is $\rho^{\star 2}$ to nine digits. And one step size too far:

# %%
too_big = optimizers.run(functions.get("bowl", condition=10.0), optimizers.gd(), [-1.8, 0.9], steps=200,
                         lr=1.05 * c.max_stable_step)
print(too_big.message)
assert too_big.diverged


# %% [markdown]
# ### The picture: one rate, two directions
#
# Why is the best step a compromise, and why does the slow direction decide everything? Write the start in the
# Hessian's eigenvectors (here simply the axes): $\theta_0 = (c_1, c_2)$. After $t$ steps the error is
# $(c_1 (1 - \eta\mu)^t,\; c_2 (1 - \eta L)^t)$ — each component on its own geometric sequence.
#
# **Predict first.** At $\kappa = 10$ and $\eta = 0.15$, which component is left after 20 steps? And where, as a
# function of $\eta$, does the worse of the two factors $|1 - \eta\mu|$, $|1 - \eta L|$ have its minimum?
#
# Left: the two factors against $\eta$. The flat direction's $|1 - \eta\mu|$ falls slowly; the steep direction's
# $|1 - \eta L|$ falls fast, hits 0 at $\eta = 1/L$ and rises again (overshooting: the zig-zag). The rate $\rho(\eta)$
# is the upper envelope, a V whose bottom is where the two lines cross: $1 - \eta\mu = \eta L - 1$, i.e.
# $\eta^\star = 2/(\mu + L)$ with $\rho^\star = (\kappa - 1)/(\kappa + 1)$. Right: gradient descent at $\eta = 0.15$,
# each component measured (markers) on its predicted line (dashed/dotted) — on a log axis a geometric sequence is a
# straight line. The steep component vanishes within a few steps; what remains, and sets the pace, is the flat one.

# %%
kappa, eta_demo, start = 10.0, 0.15, np.array([-1.8, 0.9])
c = convexity.quadratic_constants(np.array([1.0, kappa]))
lam = c.eigenvalues                                      # (μ, L) = (1, κ): the bowl's axes are its eigenvectors
etas = np.linspace(0.0, 1.2 * c.max_stable_step, 721)[1:]
rho = np.array([convexity.gd_contraction_factor(lam, eta) for eta in etas])
T = 40
run = optimizers.run(functions.get("bowl", condition=kappa), optimizers.gd(), start, steps=T, lr=eta_demo)
t = np.arange(T + 1)
predicted = np.abs(start) * np.abs(1 - eta_demo * lam) ** t[:, None]   # |c_i| |1 − ηλ_i|^t, shape (T + 1, 2)
measured = np.abs(run.thetas)                                          # the error's components (the minimum is 0)

fig, (ax_v, ax_c) = plotting.new_figure(1, 2, figsize=(9.2, 4.0))
slow, fast = plotting.OKABE_ITO[4], plotting.OKABE_ITO[3]
ax_v.plot(etas, np.abs(1 - etas * lam[0]), color=slow, linestyle="--", linewidth=1.4,
          label="|1 − ημ|: flat direction, μ = 1")
ax_v.plot(etas, np.abs(1 - etas * lam[1]), color=fast, linestyle=":", linewidth=1.8,
          label=f"|1 − ηL|: steep direction, L = {kappa:g}")
ax_v.plot(etas, rho, color="k", linewidth=2.2, label="ρ(η) = the larger of the two")
ax_v.axhline(1.0, color="0.6", linewidth=0.8)
ax_v.plot(c.best_step, c.rate, "k*", markersize=14,
          label=f"η* = 2/(μ+L) = {c.best_step:.3f}: ρ* = (κ−1)/(κ+1) = {c.rate:.3f}")
ax_v.plot(c.max_stable_step, 1.0, "D", color="k", markerfacecolor="white", markersize=7,
          label=f"η = 2/L = {c.max_stable_step:.2f}: ρ = 1 (beyond: diverges)")
ax_v.plot(eta_demo, convexity.gd_contraction_factor(lam, eta_demo), "o", color=plotting.OKABE_ITO[2],
          markeredgecolor="k", markersize=8, label=f"η = {eta_demo:g} (right panel)")
ax_v.set_xlim(0, etas[-1])
ax_v.set_ylim(0, 2.1)
ax_v.legend(loc="upper left", fontsize=7.5, framealpha=0.95)
plotting.label_axes(ax_v, title=f"(a) GD's rate against the step, κ = {kappa:g}", xlabel="step size η",
                    ylabel="error factor per step, |1 − ηλ|")
for i, (colour, marker, style, name) in enumerate(((slow, "o", "--", "x (λ = 1)"),
                                                   (fast, "s", ":", f"y (λ = {kappa:g})"))):
    ax_c.semilogy(t, predicted[:, i], color=colour, linestyle=style, linewidth=1.6)
    ax_c.semilogy(t, measured[:, i], marker, color=colour, markersize=3.5, linestyle="none",
                  label=f"|error along {name}|: ×{abs(1 - eta_demo * lam[i]):.2f} per step")
ax_c.semilogy(t, np.linalg.norm(run.thetas, axis=1), color="k", linewidth=1.2, alpha=0.8,
              label="‖error‖, both together")
ax_c.legend(loc="lower left", fontsize=7.5, framealpha=0.95)
plotting.label_axes(ax_c, title=f"(b) the error by eigen-direction, η = {eta_demo:g}", xlabel="step t",
                    ylabel="size of the error (log scale)")
fig

# %%
assert np.allclose(measured, predicted, rtol=1e-9, atol=1e-300)        # GD is exactly the two sequences
assert abs(etas[np.argmin(rho)] - c.best_step) <= etas[1] - etas[0]    # the V's bottom is 2/(μ+L) (grid spacing)
assert np.isclose(rho.min(), c.rate, atol=2 * c.L * (etas[1] - etas[0]))  # at depth (κ−1)/(κ+1)
share_slow = measured[:, 0] / np.linalg.norm(measured, axis=1)
print(f"share of the error in the flat direction: start {share_slow[0]:.2f}, after 10 steps {share_slow[10]:.6f}")
assert share_slow[0] < 0.95 and np.all(share_slow[10:] > 0.9999)     # the slow direction takes over

# %% [markdown]
# At $\eta^\star$ the two factors are equal, $1 - \eta^\star\mu = -(1 - \eta^\star L) = \rho^\star$: both components
# shrink at the same pace, one of them flipping sign every step. Any other step makes one of them slower. Seen this
# way, a large $\kappa$ is slow because one step size has to serve two curvatures $\kappa$ apart.
#
# ### Momentum: from $\kappa$ to $\sqrt\kappa$
#
# **Heavy-ball momentum** (Polyak 1964) keeps a velocity: $v \leftarrow \beta v + \nabla f(\theta)$,
# $\theta \leftarrow \theta - \eta v$ (`optimizers.momentum(beta)`). On a quadratic each eigen-direction becomes a
# two-term recurrence, $e_{t+1} = (1 + \beta - \eta\lambda)\,e_t - \beta\,e_{t-1}$, whose rate is the larger root
# of $z^2 - (1 + \beta - \eta\lambda) z + \beta = 0$ in absolute value (`momentum.momentum_rate`). Tuned for the
# whole interval $[\mu, L]$,
#
# $$\eta = \Bigl(\frac{2}{\sqrt L + \sqrt\mu}\Bigr)^2, \qquad \beta = \Bigl(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\Bigr)^2
# \qquad\Longrightarrow\qquad \text{rate } \frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}$$
#
# per step of the error norm (`momentum.optimal_momentum`; the derivation is laid out in Goh's "Why Momentum Really
# Works", Distill 2017). That rate is *asymptotic*: at these parameters the recurrence has a double root, so the
# error behaves like $(a + b\,t)\,\rho^t$ — a transient first, the rate later.
#
# How slow is slow? At its best step, gradient descent shrinks the error (and the gradient) by exactly $\rho^\star$ per
# step, so a factor $10^6$ takes $\ln 10^6 / \ln\frac{\kappa+1}{\kappa-1} \approx \tfrac{\kappa}{2}\ln 10^6$ steps
# (as $\ln\frac{\kappa+1}{\kappa-1} \approx 2/\kappa$): linear in $\kappa$.
#
# **Predict first.** How do the steps grow with $\kappa$ for heavy ball? What slope will each method have on
# log–log axes?

# %%
kappas = np.geomspace(10, 1000, 5)
gd_steps, hb_steps = [], []
for k in kappas:  # course_utils.momentum runs optimizers.momentum's update on the quadratic (β = 0: plain GD)
    ck, (eta_hb, beta_hb, _) = convexity.quadratic_constants(np.array([1.0, k])), momentum.optimal_momentum(1.0, k)
    gd_map = momentum.momentum_convergence_map([1.0, k], [ck.best_step], [0.0], rtol=1e-6,
                                               max_steps=int(8 * k) + 100, start=start)
    hb_map = momentum.momentum_convergence_map([1.0, k], [eta_hb], [beta_hb], rtol=1e-6,
                                               max_steps=int(20 * math.sqrt(k)) + 100, start=start)
    gd_steps.append(gd_map.steps[0, 0])
    hb_steps.append(hb_map.steps[0, 0])
gd_steps, hb_steps = np.array(gd_steps), np.array(hb_steps)
slope_gd, slope_hb = (np.polyfit(np.log(kappas), np.log(s), 1)[0] for s in (gd_steps, hb_steps))

# the same two methods with the course's optimizers, at κ = 100: the distance to the minimum over time
k = 100.0
ck, (eta_hb, beta_hb, rate_hb) = convexity.quadratic_constants(np.array([1.0, k])), momentum.optimal_momentum(1.0, k)
bowl100, T = functions.get("bowl", condition=k), 150
gd_run = optimizers.run(bowl100, optimizers.gd(), start, steps=T, lr=ck.best_step)
hb_run = optimizers.run(bowl100, optimizers.momentum(beta_hb), start, steps=T, lr=eta_hb)
err_gd, err_hb = (np.linalg.norm(r.thetas, axis=1) for r in (gd_run, hb_run))
t = np.arange(T + 1)
late = t >= T // 2                                          # past the transient: fit the per-step factor there
fitted_hb = math.exp(np.polyfit(t[late], np.log(err_hb[late]), 1)[0])

fig, (ax_k, ax_t) = plotting.new_figure(1, 2, figsize=(9.2, 4.0))
gd_colour, hb_colour = plotting.OKABE_ITO[3], plotting.OKABE_ITO[4]
sk = np.sqrt(kappas)
ax_k.loglog(kappas, gd_steps, "o", color=gd_colour, markersize=8,
            label=f"GD, η = 2/(μ+L): measured, slope {slope_gd:.2f}")
ax_k.loglog(kappas, np.log(1e6) / np.log((kappas + 1) / (kappas - 1)), "--", color=gd_colour,
            label="ln 10⁶ / ln(1/ρ), ρ = (κ−1)/(κ+1)")
ax_k.loglog(kappas, hb_steps, "s", color=hb_colour, markersize=8,
            label=f"heavy ball, optimal η, β: measured, slope {slope_hb:.2f}")
ax_k.loglog(kappas, np.log(1e6) / np.log((sk + 1) / (sk - 1)), ":", color=hb_colour, linewidth=2,
            label="ln 10⁶ / ln(1/ρ), ρ = (√κ−1)/(√κ+1)")
ax_k.legend(loc="upper left", fontsize=7.5, framealpha=0.95)
plotting.label_axes(ax_k, title="(c) steps until ‖∇f‖ is 10⁶ times smaller", xlabel="condition number κ",
                    ylabel="steps (log scale)")
ax_t.semilogy(t, err_gd, color=gd_colour, linewidth=2.2, label="GD, η = 2/(μ+L)")
ax_t.semilogy(t, err_hb, color=hb_colour, linewidth=2.2, linestyle="-.",
              label=f"heavy ball, η = {eta_hb:.3f}, β = {beta_hb:.3f}")
ax_t.semilogy(t, err_gd[0] * ck.rate**t, "k--", linewidth=1,
              label=f"slope of ρᵗ, ρ = (κ−1)/(κ+1) = {ck.rate:.3f}")
ax_t.semilogy(t, err_hb[-1] * rate_hb ** (t - T), "k:", linewidth=1.5,
              label=f"slope of ρᵗ, ρ = (√κ−1)/(√κ+1) = {rate_hb:.3f}\n(drawn through the last point)")
ax_t.legend(loc="lower left", fontsize=7.5, framealpha=0.95)
plotting.label_axes(ax_t, title=f"(d) distance to the minimum, κ = {k:g}", xlabel="step t",
                    ylabel="‖θₜ − θ*‖ (log scale)")
fig

# %%
print(f"steps, GD: {gd_steps.astype(int)}; heavy ball: {hb_steps.astype(int)} (κ = {np.round(kappas, 1)})")
print(f"log-log slopes: GD {slope_gd:.3f}, heavy ball {slope_hb:.3f}; heavy ball's late per-step factor at κ = 100: "
      f"{fitted_hb:.4f} against (√κ−1)/(√κ+1) = {rate_hb:.4f}")
assert np.allclose(err_gd, err_gd[0] * ck.rate**t, rtol=1e-9)   # GD at η*: exactly ρ* per step, every step
assert abs(slope_gd - 1) < 0.02                                  # steps ∝ κ
assert 0.45 < slope_hb < 0.6                                     # steps ∝ √κ (the transient adds a little)
assert abs(fitted_hb / rate_hb - 1) < 0.02                       # the asymptotic rate, within 2 % late in the run
assert 9 < gd_steps[2] / gd_steps[0] < 11                       # κ = 10 → 100: ten times the steps for GD
assert np.all(hb_steps < gd_steps / 2) and gd_steps[-1] / hb_steps[-1] > 15
excess = hb_steps / (np.log(1e6) / np.log((sk + 1) / (sk - 1)))  # measured over the asymptotic-rate count
print(f"heavy ball's steps over ln 10⁶/ln(1/ρ): {np.round(excess, 2)}")
assert np.all((excess > 1.1) & (excess < 1.7)) and np.all(np.diff(excess) > 0)  # above, by a slowly growing factor

# %% [markdown]
# The measured slopes are about 1 and 1/2: ten times worse conditioning costs gradient descent ten times the steps
# and heavy ball about 3.4 times ($\sqrt{10} \approx 3.2$). Heavy ball's points sit above its dotted line by a
# factor that grows slowly with $\kappa$ (about 1.3 at $\kappa = 10$, 1.5 at $\kappa = 1000$): the factor $t$ of
# the double root costs extra steps, and that is also why the fitted slope is a little above 1/2. Late in a run the
# per-step factor matches $(\sqrt\kappa - 1)/(\sqrt\kappa + 1)$ within 2 %. Two caveats keep this honest. The optimal $\eta, \beta$ need
# $\mu$ and $L$, which one rarely knows for a network; and the $\sqrt\kappa$ rate is a theorem about quadratics
# — with these parameters heavy ball can fail to converge on a smooth, strongly convex function that is not
# quadratic (Lessard, Recht & Packard 2016 construct one: the iterates settle into a cycle), while Nesterov's
# accelerated method keeps a $1 - 1/\sqrt\kappa$ guarantee on that whole class. Goujaud, Taylor & Dieuleveut
# (2023) proved that this is no accident of the tuning: for *every* choice of $\eta, \beta$, heavy ball either is
# not accelerated on quadratics or fails to converge on some smooth, strongly convex function.

# %% [markdown]
# ### Conditioning Explorer
#
# Move $\kappa$ and $\eta$. The dashed line is the theoretical envelope $\rho^{2t} f(\theta_0)$; the loss never
# crosses it. *Try:* at $\kappa = 10$, switch "η from" to $2/(\mu+L)$ exactly, note the loss after 60 steps, then
# go back to the slider and look for a step that does better *from this start*; then step just past $2/L$ and read
# the message. *Target:* get the loss below $10^{-6}$ in 60 steps at $\kappa \approx 30$ (the slider's positions
# there are 28.2 and 31.6) — possible? (The answer is two cells below.)

# %%
ConditioningExplorer()

# %% [markdown]
# **Best for whom?** $2/(\mu+L)$ minimises $\rho(\eta) = \max_i|1 - \eta\lambda_i|$: the rate *guaranteed for every
# start*. A particular start is not the worst one. After $t$ steps the loss is
# $\tfrac12\sum_i \lambda_i c_i^2 (1 - \eta\lambda_i)^{2t}$ for the start's eigen-components $c_i$; at $\eta^\star$ both
# factors are exactly $\rho^{\star 2t}$, so moving $\eta$ a little trades one direction against the other, and it pays
# whenever the two components are unequally weighted (unless $\lambda_1 c_1 = \lambda_2 c_2$ up to sign). A start on
# an eigenvector is the extreme case: $\eta = 1/\lambda$ lands on the minimum in one step. The cell checks the formula
# against gradient descent, then uses it to scan 2001 steps: the best one for the explorer's start, and for the
# worst start on the unit circle.

# %%
kappa, steps = 10.0, 60
bowl10 = functions.get("bowl", condition=kappa)
c10 = convexity.quadratic_constants(np.array([1.0, kappa]))
lam = c10.eigenvalues


def loss_after(eta, start, t=steps):
    """½ Σ λ_i c_i² (1 − ηλ_i)^{2t}: the loss after t steps, from the formula above (start = eigen-components)."""
    start = np.atleast_2d(start)
    factors = (1 - np.multiply.outer(np.atleast_1d(eta), lam)) ** (2 * t)       # (etas, 2)
    return 0.5 * (start**2 * lam) @ factors.T                                   # (starts, etas)


# the formula agrees with gradient descent itself, at η* and at a nearby step
for eta in (c10.best_step, 0.97 * c10.best_step):
    run = optimizers.run(bowl10, optimizers.gd(), [-1.8, 0.9], steps=steps, lr=eta)
    assert np.isclose(run.final_loss, loss_after(eta, [-1.8, 0.9])[0, 0], rtol=1e-9)
etas = np.linspace(0.9, 1.1, 2001) * c10.best_step
final = loss_after(etas, [-1.8, 0.9])[0]
best_here, at_star = etas[np.argmin(final)], loss_after(c10.best_step, [-1.8, 0.9])[0, 0]
print(f"from (−1.8, 0.9): η* = 2/(μ+L) = {c10.best_step:.4f} leaves {at_star:.3g} after {steps} steps; "
      f"η = {best_here:.4f} leaves {final.min():.3g}")
# worst case over starts on the unit circle: the worst start's loss ratio is ρ(η)^{2t}, smallest at η*
angles = np.linspace(0, np.pi, 181)
circle = np.stack([np.cos(angles), np.sin(angles)], axis=1)
ratios = loss_after(etas, circle) / loss_after(0.0, circle)                    # (starts, etas)
worst = ratios.max(axis=0)
print(f"worst start's loss ratio after {steps} steps: {worst.min():.3g} at η = {etas[np.argmin(worst)]:.4f}")
assert final.min() < 0.5 * at_star and abs(best_here - c10.best_step) > 1e-3   # another step wins from this start
assert abs(etas[np.argmin(worst)] - c10.best_step) <= etas[1] - etas[0]        # η* wins for the worst start
assert worst.min() <= c10.rate ** (2 * steps) * (1 + 1e-9)                     # and meets its guarantee
one_step = optimizers.run(bowl10, optimizers.gd(), [0.0, 0.9], steps=1, lr=1 / kappa)
assert one_step.final_loss < 1e-28                                                # an eigenvector start: one step

# %% [markdown]
# **The target at $\kappa \approx 30$, answered.** Not with gradient descent, whatever the step: the cell scans every
# step size below $2/L$ with the loss formula above. Even the best step *for this start* leaves a loss hundreds of
# times above $10^{-6}$ after 60 steps. Heavy ball with its optimal $\eta, \beta$ (previous section) gets there
# in far fewer than 60 steps.

# %%
start, target, steps = np.array([-1.8, 0.9]), 1e-6, 60
for k in (10**1.45, 30.0, 10**1.5):  # the slider's two positions around 30, and 30 itself
    lam_k = np.array([1.0, k])
    etas_k = np.linspace(0, 2 / k, 20_001)[1:-1]                       # every stable step, finely
    gd_best = (0.5 * (lam_k * start**2) * (1 - np.outer(etas_k, lam_k)) ** (2 * steps)).sum(axis=1).min()
    eta_hb, beta_hb, _ = momentum.optimal_momentum(1.0, k)
    hb = optimizers.run(functions.get("bowl", condition=k), optimizers.momentum(beta_hb), start, steps=steps,
                        lr=eta_hb)
    hb_first = int(np.argmax(hb.losses < target))
    print(f"κ = {k:.1f}: best fixed GD step leaves {gd_best:.2g} after {steps} steps; "
          f"heavy ball is below {target:g} after {hb_first} steps")
    assert gd_best > 100 * target and hb.losses[hb_first] < target and hb_first < 40

# %% [markdown]
# ## 5. Which losses are convex?
#
# **Linear regression with MSE.** $L(w) = \frac1N\|Xw - y\|^2$ has Hessian $\frac2N X^\top X$ everywhere, and
# $v^\top X^\top X v = \|Xv\|^2 \ge 0$: positive semi-definite, so the loss is convex. It is *strictly* convex only
# when $X$ has full column rank — it is often called "strictly convex" without that condition, but a duplicated
# feature gives a zero eigenvalue and a whole line of minimisers.

# %%
Xr, yr = data.regression_1d(50, noise=0.1, rng=0)
design = np.hstack([Xr, np.ones((50, 1))])
lin = models.LinearRegression(Xr, yr)
H = lin.hessian(np.zeros(lin.dim))
print("Hessian eigenvalues:", np.linalg.eigvalsh(H).round(4))
assert np.allclose(H, 2 * design.T @ design / 50) and np.linalg.eigvalsh(H).min() > 0
twin = models.LinearRegression(np.hstack([Xr, Xr]), yr)  # the same feature twice
eig_twin = np.linalg.eigvalsh(twin.hessian(np.zeros(twin.dim)))
print("with a duplicated feature:", eig_twin.round(4) + 0.0)  # + 0.0 turns a rounded −0 into 0
assert abs(eig_twin[0]) < 1e-12 * eig_twin[-1]  # convex, not strictly: a flat direction (zero up to rounding)

# %% [markdown]
# **Logistic regression.** With cross-entropy, $L(w) = \frac1N\sum \log(1 + e^{z_i}) - y_i z_i$ with
# $z_i = x_i^\top w$: a convex function (softplus) of a linear function of $w$, hence convex in $w$ — not only "in
# the logits". With MSE on the sigmoid output, $\frac1N\sum(\sigma(z_i) - y_i)^2$, convexity is lost. Flattening
# alone is not the reason (softplus flattens on one side too, and is convex); two correct arguments:
#
# * **Bounded.** The MSE loss lies between 0 and 1 for every $w$. A convex function that is bounded above on all of
#   $\mathbb R^d$ is constant (were $f(b) > f(a)$, convexity along the line through $a$ and $b$ would make it grow at
#   least linearly beyond $b$). This loss is not constant, so it is not convex.
# * **A witness.** The chord test below finds two weight vectors whose chord passes below the MSE loss, and the
#   smallest Hessian eigenvalue it meets is negative. *Where* the loss bends down is chapter 2's first question: the
#   per-example curvature in $z$ is negative exactly where an example is confidently *wrong* — not wherever the
#   sigmoid saturates, a common misconception (confidently right predictions flatten but curve up). Cross-entropy's
#   curvature in $z$, $\sigma(z)(1 - \sigma(z))$, is positive everywhere.

# %%
Xc, yc = data.two_moons(100, noise=0.2, rng=1)
starts = default_rng(3).normal(scale=3.0, size=(40, 3))
for loss in ("cross_entropy", "mse"):
    model = models.LogisticRegression(Xc, yc, loss=loss)
    result = convexity.chord_test(model, starts, rng=0)
    lam = convexity.hessian_min_eigenvalues(model, starts)
    print(f"{model.name}: {result.message}; smallest Hessian eigenvalue seen {lam.min():.3g}")
    assert result.violated == (loss == "mse") and (lam.min() >= -1e-12) == (loss == "cross_entropy")

# %% [markdown]
# **Neural networks: a two-line proof of non-convexity** (the weight-space symmetry noted by Hecht-Nielsen 1990
# and Bishop 1995). Swap hidden units $i$ and $j$ of a trained network — their incoming weights, biases and outgoing
# weights. The network computes the same function, so the loss is the same: $L(\theta') = L(\theta)$. If $L$ were
# convex, the midpoint would satisfy $L(\tfrac12(\theta + \theta')) \le L(\theta)$. But the midpoint is a network
# whose units $i$ and $j$ are both the *average* of the two — usually a worse network.
#
# "Usually" is not "always": two units that happen to have learned similar weights average to almost the same
# network, and then the midpoint costs nothing. So we swap **every** pair of the 6 hidden units (15 swaps), count how
# many midpoints are worse, and take the pair with the largest gap as the witness — one violated chord is a proof.

# %%
Xm, ym = data.two_moons(100, noise=0.15, rng=0)
mlp = models.MLP(Xm, ym, hidden=(6,), activation="tanh", loss="cross_entropy")
theta = optimizers.run(mlp, optimizers.adam(), mlp.init(default_rng(0)), steps=100, lr=0.08).final_theta
swapped = {}
for i, j in itertools.combinations(range(6), 2):
    order = np.arange(6)
    order[[i, j]] = order[[j, i]]
    swapped[i, j] = connectivity.permute_hidden_units(mlp, theta, [order])
excess = {pair: mlp.loss(0.5 * (theta + other)) - mlp.loss(theta) for pair, other in swapped.items()}
share_worse = np.mean([gap > 0 for gap in excess.values()])
i, j = max(excess, key=excess.get)
theta_swapped = swapped[i, j]
losses = mlp.loss(theta), mlp.loss(theta_swapped), mlp.loss(0.5 * (theta + theta_swapped))
print(f"the midpoint is worse than θ for {share_worse:.0%} of the {len(excess)} swaps "
      f"(median gap {np.median(list(excess.values())):.3f})")
print(f"witness, units {i + 1} and {j + 1}: " + "L(θ) = {:.4f}, L(θ') = {:.4f}, L(midpoint) = {:.4f}".format(*losses))
assert all(math.isclose(mlp.loss(other), losses[0], rel_tol=1e-12) for other in swapped.values())  # same function
assert not np.allclose(theta, theta_swapped)
assert losses[2] > losses[0] + 0.1  # the chord inequality fails at t = 1/2, by a wide margin: not convex
assert convexity.chord(mlp, theta, theta_swapped, 0.5).violated
assert share_worse > 0.5  # and not only for one lucky pair: for most of them

# %% [markdown]
# A network with $h$ hidden units has $h!$ equivalent copies of every minimum, and the same test can be run between
# any two of them. Chapter 6 (mode connectivity) asks the follow-up: if the straight line between two good
# networks climbs a hill, is there a *curved* path that does not?
#
# ## 6. Summary
#
# * **Convex** = every chord above the graph. A single violated chord is a proof of non-convexity
#   (`convexity.chord_test` finds one); for smooth $f$, convex ⟺ Hessian PSD everywhere.
# * **Jensen**: $f(\mathbb E X) \le \mathbb E f(X)$ for convex $f$; the gap is the variance for $x^2$; for concave
#   $\log$ it flips, and gives AM ≥ GM.
# * **Local = global** for convex functions: gradient descent from every start reaches the same minimum value
#   (1 minimum on the stretched bowl, several on the wobbly terrain). Convex functions can still have no minimiser or many.
# * **Convex ≠ fast**: on a quadratic each eigen-direction of the error shrinks by its own factor $|1 - \eta\lambda_i|$;
#   the rate $\rho(\eta)$ is the worse of them, a V whose bottom is the best fixed step $2/(\mu + L)$ with rate
#   $(\kappa-1)/(\kappa+1)$ — best for the worst start, not for every start. Steps grow linearly with $\kappa$;
#   beyond $2/L$ GD diverges. Heavy-ball momentum, tuned to $\mu$ and $L$, reaches $(\sqrt\kappa-1)/(\sqrt\kappa+1)$:
#   steps grow like $\sqrt\kappa$ (on quadratics).
# * **Losses**: linear regression (MSE) and logistic regression (cross-entropy) are convex in the weights;
#   sigmoid + MSE is not; a neural network with interchangeable hidden units is not (one swap whose midpoint is
#   worse proves it, and most swaps are).
#
# **Exercises:** [`../exercises/01_convexity_and_jensen_exercises.ipynb`](../exercises/01_convexity_and_jensen_exercises.ipynb)
# — a chord-violation finder, Jensen's gap on samples, the curvature constants of ridge regression derived by hand,
# the number of gradient steps to a tolerance predicted before running, and a non-convexity witness for any network.
