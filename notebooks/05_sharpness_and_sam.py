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
# # Chapter 5 — Sharpness, flat minima, the edge of stability, and SAM
#
# Two minima can have the same training loss and still differ: one sits in a narrow notch, the other in a
# wide bowl. A popular idea says the wide one generalizes better. This chapter measures "wide" and "narrow"
# carefully, trains networks that end up in sharper or flatter places, and ends with the reason to be cautious.
#
# **By the end of this chapter you can**
#
# 1. explain the flat-minimum intuition with numbers (a shifted test loss rises like $\tfrac12\lambda\delta^2$);
# 2. compute five sharpness measures — Keskar's ε-sharpness, worst and average over random directions, SAM's
#    sharpness, $\lambda_{\max}$ and the trace of the Hessian — and say why random directions underestimate the worst case;
# 3. reproduce in miniature that small-batch SGD ends at flatter points than full-batch GD (Keskar et al. 2017);
# 4. derive the stability threshold $\eta < 2/\lambda_{\max}$ and watch the *edge of stability* (Cohen et al. 2021);
# 5. implement one step of SAM (Foret et al. 2021) and see it avoid a sharp minimum that gradient descent falls into;
# 6. show that sharpness depends on the parameterization (Dinh et al. 2017) — and what survives it.

# %%
# %matplotlib widget
import numpy as np

from course_utils import curvature, data, optimizers, plotting, sharpness, surfaces
from course_utils.models import MLP, Quadratic
from course_utils.widgets import (
    ReparameterizationExplorer,
    SAMExplorer,
    SharpnessExplorer,
    ShiftExplorer,
    StabilityExplorer,
)

# %% [markdown]
# ## 1. Flat and sharp in one dimension
#
# The loss below has two minima of **exactly equal depth** (both $L = 0$): a narrow notch at $\theta = -1$ and a
# wide bowl at $\theta = 1$ (`sharpness.SharpFlatLandscape`, a bowl multiplied by a notch). Near a minimum
# $\theta^*$ with curvature $\lambda = L''(\theta^*)$,
#
# $$L(\theta^* + \delta) \approx \tfrac12 \lambda \delta^2 .$$
#
# Pretend the test loss is the training loss shifted by a small $\delta$ — the test data are a little different.
#
# **Predict** before running: for a shift $\delta = 0.05$, how many times larger is the test loss at the sharp
# minimum than at the flat one? (Hint: compare the curvatures.)

# %%
land = sharpness.SharpFlatLandscape(dim=1)
lam_sharp, lam_flat = land.curvatures()
delta = 0.05
test_sharp = land.loss(land.sharp_minimum - delta)
test_flat = land.loss(land.flat_minimum - delta)
print(f"curvatures: sharp {lam_sharp:.1f}, flat {lam_flat:.3f}")  # NBVAL_CHECK_OUTPUT
print(f"test loss at δ = {delta}: sharp {test_sharp:.4f}, flat {test_flat:.5f}, ratio {test_sharp / test_flat:.0f}")
assert np.isclose(test_flat, 0.5 * lam_flat * delta**2, rtol=0.01)   # the quadratic model holds for small δ
assert np.isclose(test_sharp, 0.5 * lam_sharp * delta**2, rtol=0.1)
assert test_sharp > 30 * test_flat

# %% [markdown]
# The ratio is about $\lambda_{\text{sharp}}/\lambda_{\text{flat}} = 50$. Move the slider: for larger shifts the
# notch's test loss saturates (the quadratic model breaks down), but it stays far above the bowl's.

# %%
ShiftExplorer()

# %% [markdown]
# ## 2. Measuring sharpness
#
# "How fast does the loss rise when the parameters move?" needs a choice of *how* they move. For a point
# $\theta$ with gradient $g$ and Hessian $H$:
#
# | measure | definition | at a minimum ≈ |
# |---|---|---|
# | Keskar ε-sharpness | $\max_{|z_i| \le \varepsilon(|\theta_i|+1)} L(\theta+z) - L(\theta)$, ×100/(1+L) | box corner, curvature-weighted |
# | worst random | $\max_k L(\theta + \rho u_k) - L(\theta)$, $u_k$ random unit | between the two below |
# | average random | $\operatorname{mean}_k L(\theta + \rho u_k) - L(\theta)$ | $\tfrac12\rho^2\,\operatorname{tr}H / P$ |
# | SAM | $L(\theta + \rho g/\|g\|) - L(\theta)$ | $\rho\|g\| + \tfrac12\rho^2\hat g^\top H\hat g$ |
# | $\lambda_{\max}$, trace | eigenvalues of $H$ | the worst direction gives $\tfrac12\rho^2\lambda_{\max}$ |
#
# `sharpness.sharpness_report` computes all of them at once (Lanczos on cached Hessian-vector products for
# $\lambda_{\max}$). We train a small network on noisy two moons with full-batch gradient descent, from three
# random initialisations at once (`run_many` batches their gradients), and look at the first.

# %%
X, y = data.two_moons(300, noise=0.3, rng=0)
X_train, X_test, y_train, y_test = data.train_test_split(X, y, test_frac=0.5, rng=0)
net = MLP(X_train, y_train, hidden=(16,), activation="tanh", loss="cross_entropy")
starts = np.array([net.init(seed) for seed in (0, 1, 2)])
full_batch = optimizers.run_many(net, [optimizers.gd()] * 3, starts, steps=150, lrs=0.5)
theta_gd = full_batch[0].final_theta
rep = sharpness.sharpness_report(net, theta_gd, eps=1e-3, rho=0.05, rng=0)
for k, v in rep.as_dict().items():
    print(f"{k:>16}: {v:.4g}")

# %% [markdown]
# **Predict:** the network has $P = 65$ parameters. Should the *worst* of 100 random directions come close to the
# worst direction overall, $\tfrac12\rho^2\lambda_{\max}$?

# %%
worst_possible = 0.5 * rep.rho**2 * rep.lambda_max
mean_curvature = 0.5 * rep.rho**2 * rep.trace / net.dim
print(f"½ρ²λ_max = {worst_possible:.2e}; worst random = {rep.worst_random:.2e}; "
      f"average random = {rep.average_random:.2e}; ½ρ²·tr/P = {mean_curvature:.2e}")
assert rep.average_random < rep.worst_random < worst_possible
assert np.isclose(rep.average_random, mean_curvature, rtol=0.5)   # third-order terms and sampling noise
assert rep.worst_random < 0.6 * worst_possible

# %% [markdown]
# Random directions see the *average* curvature: in 65 dimensions a random direction is almost orthogonal to the
# top eigenvector. The source material measures "empirical sharpness" as the maximum over random directions
# — that systematically underestimates the worst case, and more so the more parameters there are. Keskar's box
# search and SAM's gradient step *search* for a bad direction instead. (The source also calls
# $L(\theta + \rho g/\|g\|)$ itself the "sharpness"; it is the perturbed loss — subtract $L(\theta)$.)
#
# Explore the radius $\rho$ and the box size $\varepsilon$: the left panel shows the loss along the top eigenvector
# and along a random direction.

# %%
SharpnessExplorer(net, {"full-batch GD": theta_gd})

# %% [markdown]
# ## 3. Small batch vs large batch (Keskar et al. 2017, in miniature)
#
# Keskar et al. trained the same networks with small and with large minibatches and found the large-batch
# solutions sharper and worse on test data. Here: the same network and data, the same learning rate and number
# of steps, minibatches of 8 against the full batch, three seeds. A third column previews section 5: SAM
# on the same minibatches.
#
# **Predict:** which runs end at the largest $\lambda_{\max}$?

# %%
runs = {
    "SGD, batch 8": optimizers.run_many(net, [optimizers.gd()] * 3, starts, steps=150, lrs=0.5, batch_size=8, rng=0),
    "GD, full batch": full_batch,
    "SAM ρ=0.1, batch 8": optimizers.run_many(net, [optimizers.sam(rho=0.1)] * 3, starts, steps=150, lrs=0.5,
                                              batch_size=8, rng=0),
}
table = {}
for name, trajs in runs.items():
    thetas = [t.final_theta for t in trajs]
    table[name] = {
        "lambda_max": np.array([curvature.lambda_max(net, t) for t in thetas]),
        "train_acc": np.array([net.accuracy(t) for t in thetas]),
        "test_acc": np.array([net.accuracy(t, X_test, y_test) for t in thetas]),
    }
print(f"{'':>20} {'λ_max (mean ± sd)':>20} {'train acc':>10} {'test acc (mean ± sd)':>22}")
for name, row in table.items():
    lam, te = row["lambda_max"], row["test_acc"]
    print(f"{name:>20} {lam.mean():>12.3f} ± {lam.std():.3f} {row['train_acc'].mean():>10.3f}"
          f" {te.mean():>14.3f} ± {te.std():.3f}")

# %%
sb, lb, sam_row = table["SGD, batch 8"], table["GD, full batch"], table["SAM ρ=0.1, batch 8"]
assert sb["lambda_max"].max() < lb["lambda_max"].min()          # every small-batch run is flatter
assert np.all(sam_row["lambda_max"] < sb["lambda_max"])          # SAM flatter than SGD, seed by seed
gap = lb["test_acc"].mean() - sb["test_acc"].mean()
assert abs(gap) < 0.05                                           # ...but no test-accuracy gap to speak of
print(f"test accuracy, full batch minus small batch: {gap:+.3f}")

# %% [markdown]
# What the miniature shows, honestly: the **sharpness** ordering is robust — every small-batch run ends flatter
# than every full-batch run, and SAM flatter still. The **test accuracy** barely differs: on a 2-D toy problem
# with 150 training points all these solutions draw nearly the same boundary. Keskar et al.'s generalization gap
# appears with large networks, large data sets and very large batches; flatness is not, by itself, a guarantee
# (section 6 shows one reason).

# %% [markdown]
# ## 4. The stability threshold and the edge of stability
#
# On a quadratic $L = \tfrac12\theta^\top H\theta$, one step of gradient descent multiplies the component of
# $\theta$ along eigenvector $i$ by $1 - \eta\lambda_i$. It shrinks iff $|1 - \eta\lambda_i| < 1$, i.e.
# $0 < \eta < 2/\lambda_i$; so GD converges exactly when
#
# $$\eta < \frac{2}{\lambda_{\max}} .$$
#
# **Predict:** the quadratic below has eigenvalues 1 and 10. What happens at $\eta = 0.19$? At $\eta = 0.21$?

# %%
quad = Quadratic.from_eigenvalues([1.0, 10.0], angle=np.pi / 6)
threshold = sharpness.gd_stability_threshold(quad.hessian(np.zeros(2)))
below = optimizers.run(quad, optimizers.gd(), [1.5, 0.6], steps=200, lr=0.95 * threshold)
above = optimizers.run(quad, optimizers.gd(), [1.5, 0.6], steps=200, lr=1.05 * threshold)
print(f"2/λ_max = {threshold:.3f}")  # NBVAL_CHECK_OUTPUT
print(below.message, "|", above.message)
assert below.final_loss < 1e-6 * below.losses[0] and above.final_loss > 1e3 * above.losses[0]

# %%
StabilityExplorer()

# %% [markdown]
# A neural network is not a quadratic, and its $\lambda_{\max}$ changes as it trains. Cohen et al. (2021) found that
# under full-batch GD the sharpness first **rises** (progressive sharpening) until it reaches $2/\eta$, then
# **hovers** there while the loss keeps falling, non-monotonically — the "edge of stability". The quadratic model
# predicts divergence; the network instead moves to where it can survive. Their setting favours the MSE loss; so does
# ours: a 2-16-1 tanh network on 100 points of two moons, MSE, $\eta = 0.4$ (so $2/\eta = 5$), $\lambda_{\max}$ by
# Lanczos every 25 steps.

# %%
X_eos, y_eos = data.two_moons(100, noise=0.2, rng=0)
eos_net = MLP(X_eos, y_eos.astype(float), hidden=(16,), activation="tanh", loss="mse")
eos = sharpness.sharpness_during_training(eos_net, eos_net.init(0), steps=400, lr=0.4, every=25)
crossing = eos.first_crossing(0.9, start=25)
after = eos.lambda_max[eos.steps >= crossing]
print(f"λ_max at step 25: {eos.lambda_max[1]:.2f}; first ≥ 0.9·2/η at step {crossing}; "
      f"afterwards between {after.min():.2f} and {after.max():.2f} (2/η = {eos.threshold:g})")
assert eos.lambda_max[1] < 0.8 * eos.threshold                   # starts well below 2/η ...
assert crossing is not None                                      # ... rises to it ...
assert np.all((after > 0.8 * eos.threshold) & (after < 1.3 * eos.threshold))   # ... and hovers around it
assert not eos.trajectory.diverged and eos.trajectory.final_loss < 0.7 * eos.trajectory.losses[25]

# %%
fig, (ax1, ax2) = plotting.new_figure(1, 2, figsize=(10, 3.6))
ax1.plot(eos.steps, eos.lambda_max, marker="o", color="#D55E00", label=r"$\lambda_{\max}$ (Lanczos)")
ax1.axhline(eos.threshold, color="black", linestyle="--", label=r"$2/\eta$")
ax1.legend()
plotting.label_axes(ax1, "Sharpness rises to 2/η and hovers", "step", r"$\lambda_{\max}$")
ax2.semilogy(eos.trajectory.losses, color="#0072B2")
plotting.label_axes(ax2, "Training loss (MSE) keeps falling", "step", "loss (log scale)")
fig

# %% [markdown]
# (The first point, at initialisation, sits above $2/\eta$: the first few steps overshoot and throw the network to
# a flatter region — a "catapult" — before progressive sharpening begins. The edge of stability appears here for
# the three seeds we tried at $\eta = 0.4$; with $\eta \le 0.2$ the rise is slow and $2/\eta$ is not reached in a few
# hundred steps, and with $\eta = 0.6$ some initialisations diverge within the first steps.)

# %% [markdown]
# ## 5. Sharpness-aware minimization (SAM)
#
# SAM (Foret et al. 2021) minimizes the worst loss in a ball, $\max_{\|\varepsilon\| \le \rho} L(\theta+\varepsilon)$.
# The inner maximum is approximated to first order by $\hat\varepsilon = \rho\, g/\|g\|$, and the step uses the
# gradient **at the perturbed point**:
#
# $$\hat\varepsilon = \rho\frac{\nabla L(\theta)}{\|\nabla L(\theta)\|},\qquad
#   \theta \leftarrow \theta - \eta\,\nabla L(\theta + \hat\varepsilon).$$
#
# Two gradients per step. `optimizers.sam(base, rho, adaptive=False, m=None)` wraps any update rule; `adaptive=True`
# is ASAM (Kwon et al. 2021), which scales the ball by $|\theta| + \eta$; `m` computes one perturbation per chunk of
# $m$ examples ("m-sharpness").
#
# **Predict:** both start at the white dot. Gradient descent's path grazes the notch. Where does SAM go?

# %%
sam_explorer = SAMExplorer(rho=0.2, lr=1 / 32, steps=300)   # GD and SAM(ρ = 0.2) from (−2, −1.1), η = 1/32
st = sam_explorer.state
print(f"GD ends in the {st.gd_basin} minimum; SAM ends in the {st.sam_basin} minimum")  # NBVAL_CHECK_OUTPUT
assert (st.gd_basin, st.sam_basin) == ("sharp", "flat")
L2 = sam_explorer.landscape
assert st.gd_loss < 1e-6 and st.sam_loss < 1e-3            # both reach a minimum of L (equal depth 0)

# %% [markdown]
# The look-ahead point $\theta + \hat\varepsilon$ lands beyond the notch's rim, so SAM follows the bowl. Try the
# ρ slider: small ρ (below about the notch's width 0.25) and SAM falls into the notch like GD; very large ρ and SAM
# **stalls near the rim** — its fixed points solve $\nabla L(\theta+\hat\varepsilon) = 0$, which is not the same as
# $\nabla L(\theta) = 0$. SAM is a heuristic for a min-max problem, not a guarantee.

# %%
sam_explorer

# %% [markdown]
# On the network (section 3's table): SAM with $\rho = 0.1$ on the same minibatches ended at a smaller
# $\lambda_{\max}$ than SGD for every seed, with the same test accuracy to within the seed-to-seed spread.

# %% [markdown]
# ## 6. The caveat: sharpness depends on the parameterization (Dinh et al. 2017)
#
# A ReLU is positively homogeneous: $\mathrm{relu}(\alpha z) = \alpha\,\mathrm{relu}(z)$ for $\alpha > 0$. So
# $(W_1, b_1, W_2) \to (\alpha W_1, \alpha b_1, W_2/\alpha)$ gives **the same function** — the same predictions on
# every input, the same training and test loss. But the curvature along $W_1$ scales like $1/\alpha^2$ and along
# $W_2$ like $\alpha^2$.
#
# **Predict:** at $\alpha = 4$, does $\lambda_{\max}$ go up, down, or stay?

# %%
relu = MLP(X_train, y_train, hidden=(16,), activation="relu", loss="cross_entropy")
theta_relu = optimizers.run(relu, optimizers.gd(), relu.init(0, scheme="he"), steps=150, lr=0.5).final_theta
d = surfaces.random_directions(relu, theta_relu, rng=0, n=1, norm="none")[0]
rows = {}
for alpha in (0.25, 1.0, 4.0):
    t = sharpness.rescale_relu_network(relu, theta_relu, alpha)
    rows[alpha] = dict(loss=relu.loss(t), pred=relu.predict(t, X_test), lam=curvature.lambda_max(relu, t),
                       trace=sharpness.hessian_trace(relu, t)[0],
                       slice=surfaces.slice_1d(relu, t, surfaces.filter_normalize(d, t, relu)).losses)
    print(f"α = {alpha:4}: loss {rows[alpha]['loss']:.6f}, λ_max {rows[alpha]['lam']:.3f}, trace {rows[alpha]['trace']:.3f}")

# %%
ref = rows[1.0]
for alpha in (0.25, 4.0):
    r = rows[alpha]
    assert abs(r["loss"] - ref["loss"]) < 1e-12 and np.allclose(r["pred"], ref["pred"], rtol=0, atol=1e-12)
    assert r["lam"] > 2 * ref["lam"] and r["trace"] > 2 * ref["trace"]   # much "sharper", same function
    assert np.allclose(r["slice"], ref["slice"], rtol=1e-9)             # the filter-normalized slice is unchanged

# %% [markdown]
# Both $\alpha = 4$ and $\alpha = 1/4$ make the *same* network several times "sharper" by $\lambda_{\max}$ and the
# trace. So a sharpness number alone cannot explain generalization: it must be measured in a way that respects
# the symmetries of the network. Filter-normalized slices (chapter 2) do, because they scale each direction with
# the weights; so does ASAM's adaptive ball. Move α below: the loss and the filter-normalized slice stay put, the
# Hessian measures and the raw slice do not.

# %%
ReparameterizationExplorer(relu, theta_relu)

# %% [markdown]
# ## Summary
#
# - Near a minimum the loss rises like $\tfrac12\lambda\delta^2$: a sharp minimum is more sensitive to a shifted
#   test loss — the intuition behind "flat minima generalize".
# - Sharpness has many definitions. Random directions measure the *average* curvature ($\operatorname{tr}H/P$);
#   worst-case measures (Keskar's box, SAM's step, $\lambda_{\max}$) find the sharp direction.
# - In miniature, small-batch SGD and SAM end at flatter points than full-batch GD — robustly; the test accuracy
#   gap of the large-scale experiments does not show up on a toy problem.
# - GD on a quadratic is stable iff $\eta < 2/\lambda_{\max}$; on a network, full-batch GD drives $\lambda_{\max}$
#   up to $2/\eta$ and stays at the edge of stability.
# - SAM steps with the gradient at $\theta + \rho g/\|g\|$ and avoids narrow minima — but its fixed points are
#   not always minima.
# - Sharpness is not invariant to reparameterization (Dinh et al.): the same ReLU network can be made as sharp as
#   we like. Use scale-aware measures.
#
# **Exercises:** [`../exercises/05_sharpness_and_sam_exercises.ipynb`](../exercises/05_sharpness_and_sam_exercises.ipynb)
# — one SAM step, ε-sharpness by random sampling, the $2/\eta$ threshold for a given Hessian, and a reparameterized
# network's invariance.
