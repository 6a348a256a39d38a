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
# # Chapter 6 — Mode connectivity: are the good valleys one valley?
#
# Train the same network twice from different random seeds and you get two parameter vectors that both solve
# the task, yet sit far apart. Is the landscape a scatter of isolated good valleys, or one long connected
# valley floor that both trainings happened to land on?
#
# **By the end of this chapter you can**
#
# 1. measure the loss and the error along a path between two networks and compute its **barrier**;
# 2. explain the **permutation symmetry** of hidden units (and the sign symmetry of tanh units) and remove it
#    by **weight matching**;
# 3. train a **Bézier curve** between two minima (Garipov et al. 2018) and read the classic plane figure;
# 4. test **linear mode connectivity** of copies spawned from a shared parent at step $k$, and see the barrier
#    between them vanish once $k$ is past the start of training (Frankle et al. 2020);
# 5. compare two ways of searching for a path — numerical gradients against curve training — in loss
#    evaluations per step;
# 6. explain what **overparameterization** ($P > NK$) does: more random starts reach zero loss, and every zero-loss
#    minimum has at least $P - NK$ zero Hessian eigenvalues (a manifold of minima) — and say which of this is
#    proven and which is folklore.

# %%
# %matplotlib widget
import itertools

import numpy as np
from matplotlib import patheffects
from matplotlib.ticker import LogLocator

from course_utils import connectivity, data, models, optimizers, overparameterization, plotting
from course_utils.randomness import default_rng
from course_utils.widgets import PathExplorer

# %% [markdown]
# ## 1. Six solutions
#
# The data: 200 points of the two-moons problem. The model: a 2-16-1 tanh network with cross-entropy loss,
# 65 parameters in one flat vector $\theta = [W_1, b_1, W_2, b_2]$. We train it six times with Adam, from six
# random initialisations (seeds 0 to 5), and nothing else different.

# %%
X, y = data.two_moons(200, noise=0.15, rng=0)
model = models.MLP(X, y, hidden=(16,), activation="tanh", loss="cross_entropy")


# six Adam runs (400 full-batch steps, learning rate 0.02) side by side: one batched gradient per step
nets = connectivity.train_lockstep(model, np.stack([model.init(default_rng(seed)) for seed in range(6)]),
                                   steps=400, lr=0.02)
for seed, th in enumerate(nets):
    print(f"network {seed}: loss {model.loss(th):.3f}, accuracy {model.accuracy(th):.3f}, ‖θ‖ = {np.linalg.norm(th):.1f}")
pairs = list(itertools.combinations(range(6), 2))
distances = np.array([np.linalg.norm(nets[i] - nets[j]) for i, j in pairs])
print(f"distances between the 15 pairs: {distances.min():.1f} to {distances.max():.1f}")
assert min(model.accuracy(th) for th in nets) >= 0.95  # all six solve the task
assert distances.min() > 0.5 * min(np.linalg.norm(th) for th in nets)  # ... and no two are close

# %% [markdown]
# All six networks classify (nearly) every training point correctly, and their decision boundaries look alike.
# Yet no two parameter vectors are close: the distances between them are of the size of the vectors themselves.

# %%
grid_x, grid_y = np.meshgrid(np.linspace(-1.6, 2.6, 84), np.linspace(-1.1, 1.6, 54))
grid = np.c_[grid_x.ravel(), grid_y.ravel()]
fig, axes = plotting.new_figure(2, 3, figsize=(11, 6), sharex=True, sharey=True)
for seed, (ax, th) in enumerate(zip(axes.ravel(), nets)):
    p = model.predict(th, grid).reshape(grid_x.shape)
    image = ax.imshow(p, origin="lower", extent=(-1.6, 2.6, -1.1, 1.6), aspect="auto", cmap=plotting.CMAP,
                      vmin=0, vmax=1, alpha=0.7)
    ax.contour(grid_x, grid_y, p, levels=[0.5], colors="black", linewidths=2)
    ax.scatter(*X[y == 0].T, marker="o", s=10, facecolor="white", edgecolor="black", linewidth=0.5, label="class 0")
    ax.scatter(*X[y == 1].T, marker="^", s=12, color="black", label="class 1")
    plotting.label_axes(ax, f"network {seed}: accuracy {model.accuracy(th):.3f}",
                        "x₁" if seed >= 3 else "", "x₂" if seed % 3 == 0 else "")
axes[0, 0].legend(loc="lower left", fontsize=8)
fig.colorbar(image, ax=list(axes.ravel()), label="predicted probability of class 1", shrink=0.8)
fig

# %% [markdown]
# ## 2. The straight line between two of them
#
# The simplest path is the segment $\theta(t) = (1-t)\,\theta_1 + t\,\theta_2$. Its **barrier** is how far the
# loss climbs above the endpoints:
#
# $$B = \max_{t \in [0, 1]} L(\theta(t)) - \tfrac12\big(L(\theta_1) + L(\theta_2)\big).$$
#
# We evaluate 61 equally spaced points (as Garipov et al. do) in one batched call. Frankle et al. (2020) use the
# same formula with the *error* instead of the loss.
#
# **Predict first.** Every network has a loss of a few hundredths and (nearly) 100 % training accuracy. Halfway
# between two of them, at $t = \tfrac12$, will the averaged network be (a) about as good, (b) somewhat worse, or
# (c) much worse?
#
# One pair is one draw; six networks give fifteen pairs. We measure the barrier of every one.

# %%
profiles = {pair: connectivity.path_profile(model, connectivity.Path.line(nets[pair[0]], nets[pair[1]]))
            for pair in pairs}
pair_barriers = np.array([profiles[pair].barrier for pair in pairs])
pair_error_barriers = np.array([profiles[pair].error_barrier for pair in pairs])
print("loss barriers of the 15 straight lines, sorted:", np.round(np.sort(pair_barriers), 2))
print(f"median {np.median(pair_barriers):.3f}; above 0.1 for {np.sum(pair_barriers > 0.1)} of 15 pairs; "
      f"median error barrier {np.median(pair_error_barriers):.3f}")
assert np.median(pair_barriers) > 0.1  # the typical straight line between independent solutions climbs a barrier

# %% [markdown]
# (c), for most pairs: the straight line leaves the valley. The barriers differ a lot from pair to pair — now and
# then two trainings land almost linearly connected — so from here on we take the pair whose line climbs
# **highest**, the hardest pair to connect, and call its networks $\theta_1$ and $\theta_2$.

# %%
first, second = pairs[int(np.argmax(pair_barriers))]
theta_1, theta_2 = nets[first], nets[second]
line = connectivity.Path.line(theta_1, theta_2)
line_profile = profiles[(first, second)]
mid = line.points(0.5)
print(f"θ₁ = network {first}, θ₂ = network {second}: loss {model.loss(theta_1):.3f} and {model.loss(theta_2):.3f}")
print(f"loss barrier  {line_profile.barrier:.3f}   (peak at t = {line_profile.t_max:.2f}), "
      f"{line_profile.barrier / max(line_profile.losses[0], line_profile.losses[-1]):.0f} times the endpoints' loss")
print(f"error barrier {line_profile.error_barrier:.3f}")
print(f"halfway: loss {model.loss(mid):.3f}, accuracy {model.accuracy(mid):.3f}")
assert line_profile.barrier > 0.3 and line_profile.error_barrier > 0.1  # a clear barrier
assert line_profile.barrier > 10 * max(line_profile.losses[0], line_profile.losses[-1])

# %% [markdown]
# The loss climbs to tens of times the endpoints', and halfway along the line the network misclassifies a good
# part of the training set that both ends classify (nearly) perfectly. Does that mean the two solutions live in
# different valleys?

# %% [markdown]
# ## 3. Symmetry: many parameter vectors, one function
#
# Swap hidden units 3 and 7 — their incoming weights and biases (columns of $W_1$, entries of $b_1$) *and* their
# outgoing weights (rows of $W_2$) — and the network computes exactly the same function. With 16 hidden units
# there are $16! \approx 2 \cdot 10^{13}$ such reorderings. For tanh there is a second symmetry: flipping the sign
# of a unit's incoming and outgoing weights changes nothing, because $\tanh(-z) = -\tanh(z)$ — another factor
# $2^{16}$. Every solution has about $10^{18}$ twins scattered over parameter space.

# %%
rng = default_rng(0)
perm = connectivity.random_permutations(model, rng)
signs = [rng.choice([-1.0, 1.0], size=16)]
twin = connectivity.permute_hidden_units(model, theta_2, perm, signs)
same_outputs = np.abs(model.forward_batch(twin[None]) - model.forward_batch(theta_2[None])).max()
print(f"‖twin − θ₂‖ = {np.linalg.norm(twin - theta_2):.1f}, largest output difference {same_outputs:.1e}")
assert same_outputs < 1e-12 and np.linalg.norm(twin - theta_2) > 1.0

# %% [markdown]
# So two trainings may find *the same* solution up to relabelling. **Weight matching** (Ainsworth et al. 2023)
# picks the relabelling of network 2 that is closest to network 1: with one hidden layer this is a linear
# assignment problem — score every pair of units by the inner product of their weights, solve with
# `scipy.optimize.linear_sum_assignment`. For tanh we also allow sign flips (score $|S_{jk}|$).
#
# **Predict.** After aligning network 2 to network 1, will the straight-line barrier shrink a little, a lot, or
# vanish?

# %%
aligned_perm = connectivity.weight_matching(model, theta_1, theta_2, flip_signs=False)
aligned = connectivity.weight_matching(model, theta_1, theta_2)  # permutations and sign flips
rows = [("as trained", theta_2), ("aligned, permutations only", aligned_perm.theta),
        ("aligned, permutations + signs", aligned.theta)]
barriers = {}
for name, th in rows:
    prof = connectivity.path_profile(model, connectivity.Path.line(theta_1, th))
    barriers[name] = prof.barrier
    print(f"{name:32s} distance {np.linalg.norm(theta_1 - th):5.1f}   loss barrier {prof.barrier:.3f}   "
          f"error barrier {prof.error_barrier:.3f}")
assert np.allclose(model.forward_batch(aligned.theta[None]), model.forward_batch(theta_2[None]))  # same function
assert barriers["aligned, permutations + signs"] < 0.1 * barriers["as trained"]

# %% [markdown]
# Is the hardest pair special? Align the second network of every pair to the first and measure the line again:

# %%
aligned_barriers = np.array([
    connectivity.path_profile(model, connectivity.Path.line(
        nets[i], connectivity.weight_matching(model, nets[i], nets[j]).theta)).barrier for i, j in pairs])
shrink = aligned_barriers / pair_barriers
print("aligned loss barriers of the 15 pairs, sorted:", np.round(np.sort(aligned_barriers), 3))
print(f"barrier after / before alignment: median {np.median(shrink):.3f}, largest {shrink.max():.2f}")
assert np.median(shrink) < 0.1  # for the typical pair, alignment removes more than 90 % of the barrier

# %% [markdown]
# On this problem the barrier is almost *entirely* symmetry: once the units are matched, the straight line
# between two solutions stays in the valley, for the typical pair as for the hardest one. (Not for every pair
# to the same degree: the largest ratio printed above belongs to the pair that keeps most of its barrier. And
# for tanh the signs matter: with permutations alone, more of the hardest pair's barrier is left — compare the
# table above.) Entezari et al. (2022) conjectured that this holds for networks trained by SGD in general: once
# permutations are taken into account, the straight line between two solutions typically has no barrier.
# Ainsworth et al. found it so after weight matching for wide enough networks on real data (MLPs on MNIST,
# wide ResNets on CIFAR-10) — and found that **for narrow networks a barrier remains after alignment**: the
# barrier after weight matching grows as the width shrinks.
#
# **Predict.** We repeat the experiment with hidden layers of 4 and 8 units instead of 16 (six networks each,
# same data, same training). Will the aligned barrier stay as small?

# %%
def aligned_barriers_at_width(width):
    """Median and all 15 aligned straight-line barriers between six networks of this width."""
    narrow = models.MLP(X, y, hidden=(width,), activation="tanh", loss="cross_entropy")
    starts = np.stack([narrow.init(default_rng(100 * width + seed)) for seed in range(6)])
    ends = connectivity.train_lockstep(narrow, starts, steps=400, lr=0.02)  # the same training as in section 1
    # 21 points per line are enough for a barrier this smooth; the 15 lines are evaluated in one batched call
    lines = np.stack([connectivity.aligned_line(narrow, ends[i], ends[j]).points(np.linspace(0, 1, 21))
                      for i, j in pairs])
    losses = narrow.loss_batch(lines)
    return losses.max(axis=1) - 0.5 * (losses[:, 0] + losses[:, -1]), narrow.loss_batch(ends)


by_width = {16: aligned_barriers}
for width in (4, 8):
    by_width[width], end_losses = aligned_barriers_at_width(width)
    print(f"width {width:2d}: endpoint losses {end_losses.min():.3f} to {end_losses.max():.3f}")
for width in sorted(by_width):
    print(f"width {width:2d}: aligned loss barriers, median {np.median(by_width[width]):.4f}, "
          f"largest {by_width[width].max():.3f}")
assert np.median(by_width[4]) > 2 * np.median(by_width[16])  # narrow networks keep a barrier after alignment

fig, ax = plotting.new_figure(figsize=(5.6, 3.6))
for k, (width, marker) in enumerate(zip(sorted(by_width), "o^s")):
    jitter = np.linspace(-0.12, 0.12, len(pairs))
    ax.plot(k + jitter, by_width[width], marker, color=plotting.OKABE_ITO[k], markeredgecolor="black",
            linestyle="none", label=f"width {width}: 15 pairs")
    ax.plot([k - 0.25, k + 0.25], [np.median(by_width[width])] * 2, color="black", linewidth=2)
ax.plot([], [], color="black", linewidth=2, label="median")
ax.set_yscale("log")
ax.set_xticks(range(len(by_width)), [f"{w} hidden units" for w in sorted(by_width)])
ax.legend(fontsize=8, loc="upper right")
plotting.label_axes(ax, "straight-line barrier after weight matching", "network width",
                    "loss barrier (log scale)")
fig

# %% [markdown]
# The narrowest networks keep a barrier several times larger after alignment — a few hundredths in the loss,
# on networks whose own loss is a few hundredths — while at 16 units it is down to a few thousandths; 8 units
# land in between or already at that level, depending on the seed. (Over thirteen seeds the median at width 4
# was 2.7 to 37 times the median at width 16. In our measurements wider networks, 32 and 64 units, stay at the
# width-16 level; training them here would cost more than it teaches.) Why is not settled; one reading is that a narrow network has little room to spare, so two
# trainings more often end in genuinely different solutions that no relabelling of units can match.

# %% [markdown]
# ## 4. The curved path
#
# Garipov et al. (2018) asked the question without any symmetry argument: keep $\theta_1$ and $\theta_2$ fixed
# and look for a *curve* between them along which the loss stays low. (Draxler et al. (2018) found such paths at
# the same time with a different tool, the nudged elastic band of chemistry; both groups found that the minima
# of trained networks are joined by paths of nearly constant low loss.) Garipov et al.'s curve is a quadratic
# Bézier curve with one free "bend" $\theta_b$, a **control point**: the curve is pulled towards it but does not
# pass through it (at $t = \tfrac12$ it is at $\tfrac14\theta_1 + \tfrac12\theta_b + \tfrac14\theta_2$, not at
# $\theta_b$):
#
# $$\theta(t) = (1-t)^2\,\theta_1 + 2t(1-t)\,\theta_b + t^2\,\theta_2,$$
#
# trained by minimising the loss averaged along the curve, $\mathbb{E}_{t \sim U(0,1)}\, L(\theta(t))$: at each
# step draw one $t$ and take a gradient step on the bend. By the chain rule that gradient is
# $2t(1-t)\,\nabla L(\theta(t))$ — one forward and one backward pass, computed by autograd. The bend starts at
# the midpoint of the straight line, so training starts from the line itself. One random $t$ per step makes the
# gradient noisy, so the curve needs a few hundred steps: we give it 500.

# %%
curve_run = connectivity.train_curve(model, theta_1, theta_2, steps=500, lr=0.05, rng=0, eval_every=10)
curve = curve_run.path
curve_profile = connectivity.path_profile(model, curve)
print(curve_run.message)
print(f"curve: loss barrier {curve_profile.barrier:.3f}, error barrier {curve_profile.error_barrier:.3f}; "
      f"straight line: {line_profile.barrier:.3f}, {line_profile.error_barrier:.3f}")
print(f"barrier ratio curve / line = {curve_profile.barrier / line_profile.barrier:.3f}")
assert curve_profile.barrier < 0.1 * line_profile.barrier
assert curve_profile.error_barrier <= 0.02  # at most 4 of 200 points more misclassified than at the ends

# %% [markdown]
# ### The Path Explorer
#
# Move `t` from 0 (network 1) to 1 (network 2). Left: the decision boundary of the network $\theta(t)$. Right:
# the training loss along each path, with a marker where you are. Three paths: the straight line; the **aligned
# straight line** of section 3, from $\theta_1$ to network 2 with its units relabelled (its far end is a different
# vector from $\theta_2$ but the same function); and the trained curve. On the straight line the boundary swings
# through a poor classifier around $t \approx 0.5$; on the other two it morphs from one solution to the other while
# staying a good classifier — one path by relabelling first, the other by bending.

# %%
aligned_line = connectivity.aligned_line(model, theta_1, theta_2)
explorer = PathExplorer(model, {"straight line": line, "aligned straight line": aligned_line,
                                "trained curve": curve}, resolution=45)
explorer

# %%
# checked from code with the explorer's pure `compute` (your explorer above stays as you left it)
at_middle = {name: explorer.compute({"path": name, "t": 0.5}) for name in explorer.paths}
print(at_middle["trained curve"].message)
aligned_profile = explorer.profiles["aligned straight line"]
print(f"loss barriers: straight line {line_profile.barrier:.3f}, aligned straight line "
      f"{aligned_profile.barrier:.4f}, trained curve {explorer.profiles['trained curve'].barrier:.4f}")
assert at_middle["trained curve"].accuracy > at_middle["straight line"].accuracy + 0.1
assert at_middle["aligned straight line"].accuracy > at_middle["straight line"].accuracy + 0.1
assert aligned_profile.barrier < 0.1 * line_profile.barrier

# %% [markdown]
# ### Two planes through $\theta_1$ and $\theta_2$
#
# Three points span a plane in the 65-dimensional parameter space, and the loss can be drawn on it.
# **Left**, Garipov et al.'s figure: the plane through $\theta_1$, the bend $\theta_b$ and $\theta_2$. The straight
# line cuts across a ridge, the curve bends around it. (The curve lies *in* this plane — every $\theta(t)$ is a
# combination of the three points — so drawing it here is exact, not a projection; the bend, a control point,
# lies off the curve.) **Right**, the plane through $\theta_1$, $\theta_2$ and the aligned copy of network 2: the
# two far corners are the *same function*, two copies of one valley, and the aligned straight line reaches the
# nearer copy without leaving the valley. Both panels use the same distances on both axes and the same colours.

# %%
left = connectivity.plane_grid(model, theta_1, theta_2, curve.bends[0], resolution=31, margin=0.25)
# The second plane shares the origin θ₁ and the first axis (towards θ₂); evaluate it on the same window.
right_basis = connectivity.plane_grid(model, theta_1, theta_2, aligned_line.points(1.0), resolution=2)
window = np.stack(np.meshgrid(left.x, left.y, indexing="ij"), axis=-1)
right_losses = model.loss_batch(right_basis.lift(window))
log_losses = np.log10(np.concatenate([left.losses.ravel(), right_losses.ravel()]))
levels = np.quantile(log_losses, np.linspace(0, 1, 16))
outlined = [patheffects.withStroke(linewidth=4, foreground="black")]
fig, axes = plotting.new_figure(1, 2, figsize=(11, 5.6))
t_dense = np.linspace(0, 1, 61)
panels = [(left, left.losses, [(line, "--", "straight line"), (curve, "-", "trained curve")]),
          (right_basis, right_losses, [(line, "--", "straight line"), (aligned_line, "-.", "aligned straight line")])]
for ax, (pl, losses, paths_here) in zip(axes, panels):
    cs = ax.contourf(left.x, left.y, np.log10(losses).T, levels=levels, cmap=plotting.CMAP)
    for path, style, name in paths_here:
        xy = pl.project(path.points(t_dense))
        assert np.abs(pl.lift(xy) - path.points(t_dense)).max() < 1e-10  # the path lies in this plane: exact
        ax.plot(*xy.T, linestyle=style, color="white", linewidth=2.2, path_effects=outlined, label=name)
    ax.plot(*pl.anchors[:2].T, "o", color="white", markeredgecolor="black", markersize=9, label="θ₁, θ₂")
    ax.set_aspect("equal")
axes[0].plot(*left.anchors[2], "s", color=plotting.OKABE_ITO[0], markeredgecolor="black", markersize=9,
             label="bend θ_b (a control point)")
axes[1].plot(*right_basis.anchors[2], "D", color=plotting.OKABE_ITO[2], markeredgecolor="black", markersize=9,
             label="network 2 aligned (same function as θ₂)")
cbar = fig.colorbar(cs, ax=list(axes), shrink=0.75,
                    label="training loss (log scale; bands: equal shares of the grid)")
# ticks at round loss values (1, 2, 5 × 10^k), not at the quantile levels' odd log values
round_values = LogLocator(subs=(1.0, 2.0, 5.0)).tick_values(10 ** levels[0], 10 ** levels[-1])
round_values = round_values[(round_values >= 10 ** levels[0]) & (round_values <= 10 ** levels[-1])]
cbar.set_ticks(np.log10(round_values), labels=[plotting.fmt(v, ".2g") for v in round_values])
for ax, title in zip(axes, ["plane through θ₁, θ_b, θ₂", "plane through θ₁, θ₂ and aligned network 2"]):
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize=8, facecolor="0.85")
    plotting.label_axes(ax, title, "along θ₂ − θ₁ (parameter distance)", "orthogonal (parameter distance)")
fig

# %% [markdown]
# ## 5. Linear mode connectivity and stability (Frankle et al. 2020)
#
# Frankle et al. trained a network for $k$ steps, then **spawned two copies** that continued with different
# samples of SGD noise (minibatch order, data augmentation), and measured the error barrier of the straight line
# between the copies' final weights. For standard vision networks on CIFAR-10 and ImageNet (ResNets, VGG,
# Inception), copies spawned at $k = 0$ ended up separated by a barrier, but copies spawned a little way into
# training were linearly connected: training becomes *stable* to SGD noise early, and from then on the noise
# only decides where in one valley the run ends. (Their small networks on MNIST were stable from $k = 0$.)
#
# Our network at its usual initialisation is like their MNIST networks: copies spawned at $k = 0$ already end in
# one valley. Section 3 suggests where instability can come from: the relabelling of hidden units. At the start
# of training the units are still nearly interchangeable, and noise can decide which unit learns which feature —
# two copies that decide differently end in different relabellings, with a barrier between them. So we start the
# parent closer to that symmetric point (initial weights scaled by ½), train it with full-batch Adam, and spawn
# pairs of copies at $k \in \{0, 10, 50, 200\}$. As in Frankle et al., every copy ends after the same total of
# 800 steps (so a copy spawned at $k$ trains $800 - k$ more), each with its own gradient noise, a stand-in for
# minibatch noise: Gaussian, with standard deviation 0.3 falling to 0 over the copy's run so that it settles.
# (`connectivity.train_lockstep` runs all eight copies side by side.)
#
# **Predict.** Will the barrier between the two copies depend on $k$, and which way?

# %%
total_steps, spawn_steps = 800, [0, 10, 50, 200]
parent = optimizers.run(model, optimizers.adam(), model.init(default_rng(0), scale=0.5), steps=max(spawn_steps),
                        lr=0.05)
spawn_starts = np.stack([parent.thetas[k] for k in spawn_steps for _ in range(2)])  # two copies per k
children = connectivity.train_lockstep(model, spawn_starts, steps=[total_steps - k for k in spawn_steps for _ in "ab"],
                                       lr=0.05, noise=0.3, anneal_noise=True, rng=1)
spawn_profiles = [connectivity.path_profile(model, connectivity.Path.line(children[2 * i], children[2 * i + 1]))
                  for i in range(len(spawn_steps))]
spawn_barriers = np.array([(p.barrier, p.error_barrier) for p in spawn_profiles])
for k, (b, e), (c1, c2) in zip(spawn_steps, spawn_barriers, children.reshape(-1, 2, model.dim)):
    print(f"spawned at k = {k:3d}: copies' losses {model.loss(c1):.3f}, {model.loss(c2):.3f}; "
          f"loss barrier {b:.3f}, error barrier {e:.3f}")
print(f"barrier at k = 0 / barrier at k = 200: {spawn_barriers[0, 0] / spawn_barriers[-1, 0]:.0f}; "
      f"barrier at k = 0 / worse copy's loss: {spawn_barriers[0, 0] / model.loss_batch(children[:2]).max():.1f}")
assert spawn_barriers[0, 0] > 10 * spawn_barriers[-1, 0]  # unstable at k = 0, stable once spawned later ...
assert spawn_barriers[0, 1] > spawn_barriers[-1, 1] + 0.04  # ... in the error too (over 8 of 200 points)
assert spawn_barriers[0, 0] > 1.2 * model.loss_batch(children[:2]).max()  # a real barrier, not poorly trained ends

# %%
fig, ax = plotting.new_figure(figsize=(6, 3.6))
ax.plot(spawn_steps, spawn_barriers[:, 0], "o-", color=plotting.OKABE_ITO[4], label="loss barrier between the copies")
ax.plot(spawn_steps, spawn_barriers[:, 1], "s--", color=plotting.OKABE_ITO[5],
        label="error barrier between the copies")
ax.set_xscale("symlog", linthresh=10)
ax.set_xticks(spawn_steps, [str(k) for k in spawn_steps])
ax.legend(fontsize=8)
plotting.label_axes(ax, "copies spawned from one parent at step k", "spawn step k (symmetric log scale)",
                    "barrier (loss or fraction misclassified)")
fig

# %% [markdown]
# Copies spawned at initialisation, or in the first tens of steps, end up separated by a barrier (not always
# largest at $k = 0$: the barrier fluctuates from pair to pair); copies spawned at $k = 200$ are linearly
# connected — by then the parent's training has fixed the relabelling, and the noise no longer moves a copy to
# another valley. The copies spawned at $k = 0$ are trained as long as the others and reach low losses too; the barrier
# between them is larger than their losses, so it is not an artefact of poorly trained ends. This is the
# qualitative picture Frankle et al. report (for them the barrier vanished after a small fraction of training,
# for ResNet-20 on CIFAR-10 within the first few epochs). What this toy adds is one
# plausible mechanism, symmetry breaking among the hidden units; whether that is *the* mechanism in large
# networks is not settled. One parent and one pair of copies per $k$ is a single draw: the barriers fluctuate
# from draw to draw, but over thirteen seeds the barrier at $k = 0$ was 21 to 345 times the one at $k = 200$.

# %% [markdown]
# ## 6. What it is good for
#
# Garipov et al. turned the curve into a cheap ensemble (*fast geometric ensembling*), and Fort et al. (2019)
# explained why ensembles of independently trained networks work so well: members from different valleys make
# different mistakes, while points near one solution make nearly the same ones. Our two-moons problem is too easy
# to show it: every network we trained (twelve data sets, six seeds each) classifies 98–99 % of 1000 fresh test
# points correctly, and averaging the predictions of two independent networks changed the test accuracy by at
# most 2 of the 1000 points, no more than averaging two nearby points of one valley — there is almost nothing
# left for an ensemble to correct. We leave the effect to larger problems.

# %% [markdown]
# ## 7. Two ways to search for a path
#
# Section 4 trained a curve. A second way to look for a low path is a direct search, and comparing the two shows
# what makes curve training work. Both keep the ends fixed and move the points in between; they differ in every
# other choice:
#
# | | numerical-gradient path search | curve training (Garipov et al. 2018) |
# |---|---|---|
# | path | polygonal chain through the bends | Bézier curve with control point $\theta_b$ |
# | cost | the **maximum** loss over 10 sample points per segment | the **average** loss $\mathbb{E}_t\,L(\theta(t))$ |
# | gradient | finite differences, one coordinate of the bends at a time | exact, by autograd, at one random $t$ |
# | loss evaluations per step | $(\text{bends} \cdot P + 1) \times (\text{segments} \times 10)$ | about 2 (one forward, one backward pass) |
#
# (The course implements the search as `connectivity.numerical_gradient_path_search`.) Two of these choices
# matter. The cost of a finite-difference gradient grows with the number of parameters $P$, while a backward
# pass costs about one forward pass whatever $P$ is. And the maximum is a poor cost to descend: its gradient
# sees only the single worst sample point, so each step improves one place on the path, while the average
# improves the whole path at once.

# %%
for hidden in [16, 64, 256, 1024]:
    P = models.MLP(X, y, hidden=(hidden,), loss="cross_entropy").dim
    print(f"2-{hidden}-1 MLP, P = {P:6d}: numerical path search "
          f"{connectivity.path_search_loss_evaluations(P):>9,d} loss evaluations per step; curve training 2")
assert connectivity.path_search_loss_evaluations(model.dim) == (model.dim + 1) * 20

# %% [markdown]
# On our 65-parameter network one numerical step costs 1,320 evaluations — as much as 660 steps of curve
# training, more than the whole 500-step run above. Run both on the same two minima and compare barriers against
# the loss evaluations spent:

# %%
search = connectivity.numerical_gradient_path_search(model, theta_1, theta_2, steps=3, lr=0.1, eval_every=1)
print(search.message)
curve_hist, search_hist = curve_run.history, search.history
fig, ax = plotting.new_figure(figsize=(6.4, 3.8))
ax.plot(curve_hist["loss_evaluations"][1:], curve_hist["barrier"][1:], "o-", markersize=3, label="curve training")
ax.plot(search_hist["loss_evaluations"][1:], search_hist["barrier"][1:], "s--", markersize=4,
        label="numerical-gradient path search")
ax.axhline(0.1 * line_profile.barrier, color="0.3", linestyle=":", label="10 % of the straight line's barrier")
ax.set_xscale("log")
ax.legend(fontsize=8)
plotting.label_axes(ax, "barrier against cost", "loss evaluations spent (log scale)", "loss barrier of the path")
target = 0.1 * line_profile.barrier
reached = curve_hist["barrier"] <= target
assert reached.any()  # curve training gets below 10 % of the line's barrier ...
curve_cost = curve_hist["loss_evaluations"][np.argmax(reached)]  # ... first at this checkpoint
print(f"curve training reaches 10 % of the line's barrier after {curve_cost} loss evaluations; "
      f"the numerical search spent {search_hist['loss_evaluations'][-1]:,d} and is at "
      f"{search_hist['barrier'][-1] / line_profile.barrier:.0%} of it")
assert curve_cost * 10 < search_hist["loss_evaluations"][-1] and search_hist["barrier"][-1] > target
fig

# %% [markdown]
# Curve training reaches a path at 10 % of the straight line's barrier within a few hundred evaluations; the
# numerical search has spent thousands and is still well above that. A benchmark in `benchmarks/` measures the
# wall-clock version of this race.
#
# One more choice decides whether either search can say when it is done: the stopping rule. A rule such as
# "stop when the path's maximum loss is within 10 % of the endpoints' loss" is relative, so it is very strict
# when the endpoints' loss is near zero and very loose when it is large. The barrier, or the error barrier, is an
# absolute measure and compares paths across problems.

# %% [markdown]
# ## 8. Overparameterization: more parameters than examples
#
# Sections 3 and 5 found that wider networks connect more easily. Here is the count behind that. A network
# $f(\theta; x) \in \mathbb{R}^K$ with $P$ parameters, trained with the squared loss on $N$ examples,
#
# $$L(\theta) = \frac{1}{NK}\sum_{i=1}^{N} \|f(\theta; x_i) - y_i\|^2 ,$$
#
# reaches $L = 0$ exactly when it solves the $NK$ equations $f(\theta; x_i) = y_i$ in $P$ unknowns. With fewer
# unknowns than equations ($P < NK$) a generic target cannot be fitted at all; with more, the solutions — if any
# exist — are not points but a whole set. We use the squared loss on purpose: with cross-entropy on separable
# data there is no finite minimum to look at (the loss only approaches 0 as the weights grow without bound).
#
# The data: $N = 12$ random points in the plane with random targets $y_i \sim \mathcal{N}(0, 1)$ — nothing to
# generalise, pure memorisation, so the counting is clean. The network: 2-$h$-1 tanh, $P = 4h + 1$ parameters,
# $K = 1$ output, so $NK = 12$ equations and $P \ge NK$ from $h = 3$ on.
#
# ### Which trainings reach zero loss?
#
# **Predict.** We train each width $h \in \{1, 2, 3, 4, 6, 8, 16\}$ from 16 random initialisations (Adam,
# 1000 full-batch steps) and count the runs whose loss falls below 1 % of the targets' variance (the loss of the
# best constant). How does that fraction change with width — does it jump exactly where $P$ passes $NK$?

# %%
rng = default_rng(6)
X_memo, y_memo = rng.standard_normal((12, 2)), rng.standard_normal(12)  # 12 random points, 12 random targets
memo_widths = [1, 2, 3, 4, 6, 8, 16]
memo_nets, memo_fits = {}, {}
for h in memo_widths:  # 16 starts per width, trained side by side
    memo_nets[h] = models.MLP(X_memo, y_memo, hidden=(h,), activation="tanh", loss="mse")
    starts = np.stack([memo_nets[h].init(default_rng(100 * h + s)) for s in range(16)])
    memo_fits[h] = overparameterization.fit_from_starts(memo_nets[h], starts, steps=1000, lr=0.05)
fraction = {h: memo_fits[h].fraction_below(0.01) for h in memo_widths}
for h in memo_widths:
    print(f"h = {h:2d}, P = {memo_nets[h].dim:3d}: {fraction[h]:.0%} of 16 runs below 1 % of the variance "
          f"(median relative loss {np.median(memo_fits[h].relative_losses):.1e})")
# over 14 draws (COURSE_SEED 0-12 and perturbed): fraction at h = 1, 2 always 0; at h = 3 0-0.81; at h = 4
# 0.06-1.00; at h = 16 0.81-1.00
assert max(fraction[1], fraction[2]) == 0  # P < NK: no run fits
assert fraction[16] >= 0.7  # P ≈ 5 NK: (nearly) every run fits

# %%
fig, (ax_frac, ax_loss) = plotting.new_figure(1, 2, figsize=(11, 4.2))
params = [memo_nets[h].dim for h in memo_widths]
ax_frac.plot(params, [fraction[h] for h in memo_widths], "o-", color=plotting.OKABE_ITO[4],
             markeredgecolor="black", label="runs with loss < 1 % of variance")
for ax in (ax_frac, ax_loss):
    ax.axvline(12, color="0.3", linestyle="--", label="P = N·K = 12")
    ax.set_xscale("log")
    ax.set_xticks(params, [f"{p}\n(h={h})" for p, h in zip(params, memo_widths)])
    ax.minorticks_off()
for k, h in enumerate(memo_widths):
    rel = np.maximum(memo_fits[h].relative_losses, 1e-12)  # a perfect fit is drawn at the floor 1e-12
    jitter = params[k] * (1 + 0.06 * np.linspace(-1, 1, rel.size))
    ax_loss.plot(jitter, rel, "o", markersize=4, color=plotting.OKABE_ITO[0], markeredgecolor="black",
                 markeredgewidth=0.4, label="one run" if k == 0 else None)
ax_loss.axhline(0.01, color=plotting.OKABE_ITO[5], linestyle=":", label="1 % of variance")
ax_loss.set_yscale("log")
ax_frac.set_ylim(-0.05, 1.3)  # room for the legend above the data
ax_frac.legend(fontsize=8, loc="upper left", ncol=2)
ax_loss.legend(fontsize=8, loc="lower left")
plotting.label_axes(ax_frac, "runs that fit all 12 random targets (N·K = 12 equations)", "parameters P (hidden width h), log scale",
                    "fraction of 16 runs")
plotting.label_axes(ax_loss, "final loss of every run", "parameters P (hidden width h), log scale",
                    "loss / variance of targets (log)")
fig

# %% [markdown]
# Below $P = NK$ nothing fits — not a failure of training but of counting. Just past it, at $h = 3$ or 4, *some*
# runs fit and others stall at a loss of a few percent: solutions exist, but many starts end in a poor local
# minimum or an almost-flat region first (the fraction there varies a lot with the draw of the data). A few
# times wider and (nearly) every start fits. The threshold is not magic: the right panel shows the runs'
# losses themselves — runs that fit sit orders of magnitude below it, runs that stall sit near or above it, and
# the stalled ones become rare as the width grows. (Over fourteen draws of data and starts, no run fitted at
# $h \le 2$, while at $h = 16$ 81–100 % did; at $h = 3$ anywhere from 0 to 81 %.)
#
# ### At a global minimum: a manifold, not a point
#
# Why do more parameters help? The Hessian of the squared loss is
#
# $$\nabla^2 L(\theta) = \frac{2}{NK}\Big(J^\top J + \sum_{i,k} r_{ik}\,\nabla^2 f_k(\theta; x_i)\Big),
# \qquad J = \frac{\partial f}{\partial \theta} \in \mathbb{R}^{NK \times P},\quad r = f - y .$$
#
# At a zero-loss minimum every residual $r_{ik}$ is zero, so $\nabla^2 L = \frac{2}{NK} J^\top J$, whose rank is at
# most $NK$: **at least $P - NK$ eigenvalues are exactly zero**. When $J$ has full rank $NK$ there, the
# implicit-function theorem makes the zero-loss set near $\theta$ a smooth manifold of dimension $P - NK$ — the
# flat eigen-directions are its tangent space. Cooper (2018, "The loss landscape of overparameterized neural
# networks") proves that this is the generic situation: for $P > NK$ the global minima form a
# $(P - NK)$-dimensional manifold, not isolated points.
#
# **Predict.** Take the best run of widths 4, 8 and 16 ($P$ = 17, 33, 65), polish it to a zero of the loss
# (Gauss–Newton least squares on the 12 equations), and compute all $P$ eigenvalues of the Hessian. How many are zero at width 16?

# %%
flat = {}
for h in (4, 8, 16):
    best = memo_fits[h].thetas[np.argmin(memo_fits[h].losses)]
    flat[h] = overparameterization.minimum_flat_directions(
        memo_nets[h], overparameterization.fit_interpolant(memo_nets[h], best))
    fd = flat[h]
    print(f"h = {h:2d}: P = {fd.dim}, loss {fd.loss:.0e}; zero eigenvalues {fd.n_flat}, P − rank J = "
          f"{fd.dim - fd.jacobian_rank}, P − NK = {fd.bound}; smallest non-zero / largest "
          f"{fd.eigenvalues[fd.n_constraints - 1] / fd.eigenvalues[0]:.0e}")
    # over 14 draws × 3 widths: loss ≤ 1.4e-29; non-zero eigenvalues ≥ 1.6e-6 of the largest, zero ones
    # ≤ 3.8e-16 of it; the three counts equal in all 42 cases
    assert fd.loss < 1e-20  # a zero of the loss
    assert fd.eigenvalues[fd.n_constraints - 1] > 1e-7 * fd.eigenvalues[0]  # a clean gap on both sides of the
    assert np.abs(fd.eigenvalues[fd.n_constraints:]).max() < 1e-12 * fd.eigenvalues[0]  # threshold 1e-8
    assert fd.n_flat == fd.dim - fd.jacobian_rank == fd.bound  # exactly P − NK flat directions

# %%
fig, ax = plotting.new_figure(figsize=(7, 4))
for k, (h, marker) in enumerate(zip((4, 8, 16), "os^")):
    fd = flat[h]
    ax.plot(np.arange(1, fd.dim + 1), np.maximum(np.abs(fd.eigenvalues) / fd.eigenvalues[0], 1e-18), marker,
            linestyle="-", markersize=4, color=plotting.OKABE_ITO[k], markeredgecolor="black", markeredgewidth=0.4,
            label=f"h = {h}: P = {fd.dim}, {fd.n_flat} zero eigenvalues")
ax.axvline(12.5, color="0.3", linestyle="--", label="N·K = 12 equations")
ax.axhline(1e-8, color="0.3", linestyle=":", label="threshold for zero (10⁻⁸ of the largest)")
ax.set_yscale("log")
ax.legend(fontsize=8, loc="upper right")
plotting.label_axes(ax, "Hessian spectrum at a zero-loss minimum", "eigenvalue rank (largest first)",
                    "|eigenvalue| / largest (log scale)")
fig

# %% [markdown]
# For every width, exactly $NK = 12$ eigenvalues are non-zero and the other $P - 12$ drop by at least nine
# orders of magnitude, to the rounding floor. The count matches the rank of the Jacobian — a different matrix, computed by
# a different route — and equals Cooper's bound with no slack: these $J$ have full rank. A wider network does not
# get a sharper or rounder minimum; it gets a minimum with more flat directions to move along, at zero loss.
#
# ### Connected, and what is proven
#
# A $(P-NK)$-dimensional valley floor makes the picture of sections 3 and 5 plausible: with more room, two
# trainings can more easily be joined without leaving it — and section 3 measured it, the barrier after
# alignment shrinking from 4 to 16 hidden units. How much of this is theorem?
#
# *Proven:* that the zero-loss set is generically a $(P - NK)$-dimensional manifold when it is not empty
# (Cooper 2018); that for squared loss, analytic activations and one layer wider than $N$ (with a pyramidal
# structure above it), almost all local minima are global (Nguyen & Hein 2017, "The loss surface of deep and wide
# neural networks"); that gradient descent from random initialisation reaches zero training loss at a linear rate
# once the network is wide enough — polynomially wider than $N$ — because the weights barely move and the network
# behaves like its linearisation (Du et al. 2019, "Gradient descent provably optimizes over-parameterized neural
# networks"; Jacot et al. 2018, "Neural tangent kernel"); that sublevel sets of one-hidden-layer ReLU networks
# become connected as the width grows (Freeman & Bruna 2017, "Topology and geometry of half-rectified network
# optimization"); and that with enough width relative to an *intrinsic dimension* of the activation there are no
# spurious valleys — while for other activations such as ReLU spurious valleys exist for some data whatever the
# width (Venturi, Bandeira & Bruna 2019, "Spurious valleys in one-hidden-layer neural network optimization
# landscapes").
#
# *Not proven, and in general false:* "bigger networks have no bad minima". Narrow and moderately wide ReLU
# networks do have spurious local minima, hit often by gradient descent (Safran & Shamir 2018, "Spurious local
# minima are common in two-layer ReLU neural networks"), and the wide-network theorems need widths far beyond the
# ones used in practice. That *mild* overparameterization makes bad minima rare, as in our sweep, is an
# empirical regularity, well documented but not a theorem.

# %% [markdown]
# ## Summary
#
# - Networks trained from different seeds solve the task equally well yet sit far apart; the **straight line**
#   between two of them typically climbs a clear barrier, in the loss and in the error.
# - Hidden units can be **permuted** (and, for tanh, sign-flipped) without changing the function. **Weight
#   matching** undoes the relabelling; here it removes nearly all of the barrier, for the typical pair and the
#   hardest: independent seeds are linearly connected **once aligned** (the aligned straight line). For narrow
#   networks (4 hidden units) a barrier remains after alignment.
# - A **Bézier curve** trained on $\mathbb{E}_t L(\theta(t))$ connects the two minima through low loss (a barrier
#   under a tenth of the line's); on the plane through $(\theta_1, \theta_b, \theta_2)$ it bends around the ridge.
# - Copies **spawned from a shared parent** at step $k$ end up separated by a barrier when spawned at $k = 0$
#   (from a near-symmetric start) and linearly connected when spawned later: training becomes stable to noise
#   early (Frankle et al. 2020).
# - Searching for paths with **numerical gradients** costs $(P+1) \times 20$ loss evaluations per step, against
#   about 2 for curve training: the gap grows with the number of parameters.
# - **Overparameterization**: with fewer parameters than equations ($P < NK$) nothing fits random targets; a few
#   times more and nearly every start reaches zero loss. At a zero of the squared loss the Hessian is
#   $\frac{2}{NK}J^\top J$, so it has at least $P - NK$ zero eigenvalues — we counted exactly $P - NK$, matching
#   $P - \operatorname{rank} J$: the global minima form a manifold (Cooper 2018). "Wide networks have no bad
#   minima" holds only under the conditions of the theorems (Nguyen & Hein 2017, Du et al. 2019, Venturi et al.
#   2019); small ReLU networks do have bad minima (Safran & Shamir 2018).
#
# **Exercises:** [06 — mode connectivity exercises](../exercises/06_mode_connectivity_exercises.ipynb): the
# barrier of a straight path, a point and the tangent on a Bézier curve, permuting hidden units, and weight
# matching for one layer.
