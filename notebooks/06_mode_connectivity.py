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
# 4. test **linear mode connectivity** of copies spawned from a shared checkpoint (Frankle et al. 2020);
# 5. say why searching for a path with numerical gradients does not scale, in loss evaluations per step.

# %%
# %matplotlib widget
import itertools

import numpy as np

from course_utils import connectivity, data, models, optimizers, plotting
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


def train(seed):
    return optimizers.run(model, optimizers.adam(), model.init(default_rng(seed)), steps=400, lr=0.02).final_theta


nets = [train(seed) for seed in range(6)]
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
grid_x, grid_y = np.meshgrid(np.linspace(-1.6, 2.6, 120), np.linspace(-1.1, 1.6, 100))
grid = np.c_[grid_x.ravel(), grid_y.ravel()]
fig, axes = plotting.new_figure(2, 3, figsize=(11, 6), sharex=True, sharey=True)
for seed, (ax, th) in enumerate(zip(axes.ravel(), nets)):
    p = model.predict(th, grid).reshape(grid_x.shape)
    ax.contourf(grid_x, grid_y, p, levels=np.linspace(0, 1, 11), cmap=plotting.CMAP, alpha=0.7)
    ax.contour(grid_x, grid_y, p, levels=[0.5], colors="black", linewidths=2)
    ax.scatter(*X[y == 0].T, marker="o", s=10, facecolor="white", edgecolor="black", linewidth=0.5, label="class 0")
    ax.scatter(*X[y == 1].T, marker="^", s=12, color="black", label="class 1")
    plotting.label_axes(ax, f"network {seed}: accuracy {model.accuracy(th):.3f}",
                        "x₁" if seed >= 3 else "", "x₂" if seed % 3 == 0 else "")
axes[0, 0].legend(loc="lower left", fontsize=8)
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
# wide ResNets on CIFAR-10); for narrow networks a barrier remains after alignment.

# %% [markdown]
# ## 4. The curved path
#
# Garipov et al. (2018) asked the question without any symmetry argument: keep $\theta_1$ and $\theta_2$ fixed
# and look for a *curve* between them along which the loss stays low. (Draxler et al. (2018) found such paths at
# the same time with a different tool, the nudged elastic band of chemistry; both groups found that the minima
# of trained networks are joined by paths of nearly constant low loss.) Garipov et al.'s curve is a quadratic
# Bézier curve with one free "bend" $\theta_b$:
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
# the training loss along both paths, with a marker where you are. Switch between the straight line and the
# trained curve: on the line the boundary swings through a poor classifier around $t \approx 0.5$; on the curve it
# morphs from one solution to the other while staying a good classifier.

# %%
explorer = PathExplorer(model, {"straight line": line, "trained curve": curve})
explorer

# %%
# checked on a copy driven from code (your explorer above stays as you left it)
copy = PathExplorer(model, {"straight line": line, "trained curve": curve})
copy.set(path="straight line", t=0.5)
line_mid_accuracy = copy.state.accuracy
copy.set(path="trained curve", t=0.5)
print(copy.message_text)
assert copy.state.accuracy > line_mid_accuracy + 0.1
copy.close()

# %% [markdown]
# ### The plane through $(\theta_1, \theta_b, \theta_2)$
#
# The three points span a plane in the 65-dimensional parameter space. Garipov et al.'s figure shows the loss on
# that plane: the straight line cuts across a ridge, the curve bends around it. (The curve lies *in* this plane
# — every $\theta(t)$ is a combination of the three points — so drawing it here is exact, not a projection.)

# %%
plane = connectivity.plane_grid(model, theta_1, theta_2, curve.bends[0], resolution=61, margin=0.25)
fig, ax = plotting.new_figure(figsize=(6.4, 5))
levels = np.quantile(np.log10(plane.losses), np.linspace(0, 1, 16))
cs = ax.contourf(plane.x, plane.y, np.log10(plane.losses).T, levels=levels, cmap=plotting.CMAP)
fig.colorbar(cs, ax=ax, label="log₁₀ training loss")
t_dense = np.linspace(0, 1, 61)
for path, style, name in [(line, "--", "straight line"), (curve, "-", "trained curve")]:
    xy = plane.project(path.points(t_dense))
    ax.plot(*xy.T, linestyle=style, color="white", linewidth=2.2, label=name)
ax.plot(*plane.anchors[:2].T, "o", color="white", markeredgecolor="black", markersize=9, label="θ₁, θ₂")
ax.plot(*plane.anchors[2], "s", color=plotting.OKABE_ITO[0], markeredgecolor="black", markersize=8,
        label="bend θ_b")
ax.legend(loc="upper left", fontsize=8, framealpha=0.85)
plotting.label_axes(ax, "loss on the plane through θ₁, θ_b, θ₂", "direction θ₂ − θ₁", "orthogonal direction")
in_plane = np.abs(plane.lift(plane.project(curve.points(t_dense))) - curve.points(t_dense)).max()
assert in_plane < 1e-10  # the curve lies exactly in the plane
fig

# %% [markdown]
# ## 5. Linear mode connectivity and stability (Frankle et al. 2020)
#
# Frankle et al. trained a network for $k$ steps, then **spawned two copies** that continued with different
# samples of SGD noise (minibatch order, data augmentation), and measured the error barrier of the straight line
# between the copies' final weights. For standard vision networks on CIFAR-10 and ImageNet (ResNets, VGG,
# Inception), copies spawned at $k = 0$ ended up separated by an error barrier, but copies spawned a little way
# into training were linearly connected — training becomes *stable* to SGD noise early. Their small networks on
# MNIST (LeNet) were stable from initialisation.
#
# Here in miniature: network 0's initialisation, Adam with minibatches of 20, copies spawned at
# $k \in \{0, 20, 100\}$ and trained 300 more steps each.

# %%
parent = optimizers.run(model, optimizers.adam(), model.init(default_rng(0)), steps=100, lr=0.05,
                        batch_size=20, rng=99)
spawn_steps, spawn_barriers = [0, 20, 100], []
for k in spawn_steps:
    copies = [optimizers.run(model, optimizers.adam(), parent.thetas[k], steps=300, lr=0.05, batch_size=20,
                             rng=order).final_theta for order in (1, 2)]
    prof = connectivity.path_profile(model, connectivity.Path.line(*copies))
    spawn_barriers.append((prof.barrier, prof.error_barrier))
    print(f"spawned at k = {k:3d}: loss barrier {prof.barrier:.3f}, error barrier {prof.error_barrier:.3f}")
spawn_barriers = np.array(spawn_barriers)
print(f"independent initialisations: median loss barrier {np.median(pair_barriers):.3f} over 15 pairs")
assert spawn_barriers[:, 0].max() < np.median(pair_barriers)  # below the typical independent pair's barrier
assert spawn_barriers[-1, 1] <= 0.02  # spawned late: linearly connected in error (at most 4 of 200 points)

# %%
fig, ax = plotting.new_figure(figsize=(6, 3.6))
ax.plot(spawn_steps, spawn_barriers[:, 0], "o-", label="spawned copies: loss barrier")
ax.plot(spawn_steps, spawn_barriers[:, 1], "s--", label="spawned copies: error barrier")
ax.axhline(np.median(pair_barriers), color="0.3", linestyle=":", label="independent seeds: median loss barrier")
ax.legend(fontsize=8)
plotting.label_axes(ax, "barrier between copies spawned at step k", "spawn step k", "barrier")
fig

# %% [markdown]
# What this shows, honestly: on a network this small, copies that share their initialisation are already
# (nearly) linearly connected when spawned at $k = 0$ — like Frankle et al.'s MNIST networks, and unlike their
# CIFAR-10 and ImageNet ones: the barriers are small next to those between independent seeds. The *instability*
# early in training needs larger networks and harder data; what survives at this scale is the main contrast:
# **shared initialisation → one valley along a straight line; independent initialisation → a barrier** (which,
# as section 3 showed, is mostly symmetry).

# %% [markdown]
# ## 6. What it is good for: ensembles along the curve
#
# Garipov et al. used the networks along a trained curve as an ensemble: averaging their predictions can beat
# each member. We measure it on 1000 fresh test points.

# %%
X_test, y_test = data.two_moons(1000, noise=0.15, rng=1)
test_model = model.with_data(X_test, y_test)
members = curve.points(np.linspace(0, 1, 5))
single = [test_model.accuracy(th) for th in members]
print("test accuracy at t = 0, 0.25, 0.5, 0.75, 1:", np.round(single, 3))
ends = connectivity.ensemble_accuracy(test_model, np.stack([theta_1, theta_2]))
along = connectivity.ensemble_accuracy(test_model, members)
print(f"ensemble of the two endpoints: {ends:.3f};  ensemble of 5 points on the curve: {along:.3f}")
assert min(single[1:4]) >= min(single[0], single[4]) - 0.01  # on the curve as good as the ends (within 10 of 1000)
assert abs(along - ends) < 0.01  # ... but here the ensemble gains nothing worth mentioning

# %% [markdown]
# The networks sampled along the curve are as good as the endpoints on *test* data too (within a few of the
# 1000 test points): the curve is a one-parameter family of good solutions. The ensemble gains nothing here,
# because on this easy problem all the members make nearly the same predictions — ensembles help only when
# their members disagree, as networks on harder data do.

# %% [markdown]
# ## 7. Why not search by numerical gradients?
#
# A simpler-looking method is often sketched: place bends on a polygonal path, take as cost the **maximum** loss
# at 10 sample points per segment, and descend with a **numerical gradient** — nudge one coordinate of the bends
# at a time by $\varepsilon$ and re-evaluate the whole path. It works in principle (the course implements it as
# `connectivity.numerical_gradient_path_search`), but each step costs
#
# $$(\text{bends} \cdot P + 1) \times (\text{segments} \times 10) \text{ loss evaluations},$$
#
# while curve training costs one forward and one backward pass per step, about 2 evaluations, whatever $P$ is.
# The maximum is also a poor cost to differentiate: its gradient only sees the single worst sample point.

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
search = connectivity.numerical_gradient_path_search(model, theta_1, theta_2, steps=10, lr=0.1, eval_every=1)
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
# numerical search has spent over ten thousand and is still well above that. A benchmark in `benchmarks/`
# measures the wall-clock version of this race.
#
# Two more pitfalls of such a search are worth knowing. Declaring the path good when its maximum loss is within
# 10 % *of the endpoints' loss* is a relative threshold, very strict for near-zero losses and very loose for
# large ones — compare barriers, or errors, instead. And finite differences buy nothing when the exact gradient
# is available: with autograd it costs about one extra pass.

# %% [markdown]
# ## Summary
#
# - Networks trained from different seeds solve the task equally well yet sit far apart; the **straight line**
#   between two of them typically climbs a clear barrier, in the loss and in the error.
# - Hidden units can be **permuted** (and, for tanh, sign-flipped) without changing the function. **Weight
#   matching** undoes the relabelling; here it removes nearly all of the barrier for the typical pair.
# - A **Bézier curve** trained on $\mathbb{E}_t L(\theta(t))$ connects the two minima through low loss (a barrier
#   under a tenth of the line's); on the plane through $(\theta_1, \theta_b, \theta_2)$ it bends around the ridge.
# - Copies **spawned from a shared checkpoint** are (nearly) linearly connected here, even from $k = 0$;
#   independent seeds typically are not.
# - Points along the curve are good networks; ensembles help only when members disagree.
# - Searching for paths with **numerical gradients** costs $(P+1) \times 20$ loss evaluations per step, against
#   about 2 for curve training: the gap grows with the number of parameters.
#
# **Exercises:** [06 — mode connectivity exercises](../exercises/06_mode_connectivity_exercises.ipynb): the
# barrier of a straight path, a point and the tangent on a Bézier curve, permuting hidden units, and weight
# matching for one layer.
