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

# %%

# %% [markdown]
# # 03 · Critical points and the Hessian's spectrum
#
# Gradient descent stops where the gradient vanishes. Those places — **critical points** — are not all
# minima: in a landscape with many parameters most of them are **saddles**. This chapter is about telling
# them apart, finding them, and measuring the curvature of a real network when the Hessian is too big to
# write down.
#
# **By the end of this chapter you will be able to**
#
# 1. classify a critical point from its Hessian's eigenvalues — minimum, maximum, saddle (and its *index*),
#    or *degenerate*, where the test is silent — and name a saddle's escape direction;
# 2. find every critical point of a 2-D landscape by multi-start Newton, and say why that is a search, not a proof;
# 3. decide degenerate cases by looking at higher-order terms along slices;
# 4. explain why saddles dominate in high dimensions — and where the popular "coin-flip" argument for it is wrong;
# 5. check on networks that the index of critical points rises with their loss — exactly on a linear autoencoder,
#    by a Newton search on a small tanh network — and watch gradient descent leave saddles (slowly);
# 6. estimate $\lambda_{\max}$, the trace and the whole spectral density of a network's Hessian with
#    Hessian-vector products only (Lanczos, power iteration, Hutchinson, stochastic Lanczos quadrature),
#    and test each against the exact answer;
# 7. read a Monte Carlo estimate with its interval, and say what "95 %" promises and what it does not.

# %%
# %matplotlib widget
import itertools

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from course_utils import critical, curvature, data, functions, models, optimizers
from course_utils.randomness import default_rng
from course_utils.plotting import OKABE_ITO, label_axes, new_figure, plot_contour
from course_utils.widgets import CriticalFinder, CriticalGallery, SpectrumExplorer

# %% [markdown]
# ## 1 · The second-derivative test, and a gallery of quadratic forms
#
# At a critical point $\theta^*$ ($\nabla f(\theta^*) = 0$) Taylor's theorem leaves the quadratic term in charge:
#
# $$f(\theta^* + \delta) = f(\theta^*) + \tfrac12\,\delta^\top H\,\delta + O(\|\delta\|^3),
#   \qquad H = \nabla^2 f(\theta^*).$$
#
# Write $H = \sum_i \lambda_i u_i u_i^\top$ (it is symmetric, so the eigenvectors $u_i$ are orthonormal). Along
# $u_i$ the function curves like $\tfrac12\lambda_i t^2$. So:
#
# | eigenvalues | the point is | shape in 2-D |
# |---|---|---|
# | all $\lambda_i > 0$ | a strict local **minimum** | bowl |
# | all $\lambda_i < 0$ | a strict local **maximum** | dome |
# | both signs (zeros or not) | a **saddle** of *index* $k$ = number of negative $\lambda_i$ | saddle |
# | some $\lambda_i = 0$, the others all of one sign | **degenerate** — the test is silent | trough, or anything |
#
# A zero eigenvalue does not silence the test on its own: with eigenvalues $(1, -1, 0)$ the loss rises like
# $\tfrac12t^2$ along $u_1$ and falls like $-\tfrac12t^2$ along $u_2$, whatever the third direction does — a
# saddle. The test is silent only when there is no second-order evidence either way: every non-zero eigenvalue
# has one sign, and the flat directions could still go up or down at third or fourth order.
#
# A saddle's **escape direction** is $\pm u_1$, the eigenvector of the most negative eigenvalue: the
# loss falls fastest along it, like $\tfrac12\lambda_1 t^2$.
#
# In code "$\lambda_i = 0$" must mean "$|\lambda_i| \le$ tol": computed eigenvalues carry rounding error.
#
# **Predict.** For $H = \operatorname{diag}(10, -2)$ (the Hessian of $5x^2 - y^2$), for $\operatorname{diag}(0, 1)$,
# for $\operatorname{diag}(-1, -3)$ and for $\operatorname{diag}(1, -1, 0)$: what does the test say, and what is the
# index?

# %%
for H in [np.diag([10.0, -2.0]), np.diag([0.0, 1.0]), np.diag([-1.0, -3.0]), np.diag([1.0, -1.0, 0.0])]:
    print(critical.classify_hessian(H).describe())

assert critical.classify_hessian(np.diag([10.0, -2.0])).index == 1
assert critical.classify_hessian(np.diag([0.0, 1.0])).kind == "degenerate"
assert critical.classify_hessian(np.diag([-1.0, -3.0])).kind == "maximum"
assert critical.classify_hessian(np.diag([1.0, -1.0, 0.0])).kind == "saddle"  # both signs decide

# %% [markdown]
# ### Interactive: the Critical Point Gallery
#
# The sliders set the two eigenvalues of $H$ and rotate its eigenvectors; the surface is
# $f(\theta) = \tfrac12\theta^\top H\theta$. Try to produce each row of the table.
# **Targets:** (a) a saddle whose escape direction is the diagonal $\pm(1, 1)/\sqrt2$;
# (b) a trough (one zero eigenvalue) — notice that the test cannot tell a trough from the start of a
# cliff, because a quadratic never shows what the cubic term would do.

# %%
gallery = CriticalGallery(lam1=1.0, lam2=-1.0, angle=45.0)
gallery

# %%
# Check, at the gallery's starting settings (yours stays as you left it: `compute` only says what the gallery
# would show, drawing nothing): with λ₂ = −1 on the axis rotated by 45°, the escape direction is ±(−1, 1)/√2 —
# perpendicular to target (a).
start = gallery.compute({"lam1": 1.0, "lam2": -1.0, "angle": 45.0})
u = start.classification.escape_direction
assert start.classification.kind == "saddle"
assert abs(abs(u @ np.array([-1.0, 1.0]) / np.sqrt(2)) - 1) < 1e-9
print("escape direction:", np.round(u, 3))

# %% [markdown]
# ## 2 · Finding every critical point
#
# For a 2-D landscape we can *find* the critical points: solve $\nabla f(\theta) = 0$ from many starts.
# `critical.find_critical_points` runs Newton's method on the gradient,
# $\theta \leftarrow \theta - H^{+}\nabla f$ (pseudo-inverse, so a singular Hessian does not break it), from a
# scrambled Sobol set of starts all at once, keeps the roots where $\|\nabla f\| \le 10^{-8}$ inside the box,
# merges duplicates and classifies each one. Note what Newton does here: it is attracted to *every*
# critical point, saddles and maxima included — the opposite of what we want from an optimizer, and exactly
# what we want from a finder. (Chapter 4 shows Newton parking on a saddle when you use it to *train*.)
#
# Himmelblau's function $f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2$ has nine.
#
# **Predict.** Four minima at $f = 0$. How many saddles must sit between four basins on a plane, and what
# sits in the middle?

# %%
himmelblau = functions.get("himmelblau")
points = critical.find_critical_points(himmelblau, himmelblau.bounds, n_starts=64, rng=0)
for p in points:
    print(f"{p.kind:8s} index {p.index}  at ({p.point[0]:+.6f}, {p.point[1]:+.6f})  f = {p.value:9.4f}")

kinds = [p.kind for p in points]
assert (kinds.count("minimum"), kinds.count("saddle"), kinds.count("maximum")) == (4, 4, 1)
peak = points[-1]
assert peak.kind == "maximum" and abs(peak.value - 181.6165) < 1e-4
assert np.allclose(peak.point, [-0.270845, -0.923039], atol=1e-6)

# %% [markdown]
# Four minima, four saddles and one maximum: $4 - 4 + 1 = 1$. That is no accident — for a function that
# grows at infinity, (#minima) − (#saddles of index 1) + (#maxima) = 1 on the plane (a Morse-theory
# count, the Euler characteristic of the plane). Between any two neighbouring basins water spills over a saddle.

# %%
fig, ax = new_figure(figsize=(6, 5))
plot_contour(ax, himmelblau, levels=30, log=True, minima=[])
styles = {"minimum": ("o", OKABE_ITO[2]), "saddle": ("X", OKABE_ITO[3]), "maximum": ("^", OKABE_ITO[0])}
for kind, (marker, color) in styles.items():
    pts = np.array([p.point for p in points if p.kind == kind])
    ax.plot(pts[:, 0], pts[:, 1], marker, color=color, markeredgecolor="k", markersize=10, linestyle="none",
            label=f"{kind} ({len(pts)})")
ax.legend(loc="upper right", fontsize="small")
label_axes(ax, "Himmelblau: every critical point, marked by type", "x", "y")
fig

# %% [markdown]
# ### Interactive: the Critical Point Finder
#
# Pick another landscape (the six-hump camel has 15 critical points; Rastrigin has hundreds) and vary the
# number of starts. **Targets:** find the smallest number of Sobol starts that still recovers all 15
# critical points of the six-hump camel; then try "grid" starts on the monkey saddle and explain why every
# start ends at the same point.

# %%
finder = CriticalFinder(function="six_hump_camel", n_starts=64)
finder

# %% [markdown]
# ## 3 · When the Hessian test is silent
#
# At the origin, the monkey saddle $x^3 - 3xy^2$, the quartic bowl $x^4 + y^4$ and the quartic saddle
# $x^4 - y^4$ all have $\nabla f = 0$ **and** $H = 0$. The second-derivative test returns the same verdict —
# degenerate — for a minimum, a saddle, and a "monkey saddle" with three valleys.
#
# **Predict** for each: is the origin a minimum, a maximum or neither?
#
# The Hessian cannot say, but 1-D slices $t \mapsto f(t\cos\varphi, t\sin\varphi)$ through the origin can:
# a minimum must rise in *every* direction.

# %%
names = ["monkey_saddle", "quartic_bowl", "quartic_saddle"]
phis = np.linspace(0, np.pi, 12, endpoint=False)
t = np.linspace(-1, 1, 101)
fig, axes = new_figure(1, 3, figsize=(12, 3.4))
verdict = {}
for ax, name in zip(axes, names):
    f = functions.get(name)
    assert critical.critical_point_at(f, np.zeros(2)).kind == "degenerate"  # the Hessian test is silent
    slices = f.f(np.outer(np.cos(phis), t), np.outer(np.sin(phis), t))  # (directions, t)
    for k, s in enumerate(slices):
        ax.plot(t, s, color=plt.cm.viridis(k / len(phis)), linestyle=["-", "--", ":"][k % 3])
    rises_everywhere = bool(np.all(slices[:, [0, -1]] > 0))
    falls_somewhere = bool(np.any(slices[:, [0, -1]] < 0))
    verdict[name] = "minimum" if rises_everywhere else ("saddle-like" if falls_somewhere else "?")
    label_axes(ax, f"{f.name}: {verdict[name]}", "t along direction φ", "f(t cos φ, t sin φ)")
# colour (and the cycle of line styles) says which direction: φ = k·15° for k = 0 … 11
fig.colorbar(plt.cm.ScalarMappable(norm=plt.Normalize(0, 180), cmap="viridis"), ax=axes, label="direction φ (degrees)",
             ticks=[0, 45, 90, 135, 180])
fig

# %%
print(verdict)
assert verdict == {"monkey_saddle": "saddle-like", "quartic_bowl": "minimum", "quartic_saddle": "saddle-like"}
# the monkey saddle's slices are odd (t³ cos 3φ): every direction that rises on one side falls on the other
monkey = functions.get("monkey_saddle")
assert np.allclose(monkey.f(np.cos(phis) * 0.5, np.sin(phis) * 0.5), -monkey.f(-np.cos(phis) * 0.5, -np.sin(phis) * 0.5))

# %% [markdown]
# Slices decide these three, but slices are not a proof in general: a function can rise along every
# straight line through a point and still not have a minimum there (Peano's $(y - x^2)(y - 3x^2)$ falls along
# the parabola $y = 2x^2$). Degenerate points are common in networks — symmetries make whole valleys of
# equal loss, with zero Hessian eigenvalues along them — so "degenerate" is a verdict you will meet again.

# %% [markdown]
# ## 4 · Why saddles dominate in high dimensions
#
# A common argument goes: at a critical point each Hessian eigenvalue is positive or negative like a
# coin flip, so $P(\text{minimum}) \approx 2^{-n}$. Let us test the argument on the simplest random
# Hessians, symmetric Gaussian matrices (the Gaussian Orthogonal Ensemble).
#
# **Predict.** For $n = 2$, is $P(\text{both eigenvalues} > 0)$ equal to $1/4$, more, or less?

# %%
ns = np.arange(1, 9)
trials = 20_000
estimates = [critical.probability_all_positive(n, trials=trials, rng=int(n)) for n in ns]
p_mc = np.array([e.probability for e in estimates])
ci_low, ci_high = np.array([e.ci_low for e in estimates]), np.array([e.ci_high for e in estimates])
coin = 0.5**ns
dean_majumdar = np.exp(-np.log(3) / 4 * ns**2)  # large-n asymptotics (Dean & Majumdar 2006)
for n, e, c in zip(ns, estimates, coin):
    print(f"n = {n}: {e.count:5d} of {e.trials} → {e.probability:.3g}, 95% interval [{e.ci_low:.3g}, {e.ci_high:.3g}]"
          f";  coin flip {c:.3g}")

# %% [markdown]
# Each estimate is a count of hits in 20 000 draws, so it comes with an interval: the Clopper–Pearson 95 %
# interval, the range of probabilities under which that count would not be surprising. Where there are
# thousands of hits the interval is narrow. From $n = 5$ on a run sees a few minima or none: the estimate
# is 0 or a few in 20 000, and only the interval speaks — "no hit in 20 000" means $P \lesssim 3.7/20\,000$
# (the 95 % upper bound), not $P = 0$. The checks below claim only what the counts resolve.

# %%
for n, exact in [(1, 0.5), (2, (2 - np.sqrt(2)) / 4)]:  # exact values: 1/2, and (2 − √2)/4 ≈ 0.146, not 1/4
    e = estimates[n - 1]
    assert abs(e.probability - exact) < 4 * np.sqrt(exact * (1 - exact) / e.trials)  # within 4 standard errors
assert np.all(ci_high[2:] < coin[2:] / 3)  # from n = 3 on, the whole interval lies far below 2⁻ⁿ …
assert np.all(ci_high[4:] < coin[4:] / 10)  # … from n = 5 on, below a tenth of it, even where no draw hit
# and the gap widens with n: for n = 1 … 4 each interval for P / 2⁻ⁿ lies wholly below the previous one
# (beyond n = 4, 20 000 draws give too few hits to resolve the ratio from one n to the next)
assert np.all(ci_high[1:4] / coin[1:4] < ci_low[:3] / coin[:3])

# %% [markdown]
# The coin-flip argument is **wrong about the rate**: eigenvalues of a random symmetric matrix are not
# independent, they *repel* each other (two eigenvalues of a $2\times2$ GOE matrix are almost never close),
# so having all $n$ on the positive side is far rarer than $2^{-n}$ — the probability falls like
# $e^{-\theta n^2}$ with $\theta = \ln 3/4$ (Dean & Majumdar 2006). For random symmetric matrices the
# **conclusion survives, strengthened**: a positive definite one is far rarer than the argument claims. But the
# Hessian at a critical point is not an unconditioned random matrix — it knows how high the point is — and after
# the semicircle we will see that in a random landscape minima are rare only like $e^{-cn}$, and sit at the bottom.
#
# On the right, the eigenvalues of 20 large GOE matrices against Wigner's semicircle. The histogram is a
# Monte Carlo estimate too: its error bars (±2 standard errors per bin) come from the spread between the 20
# matrices, which are independent draws.

# %%
n_big, n_matrices = 200, 20
eigs = np.linalg.eigvalsh(critical.goe_matrices(n_big, n_matrices, rng=0))  # (matrix, eigenvalue)
radius = np.sqrt(2 * n_big)
edges = np.linspace(-radius, radius, 41)
centres, width = 0.5 * (edges[1:] + edges[:-1]), edges[1] - edges[0]
per_matrix = np.stack([np.histogram(lam, bins=edges)[0] for lam in eigs]) / (n_big * width)  # one density each
hist = per_matrix.mean(axis=0)
hist_se = per_matrix.std(axis=0, ddof=1) / np.sqrt(n_matrices)  # the matrices are independent
x = np.linspace(-1.2 * radius, 1.2 * radius, 400)

fig, (ax1, ax2) = new_figure(1, 2, figsize=(11, 4.2))
hit = p_mc > 0
ax1.errorbar(ns[hit], p_mc[hit], yerr=[p_mc[hit] - ci_low[hit], ci_high[hit] - p_mc[hit]], fmt="o",
             color=OKABE_ITO[4], capsize=3, label="Monte Carlo (GOE), 95% interval")
ax1.semilogy(ns[~hit], ci_high[~hit], "v", color=OKABE_ITO[4], markerfacecolor="none", markersize=8,
             label="no hit in 20 000: 95% upper bound")
ax1.semilogy(ns, coin, "s--", color=OKABE_ITO[3], label="coin flip $2^{-n}$")
ax1.semilogy(ns, dean_majumdar, ":", color="k", label=r"$e^{-n^2 \ln 3/4}$")
ax1.set_yscale("log")
ax1.legend(fontsize="small", loc="lower left")
label_axes(ax1, "P(all eigenvalues > 0)", "dimension n", "probability (log)")
ax2.bar(centres, hist, width=width, color="0.8", edgecolor="0.5",
        label=f"eigenvalues, {n_matrices} GOE matrices n = {n_big}")
ax2.errorbar(centres, hist, yerr=2 * hist_se, fmt="none", ecolor="k", elinewidth=0.8, capsize=1.5, label="±2 SE")
ax2.plot(x, critical.semicircle_density(x, radius), color=OKABE_ITO[4], linewidth=2, label="Wigner semicircle")
ax2.set_ylim(0, 1.9 * critical.semicircle_density(0, radius))  # head-room above the semicircle for the legend
ax2.legend(fontsize="small", loc="upper center", ncol=2)
label_axes(ax2, "the semicircle law", "eigenvalue", "density")
fig

# %%
peak_density = critical.semicircle_density(0, radius)
assert np.max(np.abs(hist - critical.semicircle_density(centres, radius))) < 0.2 * peak_density

# %% [markdown]
# **From height to index (Bray & Dean 2007).** The $e^{-\theta n^2}$ above is a statement about *unconditioned*
# random symmetric matrices. The Hessian at a critical point of a random landscape is not one of those: for a
# random Gaussian landscape in $n$ dimensions it is a GOE matrix **shifted** by a multiple of the identity,
# $H = A + s\,I$, where the shift $s$ is tied to the critical point's height (low points shifted right, high ones
# left) plus one random number shared by the whole diagonal (Fyodorov 2004; Bray & Dean 2007). Two consequences:
#
# * the index fraction at a given height is the part of the shifted semicircle that lies below zero — it rises
#   with the height, from 0 at the bottom of the landscape to 1 at the top;
# * a critical point is a minimum as soon as that *one* shared number pushes the whole semicircle past zero, and a
#   large deviation of one Gaussian number costs only $e^{-cn}$: among critical points, minima are rare like
#   $e^{-cn}$, not like the $e^{-\theta n^2}$ of a matrix whose $n$ eigenvalues must all line up on one side.
#
# Shifting adds $s$ to every eigenvalue, so the index fraction of $A + sI$ is the fraction of $A$'s eigenvalues
# below $-s$. The semicircle predicts it for $n \to \infty$; let us test that prediction on sampled matrices of
# finite size, $n = 25$ and $n = 100$, with shifts from $-1.25R$ to $1.25R$ ($R = \sqrt{2n}$, the semicircle's
# radius).
#
# **Predict.** At $s = +R/2$ (the semicircle centred half a radius right of zero), what fraction of the
# eigenvalues is negative — closer to 0.1, 0.2 or 0.3?

# %%
rel_shifts = np.linspace(-1.25, 1.25, 11)  # s / R
shifted = {}
for n_h, n_draws in [(25, 800), (100, 200)]:
    radius_h = np.sqrt(2 * n_h)
    lam_h = np.linalg.eigvalsh(critical.goe_matrices(n_h, n_draws, rng=n_h))  # (draw, eigenvalue)
    per_draw = (lam_h[:, None, :] + rel_shifts[None, :, None] * radius_h < 0).mean(axis=2)  # (draw, shift)
    mean, se = per_draw.mean(axis=0), per_draw.std(axis=0, ddof=1) / np.sqrt(n_draws)  # draws are independent
    theory = critical.semicircle_index_fraction(rel_shifts * radius_h, radius_h)
    shifted[n_h] = dict(lam=lam_h, mean=mean, se=se, gap=np.abs(mean - theory))
    print(f"n = {n_h:3d}, {n_draws} draws: largest gap to the semicircle {shifted[n_h]['gap'].max():.4f} "
          f"(= {n_h * shifted[n_h]['gap'].max():.2f}/n), largest 2 standard errors {2 * se.max():.4f}")
print("at s = R/2: semicircle", np.round(critical.semicircle_index_fraction(0.5, 1.0), 3),
      "| n = 100 sample", np.round(shifted[100]["mean"][np.argmin(np.abs(rel_shifts - 0.5))], 3))

# %%
# The sampled index fractions follow the shifted semicircle to within 0.5/n (measured: at most 0.28/n over
# COURSE_SEED = 1 … 12, seed 0 and the perturbed run) …
for n_h, r in shifted.items():
    assert r["gap"].max() < 0.5 / n_h, n_h
# … and the gap is a real finite-n correction, not noise: at n = 25 it is more than 4 standard errors (measured
# ≥ 10.9), and it shrinks as n grows (measured: by a factor 2.0–4.1 from n = 25 to 100)
gap25, se25 = shifted[25]["gap"], shifted[25]["se"]
assert np.max(gap25 / np.maximum(se25, 1e-12)) > 4
assert gap25.max() > 1.5 * shifted[100]["gap"].max()

# %%
fig, (ax1, ax2) = new_figure(1, 2, figsize=(11.5, 4.2))
lam_one = shifted[100]["lam"][0]
R100 = np.sqrt(2 * 100)
for k, (rel, ls, hatch) in enumerate([(-0.5, "-", "\\\\"), (0.0, "--", ""), (0.5, ":", "//")]):
    values = lam_one + rel * R100
    below = np.mean(values < 0)
    ax1.hist(values, bins=np.linspace(-2.6 * R100 / 1.6, 2.6 * R100 / 1.6, 41), histtype="step", linewidth=1.8,
             linestyle=ls, color=OKABE_ITO[[3, 0, 4][k]], hatch=hatch,
             label=f"shift s = {rel:+.1f} R: index fraction {below:.2f}")
ax1.axvline(0, color="k", linewidth=1)
ax1.legend(fontsize="small", loc="upper left")
label_axes(ax1, "one 100×100 GOE matrix, shifted: A + sI", "eigenvalue", "count")
ax1.set_ylim(0, ax1.get_ylim()[1] * 1.35)
s_grid = np.linspace(-1.4, 1.4, 300)
ax2.plot(s_grid, critical.semicircle_index_fraction(s_grid, 1.0), color="k", label="semicircle (n → ∞)")
for n_h, marker, color in [(25, "o", OKABE_ITO[3]), (100, "s", OKABE_ITO[4])]:
    r = shifted[n_h]
    ax2.errorbar(rel_shifts, r["mean"], yerr=2 * r["se"], fmt=marker, color=color, markeredgecolor="k",
                 capsize=3, linestyle="none", label=f"sampled, n = {n_h} (±2 SE)")
ax2.legend(fontsize="small", loc="upper right")
label_axes(ax2, "index fraction of the shifted matrix", "shift s / R (R = √(2n), the semicircle's radius)",
           "fraction of eigenvalues < 0")
fig

# %% [markdown]
# The points sit on the curve: with the semicircle pushed right by $R/2$, a fifth of the eigenvalues stay negative
# ($0.196$); pushed past $R$, none. The deviations that remain are of order $1/n$, visible at $n = 25$ (they
# shrink by a factor of about four at $n = 100$): the semicircle is a large-$n$ law. The per-matrix fractions
# hardly vary between draws — eigenvalues of a GOE matrix are *rigid*, another face of their repulsion — so the
# error bars are tiny. Read with Bray & Dean, this is the link "higher critical point, larger index" that
# section 5 looks for in networks.

# %% [markdown]
# ## 5 · Index against loss in networks
#
# ### 5a · An exact case: the linear autoencoder (Baldi & Hornik 1989)
#
# Before searching a nonlinear network, one network whose critical points are all known in closed form. A
# **linear autoencoder** $L(W_1, W_2) = \frac1N\|X - XW_1W_2\|_F^2$ with a bottleneck of width $k$: Baldi &
# Hornik (1989) showed that its critical points are indexed by which $k$ eigenvectors of the data covariance
# $\Sigma$ the network keeps, with loss $\sum_{i \notin S}\lambda_i$ (the variance it throws away), and that only
# keeping the top $k$ is a minimum. Nothing has to be searched for: we build each point and read its Hessian.
#
# **Predict.** Which subset has the highest loss, and what would you expect its index to be?

# %%
rng = default_rng(0)
X = rng.standard_normal((200, 6)) * np.array([3.0, 2.4, 1.8, 1.3, 0.9, 0.5])
autoencoder = models.LinearAutoencoder(X, k=2)
subsets = list(itertools.combinations(range(6), 2))
rows = []
for subset in subsets:
    cp = critical.critical_point_at(autoencoder, autoencoder.critical_point(subset))
    assert cp.grad_norm < 1e-10  # it really is a critical point
    rows.append((subset, cp.value, cp.index, cp.classification.index_fraction, cp.classification.n_zero, cp.kind))
for subset, value, index, frac, zeros, kind in rows:
    print(f"keep eigenvectors {subset}: loss {value:7.3f}   index {index:2d} ({frac:.2f} of P = {autoencoder.dim})"
          f"   zero eigenvalues {zeros}   {kind}")

# %%
losses = np.array([r[1] for r in rows])
indices = np.array([r[2] for r in rows])
rho = stats.spearmanr(losses, indices).statistic
print(f"Spearman rank correlation between loss and index: {rho:.3f}")  # NBVAL_CHECK_OUTPUT
assert rho > 0.9
assert indices[np.argmin(losses)] == 0 and np.sum(indices == 0) == 1  # the only minimum keeps the top k
assert indices[np.argmax(losses)] == indices.max()  # the worst point is the most unstable
best = critical.critical_point_at(autoencoder, autoencoder.critical_point((0, 1)))
print("the global minimum:", best.classification.describe())
# the global minimum has k² = 4 flat directions and no negative curvature: "degenerate", positive semidefinite;
# every other point has both signs, so it is a saddle, flat directions or not
assert best.kind == "degenerate" and best.classification.semidefinite == "positive"
assert best.classification.n_zero == autoencoder.k**2
assert sorted(r[5] for r in rows) == ["degenerate"] + ["saddle"] * (len(rows) - 1)

# %%
fig, ax = new_figure(figsize=(6, 4))
ax.plot(losses, indices / autoencoder.dim, "o", color=OKABE_ITO[4], markeredgecolor="k")
for (subset, value, index, *_) in rows:
    ax.annotate("".join(map(str, subset)), (value, index / autoencoder.dim), textcoords="offset points",
                xytext=(4, 3), fontsize=8)
label_axes(ax, "linear autoencoder: all 15 critical points", "training loss (labels: kept eigenvectors)",
           "index fraction (negative eigenvalues / P)")
fig

# %% [markdown]
# The index counts *swaps*: each kept eigenvector $i$ that is outranked by a discarded $j$ gives a direction
# of negative curvature (rotate $u_i$ towards $u_j$). The $k^2 = 4$ zero eigenvalues at every point come from
# the symmetry $W_1 \to W_1A,\ W_2 \to A^{-1}W_2$, which changes nothing. At the 14 saddles they do not matter
# (both signs are present, so the test decides); at the global minimum they are all there is besides positive
# curvature, so the test alone is silent: "degenerate, no negative curvature". Because the loss is exactly
# constant along those 4 directions (they are a symmetry), the point is a minimum *up to flat directions* — the
# verdict you will meet at every minimum of a network, whose symmetries always add zero eigenvalues.
#
# ### 5b · Gradient descent leaves every one of these saddles
#
# Every saddle above has a direction of negative curvature, so a point pushed off it *should* slide away. That
# is a claim about dynamics, so let us run it: gradient descent from each of the 14 saddles, pushed a distance
# $\varepsilon = 10^{-3}$ in a random direction, three pushes per saddle (step $\eta = 1/\lambda_{\max}$ of the
# global minimum). The gradient of this loss has a closed form,
# $\nabla_{W_1}L = 2\Sigma(W_1W_2 - I)W_2^\top$, $\nabla_{W_2}L = 2W_1^\top\Sigma(W_1W_2 - I)$, so all 42 runs go
# in one batch (checked against autograd first).
#
# **Predict.** Will every run reach the global minimum's loss? And does a run leave its saddle at once?

# %%
Sigma = autoencoder.covariance()


def autoencoder_grads(T):
    """Gradients (B, P) of the linear autoencoder's loss at the rows of T (B, P), in closed form."""
    W1, W2 = autoencoder.unflatten(T)
    E = Sigma @ (W1 @ W2 - np.eye(Sigma.shape[0]))  # (B, d, d)
    return np.concatenate([(2 * E @ np.swapaxes(W2, -1, -2)).reshape(len(T), -1),
                           (2 * np.swapaxes(W1, -1, -2) @ E).reshape(len(T), -1)], axis=1)


probe = autoencoder.critical_point((0, 2)) + default_rng(3).standard_normal(autoencoder.dim)
assert np.allclose(autoencoder_grads(probe[None])[0], autoencoder.grad(probe), rtol=1e-10, atol=1e-10)

saddles = [s for s in subsets if s != (0, 1)]
L_min = best.value
eta = 1.0 / best.eigenvalues[-1]
pushes = 3
push = default_rng(1).standard_normal((len(saddles) * pushes, autoencoder.dim))
theta = np.repeat([autoencoder.critical_point(s) for s in saddles], pushes, axis=0)
theta = theta + 1e-3 * push / np.linalg.norm(push, axis=1, keepdims=True)  # a push of length ε = 10⁻³
gd_steps = 600
curves = np.empty((gd_steps + 1, len(theta)))  # (step, run)
for step in range(gd_steps + 1):
    curves[step] = autoencoder.loss_batch(theta)
    theta = theta - eta * autoencoder_grads(theta)
saddle_level = np.repeat([autoencoder.loss(autoencoder.critical_point(s)) for s in saddles], pushes)
reached = curves[-1] <= L_min * (1 + 1e-3)  # within 0.1 % of the global minimum's loss
near_saddle = np.argmin(np.abs(curves - saddle_level) <= 0.01 * saddle_level, axis=0)  # steps within 1 % of it
arrival = np.argmax(curves <= L_min * (1 + 1e-3), axis=0)
print(f"{reached.sum()} of {reached.size} runs reach the global minimum's loss (within 0.1 %), the last after "
      f"{arrival.max()} of {gd_steps} steps")
print(f"steps spent within 1 % of the saddle's loss: min {near_saddle.min()}, median {np.median(near_saddle):.0f}, "
      f"max {near_saddle.max()}")

# %%
# every run escapes and arrives (13 of 13 seeds and the perturbed run: all 42, the last by step 334 of 600) …
assert reached.all()
# … but none leaves at once: each spends ≥ 22 steps (min over those runs) near its saddle's level
assert near_saddle.min() >= 10

# %%
fig, ax = new_figure(figsize=(7.5, 4.2))
cmap = plt.cm.viridis
norm = plt.Normalize(saddle_level.min(), saddle_level.max())
for j in range(0, len(theta), pushes):  # one run per saddle
    ax.semilogy(np.arange(gd_steps + 1), curves[:, j] - L_min, color=cmap(norm(saddle_level[j])),
                linestyle=["-", "--", ":"][(j // pushes) % 3], linewidth=1.4)
ax.axhline(1e-3 * L_min, color="k", linewidth=0.8, linestyle="-.", label="0.1 % above the global minimum")
fig.colorbar(plt.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, label="loss of the saddle it started at")
ax.legend(loc="upper right", fontsize="small")
label_axes(ax, "gradient descent pushed off each saddle (ε = 10⁻³)", "step",
           "loss − global minimum's loss (log)")
fig

# %% [markdown]
# Each curve starts flat — the run sits at its saddle's loss for tens of steps while the tiny push along the
# escape direction grows by a factor $1 + \eta|\lambda_{\min}|$ per step — then drops, sometimes pauses at a
# lower saddle, and ends at the global minimum. So: gradient descent does not *stay* at these saddles (a theorem
# for strict saddles: with a small enough step, from a random start it converges to one with probability
# zero, Lee et al. 2016), but it
# does *linger*, for about $\ln(1/\varepsilon)/(\eta|\lambda_{\min}|)$ steps: each tenfold smaller push adds
# another $\ln 10/(\eta|\lambda_{\min}|)$. With many saddles in a row the lingering can add up to exponential time
# (Du et al. 2017); chapter 4 returns to escape times. Exactly *at* a saddle the gradient is zero and plain gradient descent
# never moves; only the push (or noise) starts it.
#
# ### 5c · Dauphin et al. (2014) in miniature: critical points of a nonlinear network
#
# The linear autoencoder was handed to us. Dauphin et al. *searched*: they located critical points of small MLPs
# (on down-sampled MNIST and CIFAR-10) with Newton's method — attracted to saddles as much as to minima — and
# plotted each point's index fraction against its training error. Let us do the same on a network small enough to
# write its Hessian down: a 2-4-1 tanh network on 40 points of the two moons, MSE loss, with a small L2 penalty
# $\frac{\ell_2}{2}\|\theta\|^2$ on every parameter ($P = 17$). The penalty matters: without it a hidden unit driven
# into saturation leaves flat valleys of "critical points" whose Hessian has many zero eigenvalues, and the index
# says little. `critical.tanh_network_derivatives` gives the loss, gradient and Hessian for many parameter vectors
# at once (checked against autograd below); `critical.newton_search` runs damped Newton,
# $\theta \leftarrow \theta - t\,H^{+}\nabla L$ with the step length capped at 1, from 48 random initializations
# of growing scale.
#
# **What counts as found.** A start counts as a critical point only if $\|\nabla L\| \le 10^{-8}$. Minimizing
# $\|\nabla L\|$ — which is what Newton's method and $\min\tfrac12\|\nabla L\|^2$ both do — also stops at points
# where the gradient is small but not zero and the Hessian nearly singular ("gradient-flat" points: the gradient
# lies close to the Hessian's kernel, Frye et al. 2021; on the linear autoencoder, only a strict cut-off on
# $\|\nabla L\|$ recovered the true critical points, Frye et al. 2019). Here the two groups are far apart — a
# converged Newton run ends near $10^{-15}$, the others at $10^{-7}$ or (mostly) far above — so the threshold sits in
# the gap; in a larger network there may be no gap, and then the choice of threshold decides what "critical" means.
#
# **Predict.** The highest critical point of such a network predicts the mean label everywhere. What is its
# index — how many directions lead downhill from "answer the average"?

# %%
Xs, ys = data.two_moons(40, noise=0.2, rng=0)
ys = ys.astype(float)
hidden, l2 = 4, 1e-2
tanh_net = models.MLP(Xs, ys, hidden=(hidden,), activation="tanh", loss="mse")
tanh_derivs = critical.tanh_network_derivatives(Xs, ys, hidden, l2=l2)
check_theta = tanh_net.init(default_rng(2), scale=1.5)
_, check_grad, check_hess = tanh_derivs(check_theta[None])
with_l2 = models.MLP(Xs, ys, hidden=(hidden,), activation="tanh", loss="mse", weight_decay=l2)  # weights only
biases = np.zeros(tanh_net.dim)
for _, b in tanh_net.unflatten(np.arange(tanh_net.dim, dtype=float)):
    biases[b.astype(int)] = 1.0
assert np.allclose(check_grad[0], with_l2.grad(check_theta) + l2 * biases * check_theta, atol=1e-12)
assert np.allclose(check_hess[0], with_l2.hessian(check_theta) + l2 * np.diag(biases), atol=1e-10)

init_rng = default_rng(0)
starts = np.stack([tanh_net.init(init_rng, scale=s) for s in np.geomspace(0.1, 2.0, 48)])
search = critical.newton_search(tanh_derivs, starts, steps=60, max_step=1.0, grad_tol=1e-8)
found = [critical.classify_hessian(H) for H in search.hessians[search.converged]]
found_loss = search.losses[search.converged]
found_frac = np.array([c.index_fraction for c in found])
# one point per (loss, index): permuting the hidden units makes copies with the same loss and index
distinct, first = np.unique(np.round(np.c_[found_loss, found_frac], 9), axis=0, return_index=True)
distinct_kinds = [found[i].kind for i in first]
rho_net = stats.spearmanr(distinct[:, 0], distinct[:, 1]).statistic
print(f"{search.converged.sum()} of {len(starts)} starts reach ‖∇L‖ ≤ 1e-8 (largest {search.grad_norms[search.converged].max():.1e}); "
      f"the others stall at ‖∇L‖ ≥ {search.grad_norms[~search.converged].min():.1e}")
found_points = search.points[search.converged]
for (value, frac), kind, i in zip(distinct, distinct_kinds, first):
    output_weights = tanh_net.unflatten(found_points[i])[1][0].ravel()
    print(f"  loss {value:.7f}   index fraction {frac:.3f} ({round(frac * tanh_net.dim):d} of {tanh_net.dim})   "
          f"{kind:8s} hidden units in use: {np.sum(np.abs(output_weights) > 1e-6)}")
print(f"Spearman rank correlation between loss and index over the {len(distinct)} distinct points: {rho_net:.2f}")

# %%
# Measured over COURSE_SEED = 1 … 12, seed 0 and the perturbed run: 4–11 distinct points, ρ between 0.75 and 1.
assert rho_net > 0.5
# the highest point predicts the mean label: one direction down per hidden unit (index 4 of 17), the most of all
top_point = found_points[np.argmax(found_loss)]
assert np.allclose(top_point[:-1], 0, atol=1e-8)  # every weight and hidden bias zero: only the output bias is left
assert round(distinct[-1, 1] * tanh_net.dim) == hidden and distinct[-1, 1] == distinct[:, 1].max()
# the gap that the 1e-8 threshold sits in: converged starts end at ≤ 3.1e-10, the others at ≥ 1.2e-7 (measured over
# the same 14 runs); the check keeps a factor 3 of margin on each side
assert search.grad_norms[search.converged].max() < 1e-9 and search.grad_norms[~search.converged].min() > 3e-8

# %%
fig, (ax1, ax2) = new_figure(1, 2, figsize=(11, 4.2))
log_g = np.log10(np.maximum(search.grad_norms, 1e-17))
ax1.hist([log_g[search.converged], log_g[~search.converged]], bins=np.arange(-17, 1.01, 0.5), stacked=True,
         color=[OKABE_ITO[2], OKABE_ITO[3]], edgecolor="k", hatch=["", "//"],
         label=["counted as critical", "not converged (‖∇L‖ > 10⁻⁸)"])
ax1.axvline(-8, color="k", linestyle="--", label="threshold ‖∇L‖ = 10⁻⁸")
ax1.legend(fontsize="small", loc="upper center")
label_axes(ax1, f"where Newton ended ({len(starts)} starts)", "log₁₀ ‖∇L‖ at the end", "number of starts")
above_lowest = distinct[:, 0] - distinct[0, 0]  # the low points differ by ~1e-5: a symlog axis separates them
for kind, marker, color in [("minimum", "o", OKABE_ITO[2]), ("saddle", "X", OKABE_ITO[3])]:
    sel = np.array([k == kind for k in distinct_kinds])
    if sel.any():
        ax2.plot(above_lowest[sel], distinct[sel, 1], marker, color=color, markeredgecolor="k", markersize=9,
                 linestyle="none", label=f"{kind} ({sel.sum()})")
ax2.set_xscale("symlog", linthresh=1e-6)
ax2.annotate("predicts the mean label", (above_lowest[-1], distinct[-1, 1]), textcoords="offset points",
             xytext=(-120, -4), fontsize=8, arrowprops={"arrowstyle": "->"})
ax2.legend(fontsize="small", loc="upper left")
label_axes(ax2, f"2-4-1 tanh network: {len(distinct)} distinct critical points (ρ = {rho_net:.2f})",
           "loss above the lowest critical point found (symlog: linear below 10⁻⁶)",
           "index fraction (negative eigenvalues / P)")
fig

# %% [markdown]
# **What the miniature shows.** Among the critical points this search found, the ones with higher loss have more
# directions of descent: the rank correlation is strongly positive in every run we measured, the lowest point is
# (in 13 of 14 runs) a minimum, and the highest, "predict the average", has one downhill direction per hidden unit
# (for each unit, growing its input and output weights together lowers the loss). That is the picture Dauphin et
# al. reported, and the one Bray–Dean predicts for random landscapes.
#
# Look at what the low points are, though: the printout counts the hidden units in use, and in this run the units
# in use all point the same way — one "shape" of unit, its weight split among one to four units. A smaller network's
# critical point embedded in a larger one by duplicating or silencing units is a critical point again, typically a
# saddle (Fukumizu & Amari 2000); this small, lightly penalized network on easy data has few other kinds. Their
# losses lie within $10^{-3}$ of each other; the large gap in loss is to the top point.
#
# **What it does not show.** It is *a* sample of critical points — those that damped Newton reaches from these
# starts — not a census: there may be others, and nothing here says how many minima of high loss a network has
# (theory shows that networks with almost any nonlinear activation have some, Ding, Li & Sun 2019; a search from
# random starts rarely meets them). Seventeen parameters are
# not high-dimensional, so "saddles dominate" is not tested; and the L2 penalty, which makes the points
# non-degenerate, changes the landscape a little. The threshold on $\|\nabla L\|$ decides what counted as found.

# %% [markdown]
# ## 6 · The Hessian of a trained MLP, without writing it down
#
# For a network with millions of parameters the Hessian cannot be formed, but a **Hessian-vector product**
# $v \mapsto Hv$ costs about two gradients. Everything below uses only that (built once per point with
# `objective.make_hvp(theta)`), on a network small enough ($P = 41$) that we can check against the dense
# Hessian:
#
# * **Lanczos** (`curvature.hessian_top_eigenpairs`, SciPy's `eigsh`) for the top/bottom eigenpairs;
# * **power iteration** — simple, but it finds the eigenvalue of largest *magnitude*, which can be negative;
# * **Hutchinson**: $\operatorname{tr}H = \mathbb E[z^\top Hz]$ for random ±1 vectors $z$, with a confidence interval;
# * **stochastic Lanczos quadrature** (SLQ) for the whole spectral density.
#
# **Predict.** At initialization and after training, will the Hessian have negative eigenvalues? Where will most
# eigenvalues sit?

# %%
Xm, ym = data.two_moons(100, noise=0.3, rng=0)
mlp = models.MLP(Xm, ym, hidden=(10,), activation="tanh", loss="cross_entropy")
theta_init = mlp.init(default_rng(1))
run = optimizers.run(mlp, optimizers.adam(), theta_init, steps=300, lr=0.05)
theta_trained = run.final_theta
print(run.message, f"| loss {run.losses[0]:.3f} → {run.final_loss:.3f}, accuracy {mlp.accuracy(theta_trained):.2f}")
spectra = {name: curvature.hessian_spectrum(mlp, th).values for name, th in
           [("at initialization", theta_init), ("after training", theta_trained)]}
for name, lam in spectra.items():
    bulk = np.mean(np.abs(lam) < 0.02 * lam[-1])
    top3 = lam[-3:].sum() / np.abs(lam).sum()
    print(f"{name:15s} λ_max {lam[-1]:.3f}  λ_min {lam[0]:+.4f}  negative {np.sum(lam < -1e-8):2d}/{lam.size}"
          f"  bulk (|λ| < 2% of λ_max) {bulk:.0%}  top 3 carry {top3:.0%} of Σ|λ|")

# %%
lam_init, lam_trained = spectra["at initialization"], spectra["after training"]
# trained: far below ln 2 (the loss of answering ½ everywhere), and far above chance accuracy
assert run.final_loss < 0.6 * np.log(2) and mlp.accuracy(theta_trained) > 0.8
assert np.sum(lam_init < -1e-3) >= 5  # at initialization the Hessian is strongly indefinite
assert np.mean(np.abs(lam_trained) < 0.02 * lam_trained[-1]) > 0.6  # after training: a bulk near zero …
assert lam_trained[-3:].sum() > 0.5 * np.abs(lam_trained).sum()  # … and a few outliers that carry most curvature
assert abs(lam_trained[0]) < 0.02 * lam_trained[-1]  # what negative curvature remains lies inside the bulk

# %%
fig, axes = new_figure(1, 2, figsize=(11, 3.6), sharey=True)
for ax, (name, lam) in zip(axes, spectra.items()):
    ax.hist(lam, bins=40, color=OKABE_ITO[4], edgecolor="k")
    ax.set_yscale("log")
    label_axes(ax, f"Hessian eigenvalues of the MLP {name}", "eigenvalue λ", "count (log scale)")
fig

# %% [markdown]
# Now the estimators, each against the dense truth. Lanczos first, and power iteration beside it.

# %%
hvp = mlp.make_hvp(theta_trained)
top = curvature.hessian_top_eigenpairs(mlp, theta_trained, k=5, which="LA")
bottom = curvature.hessian_top_eigenpairs(mlp, theta_trained, k=3, which="SA")
power = curvature.power_iteration(hvp, mlp.dim, rng=0, iters=1000, tol=1e-12)
print("Lanczos top-5:   ", np.round(top.values, 6))
print("dense top-5:     ", np.round(lam_trained[-5:], 6))
print(f"power iteration: {power.eigenvalue:.6f} after {power.iterations} products "
      f"(ratio λ₂/λ₁ = {lam_trained[-2] / lam_trained[-1]:.2f})")
assert np.max(np.abs(top.values - lam_trained[-5:])) < 1e-8
assert np.max(np.abs(bottom.values - lam_trained[:3])) < 1e-8
assert abs(power.eigenvalue - lam_trained[-1]) < 1e-6

# %% [markdown]
# Power iteration converges to the eigenvalue of largest **magnitude**, at the rate $|\lambda_2/\lambda_1|$
# per product. Here that is $\lambda_{\max}$, but where negative curvature dominates it returns a *negative*
# number. PyHessian's power iteration behaves the same way; that is not a bug, but calling its result
# "λ_max" is. At Himmelblau's maximum (section 2) both eigenvalues are negative:

# %%
peak_power = curvature.power_iteration(himmelblau.make_hvp(peak.point), 2, rng=0, iters=500, tol=1e-14)
print(f"power iteration {peak_power.eigenvalue:+.4f};  eigenvalues {np.round(peak.eigenvalues, 4)}")
assert abs(peak_power.eigenvalue - peak.eigenvalues[0]) < 1e-6  # the most negative one …
assert peak_power.eigenvalue < peak.eigenvalues[-1]  # … not the largest

# %% [markdown]
# Hutchinson's trace, with its 95 % interval:

# %%
exact_trace = lam_trained.sum()
trace = curvature.hutchinson_trace(hvp, mlp.dim, rng=0, n_probes=150)
print(f"Hutchinson: {trace.estimate:.4f}, 95% interval [{trace.ci_low:.4f}, {trace.ci_high:.4f}]; "
      f"exact trace {exact_trace:.4f} — {'inside' if trace.contains(exact_trace) else 'outside'} the interval")

# %% [markdown]
# ### What "95 %" means
#
# Did that interval contain the exact trace? Here we can look, because the dense Hessian gives the answer —
# but with a network of millions of parameters you never can. So what does "95 %" promise?
#
# A 95 % interval is a **procedure**: draw fresh probes, compute an interval, and in 95 % of such repetitions
# the interval contains the truth. Any single interval either contains it or does not — there is no 95 %
# left once the probes are drawn — and one miss in twenty is exactly what the procedure predicts. A narrower
# interval from more probes is not "more likely" to contain the truth either: it is shorter, and it covers
# 95 % of the time just the same.
#
# **Predict.** Repeat the estimate 1000 times with independent probe seeds (seed 0 is the interval above), with
# 150 probes and with 30. How often will the interval contain the exact trace, and how much wider are the
# intervals from 30 probes?
#
# The repetitions let the dense Hessian do the products: the same numbers the HVP gives (checked first), and far
# cheaper for a network this small.

# %%
H_trained = mlp.hessian(theta_trained)


def dense_hvp(v):
    return H_trained @ v


probe = default_rng(2).standard_normal(mlp.dim)
assert np.allclose(dense_hvp(probe), hvp(probe), rtol=1e-9, atol=1e-12)  # the same operator
repeats = 1000
seed_sets = {150: range(repeats), 30: range(repeats, 2 * repeats)}  # disjoint seeds: independent experiments
# the matrix itself in place of the function: all of a repetition's probes in one product, the same probes
repeated = {n: [curvature.hutchinson_trace(H_trained, mlp.dim, rng=seed, n_probes=n) for seed in seeds]
            for n, seeds in seed_sets.items()}
coverage = {}
for n, runs in repeated.items():
    hits = np.array([r.contains(exact_trace) for r in runs])
    coverage[n] = hits.mean()
    se = np.sqrt(coverage[n] * (1 - coverage[n]) / repeats)  # binomial standard error of a fraction
    widths = np.median([r.ci_high - r.ci_low for r in runs])
    print(f"{n:3d} probes: median width {widths:.3f}; contains the exact trace in {hits.sum()} of {repeats} "
          f"repetitions = {coverage[n]:.1%} ± {se:.1%}")

# %%
# Coverage near 95 %, within four binomial standard errors. Built from skewed samples (the few large
# eigenvalues), the interval's true coverage on a trained network is 94–95 %, not exactly 95 % (measured on
# 40 trained networks, 600 000 probes each); the check allows a point either side of that range.
se_nominal = np.sqrt(0.95 * 0.05 / repeats)
for n, c in coverage.items():
    assert abs(c - 0.945) < 0.015 + 4 * se_nominal, f"{n} probes: coverage {c:.3f}"

# %%
shown = 40
fig, axes = new_figure(1, 2, figsize=(11, 5.4), sharex=True, sharey=True)
for ax, (n, runs) in zip(axes, repeated.items()):
    runs = runs[:shown]
    lo, hi = np.array([r.ci_low for r in runs]), np.array([r.ci_high for r in runs])
    est = np.array([r.estimate for r in runs])
    inside = (lo <= exact_trace) & (exact_trace <= hi)
    y = np.arange(shown)
    ax.hlines(y[inside], lo[inside], hi[inside], color=OKABE_ITO[4], linewidth=2)
    ax.plot(est[inside], y[inside], "o", color=OKABE_ITO[4], markersize=4, label="interval contains the trace")
    ax.hlines(y[~inside], lo[~inside], hi[~inside], color=OKABE_ITO[3], linewidth=2, linestyle="--")
    ax.plot(est[~inside], y[~inside], "X", color=OKABE_ITO[3], markersize=9, markeredgecolor="k",
            label="interval misses it")
    ax.axvline(exact_trace, color="k", linewidth=1.2, label="exact trace")
    label_axes(ax, f"{n} probes: {inside.sum()} of the first {shown} contain it\n({coverage[n]:.1%} of all {repeats})",
               "trace of the Hessian", "repetition")
ax.set_ylim(-1, shown)
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize="small")
fig

# %% [markdown]
# Count the misses in each panel. Two in forty is what 95 % predicts, and anything from none to five is
# ordinary luck of the draw: the procedure working, not failing.
# The 30-probe intervals are about $\sqrt{150/30} \approx 2.2$ times wider, and they contain the trace about as
# often — width tells you how precisely the estimate pins the trace down, not how likely it is to be right.
# (They lean to the right: the samples $z^\top H z$ are skewed by the few large eigenvalues, and the interval,
# corrected for that skewness, reaches further up than down.)
#
# The SLQ density is a Monte Carlo estimate too — each random start weighs the eigenvalues unevenly, and the
# average over starts narrows that noise like $1/\sqrt{\text{starts}}$. With 32 starts the estimated
# cumulative distribution stays within a few percent of the exact one:

# %%
# the dense Hessian's products again (the same operator as the HVP, checked above), cheaper at this size
density = curvature.slq_density(dense_hvp, mlp.dim, rng=0, steps=30, n_starts=32, sigma2=1e-4)
grid = np.linspace(lam_trained[0], lam_trained[-1], 200)
cdf_gap = np.max(np.abs(density.cdf(grid) - (lam_trained[None, :] <= grid[:, None]).mean(axis=1)))
# the noise level of that average: the spread of the 32 starts' own CDFs, divided by √32
per_start = (density.weights[:, :, None] * (density.nodes[:, :, None] <= grid)).sum(axis=1)
cdf_se = per_start.std(axis=0, ddof=1).max() / np.sqrt(density.nodes.shape[0])
print(f"largest gap between the SLQ and the exact eigenvalue CDF: {cdf_gap:.3f} (its standard error ≤ {cdf_se:.3f})")
assert cdf_gap < 0.1

# %% [markdown]
# ### Interactive: the Hessian Estimator Explorer
#
# The same estimators on the trained network's Hessian. **Targets:** (a) how many Lanczos steps bring the
# extreme eigenvalues within $10^{-8}$? (b) how many Hutchinson probes until the interval is narrower than
# 10 % of the trace? (c) make the SLQ density resolve the outliers at the right, then blur them into the bulk
# with the broadening slider.

# %%
explorer = SpectrumExplorer(mlp, theta_trained, label="trained MLP", steps=20)
explorer

# %%
# Check target (a) without touching your explorer (`compute` is what the explorer shows for given control
# values, nothing drawn): with as many Lanczos steps as parameters, the extreme eigenvalues are exact up to rounding.
full = explorer.compute({**explorer.params, "steps": mlp.dim})
assert full.lanczos_error[-1] < 1e-8

# %% [markdown]
# ## Summary
#
# * A critical point's type is read from the Hessian's eigenvalues: minimum (all > 0), maximum (all < 0),
#   saddle of index $k$ ($k$ negative, zero eigenvalues or not), or **degenerate** (zero eigenvalues beside
#   eigenvalues of one sign only), where the test is silent and
#   higher-order terms — seen along slices — decide.
# * Newton's method on $\nabla f = 0$ from many starts finds critical points of every kind; a search with
#   more starts finds more, and never proves it found all.
# * Random-matrix theory: an unconditioned random symmetric (GOE) matrix is positive definite with probability
#   $\sim e^{-\theta n^2}$, far below the coin-flip $2^{-n}$ (eigenvalues repel). At the critical points of a random
#   Gaussian landscape the Hessian is a *shifted* GOE matrix: its index follows the point's height, and minima are
#   rare only like $e^{-cn}$.
# * In a linear autoencoder (all critical points known) the index rises with the loss and the only minimum is
#   global; gradient descent pushed off any of its saddles reaches that minimum, after lingering near the saddle.
#   A Newton search on a small tanh network finds the same trend — among the points it finds, with a threshold on
#   $\|\nabla L\|$ that decides what counts as critical.
# * Hessian-vector products give $\lambda_{\max}$, $\lambda_{\min}$, the trace and the spectral density of
#   any network; a trained MLP shows a bulk near zero and a few outliers. Always check estimators against a
#   dense reference on a small model — and report Hutchinson's estimate with its interval.
# * Every Monte Carlo number comes with its uncertainty. A 95 % interval is a procedure that covers the truth in
#   95 % of repetitions: any single interval may miss, one in twenty does, and a narrower one is more precise, not
#   more likely to be right. No hit in $N$ draws means $P \lesssim 3.7/N$, not $P = 0$.
#
# Next: [Chapter 4 — saddle points](04_saddle_points.ipynb), where gradient descent, Newton and noise meet them.
#
# **Exercises:** [03 · critical points exercises](../exercises/03_critical_points_exercises.ipynb) — classify,
# index, escape direction, a Newton step, power iteration and Hutchinson's estimator, each checked at once — and one
# derivation by hand (3.7): how fast gradient descent leaves a saddle.
