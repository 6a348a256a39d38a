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
#    see the same layering in a spherical spin glass, and list the assumptions under which Choromanska et al.
#    (2015) tied it to networks;
# 6. estimate $\lambda_{\max}$, the trace and the whole spectral density of a network's Hessian with
#    Hessian-vector products only (Lanczos, power iteration, Hutchinson, stochastic Lanczos quadrature),
#    and test each against the exact answer;
# 7. read a Monte Carlo estimate with its interval, and say what "95 %" promises and what it does not;
# 8. say what the condition number, the determinant's sign, the trace (Laplacian), the median and the spread of
#    a Hessian's eigenvalues can and cannot tell you at a critical point.

# %%
# %matplotlib widget
import itertools

import matplotlib.pyplot as plt
import numpy as np
from scipy import stats

from course_utils import critical, curvature, data, functions, models, optimizers, spin_glass
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
# $f(\theta) = \tfrac12\theta^\top H\theta$ (drag it to rotate it). The two lines drawn on it run along the
# eigenvectors — solid and dashed, as in the level-set map beside it — so along each one $f$ is the parabola
# $\tfrac12\lambda_i t^2$. Try to produce each row of the table.
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
rows, ae_spectra = [], {}  # the spectra return in section 7
for subset in subsets:
    cp = critical.critical_point_at(autoencoder, autoencoder.critical_point(subset))
    assert cp.grad_norm < 1e-10  # it really is a critical point
    rows.append((subset, cp.value, cp.index, cp.classification.index_fraction, cp.classification.n_zero, cp.kind))
    ae_spectra[subset] = cp.eigenvalues
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
# ### 5d · A glassy landscape: the spherical p-spin glass (Choromanska et al. 2015)
#
# Physicists met "index rises with energy" long before networks, in **spin glasses**. The spherical $p$-spin glass
# is a random polynomial on a sphere:
#
# $$H(\sigma) = N^{-(p-1)/2}\sum_{i_1,\dots,i_p=1}^{N} J_{i_1\dots i_p}\,\sigma_{i_1}\cdots\sigma_{i_p},
#   \qquad \|\sigma\|^2 = N, \qquad J_{i_1\dots i_p}\ \text{i.i.d.}\ \mathcal N(0, 1).$$
#
# Its critical points live on the sphere, so the derivatives are the sphere's (Riemannian) ones: the gradient is
# $\nabla H$ with its component along $\sigma$ removed, and the Hessian on the tangent space is
# $P_\sigma\bigl(\nabla^2 H - \tfrac{pH}{N}I\bigr)P_\sigma$ with $P_\sigma = I - \sigma\sigma^\top/N$ — the
# projected Hessian minus a Lagrange-multiplier term. The **index** is the number of its $N - 1$ eigenvalues
# below zero.
#
# **What is proven (as $N \to \infty$).** Auffinger, Ben Arous & Černý (2013, "Random matrices and complexity of
# spin glasses") computed the mean number of critical points of each index below each energy with the Kac–Rice
# formula. For $p \ge 3$: there are levels $-E_0 < -E_1 < -E_2 < \dots$ increasing to a threshold
# $-E_\infty = -2\sqrt{(p-1)/p}$ such that critical points of index $k$ below $-E_k$ (energy per spin $H/N$) are
# exponentially rare — so the bottom of the landscape is **layered**: minima lowest, then index 1, then index 2,
# all inside the band $[-E_0, -E_\infty]$, with $-E_0$ the ground state; above $-E_\infty$ almost all critical
# points are saddles whose index grows with $N$. For $p = 3$, $-E_0 \approx -1.657$ and $-E_\infty \approx -1.633$:
# the band is narrow.
#
# **The network connection — and what it assumes.** Choromanska, Henaff, Mathieu, Ben Arous & LeCun (2015, "The loss
# surfaces of multilayer networks", AISTATS) wrote a ReLU network's output as a sum over input-to-output paths and
# turned its loss into $H$ with $p$ = the depth, under assumptions they named: (i) each path's activation (whether
# all its ReLUs are on) is a coin flip **independent of the input** and of the weights; (ii) the inputs are
# **i.i.d. Gaussian**, independent from path to path (in a real network many paths share an input); (iii)
# **redundancy and uniformity**: only $N$ distinct weights, and every product of $p$ of them appears equally often
# over the paths; (iv) a **spherical constraint** on the weights, $\frac1N\sum_i w_i^2 = $ const. Their conclusion —
# in large networks the minima sit in a band just above the global minimum, and poor minima become exponentially
# rare — is a theorem about $H$, and a conjecture about networks. The same year three of the authors
# (Choromanska, LeCun & Ben Arous 2015, "Open problem: the landscape of the loss surfaces of multilayer
# networks", COLT) called these assumptions "possibly unrealistic" and posed removing them as an open problem.
#
# Here is the landscape itself, at $N = 16$, $p = 3$: `spin_glass.find_pspin_critical_points` runs Riemannian
# Newton from 256 random starts (half of them after a few steps of projected gradient descent, to start lower),
# keeps the points with $\|\operatorname{grad} H\| \le 10^{-9}\sqrt N$, adds each point's mirror image
# $-\sigma$ (also critical, with energy $-H$ and index $N - 1 - k$) and merges duplicates.
#
# **Predict.** Where will the minima sit along the energy axis: spread over it, or bunched at the bottom? And will
# the index-1 saddles sit below or above the minima?

# %%
J_glass = spin_glass.pspin_couplings(16, p=3, rng=0)
glass = spin_glass.find_pspin_critical_points(J_glass, n_starts=256, rng=1)
e_glass, k_glass = glass.energies, glass.indices
rho_glass = stats.spearmanr(e_glass, k_glass).statistic
median_by_index = [np.median(e_glass[k_glass == k]) for k in (0, 1, 2)]
level = -0.95  # an energy per spin near the bottom of the range
frac_below = np.mean(e_glass < level)
print(f"{len(e_glass)} distinct critical points (largest ‖grad H‖ {glass.grad_norms.max():.0e}); lowest energy "
      f"per spin found {glass.ground:.3f} (−E₀ = −1.657 for N → ∞)")
print("median energy per spin, index 0 / 1 / 2:", np.round(median_by_index, 3), f"| Spearman(energy, index) {rho_glass:.3f}")
print(f"{np.sum(k_glass == 0)} minima, energies {np.round(e_glass[k_glass == 0], 3)}; "
      f"{frac_below:.0%} of all critical points found lie below {level}")

# %%
# Measured over COURSE_SEED = 1 … 12, seed 0 and the perturbed run (256 starts, N = 16):
# Spearman ρ 0.978–0.990; median gaps index 1 − index 0: 0.105–0.342, index 2 − index 1: 0.083–0.261
assert rho_glass > 0.9
assert median_by_index[0] + 0.03 < median_by_index[1] and median_by_index[1] + 0.02 < median_by_index[2]
# every minimum found lies in the bottom band (highest minimum measured −1.35 … −1.07), where only a small
# fraction of all the critical points found lies (measured 7.5–14 % below −0.95)
assert e_glass[k_glass == 0].max() < level and frac_below < 0.25

# %%
fig, ax = new_figure(figsize=(7.5, 4.6))
E_inf = spin_glass.threshold_energy(3)
for sel, marker, color, label in [(k_glass == 0, "o", OKABE_ITO[2], "minima (index 0)"),
                                  (k_glass == 1, "X", OKABE_ITO[3], "index 1"),
                                  (k_glass >= 2, ".", OKABE_ITO[4], "index ≥ 2")]:
    ax.plot(e_glass[sel], k_glass[sel], marker, color=color, markeredgecolor="k" if marker != "." else color,
            markersize=8 if marker != "." else 5, linestyle="none", label=f"{label} ({sel.sum()})")
# the layers: the median energy of each of the lowest indices, a black bar across its row
ax.plot(median_by_index, [0, 1, 2], "|", color="k", markersize=18, markeredgewidth=2.5, linestyle="none",
        label="median energy of index 0, 1, 2")
ax.axvline(-E_inf, color="k", linestyle="--", linewidth=1, label="−E∞ = −1.633 (N → ∞)")
ax.axvline(-1.657, color="k", linestyle=":", linewidth=1.2, label="−E₀ ≈ −1.657 (ground state, N → ∞)")
ax.set_ylim(-0.8, 1.5 * (glass.points.shape[1] - 1))  # head-room above the highest index for the legend
ax.set_yticks(range(0, glass.points.shape[1], 3))
ax.legend(fontsize="small", loc="upper left")
label_axes(ax, f"spherical 3-spin glass, N = 16: {len(e_glass)} critical points",
           "energy per spin H/N", f"index (negative eigenvalues of {glass.points.shape[1] - 1})")
fig

# %% [markdown]
# Index and energy go together (a rank correlation near 1; the mirror symmetry $H(-\sigma) = -H(\sigma)$ makes
# the picture point-symmetric), and the minima are bunched at the bottom with the index-1 saddles just above them
# and index 2 above those (the black bars mark each row's median) — the layers of Auffinger, Ben Arous & Černý,
# blurred.
#
# **What $N = 16$ does not show.** The asymptotic band $[-1.657, -1.633]$ is a statement about $N \to \infty$;
# here the layers overlap, the minima spread over a few tenths, and the lowest point found lies above $-E_0$ or
# (by a fluctuation of a finite system) below it. The band does tighten with $N$: in our runs the median spread of
# the minima's energies fell from about 0.5 at $N = 8$ to 0.2 at $N = 20$, and their median energy moved from
# $-1.16$ towards $-E_\infty$ ($-1.42$ at $N = 20$). And the search is a search: points no start reached are
# missing, and which ones are missing depends on how the starts were drawn.
#
# What would carry this picture over to a network is exactly the list of assumptions above. A real network's
# loss is not a Gaussian random polynomial on a sphere: activations depend on the inputs, inputs are shared
# between paths, and symmetries (section 5a) make minima degenerate. Take the spin glass as a model that makes
# "low critical points are minima, and minima are nearly as good as the best" precise — not as a proof of it
# for networks.

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
# ## 7 · One number for a whole spectrum: what each summary can tell you at a critical point
#
# The estimators above give single numbers — $\lambda_{\max}$, the trace — and papers report more: the
# "condition number", the determinant, the mean or median eigenvalue, their spread. At a critical point each
# answers some question and is silent, or wrong, on others:
#
# | summary | formula | says | misleads when |
# |---|---|---|---|
# | condition number | $\kappa = \lambda_{\max}/\lambda_{\min}$ | how elongated a **minimum**'s bowl is (GD's rate, chapter 1) | $\lambda_{\min} < 0$: a negative ratio means nothing; $\lambda_{\min} \approx 0$: any size at all |
# | determinant | $\det H = \prod_i\lambda_i$ | its sign is $(-1)^{\text{index}}$: the index's **parity** | a maximum in even dimension and an index-2 saddle have $\det > 0$, like a minimum; a zero eigenvalue makes it 0 |
# | trace | $\operatorname{tr}H = \sum_i\lambda_i = \Delta f$ (the Laplacian) | the *average* curvature over directions | positive at a saddle whenever the upward curvature outweighs the downward |
# | mean, median | $\frac1P\operatorname{tr}H$, middle eigenvalue | the bulk's position | a few negative eigenvalues change neither's sign |
# | spread | standard deviation of the $\lambda_i$ | how unequal the curvatures are | blind to sign: $\pm$ the same spectrum, same spread |
#
# Only the **smallest eigenvalue** (with a tolerance, section 1) tells a minimum from a saddle; only the count of
# negative eigenvalues gives the index.
#
# **Predict.** At the saddle of $5x^2 - y^2$: what is $\kappa$, the sign of $\det H$, and the trace? At the maximum
# of $-5x^2 - y^2$, which summaries look exactly like a minimum's?

# %%
def summaries(lam):
    """The usual one-number summaries of eigenvalues `lam` (ascending)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = lam[-1] / lam[0]
    return {"κ = λmax/λmin": kappa, "sign det": np.sign(np.prod(lam)), "trace": lam.sum(),
            "median": np.median(lam), "std": lam.std()}


# critical points at the origin whose Hessians we know in closed form
examples = {
    "minimum  5x² + y²": (lambda v: 5 * v[0] ** 2 + v[1] ** 2, np.diag([10.0, 2.0])),
    "saddle   5x² − y²": (lambda v: 5 * v[0] ** 2 - v[1] ** 2, np.diag([10.0, -2.0])),
    "maximum −5x² − y²": (lambda v: -5 * v[0] ** 2 - v[1] ** 2, np.diag([-10.0, -2.0])),
    "saddle   x² − y² − z² (index 2)": (lambda v: v[0] ** 2 - v[1] ** 2 - v[2] ** 2, np.diag([2.0, -2.0, -2.0])),
    "trough   x⁴ + y² (degenerate)": (lambda v: v[0] ** 4 + v[1] ** 2, np.diag([0.0, 2.0])),
}
table = {}
for name, (f, H) in examples.items():
    lam = np.linalg.eigvalsh(H)
    table[name] = summaries(lam) | {"index": critical.classify_hessian(H).index}
    # trace = Laplacian: check against central second differences of f itself, an independent oracle
    h, zero = 1e-3, np.zeros(len(H))
    laplacian = sum((f(zero + h * e) - 2 * f(zero) + f(zero - h * e)) / h**2 for e in np.eye(len(H)))
    assert abs(laplacian - table[name]["trace"]) < 1e-5
    print(f"{name:32s}" + "  ".join(f"{k} {v:+7.3g}" for k, v in table[name].items()))

# %%
saddle, maximum, minimum = (table[k] for k in ["saddle   5x² − y²", "maximum −5x² − y²", "minimum  5x² + y²"])
assert saddle["κ = λmax/λmin"] == -5.0 and saddle["trace"] == 8.0  # a negative "condition number"; a positive Laplacian
assert maximum["κ = λmax/λmin"] == 0.2 and maximum["sign det"] == minimum["sign det"] == 1  # a max passes for a min
assert table["saddle   x² − y² − z² (index 2)"]["sign det"] == 1  # det > 0 at a saddle: only the parity shows
assert table["trough   x⁴ + y² (degenerate)"]["κ = λmax/λmin"] == np.inf  # λmin = 0: κ is no number at all

# %% [markdown]
# Now a network: the 15 critical points of the linear autoencoder of section 5a, whose index is known exactly
# (one minimum, 14 saddles of index 1 to 8). Its Hessian has $P = 24$ eigenvalues, 4 of them zero (the symmetry),
# so we take the determinant of the non-zero part ("pseudo-determinant") and $\kappa$ as it would be computed.

# %%
ae_index = np.array([r[2] for r in rows])
ae_table = []
for subset in subsets:
    lam = ae_spectra[subset]
    nonzero = lam[np.abs(lam) > 1e-8 * np.abs(lam).max()]
    ae_table.append(summaries(lam) | {"sign det": np.sign(np.prod(nonzero))})
ae_kappa = np.array([t["κ = λmax/λmin"] for t in ae_table])
ae_trace = np.array([t["trace"] for t in ae_table])
ae_median = np.array([t["median"] for t in ae_table])
ae_det = np.array([t["sign det"] for t in ae_table])
ae_std = np.array([t["std"] for t in ae_table])
saddle_mask = ae_index > 0
print(f"at the 14 saddles: trace {ae_trace[saddle_mask].min():.0f} … {ae_trace[saddle_mask].max():.0f}, median "
      f"{ae_median[saddle_mask].min():.2f} … {ae_median[saddle_mask].max():.2f}, std {ae_std.min():.1f} … {ae_std.max():.1f} "
      f"(all 15 points)")
print(f"κ at the minimum: {ae_kappa[~saddle_mask][0]:.3g} (λmin is a rounding-level zero); at the saddles "
      f"{ae_kappa[saddle_mask].min():.2f} … {ae_kappa[saddle_mask].max():.2f}")

# %%
# exact structure, no randomness: these hold for every seed (the data are redrawn, the index pattern is not)
assert np.all(ae_trace[saddle_mask] > 0) and np.all(ae_median[saddle_mask] > 0)  # saddles, yet positive "curvature"
assert np.array_equal(ae_det, (-1.0) ** ae_index)  # the determinant's sign is the index's parity, nothing more
assert np.all(ae_kappa[saddle_mask] < 0)  # κ is negative at every saddle
assert abs(ae_kappa[~saddle_mask][0]) > 1e6  # and at the minimum it divides by a rounding error
# the spread hardly changes between the minimum and an index-8 saddle (max/min over the 15 points measured 1.12–1.20
# over COURSE_SEED = 1 … 12, seed 0 and the perturbed run; the |κ| at the minimum ≥ 7e14 over the same runs)
assert ae_std.max() < 1.5 * ae_std.min()

# %%
fig, (ax1, ax2) = new_figure(1, 2, figsize=(11.5, 4.2))
ax1.plot(ae_index, ae_trace / autoencoder.dim, "o", color=OKABE_ITO[4], markeredgecolor="k",
         label="mean eigenvalue = trace / P")
ax1.plot(ae_index, ae_median, "s", color=OKABE_ITO[2], markeredgecolor="k", label="median eigenvalue")
ax1.plot(ae_index, ae_std, "^", color=OKABE_ITO[0], markeredgecolor="k", label="std of the eigenvalues")
ax1.axhline(0, color="k", linewidth=1)
ax1.set_ylim(-2, 1.45 * ae_std.max())
ax1.legend(fontsize="small", loc="upper right")
label_axes(ax1, "linear autoencoder: bulk summaries stay positive", "true index (0 = the minimum)",
           "value of the summary")
ax2.plot(ae_index, ae_det, "D", color=OKABE_ITO[3], markeredgecolor="k", markersize=8,
         label="sign of det (non-zero eigenvalues)")
shown_kappa = np.clip(ae_kappa, -20, 20)  # the minimum's κ is off the chart: mark it as clipped
ax2.plot(ae_index, shown_kappa / 20, "v", color=OKABE_ITO[4], markeredgecolor="k", markersize=8,
         label="κ = λmax/λmin ÷ 20 (clipped to ±1)")
ax2.annotate(f"minimum: κ = {ae_kappa[~saddle_mask][0]:.1e}", (0, shown_kappa[~saddle_mask][0] / 20),
             textcoords="offset points", xytext=(12, 10), fontsize=8, arrowprops={"arrowstyle": "->"})
ax2.axhline(0, color="k", linewidth=1)
ax2.set_ylim(-1.6, 1.6)
ax2.legend(fontsize="small", loc="lower right")
label_axes(ax2, "det: parity only; κ: negative at every saddle", "true index (0 = the minimum)",
           "sign, or κ / 20")
fig

# %% [markdown]
# Read the figure against the table. The trace, mean and median are positive at all 14 saddles — a positive
# Laplacian says "on average the loss curves up", not "no direction leads down" — and the spread is about the same
# at the minimum as at an index-8 saddle. The determinant's sign flips with each extra negative eigenvalue, so it
# tells odd from even index and nothing else. $\kappa$ is negative at every saddle, and at the minimum it divides by
# one of the symmetry's zero eigenvalues, computed as a rounding error: a "condition number" of $10^{15}$ or more,
# of either sign, that says nothing about the bowl. (A network's minima always have such flat directions; report
# $\kappa$ over the non-zero eigenvalues, and only at a point known to be a minimum.) Chapter 5 adds one more
# summary, the Frobenius norm $\|H\|_F = (\sum_i\lambda_i^2)^{1/2}$, used as a sharpness measure: like the spread,
# it cannot see signs.

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
# * In the spherical $p$-spin glass, index and energy rise together and the minima lie in a band at the bottom
#   (Auffinger, Ben Arous & Černý 2013: exactly, as $N \to \infty$; blurred at $N = 16$). Choromanska et al. (2015)
#   carried this to networks only under assumptions — activations independent of the inputs, i.i.d. Gaussian
#   inputs, redundant and uniformly used weights, a spherical constraint — that they later called possibly
#   unrealistic.
# * Hessian-vector products give $\lambda_{\max}$, $\lambda_{\min}$, the trace and the spectral density of
#   any network; a trained MLP shows a bulk near zero and a few outliers. Always check estimators against a
#   dense reference on a small model — and report Hutchinson's estimate with its interval.
# * Every Monte Carlo number comes with its uncertainty. A 95 % interval is a procedure that covers the truth in
#   95 % of repetitions: any single interval may miss, one in twenty does, and a narrower one is more precise, not
#   more likely to be right. No hit in $N$ draws means $P \lesssim 3.7/N$, not $P = 0$.
# * One-number summaries of a spectrum answer narrow questions: $\kappa = \lambda_{\max}/\lambda_{\min}$ only means
#   something at a minimum without flat directions; the determinant's sign is the index's parity; the trace
#   (Laplacian), mean and median can be positive at a saddle; the spread ignores signs. Only the smallest
#   eigenvalue and the count of negative ones classify the point.
#
# Next: [Chapter 4 — saddle points](04_saddle_points.ipynb), where gradient descent, Newton and noise meet them.
#
# **Exercises:** [03 · critical points exercises](../exercises/03_critical_points_exercises.ipynb) — classify,
# index, escape direction, a Newton step, power iteration and Hutchinson's estimator, each checked at once — and one
# derivation by hand (3.7): how fast gradient descent leaves a saddle; then the gradient on a sphere (3.8), the first
# step of section 5d's search.
