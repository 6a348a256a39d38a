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
# # Chapter 7 — Diagnosing training through the landscape
#
# The capstone. Chapters 1–6 built a vocabulary for the shape of a loss: curvature and conditioning, saddles
# and plateaus, sharp and flat minima, valleys that connect. This chapter turns it around: **given a training
# run that misbehaves, what is the landscape doing, and what do you change?**
#
# **By the end of this chapter you can**
#
# 1. run a learning-rate range test (and tell Smith's from fastai's), read a learning rate off it, explain why
#    its bottom overshoots the stability limit $2/\lambda_{\max}$ — and why a rate ten times the suggestion can
#    still train better (the catapult);
# 2. measure per-layer gradient norms and activation spreads and say, with *relative* measures, whether a deep
#    network's gradients vanish, explode or flow — which initialization fixes it (He et al. 2015 in miniature),
#    and why skip connections need scaled or zero-initialized branches;
# 3. show why a cliff throws gradient descent far away and why clipping the gradient's norm does not;
# 4. compare learning-rate schedules on a noisy non-convex problem;
# 5. measure how standardizing inputs lowers $\lambda_{\max}$ and the condition number, and speeds training — and
#    show that batch normalization allows larger learning rates while *raising* $\lambda_{\max}$ at initialization
#    (scale invariance, not a flatter Hessian);
# 6. run a checklist of cheap tests on a failing run, then go from a symptom to its landscape to its remedy —
#    and diagnose four mystery runs in the exercises.

# %%
# %matplotlib widget
import numpy as np

from course_utils import curvature, data, diagnostics, functions, optimizers, plotting
from course_utils.randomness import default_rng
from course_utils.models import MLP, LinearRegression, Quadratic
from course_utils.widgets import GradientFlowExplorer

# %% [markdown]
# ## 1. The learning-rate range test
#
# Chapter 5 showed that gradient descent on a quadratic is stable exactly when $\eta < 2/\lambda_{\max}$. On a
# network we rarely know $\lambda_{\max}$, and it changes during training. A **range test** finds a learning rate
# empirically in one short run: start tiny, raise $\eta$ as training goes, and record how the run responds. Two
# versions are in use, and they are worth telling apart:
#
# * **Smith's LR range test** (Smith 2017, *Cyclical learning rates for training neural networks*) raises $\eta$
#   *linearly* over a few epochs and plots the **accuracy** against $\eta$. It picks *two* numbers, the bounds of a
#   cyclical schedule: the rate where the accuracy starts to rise, and the rate where it slows, turns ragged or
#   falls (or, as his rule of thumb, a lower bound a third or a quarter of the upper one).
# * **fastai's learning-rate finder** (`lr_find`) — the version most libraries ship, and the one implemented in
#   `diagnostics.lr_range_test` — multiplies $\eta$ by a constant factor every step,
#   $\eta_t = \eta_{\min}(\eta_{\max}/\eta_{\min})^{t/(T-1)}$, so that every decade gets as many steps; it records
#   the **loss**, stops once the loss exceeds four times its best, and suggests *one* rate: about **a decade below
#   the bottom** of the curve.
#
# The curve is flat (steps too small to matter), then falls, then bottoms out and blows up.
#
# **Predict first.** On a quadratic with $\lambda_{\max} = 10$ (so $2/\lambda_{\max} = 0.2$), at which $\eta$
# will the sweep's loss bottom out: below 0.2, at 0.2, or above?

# %%
q = Quadratic(np.diag(np.logspace(-1, 1, 8)))                 # eigenvalues 0.1 … 10
sweep_q = diagnostics.lr_range_test(q, np.ones(8), lr_min=1e-3, lr_max=1e3, steps=150)
print(f"quadratic: 2/λ_max = 0.2, loss bottoms out at η = {sweep_q.lr_at_min:.2f}, "
      f"suggested η = {sweep_q.suggested_lr:.3f}")
assert sweep_q.lr_at_min > 0.2 > sweep_q.suggested_lr

# %% [markdown]
# Above. When $\eta$ crosses $2/\lambda_{\max}$ the top mode starts to grow by $|1 - \eta\lambda_{\max}| > 1$ per step
# — but it grows from the tiny amplitude that all the earlier, stable steps left it, so it takes a while to
# dominate the loss. The sweep's bottom therefore *overshoots* the stability limit; a decade below the bottom is
# safely inside it. Now the same test on a network, with $\lambda_{\max}$ at initialization (Lanczos, from
# `course_utils.curvature`) for comparison.

# %%
X, y = data.two_moons(128, noise=0.15, rng=0)
net = MLP(X, y, hidden=(16,), activation="tanh", loss="cross_entropy")
theta0 = net.init(0)
lam0 = curvature.lambda_max(net, theta0)
sweep = diagnostics.lr_range_test(net, theta0, lr_min=1e-3, lr_max=1e3, steps=120)
print(f"MLP: 2/λ_max at init = {2 / lam0:.2f}; {sweep.message}")
assert sweep.suggested_lr < 2 / lam0 < sweep.lr_at_min

# %%
fig, ax = plotting.new_figure(figsize=(6.4, 3.8))
ax.semilogx(sweep.lrs, sweep.losses, **plotting.series_styles(1)[0], markevery=10, label="loss after the step")
ax.plot(sweep.lr_at_min, sweep.smoothed.min(), linestyle="none", marker="v", markersize=11, color="k",
        markerfacecolor="w", markeredgewidth=1.8, zorder=5, label=f"bottom of the curve (η = {sweep.lr_at_min:.3g})")
ax.axvline(2 / lam0, color="k", linestyle="--", label=r"$2/\lambda_{\max}$ at initialization")
ax.axvline(sweep.suggested_lr, color="0.4", linestyle=":", label="suggested η (a decade below the bottom)")
ax.legend(fontsize="small")
plotting.label_axes(ax, "Learning-rate range test on a 2-16-1 MLP", "learning rate η (log scale)", "training loss")
fig

# %% [markdown]
# Does the suggestion train well? Two hundred steps at the suggested rate and at a tenth of it:

# %%
finals, curves = {}, {}
for factor in (0.1, 1.0):
    run = optimizers.run(net, optimizers.gd(), theta0, steps=200, lr=factor * sweep.suggested_lr)
    finals[factor], curves[factor] = run.final_loss, run.losses
    print(f"η = {factor:>4} × suggested: final loss {run.final_loss:.3f}")
caught_up = curves[1.0] <= finals[0.1]
catch_up = int(np.argmax(caught_up))  # the first step at which the suggested rate is as low as the timid one at 200
print(f"the suggested rate reaches the timid rate's 200-step loss after {catch_up} steps")
assert caught_up.any() and catch_up <= 30  # ten times the rate, about ten times as fast

# %% [markdown]
# The suggested rate gets as far in about 20 steps as the timid one in 200: while both are stable, gradient descent
# with a ten times larger rate follows nearly the same path ten times as fast. (Their *final* losses can end up
# close when both have reached the same slow stretch of the landscape, so the final loss alone would be a noisy
# measure of the speed-up.)
#
# And ten times the suggestion — about five times *above* $2/\lambda_{\max}$ at initialization, at the bottom of
# the sweep — ends lower still. Chapter 5's stability rule says it should blow up. It does, at first; then it
# recovers. This is the **catapult** (Lewkowycz et al. 2020, who analysed wide networks on the squared loss; this
# cross-entropy network behaves the same way) behind chapter 5's edge of stability: while the step is
# too large for the curvature, the loss grows along the sharpest direction, and the large gradients that come with
# it move the weights to a region where $\lambda_{\max}$ is small enough for the step; there the loss falls. Watch
# $\lambda_{\max}$ along the run:

# %%
eta_big = 10 * sweep.suggested_lr
run_big = optimizers.run(net, optimizers.gd(), theta0, steps=200, lr=eta_big)
probe_steps = np.array([0, 2, 4, 6, 10, 20, 50, 100, 200])
lam_path = np.array([curvature.lambda_max(net, run_big.thetas[k], tol=1e-4) for k in probe_steps])
peak = int(np.argmax(run_big.losses))
print(f"η = {eta_big:.3g}, 2/η = {2 / eta_big:.3f}: the loss rises from {run_big.losses[0]:.3f} to "
      f"{run_big.losses[peak]:.3g} at step {peak}, then falls to {run_big.final_loss:.2g}; λ_max falls from "
      f"{lam_path[0]:.3f} ({lam_path[0] * eta_big / 2:.1f} × 2/η) to {lam_path[-1]:.3f} ({lam_path[-1] * eta_big / 2:.2f} × 2/η)")
assert lam_path[0] > 3 * 2 / eta_big                                   # unstable by chapter 5's rule at the start,
assert peak <= 10 and run_big.losses[peak] > 5 * run_big.losses[0]    # so the loss is catapulted up early,
assert lam_path[-1] < 1.5 * 2 / eta_big and lam_path[-1] < lam_path[0] / 3   # the curvature falls to about 2/η,
assert run_big.final_loss < 0.7 * finals[1.0]                          # and the run ends below the suggestion's

# %%
fig, (ax1, ax2) = plotting.new_figure(1, 2, figsize=(10.5, 3.8))
styles = plotting.series_styles(2)
steps_axis = np.arange(len(run_big.losses))
ax1.semilogy(steps_axis, curves[1.0], **styles[0], markevery=20, label=f"suggested η = {sweep.suggested_lr:.3g}")
ax1.semilogy(steps_axis, run_big.losses, **styles[1], markevery=20, label=f"10 × suggested, η = {eta_big:.3g}")
ax1.plot(peak, run_big.losses[peak], linestyle="none", marker="^", markersize=10, color="k", markerfacecolor="w",
         label="the catapult's peak")
ax1.legend(fontsize="small")
plotting.label_axes(ax1, "training loss", "step", "loss (log scale)")
ax2.semilogy(probe_steps, lam_path, **styles[1], label=r"$\lambda_{\max}$ along the 10 × run")
ax2.axhline(2 / eta_big, color="k", linestyle="--", label=r"stability limit $2/\eta$")
ax2.legend(fontsize="small")
plotting.label_axes(ax2, "sharpness along the 10 × run", "step", r"$\lambda_{\max}$ of the Hessian (log scale)")
fig

# %% [markdown]
# Over fourteen data sets and initializations we measured (seeds 0–12 and a perturbed run), the loss always shot
# up 14- to 50-fold within the first six steps, and $\lambda_{\max}$ always fell from about five times $2/\eta$ to
# at most $1.1 \times 2/\eta$ (often far below) — and the 10× run ended below the suggestion every time. This is
# specific to losses that can *reduce their own curvature* when pushed, as cross-entropy networks do; on a
# quadratic $\lambda_{\max}$ is fixed and the same rate simply diverges. So read the range test for what it is: a
# measurement of *this* landscape along *this* path. "A decade below the bottom" is a deliberately conservative
# default, the safe end of a short search — not a law, and not an upper bound on what can train.
#
# ### Warm-up: let the curvature fall before the step grows
#
# Push the same network further, to $\eta = 30$ — some fourteen times $2/\lambda_{\max}$ at initialization. From
# the first step the catapult is now violent, and where it throws the weights is a lottery: over the fourteen
# data sets and initializations we measured (seeds 0–12 and a perturbed run) the loss always shot up past 50, and
# the run ended anywhere from $10^{-5}$ to above its starting loss (in seven of the fourteen, worse than chance, $\ln 2$).
# A **linear warm-up** (Goyal et al. 2017, for large-batch training of residual networks) raises the rate from
# nearly zero to the same $\eta$ over the first 150 steps. The mechanism, measured by Gilmer et al. (2021, *A loss
# curvature perspective on training instability in deep learning*): early in training $\lambda_{\max}$ is high
# and falls as training proceeds, so small early steps let the network reach flatter ground *before* the step
# is large. **Predict first:** will $\lambda_{\max}$ stay below $2/\eta_t$ all the way through the warm-up?

# %%
eta_target, warm = 30.0, 150
def warmup(t):  # any callable t -> η_t is a schedule: η_t rises linearly to eta_target over `warm` steps
    return eta_target * np.minimum(1.0, (np.asarray(t) + 1.0) / warm)

wu_runs = {"no warm-up": optimizers.run(net, optimizers.gd(), theta0, steps=300, lr=eta_target),
           f"warm-up ({warm} steps)": optimizers.run(net, optimizers.gd(), theta0, steps=300, lr=warmup)}
cold, warmed = wu_runs.values()
wu_probes = np.array([0, 10, 20, 30, 45, 60, 80, 100, 125, 150, 200, 300])
wu_lam = np.array([curvature.lambda_max(net, warmed.thetas[k], tol=1e-4) for k in wu_probes])
settled = {name: float(np.median(r.losses[-50:])) for name, r in wu_runs.items()}
for name, r in wu_runs.items():
    print(f"{name:>30}: highest loss {r.losses.max():.3g}, median loss over the last 50 steps {settled[name]:.2g}")
print(f"λ_max along the warm-up run: {wu_lam[0]:.3f} at the start ({wu_lam[0] * eta_target / 2:.0f} × 2/η), "
      f"{wu_lam[wu_probes == warm][0]:.2g} at the end of the warm-up, {wu_lam[-1]:.2g} at step 300; 2/η = {2 / eta_target:.3f}")
assert wu_lam[0] > 5 * 2 / eta_target                 # the target rate is far too large for the starting curvature,
assert cold.losses.max() > 2 * warmed.losses.max()    # so without warm-up the catapult is much more violent,
assert settled[f"warm-up ({warm} steps)"] < 0.2   # with warm-up the run always trains,
assert wu_lam[-1] < 0.5 * wu_lam[0]                   # and it ends where the curvature has fallen

# %%
fig, (ax1, ax2) = plotting.new_figure(1, 2, figsize=(10.5, 3.8))
wu_styles = plotting.series_styles(2)
for (name, r), style in zip(wu_runs.items(), wu_styles):
    ax1.semilogy(np.arange(len(r.losses)), r.losses, **style, markevery=30, label=name)
ax1.axvline(warm, color="0.4", linestyle=":", label="end of warm-up")
ax1.legend(fontsize="small", loc="lower left", bbox_to_anchor=(0.0, 0.1))
plotting.label_axes(ax1, f"training loss at η = {eta_target:g}", "step", "loss (log scale)")
t_axis = np.arange(301)
ax2.semilogy(t_axis, 2 / warmup(t_axis), color="k", linestyle="--", label=r"stability limit $2/\eta_t$")
ax2.semilogy(wu_probes, wu_lam, **wu_styles[1], label=r"$\lambda_{\max}$ along the warm-up run")
ax2.axhline(wu_lam[0], color="0.4", linestyle=":", label=r"$\lambda_{\max}$ at initialization")
ax2.legend(fontsize="small")
plotting.label_axes(ax2, "sharpness during the warm-up", "step", r"$\lambda_{\max}$ and $2/\eta_t$ (log scale)")
fig

# %% [markdown]
# No — and that is the honest picture of warm-up on this network. Early on, while $\eta_t$ is small, the curvature
# barely moves; once $\eta_t$ passes $2/\lambda_{\max}$ (around step 10) the run is unstable by chapter 5's rule,
# and small catapults (the loss rises to about 10, not 85) push $\lambda_{\max}$ down step by step: it follows the
# falling limit $2/\eta_t$ from above, within a factor of a few — the edge-of-stability behaviour of chapter 5 —
# until the loss drops, and then falls far below it. The run is not kept stable; it is kept from being thrown
# across the landscape at once. Over the fourteen runs we measured, the highest loss without warm-up was 3 to 10
# times the highest with it, the warmed-up run always ended with a median loss below 0.08 over its last 50 steps,
# and its $\lambda_{\max}$ ended at most about a quarter of its starting value (in half the runs a hundredth or less). Warm-up is thus a
# cheap way to reach a rate the starting curvature forbids; it is standard for transformers and large-batch
# training, where the starting sharpness is high.
#
# ## 2. Vanishing and exploding gradients
#
# Backpropagation multiplies the error signal by $W_\ell^\top \operatorname{diag}(\phi'(z_\ell))$ once per layer.
# If each factor shrinks the signal a little, the product over 30 layers shrinks it a lot: the layers near the
# input receive (almost) no gradient and the loss sits on a **plateau**. If each factor grows it, gradients
# explode. Initialization sets the factor: with $n$ inputs per unit, Xavier (Glorot & Bengio 2010) draws
# weights with variance $2/(n_{in}+n_{out}) \approx 1/n$, He et al. (2015) with $2/n$ — the factor 2 compensates
# for ReLU zeroing half its inputs. The naive $\mathcal N(0, 1)$ has variance $n$ times too large.
#
# **Predict first.** A 30-layer ReLU network, width 16: which initialization keeps the signal alive to the last
# layer — naive, Xavier or He?

# %%
depth = 30
flows = {scheme: diagnostics.gradient_flow(depth, scheme=scheme, activation="relu") for scheme in ("normal", "xavier", "he")}
for scheme, flow in flows.items():
    print(f"{scheme:>7}: {flow.message}")
xavier_vs_he = np.median(flows["xavier"].grad_norms / flows["he"].grad_norms)
print(f"Xavier's gradient / He's, median over the layers: {xavier_vs_he:.1e}   (2^-15 = {2.0**-15:.1e})")
assert flows["xavier"].verdict == "vanishing" and flows["he"].verdict == "healthy" and flows["normal"].verdict == "exploding"
assert flows["xavier"].activation_std[-1] < 1e-3 * flows["he"].activation_std[-1] and xavier_vs_he < 1e-3

# %%
fig, (ax1, ax2) = plotting.new_figure(1, 2, figsize=(10, 3.8))
for (scheme, flow), style in zip(flows.items(), plotting.series_styles(3)):
    ax1.semilogy(np.arange(1, depth + 2), flow.grad_norms, label=scheme, **style)
    ax2.semilogy(np.arange(1, depth + 1), flow.activation_std, label=scheme, **style)
plotting.label_axes(ax1, f"gradient per layer ({depth} ReLU layers)", "layer (1 = input)", r"$\|\partial L/\partial W_\ell\|$")
plotting.label_axes(ax2, "activation spread per layer", "hidden layer", "std of the outputs")
ax1.legend(title="initialization", fontsize="small")
fig

# %% [markdown]
# He keeps the spread of the activations of the same order through 30 layers (at width 16 it wanders by a random
# factor, but it neither dies out nor blows up); Xavier halves the variance at every ReLU layer, so after 30
# layers the signal — forward and backward — is of the order of $2^{-15} \approx 3 \cdot 10^{-5}$ of He's; naive
# $\mathcal N(0,1)$ multiplies it instead. (A subtlety worth noticing: with Xavier the gradient is about equally
# tiny in *every* layer, not smallest at the input — the weight gradient of layer $\ell$ is the product of the
# forward signal reaching it and the backward signal reaching it, and when both shrink, their product is nearly
# the same everywhere.)
#
# **Relative, not absolute.** What size of gradient is "too small"? There is no absolute answer: it depends on the
# loss's scale, the data's units and the width, so a threshold tuned on these toys ("below $10^{-4}$") means
# nothing on your network. What carries over are *ratios within one network*, each compared with 1:
#
# * the **activation growth**, the spread of the last hidden layer's outputs over the first's — about 1 when the
#   signal keeps its size, $\ll 1$ when it dies, $\gg 1$ when it blows up;
# * the **gradient ratio** $\|\partial L/\partial W_1\| / \|\partial L/\partial W_{\text{last}}\|$ — the
#   textbook symptom when the backward signal alone shrinks or grows (it can stay near 1 while both directions
#   shrink together, as Xavier's does here — which is why the first ratio is needed too);
# * once training runs, the **update/weight ratio** $\|\Delta W_\ell\| / \|W_\ell\|$ per layer per step
#   (`diagnostics.update_ratios`; practitioners' rule of thumb is about $10^{-3}$ — folklore, not a theorem) and the
#   **fraction of dead ReLUs** per layer (`diagnostics.activation_stats`).
#
# `GradientFlow.verdict` uses only the first two: "vanishing" or "exploding" when either ratio leaves
# $[10^{-3}, 10^3]$.

# %%
for scheme, flow in flows.items():
    print(f"{scheme:>7}: activation growth {flow.activation_growth:.2g}, gradient ratio first/last "
          f"{flow.ratio:.2g} → {flow.verdict}")
assert flows["xavier"].activation_growth < 1e-3 < flows["he"].activation_growth < 1e3 < flows["normal"].activation_growth

# %% [markdown]
# ### The Gradient Flow Explorer
#
# Change the depth, the scheme and the scale. Find the depth at which Xavier starts to vanish for ReLU; switch
# to tanh (whose slope is 1 at zero, so Xavier is right for it). Then turn on skip connections with He and ReLU at
# depth 30. **Predict first:** do the skips rescue the gradient, or hurt it? Then set the residual branches to
# "× 1/√L" and to "zero-initialized".

# %%
GradientFlowExplorer()

# %% [markdown]
# ### Skip connections are not enough on their own
#
# A common claim is that skip connections let the gradient reach the input at any depth. They do remove the
# *product* of shrinking factors — each block's Jacobian is $I + \partial\,\mathrm{branch}/\partial h$ instead of
# the branch's Jacobian alone — but nothing keeps that sum's size at one. With He initialization a ReLU branch
# returns a signal about as large as its input, nearly uncorrelated with it, so each block
# $h_\ell = h_{\ell-1} + \phi(h_{\ell-1}W_\ell)$ roughly **doubles the variance**: after $L$ blocks the
# activations have grown by about $2^{L/2}$, and the gradients with them. Two standard repairs keep every block
# close to the identity:
#
# * **scale each branch** by $\alpha = 1/\sqrt{L}$, $h_\ell = h_{\ell-1} + \alpha\,\phi(\cdot)$: the variance grows by
#   $(1 + \alpha^2)$ per block, so by about $(1 + 1/L)^L < e$ over all $L$ blocks, at *any* depth;
# * **zero-initialize the last layer of each branch**, so every block starts as the identity and the branches
#   grow only as training needs them (Goyal et al. 2017 set the last batch-norm scale of each block to zero;
#   Fixup, Zhang et al. 2019, and SkipInit, De & Smith 2020, train deep residual networks without any
#   normalization this way). Here each branch is one layer, so its weights start at zero — unlike zeroing a
#   *whole* network, this is no symmetry trap: the first and last layers are random, and every branch still
#   receives a gradient.
#
# (Normalization does it a third way, below.) Thirty ReLU layers with He initialization, over three random
# draws:

# %%
blocks = depth - 1  # the first hidden layer changes the width (2 → 16) and has no skip
variants = {"no skips": {}, "skips": dict(residual=True),
            "skips, branches × 1/√L": dict(residual=True, branch_scale=1 / np.sqrt(blocks)),
            "skips, zero-initialized branches": dict(residual=True, zero_branches=True)}
res_flows = {name: [diagnostics.gradient_flow(depth, scheme="he", activation="relu", rng=k, **kw) for k in range(3)]
             for name, kw in variants.items()}
for name, fl in res_flows.items():
    g = np.concatenate([f.grad_norms for f in fl])
    a = [f.activation_std[-1] for f in fl]
    print(f"{name:>33}: ‖∂L/∂W_ℓ‖ from {g.min():.2g} to {g.max():.2g}; last layer's activation spread "
          f"{min(a):.2g} to {max(a):.2g} (3 draws)")
plain_res = res_flows["skips"]
assert all(f.activation_std[-1] > 1e3 * f.activation_std[0] and f.grad_norms.min() > 1e3 for f in plain_res)
for name in ("skips, branches × 1/√L", "skips, zero-initialized branches"):
    for f in res_flows[name]:
        assert f.activation_std[-1] < 10 * f.activation_std[0] + 10 and 1e-2 < f.grad_norms.min() <= f.grad_norms.max() < 1e2

# %% [markdown]
# Plain skips turn a healthy He network into an exploding one — every layer's gradient above $10^3$, the last
# layer's activations thousands of times the first's. Scaled or zero-initialized branches keep every gradient
# between $10^{-2}$ and $10^2$. Does that make the network *trainable*? Forty steps of gradient descent
# ($\eta = 0.1$) from three initializations each:

# %%
Xf, yf = diagnostics.flow_data()
res_train = {}
for name in ("skips", "skips, branches × 1/√L", "skips, zero-initialized branches"):
    kw = variants[name]
    model = MLP(Xf, yf, hidden=(16,) * depth, activation="relu", loss="cross_entropy", residual=True,
                branch_scale=kw.get("branch_scale", 1.0))
    starts = np.array([model.init(k, scheme="he", zero_branches=kw.get("zero_branches", False)) for k in range(3)])
    res_train[name] = optimizers.run_many(model, [optimizers.gd()] * 3, starts, steps=40, lrs=0.1)
    print(f"{name:>33}: loss at the start " + ", ".join(f"{r.losses[0]:.3g}" for r in res_train[name])
          + "; after 40 steps " + ", ".join("diverged" if r.diverged_at is not None else f"{r.final_loss:.3f}"
                                             for r in res_train[name]))
assert all(r.diverged_at is not None for r in res_train["skips"])
for name in ("skips, branches × 1/√L", "skips, zero-initialized branches"):
    assert all(r.diverged_at is None for r in res_train[name])
    assert np.median([r.final_loss for r in res_train[name]]) < 0.7 * np.log(2)   # well below chance, ln 2

# %% [markdown]
# The plain residual network starts with a loss in the thousands or more (its logits are huge) and gradient
# descent blows up at once; both repaired versions train. So the accurate statement is: **skip connections plus a
# way to keep each block near the identity** — branch scaling, zero-initialized branches or normalization — make
# depth harmless. That combination is what every deep residual network in practice uses.
#
# **Normalization, the third way.** Layer normalization (Ba et al. 2016) rescales each example's pre-activations
# in a layer to mean 0 and variance 1 across the layer's units, $\mathrm{LN}(z) = (z - \bar z)/\sqrt{s^2 +
# \epsilon}$; in a "pre-norm" residual block $h_\ell = h_{\ell-1} + \phi(\mathrm{LN}(h_{\ell-1}W_\ell + b_\ell))$
# every branch returns a signal of size about one *whatever the size of its input*. The variances then add
# instead of multiplying: after $\ell$ blocks $h_\ell$ has grown like $\sqrt{\ell}$, and since the normalization
# divides the branch's Jacobian by the size of its input, each branch's say in the backward pass shrinks like
# $1/\sqrt{\ell}$ — the effect De & Smith (2020) measured for batch normalization, obtained here per example.
# (Layer norm, not batch norm, because it treats each example on its own: a batch-normalized network's output
# for one example depends on the rest of the batch, which this course's full-batch losses would hide.)
# `MLP(..., layer_norm=True)`, plain skips, He initialization, no scaling and no zeroing, at growing depth:

# %%
ln_depths = (8, 16, 32, 64)
ln_flows = {d: [diagnostics.gradient_flow(d, scheme="he", activation="relu", residual=True, layer_norm=True, rng=k)
                for k in range(3)] for d in ln_depths}
plain_flows = {d: diagnostics.gradient_flow(d, scheme="he", activation="relu", residual=True) for d in ln_depths}
for d in ln_depths:
    g = np.concatenate([f.grad_norms for f in ln_flows[d]])
    a = [f.activation_std[-1] for f in ln_flows[d]]
    print(f"depth {d:>2}: with layer norm ‖∂L/∂W_ℓ‖ from {g.min():.2g} to {g.max():.2g}, last activation spread "
          f"{min(a):.2g} to {max(a):.2g} (3 draws; √depth = {np.sqrt(d):.1f}) — plain skips: "
          f"{plain_flows[d].grad_norms.max():.2g} and {plain_flows[d].activation_std[-1]:.2g}")
for d in ln_depths:
    for f in ln_flows[d]:   # polynomial in the depth (measured: spread ≤ 0.81 √d, largest gradient ≤ 0.9 d, smallest ≥ 0.05)
        assert f.activation_std[-1] < 1.5 * np.sqrt(d) and 1e-2 < f.grad_norms.min() <= f.grad_norms.max() < 1.5 * d
assert plain_flows[64].activation_std[-1] > 1e6 * max(f.activation_std[-1] for f in ln_flows[64])   # exponential

# %% [markdown]
# With layer normalization the last layer's activations grow like $\sqrt{L}$ and the largest gradient — the
# output layer's, which sees those activations — like $L$; no layer's gradient falls below about $0.05$. Without
# it the same skips grow by about $2^{L/2}$: $10^{13}$ and more at depth 64. Polynomial growth is harmless (a
# learning rate absorbs it; adding a learned gain, or scaling the branches as above, removes it); exponential
# growth is not. Normalization is the repair large models use (pre-norm transformers), scaled or zero-initialized
# branches the repair that needs no normalization (Fixup, SkipInit).
#
# **The plateau this produces.** Twenty layers are enough to see it, and quicker to train: take 20-layer Xavier
# and He networks, train each for 30 steps of gradient descent from eight random initialisations (one run can be
# lucky either way: a Xavier start that happens to pass a little signal, a He start that begins near a flat
# spot), and compare the typical — median — drop in the loss:

# %%
deep = MLP(Xf, yf, hidden=(16,) * 20, activation="relu", loss="cross_entropy")
plateau = {s: optimizers.run_many(deep, [optimizers.gd()] * 8, np.array([deep.init(k, scheme=s) for k in range(8)]),
                                 steps=30, lrs=0.1) for s in ("xavier", "he")}
drops = {s: np.array([run.losses[0] - run.final_loss for run in runs]) for s, runs in plateau.items()}
for s, d in drops.items():
    print(f"{s:>6}: loss drop in 30 steps, median {np.median(d):.4f} (range {d.min():.4f} to {d.max():.4f}, 8 starts)")
assert np.median(drops["xavier"]) < 5e-3                             # typically stuck on the plateau
assert np.median(drops["he"]) > 0.1                                  # typically learning
assert np.median(drops["he"]) > 100 * np.median(drops["xavier"])

# %% [markdown]
# ## 3. Cliffs and clipping
#
# Pascanu, Mikolov & Bengio (2013) found that the loss of recurrent networks has **cliffs**: narrow regions where
# it changes by a lot over a tiny distance, so the gradient is huge. A gradient step there is huge too, and
# throws the parameters far from where they were. Their remedy keeps the direction and bounds the length:
#
# $$\tilde g = g \cdot \min\!\left(1, \frac{c}{\|g\|}\right) \qquad\text{(`optimizers.clip_by_norm(base, c)`)} .$$
#
# `functions.get("cliff")` is a bowl behind a cliff: the loss drops by 20 across a face 0.5 wide (slope ≈ 40,
# against at most a few units anywhere else). **Predict first:** with $\eta = 0.1$, how far does one gradient
# step on the face carry the iterate?

# %%
cliff = functions.get("cliff")
start = [-2.0, 1.2]
plain = optimizers.run(cliff, optimizers.gd(), start, steps=80, lr=0.1)
clipped = optimizers.run(cliff, optimizers.clip_by_norm(optimizers.gd(), max_norm=1.0), start, steps=80, lr=0.1)
jump = np.linalg.norm(np.diff(plain.thetas, axis=0), axis=1)
step_clipped = np.linalg.norm(np.diff(clipped.thetas, axis=0), axis=1)
minimum = cliff.minima[0]
print(f"GD: largest step {jump.max():.2f}, landing at x = {plain.thetas[jump.argmax() + 1, 0]:.2f} "
      f"(the minimum is at x = {minimum[0]:.3f}); clipped GD: largest step {step_clipped.max():.2f}")
assert jump.max() > 2.5 and plain.thetas[jump.argmax() + 1, 0] > minimum[0] + 1.5      # thrown past the minimum
assert step_clipped.max() <= 0.1 + 1e-12 and np.all(np.diff(clipped.losses) <= 1e-12)  # bounded, always downhill
assert np.linalg.norm(clipped.final_theta - minimum) < 1e-2

# %%
fig, ax = plotting.new_figure(figsize=(7.5, 3.8))
plotting.plot_contour(ax, cliff, cliff.bounds, levels=30, minima=np.empty((0, 2)), colorbar=True)
styles = plotting.series_styles(2)
ax.axvspan(0, 0.5, facecolor="none", edgecolor="k", hatch="///", linewidth=0, zorder=2,
           label="the cliff face (0 < x < 0.5)")
plotting.plot_trajectory(ax, plain, label="gradient descent", style=styles[0])
plotting.plot_trajectory(ax, clipped, label="clipped (c = 1)", style=styles[1])
# the minimum on top of everything, larger than the trajectories' end markers (the clipped run ends on it)
ax.plot(*minimum, linestyle="none", marker="*", markersize=20, markerfacecolor="none", markeredgecolor="k",
        markeredgewidth=1.6, zorder=12, label="the minimum")
ax.legend(fontsize="small", loc="lower left")
plotting.label_axes(ax, "A cliff: gradient descent is thrown, clipped descent walks down", "x", "y")
fig

# %% [markdown]
# Gradient descent walks calmly across the plateau, lands on the face, and one step of length ≈ $\eta \cdot 40$
# carries it far past the minimum; it then has to come back. The clipped run crosses the face in short steps and
# never goes uphill. Clipping changes nothing where $\|g\| \le c$, so it costs nothing away from cliffs — which
# is why it is the standard remedy for exploding gradients in recurrent networks and transformers.

# %% [markdown]
# ## 4. Schedules
#
# With noisy gradients (minibatches; here `optimizers.noisy_gd`, gradient plus Gaussian noise), a constant
# learning rate never settles: the iterate jitters in a cloud whose size grows with $\eta$. Schedules start large
# (to move and to hop over small bumps) and end small (to settle). Five schedules, the same 300 steps and the same
# noise draws, on a rippled bowl with local minima:

# %%
wobbly, T = functions.get("wobbly", amplitude=0.3), 300
schedules = {
    "constant": optimizers.constant_schedule(0.05),
    "step": optimizers.step_schedule(0.05, every=100, factor=0.3),
    "cosine": optimizers.cosine_schedule(0.05, T),
    "warm restarts": optimizers.cosine_restarts_schedule(0.05, period=100),
    "one-cycle": optimizers.one_cycle_schedule(0.1, T),
}
n_noise = 3
runs = [optimizers.run_many(wobbly, [optimizers.noisy_gd(3.0)] * len(schedules), [1.3, -1.1], steps=T,
                            lrs=list(schedules.values()), rng=seed) for seed in range(n_noise)]
final = {name: float(np.mean([r[i].final_loss for r in runs])) for i, name in enumerate(schedules)}
# One final loss of the constant rate is one draw from the cloud it jitters in; its level is the average over time
hover = float(np.mean([r[0].losses[-100:] for r in runs]))
floor = wobbly.loss(wobbly.global_minima[0])
annealed = [name for name in schedules if name != "constant"]
in_global = np.mean([r[i].final_loss < floor + 0.05 for r in runs for i in range(1, len(schedules))])
print(f"mean final loss over {n_noise} noise seeds (global minimum {floor:.1f}):", {k: round(v, 3) for k, v in final.items()})
print(f"the constant rate hovers at a loss of {hover:.3f} (mean over its last 100 steps); "
      f"{in_global:.0%} of the {n_noise * len(annealed)} annealed runs end in the global minimum")
assert all(final[name] < hover for name in annealed)  # every annealed schedule ends below the constant rate's cloud

# %%
fig, axes = plotting.new_figure(2, 3, figsize=(12, 8.4))
glob = np.asarray(wobbly.global_minima).reshape(-1, 2)
others = np.array([m for m in np.asarray(wobbly.minima).reshape(-1, 2) if not np.any(np.all(np.isclose(m, glob), axis=1))])
for ax, (i, name), style in zip(axes.flat, enumerate(schedules), plotting.series_styles(5)):
    plotting.plot_contour(ax, wobbly, wobbly.bounds, levels=20, lines=False, resolution=61, minima=np.empty((0, 2)),
                          ylabel="y", colorbar=i in (2, 4))
    if len(others):
        ax.plot(others[:, 0], others[:, 1], linestyle="none", marker="o", markersize=4, markerfacecolor="w",
                markeredgecolor="k", zorder=8, label="local minima")
    ax.plot(glob[:, 0], glob[:, 1], linestyle="none", marker="*", markersize=16, markerfacecolor="w",
            markeredgecolor="k", zorder=9, label="global minimum")
    plotting.plot_trajectory(ax, runs[0][i], style=style, markevery=50)
    plotting.label_axes(ax, f"{name}\nseed 0 ends at {runs[0][i].final_loss:.2f}", "x")
map_handles, map_labels = axes[0, 0].get_legend_handles_labels()
bar_ax = axes[1, 2]
names = list(schedules)
means = [final[n] for n in names]
spreads = [np.std([r[i].final_loss for r in runs]) for i in range(len(names))]
bar_ax.barh(np.arange(len(names)), means, xerr=spreads, color="0.75", edgecolor="k",
            hatch=["", "//", "\\\\", "xx", ".."], label=f"mean ± s.d., {n_noise} noise seeds")
bar_ax.axvline(floor, color="k", linestyle="--", label=f"global minimum ({floor:.2f})")
bar_ax.axvline(hover, color="k", linestyle=":", label=f"constant rate's level ({hover:.2f})")
bar_ax.set_yticks(np.arange(len(names)), names)
bar_ax.invert_yaxis()
bar_handles, bar_labels = bar_ax.get_legend_handles_labels()
bar_ax.legend(bar_handles + map_handles[-2:], bar_labels + ["local minima (maps)", "global minimum (maps)"],
              fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=1)
plotting.label_axes(bar_ax, f"final loss, {n_noise} noise seeds", "final loss", "")
fig

# %% [markdown]
# The annealed schedules end at (or very near) the bottom of a basin — the global minimum's in the share of runs
# printed above, a neighbouring local minimum's in the others — while the constant rate keeps hovering well above
# the bottom and ends wherever the last noisy kick left it. (A common claim is that schedules "help converge to
# flatter regions"; that is a claim about large networks — Smith's super-convergence, Loshchilov & Hutter's
# restarts — which this 2-D miniature does not test. What it does show is the mechanism common to all of them: a
# large rate explores, a small one settles.)

# %% [markdown]
# ## 5. Normalization and conditioning
#
# Chapter 1 showed that gradient descent's speed on a quadratic is set by the condition number
# $\kappa = \lambda_{\max}/\lambda_{\min}$. For linear regression the Hessian is $\tfrac{2}{N}\tilde X^\top \tilde X$
# ($\tilde X$ with a column of ones): features with different scales or non-zero means make $\kappa$ huge.
# **Standardizing** each input, $(x - \mu)/\sigma$ — the simplest normalization layer, a fixed affine map at the
# network's entrance (Keras's `Normalization`) — removes both. **Predict first:** by how much will $\kappa$ drop?

# %%
Xr, yr = data.regression_1d(200, noise=0.1, rng=1)
X_raw = np.column_stack([Xr[:, 0] * 10 + 30, np.sin(Xr[:, 0]) + 5])            # badly scaled, off-centre features
X_std = data.standardize(X_raw)[0]
problems = {"raw": LinearRegression(X_raw, yr), "standardized": LinearRegression(X_std, yr)}
for name, model in problems.items():
    eig = np.linalg.eigvalsh(model.hessian(np.zeros(model.dim)))
    lr = 1.0 / eig[-1]
    run = optimizers.run(model, optimizers.gd(), np.zeros(model.dim), steps=500, lr=lr, tol=1e-6)
    problems[name] = (eig[-1] / eig[0], run.converged_at)
    print(f"{name:>12}: κ = {eig[-1] / eig[0]:.3g}, GD with η = 1/λ_max converges in "
          f"{run.converged_at if run.converged_at is not None else '> 500'} steps")
assert problems["raw"][0] > 1e3 * problems["standardized"][0]
assert problems["standardized"][1] is not None and problems["raw"][1] is None

# %% [markdown]
# The same holds for a network. A 2-16-1 MLP on two moons, once with the inputs shifted and stretched, once
# standardized; each trained at $\eta = 1/\lambda_{\max}$ of its own landscape:

# %%
X2, y2 = data.two_moons(128, noise=0.15, rng=0)
X2_raw = X2 * np.array([1.0, 20.0]) + np.array([10.0, -5.0])
results = {}
for name, inputs in (("raw", X2_raw), ("standardized", data.standardize(X2_raw)[0])):
    model = MLP(inputs, y2, hidden=(16,), activation="tanh", loss="cross_entropy")
    th = model.init(0)
    lam = curvature.lambda_max(model, th)
    results[name] = (lam, optimizers.run(model, optimizers.gd(), th, steps=150, lr=1.0 / lam).losses)
    print(f"{name:>12}: λ_max at init {lam:.2f}, loss after 150 steps {results[name][1][-1]:.3f}")
std_caught_up = results["standardized"][1] <= results["raw"][1][-1]
std_catch_up = int(np.argmax(std_caught_up))
print(f"the standardized network reaches the raw one's 150-step loss after {std_catch_up} steps")
assert results["standardized"][0] < 0.5 * results["raw"][0]  # a flatter top of the spectrum ...
assert std_caught_up.any() and std_catch_up <= 75             # ... and the raw run's progress in half the steps or less

# %% [markdown]
# Standardized inputs lower $\lambda_{\max}$ (so larger steps are stable) and the network gets as far in a
# fraction of the steps — typically a handful — as the raw one in all 150.
#
# ### Batch normalization: larger stable steps, but not a flatter Hessian
#
# **Batch normalization** (Ioffe & Szegedy 2015) applies the same idea inside the network: each hidden unit's
# pre-activation is standardized over the batch,
#
# $$\mathrm{BN}(z)_{ij} = \frac{z_{ij} - \mu_j}{\sqrt{\sigma_j^2 + \epsilon}}, \qquad
#   \mu_j = \tfrac1N \textstyle\sum_i z_{ij}, \quad \sigma_j^2 = \tfrac1N \sum_i (z_{ij} - \mu_j)^2 .$$
#
# On the full batch this is a deterministic function of $\theta$, so its Hessian is well defined
# (`MLP(..., batch_norm=True)`; no learned gain and shift). Deep plain networks are said to train in "long narrow
# valleys" — a few steep directions, many flat ones — and Santurkar, Tsipras, Ilyas & Mądry (2018, *How does batch
# normalization help optimization?*) argued that BN makes the landscape smoother, allowing larger learning rates.
# Read their claim precisely: they measure the loss and the gradient's change **along the gradient direction**
# during training (an "effective β-smoothness"), and, for a single BN layer, prove bounds on the gradient's size and
# on the quadratic form $\hat g^\top \hat H \hat g$ of the Hessian with respect to that layer's outputs, in the
# gradient direction — not on the parameter Hessian's largest eigenvalue everywhere. And BN makes the loss
# **scale-invariant**: $\mathrm{BN}(c\,z) = \mathrm{BN}(z)$ for $c > 0$ (up to $\epsilon$), so scaling the weights
# into a normalized layer by $c$ leaves the loss unchanged and divides that block of the Hessian by $c^2$. The
# curvature is then partly a statement about the weights' norm, and a large step, which grows the norm, lowers it
# (Arora, Li & Lyu 2019, *Theoretical analysis of auto rate-tuning by batch normalization*: the effective learning
# rate is $\eta/\|W\|^2$).
#
# The experiment: a deep, narrow tanh network (five hidden layers of 8) on 64 points of two moons, with and without
# BN, from the same weights. We measure $\lambda_{\max}$ at initialization — the Hessian there is indefinite, so we
# use $\lambda_{\max}$, the number that bounds gradient descent's stable step ($\eta < 2/\lambda_{\max}$ on a
# quadratic), rather than a condition number, which needs $\lambda_{\min} > 0$ — and the largest stable learning
# rate: on a grid from 0.1 to 100, the largest $\eta$ below which every 20-step run of gradient descent ends finite
# and below its starting loss (`diagnostics.stable_lr_sweep`), for four draws of data and weights.
#
# **Predict first.** Does BN lower $\lambda_{\max}$ at initialization? Does it raise the largest stable rate? Can
# both answers be "no, yes"?

# %%
bn_lrs = np.geomspace(0.1, 100.0, 16)
def bn_pair(k):
    Xk, yk = data.two_moons(64, noise=0.15, rng=k)
    spec = dict(hidden=(8,) * 5, activation="tanh", loss="cross_entropy")
    Xk = data.standardize(Xk)[0]
    plain_k = MLP(Xk, yk, **spec)
    return plain_k, MLP(Xk, yk, batch_norm=True, **spec), plain_k.init(default_rng(k))

sweeps = {"plain": [], "batch norm": []}
for k in range(4):
    *pair, theta_k = bn_pair(k)
    for name, model in zip(sweeps, pair):
        sweeps[name].append(diagnostics.stable_lr_sweep(model, theta_k, bn_lrs, steps=20))
plain_net, bn_net, theta_bn = bn_pair(0)
lam_bn0 = {"plain": curvature.lambda_max(plain_net, theta_bn, tol=1e-4),
           "batch norm": curvature.lambda_max(bn_net, theta_bn, tol=1e-4)}
stable = {name: np.array([s.largest_stable_lr for s in runs]) for name, runs in sweeps.items()}
for name in sweeps:
    print(f"{name:>10}: λ_max at init {lam_bn0[name]:8.2f} (2/λ_max = {2 / lam_bn0[name]:.3g}); largest stable η "
          f"over 4 draws: {np.array2string(stable[name], precision=2)}")
lr_gain = float(np.exp(np.mean(np.log(stable["batch norm"] / stable["plain"]))))
print(f"BN's largest stable η is {lr_gain:.1f}× the plain net's (geometric mean over the 4 draws)")
assert lam_bn0["batch norm"] > 2 * lam_bn0["plain"]  # BN's λ_max is larger: 4.4–580× over 13 draws + perturbed
assert lr_gain > 1.3                                  # ... yet larger rates are stable: 2.0–5.6× over the same 14

# %% [markdown]
# Both answers are "no, yes": at initialization BN's $\lambda_{\max}$ is 4 to 600 times *larger* than the plain
# network's (over 14 draws), and $2/\lambda_{\max}$ is far below the rates BN actually survives. (Santurkar et al.'s
# own measure, the gradient's change along the gradient direction, $\max_{\alpha} \|\nabla L(\theta - \alpha \hat g) -
# \nabla L(\theta)\|/\alpha$ for steps $\alpha$ from 0.01 to 1, was also larger with BN at initialization in all 13
# draws we measured off this page — 7 to 1400 against 1.0 to 2.4; their
# experiments measured it during training of convolutional networks, which this toy does not reproduce.) What
# makes the large steps safe is the scale invariance: a step that overshoots grows the weights, and the growth
# lowers the curvature until the step fits. Watch one BN run at $\eta = 10$, fifty times $2/\lambda_{\max}$:

# %%
bn_run = optimizers.run(bn_net, optimizers.gd(), theta_bn, steps=20, lr=10.0)
lam_bn_end = curvature.lambda_max(bn_net, bn_run.final_theta, tol=1e-4)
norm_growth = np.linalg.norm(bn_run.final_theta) / np.linalg.norm(theta_bn)
print(f"BN at η = 10: ‖θ‖ grew {norm_growth:.1f}×, λ_max fell from {lam_bn0['batch norm']:.3g} to {lam_bn_end:.3g} "
      f"(2/η = 0.2); loss {bn_run.losses[0]:.3f} → {bn_run.final_loss:.3f}")
assert norm_growth > 5 and lam_bn_end < lam_bn0["batch norm"] / 5  # over 14 draws: ‖θ‖ ×10–106, λ_max ÷14–3400
assert bn_run.diverged_at is None and bn_run.final_loss < bn_run.losses[0]

# %%
fig, (ax1, ax2) = plotting.new_figure(1, 2, figsize=(11.0, 3.8))
for (name, runs), style in zip(sweeps.items(), plotting.series_styles(2)):
    for j, sweep in enumerate(runs):
        finite = np.isfinite(sweep.final_losses)
        ax1.plot(sweep.lrs[finite], sweep.final_losses[finite] / sweep.initial_loss, alpha=0.8,
                 label=f"{name} (4 draws)" if j == 0 else None, **style)
ax1.axhline(1.0, color="0.4", linestyle=":", linewidth=1)
ax1.text(0.12, 1.05, "start's loss: above = unstable", fontsize=8, color="0.3")
ax1.set_xscale("log")
ax1.set_yscale("log")
plotting.label_axes(ax1, "loss after 20 GD steps (missing: blew up)", "learning rate η",
                    "final loss / initial loss")
ax1.legend(fontsize=8, loc="upper left")
names = list(lam_bn0)
ax2.bar([0, 1], [lam_bn0[n] for n in names], color=[plotting.series_styles(2)[i]["color"] for i in (0, 1)],
        hatch="", edgecolor="k")
ax2.bar([2], [lam_bn_end], color=plotting.series_styles(2)[1]["color"], hatch="//", edgecolor="k")
ax2.axhline(0.2, color="k", linestyle="--", linewidth=1, label="2/η for η = 10")
ax2.set_xticks([0, 1, 2], ["plain, init", "batch norm, init", "batch norm,\nafter 20 steps at η = 10"], fontsize=8)
ax2.set_yscale("log")
plotting.label_axes(ax2, "top Hessian eigenvalue λ_max", "", "λ_max (log scale)")
ax2.legend(fontsize=8, loc="upper right")
fig

# %% [markdown]
# **What this shows, and what it does not.** In this deep narrow network BN allows larger learning rates — the
# practical claim holds — but not by lowering $\lambda_{\max}$ at the start: its curvature is larger, and a
# large step is survived because it inflates the weights until $\lambda_{\max}$ has fallen to near $2/\eta$
# (within a factor of four, over 14 draws).
# That is the mechanism Arora, Li & Lyu (2019) proved for scale-invariant weights (the effective rate
# $\eta/\|W\|^2$ tunes itself), and Lyu, Li & Arora (2022, *Understanding the generalization benefit of
# normalization layers: sharpness reduction*) analysed how gradient descent with weight decay on such losses enters
# the edge of stability and then lowers a scale-invariant sharpness. The large-network evidence is mixed:
# Ghorbani, Krishnan & Xiao (2019, *An investigation into neural net optimization via Hessian eigenvalue density*)
# found the large isolated Hessian eigenvalues of trained networks largely absent with BN, while Karakida, Akaho &
# Amari (2019, *The normalization method for alleviating pathological sharpness in wide neural networks*) showed
# that BN in the middle layers does not remove the sharpness of wide random networks (only BN in the last layer
# does). Santurkar et al.'s smoothness is a statement along the gradient direction during training, proved
# for one BN layer in simplified settings; "BN makes the landscape flatter" as a claim about the global Hessian is
# folklore, and on this toy it is false at initialization. Treat "normalization smooths the landscape" as a
# question to measure, not a law.

# %% [markdown]
# ## 6. The table, live
#
# Here is a table of common training problems, each row linked to where this
# course demonstrates it. Read it from left to right when a run misbehaves: **symptom → landscape → remedy**.
#
# | Symptom in the curves | What the landscape is doing | Remedies | Demonstrated in |
# |---|---|---|---|
# | Loss flat from the start; activations and gradients shrink layer by layer | near-flat region (plateau) created by the signal dying through the layers | He/Xavier initialization matched to the activation; skip connections *with* scaled or zero-initialized branches, or normalization | [§2 above](#2.-Vanishing-and-exploding-gradients); [chapter 2 §6, width and skip connections](../notebooks/02_loss_geometry.ipynb#6.-Width-and-skip-connections-in-miniature) |
# | Rare huge gradient norms, loss spikes that undo progress | a cliff: a narrow, extremely steep region | gradient clipping by norm | [§3 above](#3.-Cliffs-and-clipping) |
# | Loss oscillates or explodes soon after the start | the step is too large for the curvature, $\eta > 2/\lambda_{\max}$ | lower the learning rate (range test), warm-up | [§1 above](#1.-The-learning-rate-range-test) (and its warm-up subsection); [chapter 5 §4, the stability threshold](../notebooks/05_sharpness_and_sam.ipynb#4.-The-stability-threshold-and-the-edge-of-stability) |
# | Training loss ≈ 0, test loss much higher (and rising, if you train on) | overfitting: the model fits the training set's noise — a small or noisy training set, a large model | more data or augmentation, weight decay, early stopping, a smaller model | [the checklist, §7 below](#7.-A-checklist-for-a-run-that-fails) (more data and weight decay; augmentation and early stopping are named, not demonstrated); not "a sharp minimum": $\lambda_{\max}$ compared across models says nothing ([chapter 5, Dinh et al.](../notebooks/05_sharpness_and_sam.ipynb#5.-Sharpness-aware-minimization-(SAM))) |
# | Steady but very slow progress | ill-conditioned curvature, $\kappa \gg 1$ | standardize inputs, momentum or Adam, schedules | [§5 above](#5.-Normalization-and-conditioning); [chapter 1 §4, conditioning](../notebooks/01_convexity_and_jensen.ipynb#4.-Convex-but-slow-—-conditioning); [chapter 4 §4, momentum](../notebooks/04_saddle_points.ipynb#4.-A-map-of-convergence) |
# | Long plateau, then a sudden drop | a saddle point or flat region (negative curvature, tiny gradient) | noise (SGD, perturbed GD), curvature (saddle-free Newton), a different learning rate | [chapter 4 §1–2 and §5](../notebooks/04_saddle_points.ipynb#5.-Plateaus-are-saddles); [chapter 3 §4, why saddles dominate](../notebooks/03_critical_points.ipynb#4-·-Why-saddles-dominate-in-high-dimensions) |
# | Different seeds give different results | many minima of different quality; sensitivity to the start | ensembles, regularization, simpler models, learning-rate schedules | [chapter 1 §3, basins of attraction](../notebooks/01_convexity_and_jensen.ipynb#3.-Why-convexity-makes-optimization-easy); [chapter 6, mode connectivity and ensembles](../notebooks/06_mode_connectivity.ipynb#6.-What-it-is-good-for:-ensembles-along-the-curve); [§4 above](#4.-Schedules) |
#
# Two entries often seen in such tables need correcting. One lists "layer normalization" against exploding
# gradients — the direct remedy is clipping (§3); normalization helps by keeping activations in range, which
# prevents some explosions but does not bound a step at a cliff. Another calls inconsistent training a sign of a
# "chaotic landscape"; usually it is simply a landscape with many minima of different quality (chapter 1's
# basins) plus the randomness of initialization and data order. Chapter 6 adds that the good minima different
# seeds find are often joined by low paths; an ensemble of them helps where their predictions disagree.
#
# The last row, measured: twenty runs of plain gradient descent on the rippled bowl from random starts end in
# different minima; make the ripples smaller (a "simpler", more regular landscape) and they agree.

# %%
starts = default_rng(0).uniform(-1.4, 1.4, size=(20, 2))
spread = {}
for amplitude in (0.3, 0.02):
    landscape = functions.get("wobbly", amplitude=amplitude)
    ends = optimizers.run_many(landscape, [optimizers.gd()] * 20, starts, steps=100, lrs=0.02)
    spread[amplitude] = np.std([r.final_loss for r in ends])
    print(f"ripple amplitude {amplitude}: spread (s.d.) of the 20 final losses = {spread[amplitude]:.3f}")
assert spread[0.3] > 10 * spread[0.02]

# %% [markdown]
# ## 7. A checklist for a run that fails
#
# Most failed runs are not exotic landscapes but ordinary bugs, and the landscape reading only pays once they are
# ruled out. Each check below is run twice: on a healthy set-up and on a deliberately broken one, so you see what
# the failure looks like. The data: noisy two moons, half for training and half held out.

# %%
Xc, yc = data.two_moons(200, noise=0.25, rng=3)
Xc_tr, Xc_te, yc_tr, yc_te = data.train_test_split(Xc, yc, test_frac=0.5, rng=3)
Xc_tr, mu_c, sd_c = data.standardize(Xc_tr)
Xc_te = data.standardize(Xc_te, mu_c, sd_c)[0]
clf = MLP(Xc_tr, yc_tr, hidden=(16,), activation="tanh", loss="cross_entropy")
clf_test = clf.with_data(Xc_te, yc_te)

# 1. The loss at initialization: small random logits give every class probability 1/C, so the loss is ln C.
#    A loss far above it means the outputs start large and confident — e.g. weights drawn far too wide.
loss_ok = [clf.loss(clf.init(k, scale=0.1)) for k in range(5)]
loss_wide = [clf.loss(clf.init(k, scheme="normal", scale=3.0)) for k in range(5)]
print(f"1. loss at initialization, expected ln 2 = {np.log(2):.3f}: small init {np.mean(loss_ok):.3f}, "
      f"N(0, 3²) weights (broken) {np.mean(loss_wide):.3f} (means over 5 draws)")
assert max(abs(v - np.log(2)) for v in loss_ok) < 0.02 and np.mean(loss_wide) > 1.5 * np.log(2)

# 2. Overfit one small batch: 8 examples must be fitted almost exactly, or the model/loss/data path is broken
batch = clf.subset(np.arange(8))
zero_bug = MLP(np.zeros((8, 2)), yc_tr[:8], hidden=(16,), activation="tanh", loss="cross_entropy")  # inputs lost
fit_ok = optimizers.run(batch, optimizers.adam(), batch.init(1), steps=300, lr=0.05).final_loss
fit_bug = optimizers.run(zero_bug, optimizers.adam(), zero_bug.init(1), steps=300, lr=0.05).final_loss
print(f"2. one batch of 8, 300 Adam steps: loss {fit_ok:.4f}; with the inputs lost (all zero) {fit_bug:.3f}")
assert fit_ok < 0.02 and fit_bug > 0.3 and fit_bug > 10 * fit_ok

# 3. Shuffled labels (a data-pipeline bug): the training loss barely moves, and the test accuracy is chance
shuffled = MLP(Xc_tr, default_rng(5).permutation(yc_tr), hidden=(16,), activation="tanh", loss="cross_entropy")
run_true = optimizers.run(clf, optimizers.gd(), clf.init(2), steps=300, lr=1.0)
run_shuf = optimizers.run(shuffled, optimizers.gd(), shuffled.init(2), steps=300, lr=1.0)
acc = {"true labels": clf_test.accuracy(run_true.final_theta), "shuffled": clf_test.accuracy(run_shuf.final_theta)}
print(f"3. training loss {run_true.final_loss:.3f} (true labels) vs {run_shuf.final_loss:.3f} (shuffled); "
      f"test accuracy {acc['true labels']:.2f} vs {acc['shuffled']:.2f}")
assert acc["true labels"] > 0.8 and abs(acc["shuffled"] - 0.5) < 0.2

# 4. Loss–output pairing: a sigmoid applied twice (sigmoid layer + a loss that expects logits) puts a floor under
# the loss: p = σ(σ(f)) stays in (σ(0), σ(1)) = (0.5, 0.73), so even a perfect classifier cannot go below it
logits = clf.forward_batch(run_true.final_theta[None])[0, :, 0]
sig = lambda z: 0.5 * (np.tanh(0.5 * z) + 1.0)
def bce(p, labels):
    return float(np.mean(-labels * np.log(p) - (1 - labels) * np.log(1 - p)))
floor = float(np.mean(np.where(yc_tr == 0, np.log(2), -np.log(sig(1.0)))))  # label 0: ≥ ln 2; label 1: ≥ −ln σ(1)
print(f"4. the trained network's loss {bce(sig(logits), yc_tr):.3f}; with the sigmoid applied twice "
      f"{bce(sig(sig(logits)), yc_tr):.3f} — and never below ≈ {floor:.3f} whatever the weights")
assert bce(sig(sig(logits)), yc_tr) > 2 * bce(sig(logits), yc_tr)

# %% [markdown]
# **5. Under- and overfitting.** Compare the training and held-out losses. *Underfitting*: both high and close —
# a bigger model or longer training. *Overfitting*: the training loss near zero, the held-out loss far above it
# (and rising if you train on) — more data, weight decay, early stopping. The set-up of mystery run A: a wide
# 2-64-1 network with large $\mathcal N(0, 1)$ weights, squared loss, 16 training examples — against 100
# examples, weight decay, and a linear model that underfits. (Measured over 13 data sets: 100 examples always
# lowered the held-out loss, to at most half of run A's; weight decay 0.03 lowered it in 12 of the 13, by up to
# 45 %, and in one made it 4 % worse — a regularizer's strength is itself something to tune on held-out data.)

# %%
def fit_moons(n, weight_decay=0.0, hidden=(64,)):
    model = MLP(Xc_tr[:n], yc_tr[:n], hidden=hidden, activation="tanh", loss="mse", weight_decay=weight_decay)
    run = optimizers.run(model, optimizers.momentum(0.9), model.init(1, scheme="normal"), steps=150, lr=0.006)
    plain_loss = MLP(Xc_tr[:n], yc_tr[:n], hidden=hidden, activation="tanh", loss="mse")  # without the penalty
    test = MLP(Xc_te, yc_te, hidden=hidden, activation="tanh", loss="mse")
    return plain_loss.loss(run.final_theta), test.loss(run.final_theta)

fits = {"16 examples (run A)": fit_moons(16), "100 examples": fit_moons(100),
        "16 examples, weight decay 0.03": fit_moons(16, 0.03), "linear model, 100 examples": fit_moons(100, hidden=())}
for name, (train, test) in fits.items():
    print(f"5. {name:>31}: train loss {train:.3f}, held-out loss {test:.3f}")
gap16 = fits["16 examples (run A)"][1]
assert fits["16 examples (run A)"][0] < 0.4 * gap16                     # run A: the held-out loss is far above
assert fits["100 examples"][1] < 0.75 * gap16   # more data: always (13 of 13 data sets we measured, ratio ≤ 0.5)
assert fits["linear model, 100 examples"][0] > 0.5 * fits["linear model, 100 examples"][1]   # underfit: close

# %% [markdown]
# **6. Dead ReLUs and update sizes.** A step that is far too large for a ReLU layer can push many units' inputs
# negative on every example; those units output zero, receive no gradient, and stay dead. Watch the fraction of
# dead units per layer (`diagnostics.activation_stats`) and the update/weight ratio per layer
# (`diagnostics.update_ratios`): one step at a sensible rate changes each layer by a fraction of its size, the
# broken one rewrites it many times over. **7. The first NaN.** When a run ends in NaN, find the *first* step that
# went wrong (`Trajectory.diverged_at`: the first non-finite or exploded loss) and look at the steps before it —
# not at the last, where everything is already NaN.

# %%
relu_net = MLP(Xc_tr, yc_tr, hidden=(32, 32), activation="relu", loss="cross_entropy")
theta_r = relu_net.init(4, scheme="he")
for lr in (0.5, 50.0):
    after = optimizers.run(relu_net, optimizers.gd(), theta_r, steps=1, lr=lr).final_theta
    print(f"6. one step at η = {lr:>4}: update/weight per layer {np.array2string(diagnostics.update_ratios(relu_net, after, theta_r), precision=2)}, "
          f"dead units per hidden layer {diagnostics.activation_stats(relu_net, theta_r).dead_fraction} → "
          f"{diagnostics.activation_stats(relu_net, after).dead_fraction}")
dead_before = diagnostics.activation_stats(relu_net, theta_r).dead_fraction.sum()
dead_after = diagnostics.activation_stats(relu_net, after).dead_fraction.sum()
assert dead_after > dead_before + 0.05 and diagnostics.update_ratios(relu_net, after, theta_r).min() > 1

blowup = optimizers.run(relu_net, optimizers.gd(), theta_r, steps=40, lr=20.0, explode_factor=1e3)
print(f"7. at η = 20 the loss explodes at step {blowup.diverged_at}; the losses before it: "
      f"{np.array2string(blowup.losses[: blowup.diverged_at + 1], precision=3)}")

# ## 8. The mystery runs
#
# `diagnostics.mystery_runs()` prepares four training runs that fail in four different ways. The exercise
# notebook gives you their loss curves, gradient norms per layer, the Hessian's extreme eigenvalues at the end and
# the accuracies; you write down the rules that name each run's diagnosis and remedy from a fixed vocabulary, as a
# function of the run's numbers, and `check` grades it on the runs under names it draws afresh.
#
# ## 9. Summary
#
# * The **range test** (Smith's: linear sweep, accuracy, two bounds for a cyclical schedule; fastai's: exponential
#   sweep, loss, one rate a decade below the bottom) measures where training becomes unstable along the path it
#   actually takes. Its bottom overshoots $2/\lambda_{\max}$; and a cross-entropy network can train well far
#   above $2/\lambda_{\max}$ at initialization — the catapult lowers the curvature below $2/\eta$ — so its
#   suggestion is a safe start, not a ceiling. **Warm-up** reaches a rate the starting curvature forbids: small
#   early steps let $\lambda_{\max}$ fall before the step is large.
# * **Vanishing and exploding gradients** are products of many per-layer factors; initialization sets the factor
#   (He for ReLU, Xavier for tanh). Skip connections alone do not fix it — plain residual blocks explode — but skips
#   with branches scaled by $1/\sqrt{L}$ or started at zero keep every layer's gradient of order one, and layer
#   normalization turns the exponential growth into a polynomial one. Diagnose with
#   *relative* measures: activation growth across layers, first-to-last gradient ratio, update/weight ratios,
#   dead-unit fractions.
# * At a **cliff** the gradient is huge and a step throws the iterate away; **clipping** keeps the direction and
#   bounds the length, and does nothing elsewhere.
# * With noisy gradients a constant rate never settles; **schedules** explore early and settle late.
# * **Standardizing** inputs lowers the condition number and $\lambda_{\max}$, so gradient descent takes larger,
#   more useful steps. **Batch normalization** also allows larger steps in a deep narrow network, but its
#   $\lambda_{\max}$ at initialization is *larger*: the loss is scale-invariant, an overshooting step grows the
#   weights, and the curvature falls to about $2/\eta$ (Arora, Li & Lyu 2019) — not the flatter global Hessian of
#   the folklore reading of Santurkar et al. (2018).
# * Diagnose by reading the curves as a landscape: gradient too small (plateau, saddle), too large (cliff, step
#   too large for the curvature) — and check the boring causes first (the checklist): the loss at
#   initialization, one batch overfitted, the labels, the loss–output pairing, the first NaN.
#
# **Exercises:** [07_diagnosing_training_exercises.ipynb](../exercises/07_diagnosing_training_exercises.ipynb) —
# the range test, clipping by norm, per-layer gradient norms, and the four mystery runs.
