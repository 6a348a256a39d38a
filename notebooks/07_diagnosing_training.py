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
# 1. run a learning-rate range test, read a learning rate off it, and explain why its blow-up point overshoots
#    the stability limit $2/\lambda_{\max}$;
# 2. measure per-layer gradient norms and say whether a deep network's gradients vanish, explode or flow —
#    and which initialization fixes it (He et al. 2015 in miniature);
# 3. show why a cliff throws gradient descent far away and why clipping the gradient's norm does not;
# 4. compare learning-rate schedules on a noisy non-convex problem;
# 5. measure how standardizing inputs lowers $\lambda_{\max}$ and the condition number, and speeds training;
# 6. go from a symptom to its landscape to its remedy — and diagnose four mystery runs in the exercises.

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
# network we rarely know $\lambda_{\max}$, and it changes during training. Smith's **range test** (2017) finds a
# learning rate empirically in one short run: start tiny, raise $\eta$ as training goes, and record how the run
# responds. Smith raised it linearly over a few epochs; the variant most libraries use today, and this course
# (fastai's learning-rate finder), multiplies $\eta$ by a constant factor every step,
# $\eta_t = \eta_{\min}(\eta_{\max}/\eta_{\min})^{t/(T-1)}$, so that every decade gets as many steps, and
# records the loss. The curve is flat (steps too small to matter), then falls, then bottoms out and blows up.
# fastai's rule of thumb: take $\eta$ about **a decade below the bottom**.
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
ax.axvline(2 / lam0, color="k", linestyle="--", label=r"$2/\lambda_{\max}$ at initialization")
ax.axvline(sweep.suggested_lr, color="0.4", linestyle=":", label="suggested η (a decade below the bottom)")
ax.legend(fontsize="small")
plotting.label_axes(ax, "Learning-rate range test on a 2-16-1 MLP", "learning rate η (log scale)", "training loss")
fig

# %% [markdown]
# Does the suggestion train well? Two hundred steps at the suggested rate, at a tenth of it, and at ten times it:

# %%
finals, curves = {}, {}
for factor in (0.1, 1.0, 10.0):
    run = optimizers.run(net, optimizers.gd(), theta0, steps=200, lr=factor * sweep.suggested_lr)
    finals[factor], curves[factor] = run.final_loss, run.losses
    print(f"η = {factor:>4} × suggested: final loss {run.final_loss:.3f}")
caught_up = curves[1.0] <= finals[0.1]
catch_up = int(np.argmax(caught_up))  # the first step at which the suggested rate is as low as the timid one at 200
print(f"the suggested rate reaches the timid rate's 200-step loss after {catch_up} steps; ten times the suggestion "
      f"ends {'below' if finals[10.0] < finals[1.0] else 'above'} the suggestion's final loss")
assert caught_up.any() and catch_up <= 30  # ten times the rate, about ten times as fast

# %% [markdown]
# The suggested rate gets as far in about 20 steps as the timid one in 200: while both are stable, gradient descent
# with a ten times larger rate follows nearly the same path ten times as fast. (Their *final* losses can end up
# close when both have reached the same slow stretch of the landscape, so the final loss alone would be a noisy
# measure of the speed-up.) And ten times the suggestion — above $2/\lambda_{\max}$ at initialization, right at
# the bottom of the sweep — ends lower still in this run (the line printed above), and did so in 62 of the 64 runs we tried
# (16 data sets × 4 initialisations): cross-entropy networks reduce their own curvature when pushed (the
# "catapult" behind chapter 5's edge of stability). The rule "a decade below the bottom" is deliberately
# conservative; the range test measures *this* landscape along *this* path, not a law, so treat its suggestion as
# the safe end of a short search.

# %% [markdown]
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
# layers the signal — forward and backward — is of the order of $2^{-15} \approx 3 \cdot 10^{-5}$ of He's; naive $\mathcal N(0,1)$ multiplies it instead. (A subtlety worth noticing: with Xavier the
# gradient is about equally tiny in *every* layer, not smallest at the input — the weight gradient of layer
# $\ell$ is the product of the forward signal reaching it and the backward signal reaching it, and when both
# shrink, their product is nearly the same everywhere. The diagnosis is the overall size, compared with a
# healthy network's.)
#
# ### The Gradient Flow Explorer
#
# Change the depth, the scheme and the scale. Find the depth at which Xavier starts to vanish for ReLU; switch
# to tanh (whose slope is 1 at zero, so Xavier is right for it); turn on skip connections and watch the
# gradient reach the input again at any depth.

# %%
GradientFlowExplorer()

# %% [markdown]
# **The plateau this produces.** Twenty layers are enough to see it, and quicker to train: take 20-layer Xavier
# and He networks, train each for 60 steps of gradient descent from eight random initialisations (one run can be
# lucky either way: a Xavier start that happens to pass a little signal, a He start that begins near a flat
# spot), and compare the typical — median — drop in the loss:

# %%
Xf, yf = diagnostics.flow_data()
deep = MLP(Xf, yf, hidden=(16,) * 20, activation="relu", loss="cross_entropy")
plateau = {s: [optimizers.run(deep, optimizers.gd(), deep.init(k, scheme=s), steps=60, lr=0.1) for k in range(8)]
           for s in ("xavier", "he")}
drops = {s: np.array([run.losses[0] - run.final_loss for run in runs]) for s, runs in plateau.items()}
for s, d in drops.items():
    print(f"{s:>6}: loss drop in 60 steps, median {np.median(d):.4f} (range {d.min():.4f} to {d.max():.4f}, 8 starts)")
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
plotting.plot_contour(ax, cliff, cliff.bounds, levels=30, minima=cliff.minima)
styles = plotting.series_styles(2)
plotting.plot_trajectory(ax, plain, label="gradient descent", style=styles[0])
plotting.plot_trajectory(ax, clipped, label="clipped (c = 1)", style=styles[1])
ax.axvspan(0, 0.5, color="w", alpha=0.25, label="the cliff face")
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
runs = [optimizers.run_many(wobbly, [optimizers.noisy_gd(3.0)] * 5, [1.3, -1.1], steps=T,
                            lrs=list(schedules.values()), rng=seed) for seed in range(5)]
final = {name: float(np.mean([r[i].final_loss for r in runs])) for i, name in enumerate(schedules)}
# One final loss of the constant rate is one draw from the cloud it jitters in; its level is the average over time
hover = float(np.mean([r[0].losses[-100:] for r in runs]))
floor = wobbly.loss(wobbly.global_minima[0])
annealed = [name for name in schedules if name != "constant"]
in_global = np.mean([r[i].final_loss < floor + 0.05 for r in runs for i in range(1, len(schedules))])
print(f"mean final loss over 5 noise seeds (global minimum {floor:.1f}):", {k: round(v, 3) for k, v in final.items()})
print(f"the constant rate hovers at a loss of {hover:.3f} (mean over its last 100 steps); "
      f"{in_global:.0%} of the {5 * len(annealed)} annealed runs end in the global minimum")
assert all(final[name] < hover for name in annealed)  # every annealed schedule ends below the constant rate's cloud

# %%
fig, axes = plotting.new_figure(1, 5, figsize=(12, 2.9), sharey=True)
for ax, (i, name), style in zip(axes, enumerate(schedules), plotting.series_styles(5)):
    plotting.plot_contour(ax, wobbly, wobbly.bounds, levels=20, lines=False, ylabel="y" if i == 0 else "")
    plotting.plot_trajectory(ax, runs[0][i], style=style, markevery=50)
    plotting.label_axes(ax, f"{name}\nfinal loss {runs[0][i].final_loss:.2f}", "x")
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
    run = optimizers.run(model, optimizers.gd(), np.zeros(model.dim), steps=2000, lr=lr, tol=1e-6)
    problems[name] = (eig[-1] / eig[0], run.converged_at)
    print(f"{name:>12}: κ = {eig[-1] / eig[0]:.3g}, GD with η = 1/λ_max converges in "
          f"{run.converged_at if run.converged_at is not None else '> 2000'} steps")
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
# fraction of the steps — typically a handful — as the raw one in all 150. **Batch normalization** (Ioffe &
# Szegedy 2015) applies the same idea inside the network, to every layer's pre-activations, with statistics of
# the minibatch. It is often said to "smooth the
# optimization surface"; that is one hypothesis (Santurkar et al. 2018), contested — it does not always lower
# $\lambda_{\max}$ in small networks, and part of its effect is to make the loss invariant to the scale of the
# weights feeding each normalized unit, which changes how learning rates act. Treat "normalization smooths the
# landscape" as a question to measure, not a law.

# %% [markdown]
# ## 6. The table, live
#
# Here is a table of common training problems, each row linked to where this
# course demonstrates it. Read it from left to right when a run misbehaves: **symptom → landscape → remedy**.
#
# | Symptom in the curves | What the landscape is doing | Remedies | Demonstrated in |
# |---|---|---|---|
# | Loss flat from the start; gradients tiny, vanishing in size with depth | near-flat region (plateau) created by the signal dying through the layers | He/Xavier initialization matched to the activation, skip connections, normalization | [§2 above](#2.-Vanishing-and-exploding-gradients); [chapter 2 §6, width and skip connections](../notebooks/02_loss_geometry.ipynb#6.-Width-and-skip-connections-in-miniature) |
# | Rare huge gradient norms, loss spikes that undo progress | a cliff: a narrow, extremely steep region | gradient clipping by norm | [§3 above](#3.-Cliffs-and-clipping) |
# | Loss oscillates or explodes soon after the start | the step is too large for the curvature, $\eta > 2/\lambda_{\max}$ | lower the learning rate (range test), warm-up | [§1 above](#1.-The-learning-rate-range-test); [chapter 5 §4, the stability threshold](../notebooks/05_sharpness_and_sam.ipynb#4.-The-stability-threshold-and-the-edge-of-stability) |
# | Training loss ≈ 0, test loss much higher | a sharp minimum (large $\lambda_{\max}$) | SAM, weight decay, smaller batches, data augmentation | [chapter 5 §2 and §5, sharpness and SAM](../notebooks/05_sharpness_and_sam.ipynb#5.-Sharpness-aware-minimization-(SAM)) — with the caveat that sharpness depends on the parameterization |
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
    ends = optimizers.run_many(landscape, [optimizers.gd()] * 20, starts, steps=200, lrs=0.02)
    spread[amplitude] = np.std([r.final_loss for r in ends])
    print(f"ripple amplitude {amplitude}: spread (s.d.) of the 20 final losses = {spread[amplitude]:.3f}")
assert spread[0.3] > 10 * spread[0.02]

# %% [markdown]
# ## 7. The mystery runs
#
# `diagnostics.mystery_runs()` prepares four training runs that fail in four different ways. The exercise
# notebook gives you their loss curves, gradient norms per layer, the Hessian's extreme eigenvalues at the end and
# the accuracies; you write down the rules that name each run's diagnosis and remedy from a fixed vocabulary, as a
# function of the run's numbers, and `check` grades it on the runs under names it draws afresh.
#
# ## 8. Summary
#
# * The **range test** measures where training becomes unstable along the path it actually takes; its bottom
#   overshoots $2/\lambda_{\max}$, so use a learning rate about a decade below it.
# * **Vanishing and exploding gradients** are products of many per-layer factors; initialization sets the factor
#   (He for ReLU, Xavier for tanh), skip connections bypass it. Vanishing gradients look like a plateau.
# * At a **cliff** the gradient is huge and a step throws the iterate away; **clipping** keeps the direction and
#   bounds the length, and does nothing elsewhere.
# * With noisy gradients a constant rate never settles; **schedules** explore early and settle late.
# * **Standardizing** inputs lowers the condition number and $\lambda_{\max}$, so gradient descent takes larger,
#   more useful steps.
# * Diagnose by reading the curves as a landscape: gradient too small (plateau, saddle), too large (cliff, step
#   too large for the curvature), a minimum that is too sharp.
#
# **Exercises:** [07_diagnosing_training_exercises.ipynb](../exercises/07_diagnosing_training_exercises.ipynb) —
# the range test, clipping by norm, per-layer gradient norms, and the four mystery runs.
