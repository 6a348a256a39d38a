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
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Chapter 2 — The geometry of loss
#
# A network with $P$ parameters has a loss surface in $P + 1$ dimensions. We cannot draw it, but we can
# draw **slices**: the loss along a line or on a plane through a point. This chapter is about what such
# pictures show, and how easily they mislead.
#
# **Learning goals.** After this chapter you can
# 1. derive the per-example curvature in the logit and say exactly where MSE on a sigmoid curves downward (and
#    why cross-entropy never does), and what separable data do to both — where gradient descent goes (the
#    max-margin direction) and how weight decay and label smoothing bring the minimum back from infinity;
# 2. compute 1-D and 2-D slices $f(\alpha,\beta) = L(\theta^* + \alpha d_1 + \beta d_2)$ of a network's loss, batched;
# 3. say why raw random directions give meaningless pictures for ReLU networks and what *filter
#    normalization* (Li et al. 2018) fixes;
# 4. read the initialization-to-solution line of Goodfellow et al. (2015), and say what it does not show;
# 5. find the plane a training path lives in (trajectory PCA), and say why a random plane misses it;
# 6. say what Li et al.'s width and skip-connection result is, and why a miniature cannot test it.

# %%
# %matplotlib widget
from matplotlib.colors import LogNorm, to_rgb
from matplotlib.ticker import LogFormatterMathtext
import numpy as np
from scipy.optimize import linprog, minimize

from course_utils import plotting, sharpness, surfaces
from course_utils.critical import ProbabilityEstimate
from course_utils.models import LogisticRegression
from course_utils.problems import blob_classification, moons_problem
from course_utils.randomness import default_rng
from course_utils.regularization import WeightDecay, max_margin_direction
from course_utils.widgets import LandscapeExplorer, RescalingExplorer, TwoLossesExplorer

# %% [markdown]
# ## 1. Same model, two losses: the curvature in the logit
#
# Chapter 1 showed that MSE on a sigmoid is not convex. Here we find out **where** it curves downward. Logistic
# regression predicts $p_i = \sigma(z_i)$ from the logit $z_i = w^\top x_i$; score it with cross-entropy or with MSE:
#
# $$L_{\text{CE}}(w) = \frac1N\sum_i \underbrace{\log(1+e^{z_i}) - y_i z_i}_{\ell_{\text{CE}}(z_i)}, \qquad
#   L_{\text{MSE}}(w) = \frac1N\sum_i \underbrace{(\sigma(z_i) - y_i)^2}_{\ell_{\text{MSE}}(z_i)} .$$
#
# Because $z_i$ is linear in $w$, both Hessians are sums of the per-example curvatures in $z$:
# $\nabla^2 L(w) = \frac1N\sum_i \ell''(z_i)\, x_i x_i^\top$. Each term is a multiple of $x_i x_i^\top \succeq 0$, so
# **the sign of $\ell''(z)$ decides everything**: if $\ell'' \ge 0$ for every example, the loss is convex in $w$.
#
# **Think! (derive before you run).** With $\sigma' = \sigma(1-\sigma)$ and $\sigma'' = \sigma(1-\sigma)(1-2\sigma)$,
# compute $\ell''_{\text{CE}}(z)$ and $\ell''_{\text{MSE}}(z) = 2[\sigma'^2 + (\sigma - y)\sigma'']$ for a positive
# example ($y = 1$). For which $\sigma(z)$ is each negative? What happens on the correctly classified, saturated side
# ($z \to +\infty$)?
#
# *Answer.* $\ell''_{\text{CE}} = \sigma(1-\sigma) > 0$ for every $z$ and either label: convex, always. For MSE with
# $y = 1$, factor out $\sigma(1-\sigma)^2$:
#
# $$\ell''_{\text{MSE}}(z) = 2\sigma(1-\sigma)^2\,\bigl[\sigma - (1 - 2\sigma)\bigr] = 2\sigma(1-\sigma)^2(3\sigma - 1),$$
#
# negative **exactly where $\sigma(z) < 1/3$**, i.e. $z < -\ln 2$: where the positive example is *confidently wrong*.
# For $y = 0$ it is $2\sigma^2(1-\sigma)(2 - 3\sigma)$, negative exactly where $\sigma(z) > 2/3$. A common
# misconception says the MSE loss bends downward wherever the sigmoid saturates. On the **correct** side it does not:
# there $\ell'' > 0$ and only shrinks towards 0 — the loss flattens but stays convex in $z$. Downward bending needs a
# confidently wrong example, and a prediction that is wrong but not confident ($1/3 \le \sigma < 1/2$ for $y = 1$) still
# curves upward. The next cell checks the formulas against finite differences of the losses themselves.

# %%
def sigmoid(z):
    return 0.5 * (1 + np.tanh(z / 2))  # σ(z), without overflow for large |z|


z = np.linspace(-8, 8, 1601)
losses_in_z = {"cross-entropy": lambda t: np.logaddexp(0, t) - t,   # label y = 1
               "MSE": lambda t: (sigmoid(t) - 1) ** 2}
p_z = sigmoid(z)
derived = {"cross-entropy": p_z * (1 - p_z), "MSE": 2 * p_z * (1 - p_z) ** 2 * (3 * p_z - 1)}
h = 1e-3
for name, loss_fn in losses_in_z.items():  # the oracle: central second differences of ℓ itself
    fd = (loss_fn(z + h) - 2 * loss_fn(z) + loss_fn(z - h)) / h**2
    print(f"{name:13s}: largest |derived − finite difference| = {np.max(np.abs(derived[name] - fd)):.1e}")
    assert np.allclose(derived[name], fd, atol=1e-6)
    away = np.abs(z + np.log(2)) > 10 * h  # the sign is resolvable away from the threshold
    assert np.array_equal((fd < 0)[away], ((z < -np.log(2)) if name == "MSE" else np.zeros_like(z, bool))[away])
print(f"MSE (y = 1) curves down for z < {-np.log(2):.4f} = −ln 2, where σ(z) < 1/3; "
      f"at z = 8 (confidently right) ℓ'' = {derived['MSE'][-1]:.1e} > 0")

fig, axes = plotting.new_figure(1, 2, figsize=(10, 3.8))
for ax, what in zip(axes, ("loss", "curvature")):
    ax.axvspan(z[0], -np.log(2), facecolor=(*to_rgb(plotting.OKABE_ITO[3]), 0.15), hatch="//", edgecolor="0.3",
               linewidth=0, label="MSE curves down: σ(z) < 1/3")
    ax.axvline(-np.log(2), color="0.3", linestyle="-.", linewidth=1, label="z = −ln 2  (σ = 1/3)")
    for (name, loss_fn), style in zip(losses_in_z.items(), plotting.series_styles(2)):
        ax.plot(z, loss_fn(z) if what == "loss" else derived[name], markevery=100, label=name, **style)
    ax.axvline(0, color="0.5", linestyle=":", linewidth=1)
axes[1].axhline(0, color="k", linewidth=0.8)
plotting.label_axes(axes[0], "per-example loss, positive example (y = 1)", "logit z  (σ(z) > ½: classified right)",
                    "ℓ(z)")
plotting.label_axes(axes[1], "its curvature in z", "logit z  (σ(z) > ½: classified right)", "ℓ''(z)")
axes[0].set_ylim(0, 3)
axes[0].legend(loc="upper right", fontsize=8)
axes[1].legend(loc="lower right", fontsize=8)
fig

# %% [markdown]
# For the whole loss this gives a precise statement: the MSE Hessian $\frac1N\sum_i \ell''(z_i) x_i x_i^\top$ can have
# a negative eigenvalue **only at weights where some example is confidently wrong** (necessary, not sufficient: the
# other examples' positive terms may outweigh it). Cross-entropy's Hessian is positive semi-definite everywhere.
#
# The explorer draws both losses over the whole $(w_1, w_2)$ plane (no intercept, so the plane *is* the whole
# parameter space) and **hatches the points where the exact Hessian of the drawn surface has a negative eigenvalue**.
#
# **Predict, then check.** On two well separated blobs with 10 % of the labels flipped, where is the lowest point of
# the cross-entropy surface? How much of the MSE plane will be hatched — a little near the plateaus, or most of it?
# Write your guess, then run the cell.

# %%
two = TwoLossesExplorer(separation=3.0, label_noise=0.1)
state = two.state
print(f"negative curvature: cross-entropy {state.negative_fraction['cross_entropy']:.0%}, "
      f"MSE {state.negative_fraction['mse']:.0%} of the grid")
assert state.negative_fraction["cross_entropy"] == 0.0  # convex: never curves down
assert state.negative_fraction["mse"] > 0.5             # MSE curves down on most of the plane
# every hatched point has a confidently wrong example (the necessary condition derived above)
mse_model = blob_classification(3.0, 0.1)["mse"]
hatched = np.argwhere(state.negative["mse"])
wrong = [np.any(np.where(mse_model.y == 1, p < 1 / 3, p > 2 / 3))
         for p in (mse_model.predict(state.slices["mse"].alphas[[i, j]]) for i, j in hatched)]
print(f"hatched points with a confidently wrong example: {sum(wrong)} of {len(wrong)}")
assert all(wrong)
two

# %% [markdown]
# In the picture, only an island around the lowest point is left unhatched: almost everywhere else some example is
# confidently wrong (a flipped label, or a point on the far side of the line) and the MSE surface curves down in
# some direction — often only slightly: far out every curvature is exponentially small, which is why those regions
# look like flat plateaus.
#
# Now drag **class separation** to 6 and **label noise** to 0. Once the blobs are separable, *neither* loss has a
# finite minimiser: along a separating direction every $\sigma(z_i)$ approaches its label, so both losses keep
# falling towards 0, and both stars sit on the edge of the box (for almost every data seed; where a star stays
# inside, a point has strayed across the middle and the data are not separable). A common misconception is that
# MSE "never gets there" while cross-entropy does; in fact both have their infimum at infinity on separable data,
# and logistic regression needs regularization or early stopping under either loss. What differs is the way down:
#
# * **the gradient on a confidently wrong example.** $\ell'_{\text{CE}}(z) = \sigma(z) - y$ tends to $-1$ as
#   $z \to -\infty$ for $y = 1$: the worse the mistake, the stronger the pull.
#   $\ell'_{\text{MSE}}(z) = 2(\sigma - y)\sigma'$ tends to 0: a badly wrong example barely pulls at all — the
#   plateau;
# * **the shape.** Cross-entropy is convex and smooth, so gradient descent with a small enough step drives it to its
#   infimum from every start (for convex smooth functions this holds even when no minimiser exists); MSE curves
#   downward wherever an example is confidently wrong, as derived above, and its plateaus can hold a run for long.
#
# Why the edge, exactly: if some $w$ has $y_i\,w^\top x_i > 0$ for every point (labels $\pm1$ here), then each
# example's loss at $tw$ falls as $t$ grows, under either loss, and from any point of the box a step along $w$ lowers
# the loss — so the box's lowest point can only be on its edge. Whether a draw is separable by a line through the
# origin (the model has no intercept) is a linear program: find $w$ with $y_i\,w^\top x_i \ge 1$ for all $i$, or learn
# that none exists. At separation 6 almost every draw is separable (the cell counts 100 more draws), but a point can
# stray across the middle — so the cell asks the linear program about the explorer's draw first and asserts what the
# argument proves.

# %%
def separable_through_origin(data):
    """Is there a w with y_i w·x_i ≥ 1 for every point (labels ±1)? A linear program with a zero objective."""
    signs = 2 * data.y - 1
    lp = linprog(np.zeros(2), A_ub=-signs[:, None] * data.X, b_ub=-np.ones(signs.size), bounds=[(None, None)] * 2)
    return lp.status == 0  # 0: a separating w was found; 2: the constraints are infeasible


sep = TwoLossesExplorer(separation=6.0, label_noise=0.0).state  # its own instance: the explorer above is yours
separable = separable_through_origin(blob_classification(6.0, 0.0)["cross_entropy"])  # the explorer's data (seed 0)
others = [separable_through_origin(blob_classification(6.0, 0.0, seed=s)["cross_entropy"]) for s in range(1, 101)]
box_edge = np.abs(sep.slices["mse"].alphas).max()
print(f"separable through the origin: {separable}; {sum(others)} of {len(others)} other draws are separable")
for loss in ("cross_entropy", "mse"):
    print(f"lowest {loss} grid point {sep.best[loss]} (the box is ±{box_edge:g}); on the edge: {sep.on_edge[loss]}")
    assert sep.on_edge[loss] or not separable  # separable: no finite minimiser under either loss
assert sep.negative_fraction["cross_entropy"] == 0.0  # convex, separable or not
assert np.mean(others) > 0.8                          # almost every draw at separation 6 is separable
# the gradient on one confidently wrong positive example (z = −8): cross-entropy pulls hard, MSE hardly at all
z_wrong = -8.0
grad_ce, grad_mse = ((f(z_wrong + h) - f(z_wrong - h)) / (2 * h) for f in losses_in_z.values())  # central differences
print(f"at z = {z_wrong:g} (y = 1): ℓ'_CE = {grad_ce:.4f}, ℓ'_MSE = {grad_mse:.1e}")
assert grad_ce < -0.99 and abs(grad_mse) < 1e-3

# %% [markdown]
# ### Where gradient descent goes when the minimum is at infinity — and what regularization does to it
#
# On separable data the infimum is at infinity, so what does gradient descent on cross-entropy *do*? Its weights grow
# without bound, but not at random: Soudry et al. (2018, "The implicit bias of gradient descent on separable data")
# proved that $w(t) = \hat w \log t + \rho(t)$ with $\rho(t)$ bounded (for almost every data set, with a step below
# $2/L$), where $\hat w$ is the **hard-margin SVM** solution through the origin, $\hat w = \arg\min\|w\|^2$ subject to
# $s_i\,w^\top x_i \ge 1$ ($s_i = \pm1$). So $\|w\|$ grows by about $\|\hat w\|\ln 10$ per decade of steps — slowly,
# forever — while its direction turns towards $\hat w$'s, at a rate of only about $1/\log t$: the *normalised margin*
# $\min_i s_i w^\top x_i / \|w\|$ climbs towards the largest any direction has, $1/\|\hat w\|$.
#
# Two regularizers bring the minimum back from infinity:
#
# * **weight decay** adds $\tfrac{\lambda}{2}\|w\|^2$. The Hessian becomes $\nabla^2 L + \lambda I$: every curvature
#   rises by $\lambda$, the convex loss becomes $\lambda$-strongly convex, and it has exactly one, finite minimiser.
#   The minimum is *moved* (from infinity to a point) and *rounded* (no direction flatter than $\lambda$);
# * **label smoothing** scores the soft target $\tilde y = (1-\varepsilon)y + \varepsilon/2$ instead of the label. The
#   per-example loss $\log(1+e^z) - \tilde y z$ is smallest at the finite logit $z^* = \ln\frac{\tilde y}{1-\tilde y}$
#   ($\approx 2.94$ for $\varepsilon = 0.1$) and grows linearly past it, so along every direction the total loss
#   eventually rises: a finite minimiser, even on separable data.
#
# **Predict, then check.** Run plain gradient descent on the explorer's separable draw for $10^4$ steps. By how much
# will $\|w\|$ grow between step 1,000 and step 10,000 — about as much as between 100 and 1,000, much less, or much
# more? And as $\varepsilon$ or $\lambda$ shrinks towards 0, what happens to the regularized minimiser's norm?
#
# The cell checks the three claims against oracles of their own: $\hat w$ from the dual quadratic program
# (`regularization.max_margin_direction`, itself tested against SciPy's primal solver), and each regularized
# minimiser from L-BFGS with its gradient checked to vanish.

# %%
data = blob_classification(6.0, 0.0)["cross_entropy"]  # the explorer's separable draw (seed 0)
X_sep, y_sep = data.X, data.y
plain = LogisticRegression(X_sep, y_sep, fit_intercept=False)
# plain gradient descent, step 1/L with L = λ_max(XᵀX)/(4N), the logistic loss's smoothness constant
step = 4 * len(y_sep) / np.linalg.eigvalsh(X_sep.T @ X_sep).max()
w, checkpoints, norms, margins = np.zeros(2), (10, 100, 1_000, 10_000), {}, {}
signs = 2 * y_sep - 1
w_hat = max_margin_direction(X_sep, y_sep) if separable else None
for t in range(1, checkpoints[-1] + 1):
    w = w - step * (X_sep.T @ (sigmoid(X_sep @ w) - y_sep)) / len(y_sep)
    if t in checkpoints:
        norms[t] = np.linalg.norm(w)
        margins[t] = np.min(signs * (X_sep @ w)) / norms[t]  # the normalised margin of w's direction
growth = np.diff([norms[t] for t in checkpoints])  # ‖w‖ gained per decade of steps
print("‖w‖ after 10, 100, 1000, 10000 steps:", ", ".join(f"{norms[t]:.2f}" for t in checkpoints))
if separable:
    per_decade = np.linalg.norm(w_hat) * np.log(10)
    best_margin = 1 / np.linalg.norm(w_hat)  # ŵ's: the largest normalised margin any direction has
    print(f"gained per decade: {', '.join(f'{g:.2f}' for g in growth)}; Soudry et al.'s asymptote ‖ŵ‖ ln 10 = "
          f"{per_decade:.2f}")
    print("normalised margin as a fraction of the largest possible (ŵ's):",
          ", ".join(f"{margins[t] / best_margin:.3f}" for t in checkpoints))
    assert np.all(np.diff(growth) > 0) and growth[-1] < per_decade  # approaching the log t rate from below
    # turning towards ŵ: measured 0.79–1.00 after 10⁴ steps over 13 data draws (slowest when the margin is small)
    assert 0.7 < margins[10_000] / best_margin <= 1 + 1e-9


def regularized_minimiser(objective):
    """L-BFGS from w = 0; the returned point's gradient is checked to vanish (the oracle for 'a minimiser')."""
    res = minimize(objective.loss, np.zeros(2), jac=objective.grad, method="L-BFGS-B",
                   options={"gtol": 1e-11, "ftol": 1e-15, "maxiter": 2_000})
    assert np.linalg.norm(objective.grad(res.x)) < 1e-7, objective.name
    return res.x


strengths = np.array([0.3, 0.1, 0.03, 0.01, 0.003, 0.001])
smoothed = [regularized_minimiser(LogisticRegression(X_sep, y_sep, fit_intercept=False, label_smoothing=e))
            for e in strengths]
decayed = [regularized_minimiser(WeightDecay(plain, lam)) for lam in strengths]
for name, points in (("label smoothing ε", smoothed), ("weight decay λ", decayed)):
    sizes = [np.linalg.norm(p) for p in points]
    print(f"{name:17s} = {', '.join(f'{e:g}' for e in strengths)}:  ‖w*‖ = {', '.join(f'{n:.2f}' for n in sizes)}")
    assert np.all(np.diff(sizes) > 0)  # finite for every strength, and larger as the regularizer weakens

fig, axes = plotting.new_figure(1, 2, figsize=(10, 3.9))
direction = (w_hat if separable else w) / np.linalg.norm(w_hat if separable else w)
t_ray = np.linspace(0, 12, 241)
rays = {"cross-entropy (no regularizer)": plain,
        "label smoothing ε = 0.1": LogisticRegression(X_sep, y_sep, fit_intercept=False, label_smoothing=0.1),
        "weight decay λ = 0.01": WeightDecay(plain, 0.01)}
for (label, objective), style in zip(rays.items(), plotting.series_styles(3)):
    along = objective.loss_batch(t_ray[:, None] * direction)
    axes[0].plot(t_ray, along, markevery=40, label=label, **style)
    if label != "cross-entropy (no regularizer)":
        k = int(np.argmin(along))
        axes[0].plot(t_ray[k], along[k], marker="*", markersize=13, markerfacecolor="white", markeredgecolor="k",
                     linestyle="none")
axes[0].set_yscale("log")
plotting.label_axes(axes[0], "loss along the max-margin direction (☆ = lowest point)",
                    "distance t along ŵ/‖ŵ‖", "loss (log scale)")
axes[0].legend(fontsize=8, loc="lower left")
steps_axis = np.array(checkpoints, dtype=float)
axes[1].semilogx(steps_axis, [norms[t] for t in checkpoints], marker="o", color=plotting.OKABE_ITO[0],
                 label="gradient descent, no regularizer")
if separable:
    last_decade = np.array([1_000.0, 10_000.0])  # the asymptotic slope, drawn through the last point
    axes[1].semilogx(last_decade, norms[10_000] + np.linalg.norm(w_hat) * np.log(last_decade / 10_000), "k--",
                     linewidth=1.5, label="asymptotic slope ‖ŵ‖ ln t (Soudry et al.)")
for (name, points), style in zip((("label smoothing ε = 0.1 minimiser", smoothed[1]),
                                  ("weight decay λ = 0.01 minimiser", decayed[3])), plotting.series_styles(3)[1:]):
    axes[1].axhline(np.linalg.norm(points), color=style["color"], linestyle=style["linestyle"], label=name)
plotting.label_axes(axes[1], "‖w‖: unbounded without a regularizer, finite with one", "gradient-descent step t (log)",
                    "‖w‖")
axes[1].legend(fontsize=8, loc="upper left")
fig

# %% [markdown]
# In the picture, the plain loss falls forever along $\hat w$ (a straight descent on the log scale), while each
# regularized loss turns up again at a finite distance — its star. On the right, plain gradient descent's $\|w\|$
# climbs by ever larger amounts per decade, towards the dashed $\log t$ slope; both regularized minimisers sit at a
# fixed norm. The printout shows the price: the weaker the regularizer, the further out the minimiser (it leaves
# for infinity as $\varepsilon, \lambda \to 0$). In practice "the minimum" of a classifier on separable data is
# whatever the regularizer, the schedule or early stopping makes it — a choice, not a property of the data.

# %% [markdown]
# ## 2. Slicing a high-dimensional landscape
#
# Our running example: a 2-16-1 ReLU network ($P = 65$) trained with Adam on 200 two-moons points, MSE loss.

# %%
problem = moons_problem()
model, theta_star = problem.model, problem.theta
print(model.name, f"P = {model.dim}, train loss {model.loss(theta_star):.4f}, accuracy {model.accuracy(theta_star):.3f}")
assert model.accuracy(theta_star) >= 0.9  # it has learned the moons

# %% [markdown]
# A **1-D slice** is $f(\alpha) = L(\theta^* + \alpha d)$. With a random direction $d$, each call of
# `surfaces.slice_1d` evaluates all $\alpha$ in one batched pass.

# %%
fig, ax = plotting.new_figure(figsize=(6, 3.6))
alphas = np.linspace(-1, 1, 81)
for k, style in enumerate(plotting.series_styles(3)):
    d = surfaces.random_directions(model, theta_star, k, n=1, norm="filter")[0]
    s1 = surfaces.slice_1d(model, theta_star, d, alphas)
    ax.plot(alphas, s1.losses, markevery=10, label=f"direction seed {k}", **style)
    assert abs(s1.argmin) <= 0.1  # θ* is (near) the bottom along every direction
plotting.label_axes(ax, "1-D slices through θ* (filter-normalized directions)", "α", "loss L(θ* + α d)")
ax.legend()
fig

# %% [markdown]
# A **2-D slice** uses two directions. Grids use `indexing="ij"`: `losses[i, j]` is the loss at
# $(\alpha_i, \beta_j)$, so matplotlib needs the transpose. The MLP's grid is not evaluated point by point:
# every layer's weights are affine in $(\alpha, \beta)$, and the first layer's pre-activations
# $XW_1(\alpha,\beta) = XW_1^{*} + \alpha X D_1 + \beta X D_2$ need only three matrix products for the whole grid.

# %%
d1, d2 = surfaces.random_directions(model, theta_star, 0, n=2, norm="filter")
grid = np.linspace(-1, 1, 51)
s2 = surfaces.slice_2d(model, theta_star, d1, d2, grid, grid)
loop_row = [model.loss(theta_star + grid[7] * d1 + b * d2) for b in grid]
assert np.allclose(s2.losses[7], loop_row, rtol=1e-10)  # same numbers as a loop, just faster

fig, (ax1, ax2) = plotting.new_figure(1, 2, figsize=(10, 4.2), projection=[None, "3d"])
clipped = np.minimum(s2.losses.T, 3)
cs = ax1.contourf(grid, grid, clipped, levels=25, cmap=plotting.CMAP)
ax1.plot(0, 0, "w*", markersize=12, markeredgecolor="k", label="θ*")
fig.colorbar(cs, ax=ax1, label="loss (clipped at 3)")
plotting.label_axes(ax1, "contour of the 2-D slice", "α", "β")
ax1.legend(loc="lower left", fontsize=8)
A, B = np.meshgrid(grid, grid)
ax2.plot_surface(A, B, clipped, cmap=plotting.CMAP, norm=cs.norm, linewidth=0)  # the same colours as the contour
ax2.set(xlabel="α", ylabel="β", zlabel="loss (clipped at 3)", title="the same slice in 3-D")
fig

# %% [markdown]
# ### The Landscape Explorer
#
# Change the direction seed, the range, the resolution and the normalization; switch the view to **3-D surface**
# to see the same slice as a surface beside the contour map (drag it to rotate it: it turns in your browser, and
# the colour bar reads for both). Try **normalization = none**: the raw Gaussian direction has about the same
# total length as the filter-normalized one here (the message prints $\lVert d_1\rVert / \lVert\theta^*\rVert$), but it
# ignores how large each unit's weights are — it moves a unit with small weights as far as one with large weights,
# and it moves the biases too — so the valley looks narrower or wider depending on which units it happens to hit.

# %%
explorer = LandscapeExplorer()
print(f"last redraw: {explorer.last_update_ms:.0f} ms")
explorer

# %% [markdown]
# ## 3. Why filter normalization
#
# A ReLU unit is positively homogeneous: $\operatorname{relu}(az) = a\operatorname{relu}(z)$ for $a > 0$. So
# $(W_1, b_1, W_2) \to (aW_1, ab_1, W_2/a)$ computes **the same function** (Dinh et al. 2017). A picture of "the
# landscape around $\theta^*$" that changes under this rescaling shows the parametrization, not the model.
#
# Filter normalization (Li et al. 2018) draws a Gaussian $d$ and, for every output unit $j$ of every weight
# matrix, rescales the column $d_{:,j}$ to the norm of the weights' column $W_{:,j}$; biases get 0. Then the
# direction scales with the network, and the slice cannot tell the two parametrizations apart.
#
# **Predict, then check.** Rescale by $a = 3$. Which of the two slices will change?

# %%
theta_scaled = sharpness.rescale_relu_network(model, theta_star, 3.0)
raw1, raw2 = surfaces.random_directions(model, theta_star, 5, n=2, norm="none")
g = np.linspace(-1, 1, 21)
slices = {}
for name, centre in [("original", theta_star), ("rescaled", theta_scaled)]:
    f1, f2 = (surfaces.filter_normalize(r, centre, model) for r in (raw1, raw2))
    slices[name, "filter"] = surfaces.slice_2d(model, centre, f1, f2, g, g).losses
    slices[name, "raw"] = surfaces.slice_2d(model, centre, raw1, raw2, g, g).losses
same_fn = np.max(np.abs(model.predict(theta_scaled) - model.predict(theta_star)))
raw_gap = np.max(np.abs(slices["original", "raw"] - slices["rescaled", "raw"]))
filter_gap = np.max(np.abs(slices["original", "filter"] - slices["rescaled", "filter"]))
print(f"outputs differ by {same_fn:.1e}; raw slices by {raw_gap:.3g}; filter-normalized slices by {filter_gap:.1e}")
assert same_fn < 1e-12
assert filter_gap < 1e-9
assert raw_gap > 1.0

# %% [markdown]
# The explorer does the same along one direction. Move the scale $a$ between 0.25 and 4.

# %%
RescalingExplorer(scale=4.0)

# %% [markdown]
# **A closer look, and a common mix-up.** Filter normalization is often described as scaling each *layer's*
# direction by that layer's weight norm, with directions drawn after a global `np.random.seed`. Scaling per layer is
# *layer* normalization (`surfaces.layer_normalize`); Li et al. scale per filter. For the whole-layer rescaling
# above, both are invariant (check below). Neither is invariant when each hidden unit gets its *own* factor $a_j$:
# the compensating $1/a_j$ lands inside the next layer's filter, whose norm is shared by all units. Li et al.
# motivate filter normalization by scale invariance, and in networks with batch normalization, like the ones they
# plotted, per-filter scaling is exactly right: batch normalization re-normalizes each filter's output, so a
# filter's scale does not matter at all. And global seeding makes a picture depend on everything that drew random
# numbers before it; here every draw takes its own seed.

# %%
(W1, b1), (W2, b2) = model.unflatten(theta_star.copy())
unit_scale = np.linspace(0.5, 2.0, W1.shape[1])  # a different factor for every hidden unit
theta_units = model.flatten([(W1 * unit_scale, b1 * unit_scale), (W2 / unit_scale[:, None], b2)])
assert np.allclose(model.predict(theta_units), model.predict(theta_star), atol=1e-12)  # same function again
gaps = {}
for norm in ("layer", "filter"):
    for name, other in [("whole layer", theta_scaled), ("per unit", theta_units)]:
        da = surfaces.normalize_direction(raw1, theta_star, model, norm)
        db = surfaces.normalize_direction(raw1, other, model, norm)
        gaps[norm, name] = np.max(np.abs(surfaces.slice_1d(model, theta_star, da).losses
                                         - surfaces.slice_1d(model, other, db).losses))
        print(f"{norm:6s}-normalized slice, {name:11s} rescaling: changes by {gaps[norm, name]:.2g}")
assert gaps["layer", "whole layer"] < 1e-9 and gaps["filter", "whole layer"] < 1e-9
assert gaps["layer", "per unit"] > 1e-3 and gaps["filter", "per unit"] > 1e-3

# %% [markdown]
# ## 4. From initialization to solution
#
# Goodfellow, Vinyals & Saxe (2015) plotted the loss on the straight line $\theta(\alpha) = (1-\alpha)\theta_0 +
# \alpha\theta^*$ from the initialization to the trained solution and found, for many networks, a smooth
# monotone decrease: no bumps, no barriers. Extending $\alpha$ to $[-0.5, 1.5]$ shows what lies beyond both ends.
#
# **Predict, then check.** Is the line monotone for our network? Where is its lowest point?

# %%
line = surfaces.interpolate(model, problem.theta0, theta_star, np.linspace(-0.5, 1.5, 81))
shape = surfaces.line_monotonicity(line)  # judged on [0, 1], from θ₀ to θ*
fig, ax = plotting.new_figure(figsize=(6, 3.6))
ax.plot(line.alphas, line.losses, "-o", markevery=8, color=plotting.OKABE_ITO[4], label="L((1−α)θ₀ + αθ*)")
ax.axvline(0, color="0.5", linestyle=":", label="θ₀ (α = 0)")
ax.axvline(1, color="k", linestyle="--", label="θ* (α = 1)")
plotting.label_axes(ax, "Loss on the line from initialization to solution", "α", "training loss")
ax.set_yscale("log")
ax.legend()
print(f"strictly downhill on [0, 1]: {shape.strictly_decreasing}; highest point on [0, 1] "
      f"{shape.peak_ratio:.2f} × L(θ₀); lowest at α = {line.argmin:.3f}; "
      f"L at α = 1.5 is {line.losses[-1] / model.loss(theta_star):.0f} × L(θ*)")
assert shape.peak_ratio < 1.5                            # no barrier on the way: nothing climbs to 1.5 L(θ₀) ...
assert abs(line.argmin - 1.0) <= 0.1                     # ... the line's lowest point is at θ* or close before it ...
assert line.losses[-1] > 2 * model.loss(theta_star)      # ... and beyond θ* the loss climbs again
fig

# %% [markdown]
# One network is one draw. Is the line downhill for others too? The next cell trains eight more networks, each on
# its own data with its own initialization (a few seconds), and reads their lines the same way.

# %%
shapes = [shape]
for seed in range(1, 9):
    other = moons_problem(seed=seed)
    other_line = surfaces.interpolate(other.model, other.theta0, other.theta, np.linspace(0, 1, 41))
    shapes.append(surfaces.line_monotonicity(other_line))
downhill = ProbabilityEstimate.from_count(sum(m.strictly_decreasing for m in shapes), len(shapes))
print(f"strictly downhill: {downhill.count} of {downhill.trials} lines = {downhill.probability:.0%} ± "
      f"{downhill.stderr:.0%} (binomial standard error); 95 % interval {downhill.ci_low:.0%} to {downhill.ci_high:.0%}")
print(f"tallest climb on the way {max(m.largest_rise for m in shapes):.1%} of L(θ₀); lowest points at "
      f"α = {min(m.argmin for m in shapes):.3f} to {max(m.argmin for m in shapes):.3f}")
assert downhill.probability >= 0.5                                       # most lines are downhill ...
assert all(m.peak_ratio < 1.5 and abs(m.argmin - 1) <= 0.1 for m in shapes)  # ... and none has a barrier

# %% [markdown]
# For our network (seed 0) the line is strictly downhill from $\theta_0$ to $\theta^*$ and climbs again beyond
# $\theta^*$. That is what Goodfellow et al. saw, and what the cell above checks for eight more networks. But nine
# lines cannot say how rare the exceptions are: the 95 % interval printed above is wide (and when all nine agree,
# the standard error is 0 and says nothing at all). So we ran a larger census with the same code: over 100
# data/initialization seeds (0 to 99), 93 lines were strictly downhill on $[0, 1]$. In the other 7 the loss rose
# somewhere on the way, by at most 1.9 % of $L(\theta_0)$, and in most of them the rise is a dip below $L(\theta^*)$
# just before $\theta^*$: Adam stopped close to the bottom of the line, not exactly at it. (The census takes about a
# minute; `tests/test_claims_measured.py` reruns it and fails if these numbers drift.) The monotone line is usual,
# not universal — Lucas et al. (2021) found the same at scale, and found it failing more often with adaptive
# optimizers such as Adam (which we use), with batch normalization, and when the weights travel far from their
# initialization. So the cells assert what held in every run: no bump reaches $1.5\,L(\theta_0)$, and the line's
# lowest point lies within 0.1 of $\theta^*$. Even a monotone line does **not** mean the optimizer travelled along
# it (the next section shows it did not), nor that the landscape is convex — only that this one slice has no
# barrier.
#
# ## 5. Where the optimizer actually went
#
# Random planes are nearly orthogonal to any particular path: a uniformly random plane keeps, **on average, exactly
# $2/P$** of any vector's squared length ($2/65 \approx 3\,\%$ here) — one plane may keep a little more or less, so
# the cell measures 200 of them and compares their mean with $2/P$. Li et al. (2018, §7) instead take the principal
# directions of $M = [\theta_t - \theta_T]_t$ (an SVD), which hold most of the path.

# %%
pca = surfaces.trajectory_pca(problem.trajectory)
rand = surfaces.random_directions(model, theta_star, 1, n=2, norm="none", orthogonal=True)
rand /= np.linalg.norm(rand, axis=1, keepdims=True)
M = problem.trajectory.thetas - theta_star
random_share = float(np.sum((M @ rand.T) ** 2) / np.sum(M**2))
# 200 more planes, each spanned by an orthonormal basis from the QR of a Gaussian P × 2 matrix (a uniform random plane)
bases, _ = np.linalg.qr(default_rng(2).standard_normal((200, model.dim, 2)))
shares = np.sum((M @ bases) ** 2, axis=(1, 2)) / np.sum(M**2)
share_se = shares.std(ddof=1) / np.sqrt(shares.size)
evr = pca.explained_variance_ratio
print(f"PCA plane holds {evr.sum():.1%} of the path's squared deviation ({evr[0]:.1%} + {evr[1]:.1%}); "
      f"the random plane drawn below holds {random_share:.1%}")
print(f"200 random planes hold {shares.mean():.2%} ± {share_se:.2%} on average (largest {shares.max():.1%}); "
      f"theory 2/P = {2 / model.dim:.2%}")
assert evr.sum() > 0.85                                     # two directions hold most of the path
assert abs(shares.mean() - 2 / model.dim) < 4 * share_se    # a random plane holds 2/P of it, on average
assert evr.sum() > 10 * shares.mean()

# %%
fig, axes = plotting.new_figure(1, 2, figsize=(10, 4.4))
lo, hi = pca.coords.min(0) - 0.5, pca.coords.max(0) + 0.5
plane = surfaces.slice_2d(model, theta_star, *pca.directions, np.linspace(lo[0], hi[0], 61), np.linspace(lo[1], hi[1], 61))
rc = M @ rand.T
span = np.abs(pca.coords).max()
rplane = surfaces.slice_2d(model, theta_star, *rand, np.linspace(-span, span, 61), np.linspace(-span, span, 61))
# one colour scale for both panels (they are compared), logarithmic: the losses span decades
both = np.concatenate([plane.losses.ravel(), rplane.losses.ravel()])
shared = dict(levels=np.geomspace(both.min(), both.max() * (1 + 1e-9), 25), norm=LogNorm(both.min(), both.max()),
              cmap=plotting.CMAP)
print(f"losses on the two planes span {both.min():.3g} to {both.max():.3g} "
      f"({np.log10(both.max() / both.min()):.1f} decades)")
cs = axes[0].contourf(plane.alphas, plane.betas, plane.losses.T, **shared)
axes[0].plot(*pca.coords.T, "w-o", markersize=2.5, markevery=15, markeredgecolor="k", markeredgewidth=0.4,
             label="Adam path")
plotting.label_axes(axes[0], f"PCA plane: {evr[0]:.0%} + {evr[1]:.0%} explained", "PC 1", "PC 2")
axes[1].contourf(rplane.alphas, rplane.betas, rplane.losses.T, **shared)
axes[1].plot(*rc.T, "w-o", markersize=2.5, markevery=15, markeredgecolor="k", markeredgewidth=0.4,
             label="Adam path (projected)")
plotting.label_axes(axes[1], f"random plane: {random_share:.0%} of the path", "random direction 1", "random direction 2")
for ax in axes:
    ax.plot(0, 0, "k*", markersize=12, markerfacecolor="white", label="θ* (end)")
    ax.legend(loc="lower left", fontsize=8)
cbar = fig.colorbar(cs, ax=axes, label="training loss (log scale, same for both panels)", shrink=0.9)
decades = 10.0 ** np.arange(np.floor(np.log10(both.min())), np.ceil(np.log10(both.max())) + 1)
cbar.set_ticks(decades[(decades >= both.min()) & (decades <= both.max())], labels=None)
cbar.ax.yaxis.set_major_formatter(LogFormatterMathtext())
fig

# %% [markdown]
# Both panels use one logarithmic colour scale. In the PCA plane the path sweeps in from the start and curls into
# the minimum; in a random plane at the same scale it is a small smudge around the end point.
#
# ## 6. Width and skip connections: what a miniature cannot show
#
# Li et al. (2018, §6) plotted filter-normalized slices of CIFAR-10 networks. Without skip connections, depth changed
# the picture dramatically: ResNet-20-noshort (20 layers) still had a benign, mostly convex-looking slice, but the
# 56- and 110-layer plain networks turned chaotic — and those were also the ones that trained worse. Skip connections
# kept even the deepest slices smooth, and so did more width (Wide-ResNet-56 with 2, 4 and 8 times the filters).
#
# It is tempting to reproduce this with the networks of this chapter, and it does not work. The effect sets in at a
# depth where plain networks stop training well; a network of a few hundred parameters on two-dimensional data is
# nowhere near it — even Li et al.'s 20-layer plain network did not show it. Slices of such small networks are shaped
# by the few ReLU units whose kinks cross the data, and a comparison of narrow against wide, or of six plain layers
# against six residual ones, orders their roughness one way for some seeds and the other way for others. So this
# chapter makes no claim about width or skip connections. The comparison needs real data and deeper networks;
# chapter 8 moves the course's tools to real data (handwritten digits), which is where such claims can be tested.
#
# ## 7. Summary
#
# * The loss is a property of the model **and** the objective: cross-entropy makes logistic regression convex
#   ($\ell'' = \sigma(1-\sigma) > 0$); MSE on its sigmoid curves down exactly where an example is confidently wrong
#   ($\sigma < 1/3$ for a positive one), not where a correct prediction saturates. On separable data neither loss
#   has a finite minimiser: gradient descent's weights grow like $\log t$ towards the max-margin direction, and
#   weight decay or label smoothing moves the minimum to a finite point (further out as the regularizer weakens).
# * Slices $L(\theta^* + \alpha d_1 + \beta d_2)$ are cheap when evaluated batched; for MLPs the layers are affine
#   in $(\alpha, \beta)$.
# * Raw random directions depend on the parametrization; filter-normalized ones do not change under the
#   layer rescaling $(aW_1, W_2/a)$ (asserted to 1e-9) — but no normalization removes every symmetry
#   (per-unit rescaling still changes the slice).
# * The straight line from $\theta_0$ to $\theta^*$ is usually monotone, not always, and it is not the path the
#   optimizer took.
# * Trajectory PCA finds the plane the path lives in (over 85 % of it, asserted above); random planes miss it (they
#   keep $2/P$ of it on average).
# * A miniature is not a reproduction: width and skip connections need networks and data at a scale where plain
#   deep networks stop training well (chapter 8).
#
# **Exercises:** [02_loss_geometry_exercises.ipynb](../exercises/02_loss_geometry_exercises.ipynb) — filter
# normalization, a vectorized 2-D slice, the exact lowest point of an interpolation line, trajectory PCA, and the
# curvature of MSE on a tanh output with soft targets (derived, then checked against second differences: does
# "curves down only where an example is confidently wrong" survive label smoothing?), each checked automatically.
