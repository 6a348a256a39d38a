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
# # Chapter 4 — Saddle points, plateaus, and the optimizers that escape them
#
# Chapter 3 showed that in many dimensions almost every critical point is a saddle. This chapter asks the
# practical question: **what does a saddle do to an optimizer, and what gets it out?**
#
# **By the end of this chapter you can**
#
# 1. predict how many steps gradient descent lingers near a strict saddle — $\ln(1/\varepsilon)/\ln(1+\eta|\lambda_{\min}|)$ —
#    and check the formula against measurements;
# 2. explain why Newton's method is *attracted* to saddles while gradient descent, momentum, perturbed gradient
#    descent and saddle-free Newton leave them;
# 3. state the update rules of Nesterov, Adagrad, RMSProp and Adam, race nine optimizers across classic non-convex
#    landscapes and say where each one ends; explain why a line search, L-BFGS and a trust region are not drawn
#    into a saddle, and what the natural gradient's Fisher matrix is; show where per-coordinate rates help (rare
#    features) and how they can pick a worse-generalizing fit (Wilson et al. 2017), and what later work qualified;
# 4. read a convergence map of momentum over (learning rate, momentum) and locate its optimum;
# 5. recognise a plateau in a loss curve as a saddle, and watch a deep linear network learn one singular value
#    at a time (Saxe et al. 2014).

# %%
# %matplotlib widget
import numpy as np

from course_utils import data, functions, momentum, optimizers, plateaus, plotting, saddles
from course_utils.critical import classify_hessian
from course_utils.models import LinearRegression
from course_utils.randomness import default_rng
from course_utils.widgets import MomentumMapExplorer, OptimizerRace, SaddleEscape

# %% [markdown]
# ## 1. Life near a saddle
#
# Take $f(x, y) = x^2 - y^2$: Hessian $\mathrm{diag}(2, -2)$, a strict saddle at the origin. Gradient descent with
# step $\eta$ acts on each coordinate separately:
#
# $$x_{k+1} = (1 - 2\eta)\,x_k, \qquad y_{k+1} = (1 + 2\eta)\,y_k .$$
#
# Start at $(1, \varepsilon)$. The $x$ coordinate falls towards the saddle quickly; the $y$ coordinate — the
# component along the escape direction — grows by the factor $1 + \eta|\lambda_{\min}|$ each step. It reaches
# $|y| = 1$ after
#
# $$k_{\text{escape}} = \left\lceil \frac{\ln(1/\varepsilon)}{\ln(1 + \eta|\lambda_{\min}|)} \right\rceil
# \;\approx\; \frac{\ln(1/\varepsilon)}{\eta\,|\lambda_{\min}|} \text{ steps.}$$
#
# **Predict first.** With $\eta = 0.05$, $\varepsilon = 10^{-3}$ costs 73 steps. What does $\varepsilon = 10^{-9}$ — a
# million times closer to the saddle — cost: a million times as many steps, about three times as many, or the same?

# %%
eps = np.logspace(-1, -12, 12)
saddle = functions.get("saddle")                    # x² − y²
H = saddle.hessian(np.zeros(2))
lam_min = float(np.linalg.eigvalsh(H)[0])
starts = np.column_stack([np.ones_like(eps), eps])
measured = saddles.gd_escape_steps_quadratic(H, starts, lr=0.05, radius=1.0, direction=[0, 1])
fit = saddles.fit_escape_times(eps, measured, lr=0.05, lam_min=lam_min)
print(f"λ_min = {lam_min:g}; fitted slope {fit.slope:.3f} steps per unit of ln(1/ε), "
      f"theory 1/ln(1 + η|λ_min|) = {fit.slope_theory:.3f}")
print("ε = 1e-3 →", int(measured[2]), "steps;  ε = 1e-9 →", int(measured[8]), "steps")
assert measured[2] == 73 and measured[8] - measured[2] == np.ceil(6 * np.log(10) / np.log1p(0.1))
assert fit.relative_slope_error < 0.01
assert np.all(np.abs(measured - fit.theory) <= 1)           # the closed form, up to rounding up

# %% [markdown]
# About three times as many: 145 more steps ($6 \ln 10 \,/\, \ln 1.1 \approx 145$) — *logarithmic* in $1/\varepsilon$. A strict saddle slows
# gradient descent but does not trap it: only the measure-zero set of starts with $\varepsilon = 0$ exactly stays
# forever. Lee et al. (2016) prove it in general: from a random start, gradient descent with a step below $1/L$
# ($L$ the largest curvature anywhere) almost surely does not converge to a strict saddle. (It is often said that
# GD "gets stuck" at a saddle because "the slope is zero": that is true only on that set. It is also said that
# escape "can take exponentially long": a single strict saddle costs $\log(1/\varepsilon)$ steps; the exponential
# slow-downs of Du et al. (2017) need a *chain* of saddles passed one after another.)
#
# The batched simulation agrees with the course's general optimizer loop to the last digit:

# %%
one = optimizers.run(saddle, optimizers.gd(), [1.0, 1e-6], steps=200, lr=0.05)
k_run = saddles.escape_step(one.thetas, [0, 0], 1.0, direction=[0, 1])
print(one.message, "| escape step from the run loop:", k_run)
assert k_run == measured[5]

# %% [markdown]
# **Explore.** Drag $\varepsilon$ and $\eta$. Switch to $5x^2 - y^2$ (eigenvalues 10 and −2): the escape time does not
# change — it depends only on $\lambda_{\min}$ — but now $\eta > 2/10$ makes GD blow up along $x$. The largest
# curvature caps the learning rate; the most negative one sets the escape speed.

# %%
SaddleEscape()

# %% [markdown]
# ### Degenerate saddles: nothing to push along
#
# The logarithm came from the factor $1 + \eta|\lambda_{\min}|$: a negative eigenvalue multiplies the escape
# component every step. At a **degenerate** saddle the Hessian has no negative eigenvalue — only a zero one — and
# the push comes from higher-order terms, which are weak near the saddle. Take $f = x^2 + y^3$ and
# $f = x^2 - y^4$ (both have Hessian $\mathrm{diag}(2, 0)$ at the origin). Along $y$, gradient descent follows,
# for small $\eta$, the gradient flow $\dot y = -3y^2$ resp. $\dot y = 4y^3$, which solve exactly: from $|y_0| =
# \varepsilon$ to $|y| = 1$ takes
#
# $$k_{\text{cubic}} \approx \frac{1/\varepsilon - 1}{3\eta}, \qquad k_{\text{quartic}} \approx \frac{1/\varepsilon^2 - 1}{8\eta}
#   \qquad\text{vs.}\qquad k_{\text{strict}} = \frac{\ln(1/\varepsilon)}{\ln(1 + 2\eta)} \text{ for } x^2 - y^2 .$$
#
# Polynomial in $1/\varepsilon$, not logarithmic. (The $x$ coordinate shrinks by $1 - 2\eta$ per step in all
# three and does not affect the escape; we simulate $y$.)

# %%
def escape_steps_1d(grad_y, y0, lr=0.05, max_steps=20_000):
    """Steps until |y| ≥ 1 under y ← y − η f'(y), for each start (NaN: not within max_steps)."""
    steps = []
    for y in np.asarray(y0, dtype=float).tolist():  # plain floats: thousands of scalar steps run fastest in Python
        k = np.nan
        for t in range(1, max_steps + 1):
            y -= lr * grad_y(y)
            if abs(y) >= 1:
                k = t
                break
        steps.append(k)
    return np.array(steps)


eps_d = {"strict": np.logspace(-1, -6, 6), "cubic": np.logspace(-1, -3, 5), "quartic": np.logspace(-0.5, -1.75, 6)}
degenerate = {
    "strict  x² − y²": (escape_steps_1d(lambda y: -2 * y, eps_d["strict"]),
                        np.log(1 / eps_d["strict"]) / np.log1p(0.1), eps_d["strict"]),
    "cubic  x² + y³": (escape_steps_1d(lambda y: 3 * y**2, -eps_d["cubic"]),
                       (1 / eps_d["cubic"] - 1) / (3 * 0.05), eps_d["cubic"]),
    "quartic  x² − y⁴": (escape_steps_1d(lambda y: -4 * y**3, eps_d["quartic"]),
                         (1 / eps_d["quartic"] ** 2 - 1) / (8 * 0.05), eps_d["quartic"]),
}
for name, (k_meas, k_theory, e) in degenerate.items():
    print(f"{name:18s} ε = {e[0]:.2g}: {k_meas[0]:6.0f} steps … ε = {e[-1]:.2g}: {k_meas[-1]:6.0f} steps "
          f"(flow: {k_theory[-1]:.0f})")
for name in ("cubic  x² + y³", "quartic  x² − y⁴"):
    k_meas, k_theory, e = degenerate[name]
    assert np.all((k_meas >= k_theory) & (k_meas <= 1.15 * k_theory))     # the gradient-flow count, to 15 %
power = {name: np.polyfit(np.log(1 / e[-3:]), np.log(k[-3:]), 1)[0] for name, (k, _, e) in degenerate.items()
         if name != "strict  x² − y²"}
print("escape steps ∝ (1/ε)^p with p =", {k: round(v, 2) for k, v in power.items()})
assert abs(power["cubic  x² + y³"] - 1) < 0.05 and abs(power["quartic  x² − y⁴"] - 2) < 0.05

# %%
fig, ax = plotting.new_figure(figsize=(7.8, 3.6))
theory_labels = ["ln(1/ε) / ln(1 + 2η)", "flow: (1/ε − 1) / (3η)", "flow: (1/ε² − 1) / (8η)"]
for (name, (k_meas, k_theory, e)), style, tl in zip(degenerate.items(), plotting.series_styles(3), theory_labels):
    ax.plot(1 / e, k_meas, linestyle="none", marker=style["marker"], color=style["color"], label=f"{name}: GD")
    ax.plot(1 / e, k_theory, linestyle=style["linestyle"], color=style["color"], linewidth=1.2, label=f"   {tl}")
ax.set_xscale("log")
ax.set_yscale("log")
plotting.label_axes(ax, "escape time: strict vs degenerate saddles (η = 0.05)", "1/ε (log scale)",
                    "steps until |y| ≥ 1 (log scale)")
ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
fig

# %% [markdown]
# On log-log axes the strict saddle's count barely rises (it grows like $\ln(1/\varepsilon)$), while the cubic's
# grows like $1/\varepsilon$ and the quartic's like $1/\varepsilon^2$: ten times closer costs ten resp. a hundred
# times as many steps. Perturbations help less here too: a jump of size $r$ only starts the slow polynomial escape
# from $|y| \approx r$. This is why the theory of saddle escape (Lee et al. 2016; Jin et al. 2017) assumes *strict*
# saddles.

# %% [markdown]
# ## 2. Who gets stuck?
#
# The six-hump camel has a saddle at the origin with Hessian eigenvalues $\pm\sqrt{65} \approx \pm 8.06$. We
# start five optimizers at $(0.05, 0.05)$, and two of them again at the saddle itself.
#
# **Predict first.** Newton's method is the "smart" second-order method. Does it leave the saddle faster than
# gradient descent?

# %%
camel = functions.get("six_hump_camel")
print(classify_hessian(camel.hessian(np.zeros(2))).describe())
runs = {  # (rule, learning rate, steps, stop once ‖∇f‖ < tol)
    "Newton": (optimizers.newton(), 1.0, 30, 1e-6),
    "GD": (optimizers.gd(), 0.02, 300, 1e-6),
    "momentum": (optimizers.momentum(0.9), 0.02, 300, 1e-6),
    # perturbed GD acts *because* ‖∇f‖ is small: no tol (it runs all 300 steps, jumping again at the minimum)
    "perturbed GD": (optimizers.perturbed_gd(radius=0.01), 0.02),
    "saddle-free Newton": (optimizers.saddle_free_newton(1e-3), 1.0, 60, 1e-6),
}
near = saddles.compare_at_saddle(camel, [0, 0], [0.05, 0.05], runs, steps=300, radius=0.3, rng=0)
for name, out in near.items():
    print(f"{name:19s} escaped at step {out.escape_step!s:5s} → {out.endpoint.label}")

# %%
assert near["Newton"].endpoint.kind == "saddle" and not near["Newton"].escaped
assert near["GD"].endpoint.kind == "global minimum"
assert near["momentum"].escape_step < near["GD"].escape_step
assert near["saddle-free Newton"].escape_step <= 3 < near["GD"].escape_step
assert near["saddle-free Newton"].endpoint.kind in ("minimum", "global minimum")

# %% [markdown]
# Newton's step $-H^{-1}\nabla f$ solves $\nabla f = 0$; it cannot tell a saddle from a minimum. Along the negative
# direction $H^{-1}$ flips the sign of the gradient, so Newton walks *uphill* towards the saddle and lands on it.
# **Saddle-free Newton** (Dauphin et al. 2014) uses $|H| = Q|\Lambda|Q^\top$ instead: Newton's step along
# positive curvature, a *downhill* step of size $|g_i/\lambda_i|$ along negative curvature. It escapes in a few
# steps — and note where it lands: with damping $10^{-3}$ its first steps are so long that it ends in a *local*
# minimum (value ≈ −0.216), not the global one GD finds. Curvature buys speed, not a better basin.
#
# From *exactly* the saddle the gradient is zero: gradient descent never moves; perturbed gradient descent
# (Jin et al. 2017) notices the small gradient, jumps to a random point in a ball of radius $r$, and the
# negative curvature does the rest.

# %%
exact = saddles.compare_at_saddle(camel, [0, 0], [0.0, 0.0], {k: runs[k] for k in ("GD", "perturbed GD")},
                                  steps=300, rng=0)
for name, out in exact.items():
    print(f"{name:13s} escaped at step {out.escape_step!s:5s} → {out.endpoint.label}")
assert exact["GD"].endpoint.kind == "saddle"
assert exact["perturbed GD"].endpoint.kind == "global minimum"

# %%
fig, ax = plotting.new_figure(figsize=(6.4, 4.0))
plotting.plot_contour(ax, camel, levels=25, colorbar=True, title="six-hump camel: five optimizers from (0.05, 0.05)")
for (name, out), style in zip(near.items(), plotting.series_styles(len(near))):
    plotting.plot_trajectory(ax, out.trajectory, label=name, style=style, bounds=camel.bounds)
ax.legend(fontsize=8, loc="lower left")
fig

# %% [markdown]
# ### How long does "the rest" take? A fitted slope, not one run
#
# One perturbed run is one random draw, and its escape step depends on where in the ball the jump landed. Section 1
# says how: a jump whose component along the escape eigenvector is $c$ needs about
# $\ln(R/|c|)/\ln(1 + \eta|\lambda_{\min}|)$ steps to reach distance $R$, plus a constant for the curved part of the
# path on the way out. So the claim to test is about the **slope** of escape step against $\ln(1/|c|)$ over many
# draws, not about any single run. We draw 200 jumps from the same ball ($r = 0.01$) and run gradient descent from
# each (`saddles.gd_escape_steps` runs all 200 at once, one batched gradient per step).
#
# **Predict first.** With $\eta = 0.02$ and $\lambda_{\min} = -8.06$, how many extra steps does each factor $e$
# closer to the saddle cost: about $1/(\eta|\lambda_{\min}|) = 6.20$, or $1/\ln(1 + \eta|\lambda_{\min}|)$, or neither?

# %%
lam_camel, vecs_camel = np.linalg.eigh(camel.hessian(np.zeros(2)))
rng = default_rng(0)
jumps = np.array([optimizers.uniform_ball(rng, 2, 0.01) for _ in range(200)])  # perturbed GD's first move
c = jumps @ vecs_camel[:, 0]                                                    # component along the escape direction
escape = saddles.gd_escape_steps(camel, [0, 0], jumps, lr=0.02, radius=0.3, max_steps=300)
pfit = saddles.fit_escape_times(c, escape, lr=0.02, lam_min=lam_camel[0], radius=0.3)
lo95, hi95 = pfit.slope_interval(0.95)
flow_slope = 1 / (0.02 * abs(lam_camel[0]))
print(f"{pfit.n_fitted} of {len(jumps)} jumps escaped, after {escape.min():.0f} to {escape.max():.0f} steps")
print(f"fitted slope {pfit.slope:.3f} ± {pfit.slope_stderr:.3f} steps per e-fold (95 % interval {lo95:.3f} to "
      f"{hi95:.3f}); theory 1/ln(1 + η|λ_min|) = {pfit.slope_theory:.3f}; gradient flow 1/(η|λ_min|) = {flow_slope:.3f}")
lo, hi = pfit.slope_interval(0.9999)
assert pfit.n_fitted == len(jumps)                   # every jump escapes
assert lo < pfit.slope_theory < hi                   # the discrete-time rate, within the fit's error ...
assert not lo < flow_slope < hi                      # ... and the fit is sharp enough to tell it from gradient flow's

# %%
fig, ax = plotting.new_figure(figsize=(6, 3.6))
x = np.log(1 / np.abs(c))
ax.plot(x, escape, "o", markersize=3, alpha=0.6, color=plotting.OKABE_ITO[4], label="one jump each")
xs_fit = np.array([x.min(), x.max()])
ax.plot(xs_fit, pfit.intercept + pfit.slope * xs_fit, "k-", label=f"fitted slope {pfit.slope:.2f}")
ax.plot(xs_fit, pfit.intercept + pfit.slope_theory * (xs_fit - x.mean()) + pfit.slope * x.mean(), "--",
        color=plotting.OKABE_ITO[5], label=f"theory's slope {pfit.slope_theory:.2f}")
plotting.label_axes(ax, "perturbed GD from the camel's saddle: 200 jumps", "ln(1/|c|)", "escape step (‖θ‖ ≥ 0.3)")
ax.legend(fontsize=8)
fig

# %% [markdown]
# Every jump escapes, but when varies from draw to draw (the range is printed above) — that spread is the draw, not
# the law. The fitted slope is the discrete-time rate $1/\ln(1+\eta|\lambda_{\min}|) \approx 6.69$ steps per e-fold, and it rules out the
# gradient-flow estimate 6.20. The cell asserts on a 99.99 % interval, not the 95 % one printed: a 95 % interval
# misses the true slope in one experiment out of twenty, so a check on it would fail for one seed in twenty even
# with the theory exactly right; at 99.99 % that happens once in ten thousand, and the interval is still narrow
# enough to reject 6.20. Over sixteen seeds (and a run with perturbed rounding) the fitted slope lay within 2.7
# standard errors of the theory's, with a spread of about one standard error, as it should if the theory is right;
# the gradient-flow slope was never closer than 19 standard errors.

# %% [markdown]
# ## 3. The Optimizer Race
#
# ### The racers
#
# GD, heavy-ball momentum, Newton, saddle-free Newton and perturbed GD you have met. Four more race, all built
# from the gradient $g_t = \nabla L(\theta_t)$ alone (operations on vectors are per coordinate; $\epsilon \approx
# 10^{-8}$ only avoids division by zero):
#
# | rule | update | the idea | on a landscape |
# |---|---|---|---|
# | **Nesterov** (1983; Sutskever et al. 2013) | $v_{t+1} = \beta v_t - \eta\nabla L(\theta_t + \beta v_t)$, $\theta_{t+1} = \theta_t + v_{t+1}$ | momentum, but the gradient is taken where the momentum is about to carry you | corrects an overshoot one step earlier than heavy ball: less oscillation across a valley |
# | **Adagrad** (Duchi et al. 2011) | $G_t = G_{t-1} + g_t^2$, $\theta_{t+1} = \theta_t - \eta\, g_t/(\sqrt{G_t} + \epsilon)$ | each coordinate's step shrinks with the sum of its past squared gradients | steep coordinates are tamed, rare ones keep large steps — but the sum only grows, so it slows down for good, also on a plateau |
# | **RMSProp** (Tieleman & Hinton 2012) | $s_t = \rho s_{t-1} + (1-\rho) g_t^2$, $\theta_{t+1} = \theta_t - \eta\, g_t/(\sqrt{s_t} + \epsilon)$ | Adagrad with a moving average ($\rho \approx 0.9$) instead of a sum: it forgets | the step is about $\eta$ in every coordinate whatever the gradient's size: fast on flat stretches, a fixed-size jitter near a minimum |
# | **Adam** (Kingma & Ba 2015) | $m_t = \beta_1 m_{t-1} + (1-\beta_1)g_t$, $v_t = \beta_2 v_{t-1} + (1-\beta_2)g_t^2$, bias-corrected $\hat m_t = m_t/(1-\beta_1^t)$, $\hat v_t = v_t/(1-\beta_2^t)$; $\theta_{t+1} = \theta_t - \eta\,\hat m_t/(\sqrt{\hat v_t}+\epsilon)$ | momentum on top of RMSProp's per-coordinate scaling | steps of size about $\eta$ along the averaged direction: it crosses plateaus and leaves saddles at a speed set by $\eta$, not by the slope |
#
# The adaptive rules divide by the gradient's own size, so near a saddle, where the gradient is tiny, they do not
# slow down the way GD does — a reason they often leave saddles faster (the race shows it), not a guarantee.
#
# ### The race
#
# Nine optimizers, one start, one landscape. Tick optimizers on and off, pick a landscape, move the start. The
# legend and the message line say where each run ended: the global minimum, a local one, a saddle, or
# "diverged at step $k$". Perturbed GD runs Jin et al.'s full algorithm, termination rule included: when the
# gradient is small it jumps, and if $t_{\text{thres}}$ steps later the loss has not fallen by $f_{\text{thres}}$ it
# goes back to where it jumped from and stops — at a minimum you see one jump in its loss curve, then the end.
# Heavy sliders recompute when you release them; each optimizer's run is cached, so
# changing $\beta$ reruns only momentum and Nesterov.
#
# Things to try (each has a concrete target):
#
# - **Rosenbrock** (set steps to 1000): find plain GD's largest learning rate that does not diverge — how close to
#   the minimum $(1, 1)$ does it get there? Then tick momentum and get it to within $10^{-3}$ of the minimum. (GD
#   crawls along the curved valley floor at every stable learning rate; momentum builds up speed along it.) Compare
#   Adam and Newton.
# - **Himmelblau** from the default start, just next to the local maximum: which optimizers end in *different*
#   minima, and which one is drawn to the maximum? Move the start by one notch: next to a maximum the basins of
#   all four minima meet, so the smallest move can change where a run ends.
# - **six-hump camel** from $(0, 0)$ exactly: which optimizers ever leave?
# - **monkey saddle**: its Hessian is zero at the origin — a *degenerate* critical point. How does Newton behave?
# - **Rastrigin**: does any optimizer reach the global minimum at the origin from $(2.3, 1.7)$?

# %%
race = OptimizerRace()
race

# %%
# checked at the starting settings (from the race's cache), so the check holds whatever you did with it above
entries = race.starting_state().entries
assert entries["newton"].endpoint.kind == "saddle"
assert entries["gd"].endpoint.kind == entries["perturbed_gd"].endpoint.kind == "global minimum"

# %% [markdown]
# ### Step-size control and curvature, done properly
#
# Pure Newton walks uphill into the camel's saddle because nothing checks that a step *lowers* the loss. Three
# standard tools do check, and none of them is attracted:
#
# - **Backtracking (Armijo) line search**: try $\eta = 1$ along $-g$; halve it until
#   $L(\theta - \eta g) \le L(\theta) - c\,\eta\,\|g\|^2$ (here $c = 10^{-4}$) — every accepted step lowers the
#   loss, and no learning rate has to be tuned.
# - **L-BFGS** (Liu & Nocedal 1989): a quasi-Newton method that builds a positive-definite approximation of
#   $H^{-1}$ from the last few gradient differences, with a line search; `scipy.optimize.minimize(method="L-BFGS-B")`.
#   Because its curvature model is positive definite, its step is always a descent direction.
# - **Trust region with negative curvature** (`method="trust-exact"`, Moré & Sorensen 1983): minimise the quadratic
#   model $g^\top p + \tfrac12 p^\top H p$ over a ball $\|p\| \le \Delta$ using the *true* Hessian. Where $H$ has a
#   negative eigenvalue the model is unbounded below, so the solution lies on the ball's edge and follows the
#   negative-curvature direction downhill — Newton's information, used the right way round.
#
# **Predict first.** From $(0.05, 0.05)$, where does each end? And from *exactly* $(0, 0)$?

# %%
from scipy.optimize import minimize  # noqa: E402


def armijo_gd(obj, theta, steps=200, c=1e-4, tol=1e-8):
    """Gradient descent with backtracking: start at η = 1, halve until the Armijo condition holds."""
    path = [np.asarray(theta, float)]
    for _ in range(steps):
        g, f0 = obj.grad(path[-1]), obj.loss(path[-1])
        if np.linalg.norm(g) < tol:
            break
        eta = 1.0
        while obj.loss(path[-1] - eta * g) > f0 - c * eta * (g @ g):
            eta /= 2
        path.append(path[-1] - eta * g)
    return np.array(path)


def scipy_path(method, start):
    path = [np.asarray(start, float)]
    res = minimize(camel.loss, path[0], jac=camel.grad, method=method,
                   hess=camel.hessian if method.startswith("trust") else None,
                   callback=lambda xk, *args: path.append(np.array(xk)))
    return res, np.array(path)


careful = {}
for start in ((0.05, 0.05), (0.0, 0.0)):
    lbfgs, p_lbfgs = scipy_path("L-BFGS-B", start)
    trust, p_trust = scipy_path("trust-exact", start)
    careful[start] = {"Armijo GD": armijo_gd(camel, start), "L-BFGS": p_lbfgs, "trust-exact": p_trust,
                      "Newton": optimizers.run(camel, optimizers.newton(), start, steps=30, lr=1.0).thetas}
f_global = camel.loss(np.array([0.0898, -0.7126]))
for start, paths in careful.items():
    for name, path in paths.items():
        print(f"from {start}: {name:11s} {len(path) - 1:3d} steps → ({path[-1][0]:+.4f}, {path[-1][1]:+.4f}), "
              f"loss {camel.loss(path[-1]):+.4f}")

# %%
for name in ("Armijo GD", "L-BFGS", "trust-exact"):
    path = careful[(0.05, 0.05)][name]
    losses_path = np.array([camel.loss(p) for p in path])
    assert np.all(np.diff(losses_path) <= 1e-12)                  # each accepted step lowers the loss ...
    assert abs(losses_path[-1] - f_global) < 1e-6                  # ... all the way into a global minimum
    assert np.all(careful[(0.0, 0.0)][name][-1] == 0.0)            # but from exactly the saddle: no step at all
assert np.linalg.norm(careful[(0.05, 0.05)]["Newton"][-1]) < 1e-6  # pure Newton: drawn into the saddle
n_iter = {name: len(path) - 1 for name, path in careful[(0.05, 0.05)].items()}
assert 2 * n_iter["trust-exact"] < n_iter["Armijo GD"]        # curvature pays: far fewer iterations

# %%
fig, ax = plotting.new_figure(figsize=(6.4, 4.0))
plotting.plot_contour(ax, camel, levels=25, colorbar=True, title="six-hump camel from (0.05, 0.05): careful steps")
for (name, path), style in zip(careful[(0.05, 0.05)].items(), plotting.series_styles(4)):
    plotting.plot_trajectory(ax, path, label=name, style=style, bounds=camel.bounds)
ax.legend(fontsize=8, loc="lower left")
fig

# %% [markdown]
# From $(0.05, 0.05)$ all three careful methods end in a global minimum, each step lowering the loss; pure Newton
# lands on the saddle. The trust region needs the fewest iterations — it uses the Hessian, including its negative
# eigenvalue. From *exactly* the saddle none of them moves: each stops because $\|\nabla L\| = 0$ passes its
# convergence test, which only asks for a *first-order* stationary point. Leaving from there takes a perturbation
# (perturbed GD) or an explicit check that $\lambda_{\min}(H) \ge 0$ — a *second-order* stationarity test; a trust
# region that used the negative eigenvector even at zero gradient would move, but SciPy's stops first.
#
# ### Natural gradient: steepest descent in the space of predictions
#
# Gradient descent takes the steepest step for a small change $\|\Delta\theta\|$ of the *parameters*. The natural
# gradient (Amari 1998) takes the steepest step for a small change of the model's *predictive distribution*,
# measured by the KL divergence, whose second-order expansion is $\tfrac12\Delta\theta^\top F\Delta\theta$ with
# the **Fisher information**
#
# $$F = \frac1n\sum_i \mathbb E_{y\sim p_\theta(\cdot\mid x_i)}\big[s_i(y)\,s_i(y)^\top\big],\qquad
#   s_i(y) = \nabla_\theta \log p_\theta(y\mid x_i),$$
#
# the mean outer product of per-example *score* gradients. The step is $\Delta\theta = -\eta F^{-1}\nabla L$: it does
# not depend on how the model is parametrised. For logistic regression $p_\theta(y = 1\mid x) = \sigma(x^\top w)$,
# $s_i(y) = (y - \sigma_i)x_i$ and the expectation over $y \in \{0, 1\}$ gives the closed form
# $F = X^\top \mathrm{diag}(\sigma_i(1-\sigma_i))X/n$ — which is also the Hessian of the cross-entropy loss (true for
# every exponential-family model with its canonical link), so here natural gradient *is* Newton's method. For
# networks $F$ is too large to invert; K-FAC (Martens & Grosse 2015) approximates it layer by layer by a Kronecker
# product of two small matrices.

# %%
from course_utils.models import LogisticRegression  # noqa: E402

rng_lr = default_rng(0)
X_lr = rng_lr.standard_normal((200, 3)) * np.array([1.0, 3.0, 0.3])     # badly scaled inputs
y_lr = (X_lr @ np.array([1.0, -0.5, 2.0]) + rng_lr.standard_normal(200) > 0).astype(float)
logreg = LogisticRegression(X_lr, y_lr, fit_intercept=False)
w_lr = np.array([0.3, -0.2, 0.5])
sig = 1 / (1 + np.exp(-X_lr @ w_lr))
F_closed = X_lr.T @ ((sig * (1 - sig))[:, None] * X_lr) / len(X_lr)
F_scores = np.zeros((3, 3))
for y_val in (0.0, 1.0):                                   # E over the model's own labels: weight p(y | x_i)
    weight = sig if y_val == 1.0 else 1 - sig
    scores = (y_val - sig)[:, None] * X_lr                 # per-example score gradients, shape (n, 3)
    F_scores += (weight[:, None] * scores).T @ scores / len(X_lr)
H_lr = logreg.hessian(w_lr)
print("F (closed form):", F_closed.round(4).tolist())
print("max |F_closed − F_scores| =", f"{np.abs(F_closed - F_scores).max():.1e}",
      "| max |F_closed − Hessian| =", f"{np.abs(F_closed - H_lr).max():.1e}")
assert np.allclose(F_closed, F_scores, rtol=1e-12, atol=1e-14)
assert np.allclose(F_closed, H_lr, rtol=1e-6, atol=1e-9)

# %%
def descend(direction, w, steps, lr):
    losses_out = [logreg.loss(w)]
    for _ in range(steps):
        w = w - lr * direction(w)
        losses_out.append(logreg.loss(w))
    return np.array(losses_out)


def fisher(w):
    s = 1 / (1 + np.exp(-X_lr @ w))
    return X_lr.T @ ((s * (1 - s))[:, None] * X_lr) / len(X_lr)


L_gd = descend(logreg.grad, np.zeros(3), 200, lr=1 / np.linalg.eigvalsh(fisher(np.zeros(3)))[-1])  # 1/L: L = max curvature, at w = 0
L_nat = descend(lambda w: np.linalg.solve(fisher(w), logreg.grad(w)), np.zeros(3), 25, lr=1.0)  # done in ~6
L_best = min(L_gd.min(), L_nat.min())
k_nat = int(np.argmax(L_nat - L_best < 1e-8))
print(f"natural gradient within 1e-8 of the optimum after {k_nat} steps; GD after 200 steps: "
      f"{L_gd[-1] - L_best:.1e} above it (κ(F) at the start = {np.linalg.cond(fisher(np.zeros(3))):.0f})")
assert (L_nat - L_best < 1e-8).any() and k_nat <= 10 and L_gd[-1] - L_best > 1e-3        # over seeds 0-12: 5-6 steps; GD 4.7e-3 to 2.5e-2 above

# %% [markdown]
# On badly scaled inputs GD crawls along the flat directions of $F$; the natural gradient rescales them away and
# converges in a handful of steps.

# %% [markdown]
# ### Adaptive methods: rare features, and the generalization debate
#
# Adagrad, RMSProp and Adam divide each coordinate's step by a running size of that coordinate's own gradients,
# $\theta_j \leftarrow \theta_j - \eta\, g_j/(\sqrt{s_j} + \epsilon)$. Two claims travel with them.
#
# **"Good for sparse gradients."** Duchi, Hazan & Singer (2011, *Adaptive subgradient methods for online learning
# and stochastic optimization*) built Adagrad for data where a feature is non-zero in few examples: with
# minibatches its gradient is zero in most steps, so one global rate is either too small for it or too large for
# the dense features; Adagrad's $s_j$ stays small for a rare coordinate and its effective rate stays large. What
# they prove is a regret bound for convex online learning, as good as the best fixed diagonal preconditioner chosen
# in hindsight — not a guarantee for every problem. The test here: linear regression with 5 dense features and 5
# features that are 1 in about 2 % of 400 examples (`data.sparse_features`), minibatches of 8, 150 steps, each
# method at its best rate on a grid of eight from 0.01 to 3 (by the final loss). The oracle is the least-squares
# solution `np.linalg.lstsq`.
#
# **Predict first.** Which method ends closest to the least-squares weights of the *rare* features, and by how much?

# %%
Xs, ys = data.sparse_features(400, d_common=5, d_rare=5, rare_prob=0.02, rng=0)
sparse_fit = LinearRegression(Xs, ys, fit_intercept=False)
w_ls = np.linalg.lstsq(Xs, ys, rcond=None)[0]                  # the oracle: the least-squares weights
loss_ls = sparse_fit.loss(w_ls)
rate_grid = np.geomspace(0.01, 3.0, 8)
adaptive = {"SGD": optimizers.gd, "Adagrad": optimizers.adagrad, "Adam": optimizers.adam}
racers = optimizers.run_many(sparse_fit, [make() for make in adaptive.values() for _ in rate_grid], np.zeros(10),
                             steps=150, lrs=list(rate_grid) * len(adaptive), batch_size=8, rng=0)
def level(run):  # a noisy run's loss level: the mean over its last 50 steps (inf if it diverged)
    return np.mean(run.losses[-50:]) if run.diverged_at is None else np.inf

tuned, rel_error, gap = {}, {}, {}
for i, name in enumerate(adaptive):
    tuned[name] = min(racers[i * 8:(i + 1) * 8], key=level)
    gap[name] = level(tuned[name]) - loss_ls
    last = tuned[name].thetas[-50:] - w_ls          # the same 50 steps' weight errors, averaged
    rel_error[name] = [np.mean(np.linalg.norm(last[:, s], axis=1)) / np.linalg.norm(w_ls[s])
                       for s in (slice(0, 5), slice(5, 10))]
    print(f"{name:>8} (η = {tuned[name].lrs[0]:.3g}): loss − optimum {gap[name]:.1e}; relative weight error, "
          f"dense features {rel_error[name][0]:.3f}, rare features {rel_error[name][1]:.3f} (means over the last 50 steps)")
# over 14 draws (COURSE_SEED 0-12 and perturbed): SGD's loss gap is 2.9-14x Adagrad's and 1.6-24x Adam's; its
# rare-feature error 1.6-13x the better adaptive method's (dense features: 1.3-3.7x)
assert min(gap["SGD"] / gap["Adagrad"], gap["SGD"] / gap["Adam"]) > 1.2
assert rel_error["SGD"][1] > 1.2 * min(rel_error["Adagrad"][1], rel_error["Adam"][1])

# %% [markdown]
# Both adaptive methods end closer to the optimum than tuned SGD — over 14 draws SGD's loss gap was 1.6 to 24
# times theirs — and in most draws the difference is largest on the rare features' weights (SGD's error there
# 1.6–13 times the better adaptive method's, against 1.3–3.7 times on the dense ones). (On the full batch the same data is a *conditioning* problem — a rare feature's
# Hessian diagonal is about $0.02$ times a dense one's — and a per-coordinate scale helps for the same reason.)
#
# **"Adam generalizes worse than SGD."** Wilson, Roelofs, Stern, Srebro & Recht (2017, *The marginal value of
# adaptive gradient methods in machine learning*) built an over-parameterized, separable least-squares problem
# (`data.unique_feature_classification`): feature 1 is the label itself, features 2 and 3 are always 1, and every
# example has features of its own — one if it is positive, five if negative; 60 % of the labels are positive. Many
# weight vectors fit the 30 training points exactly. Gradient descent from $w_0 = 0$ only ever moves within the
# span of the rows of $X$, so it converges to the **minimum-norm** fit $X^+y$ (a theorem; the oracle is
# `np.linalg.pinv`), which leans on feature 1. Wilson et al. prove that AdaGrad, RMSProp and Adam from 0 move along
# $\mathrm{sign}(X^\top y)$ instead: equal weights on features 1–3, so a new point — whose own features were never
# seen — gets the score $w_1 y + w_2 + w_3 > 0$ whatever its label, and every negative test point is misclassified.
#
# **Predict first.** All four racers below fit the training set exactly. What are their test errors? The fourth is
# Adam with $\epsilon = 1$ instead of $10^{-8}$.

# %%
Xw, yw, Xw_test, yw_test = data.unique_feature_classification(30, 100, positive_frac=0.6, rng=0)
trap = LinearRegression(Xw, yw, fit_intercept=False)
lam_trap = 2 / yw.size * np.linalg.norm(Xw, 2) ** 2                  # λ_max of the Hessian (2/N) XᵀX
w_min_norm = np.linalg.pinv(Xw) @ yw
trap_racers = {"GD": (optimizers.gd(), 1 / lam_trap), "Adagrad": (optimizers.adagrad(), 0.1),
               "Adam": (optimizers.adam(), 0.01), "Adam, ε = 1": (optimizers.adam(eps=1.0), 0.3 / lam_trap)}
trap_runs = dict(zip(trap_racers, optimizers.run_many(trap, [o for o, _ in trap_racers.values()], np.zeros(trap.dim),
                                                       steps=300, lrs=[lr for _, lr in trap_racers.values()])))
test_error, distance = {}, {}
for name, run in trap_runs.items():
    w = run.final_theta
    test_error[name] = float(np.mean(np.sign(Xw_test @ w) != yw_test))
    distance[name] = np.linalg.norm(w - w_min_norm) / np.linalg.norm(w_min_norm)
    print(f"{name:>12}: training loss {run.final_loss:.0e}, ‖w − X⁺y‖/‖X⁺y‖ = {distance[name]:.2f}, "
          f"weights on features 1–3 {np.round(w[:3] / np.abs(w[:3]).max(), 2)}, test error {test_error[name]:.2f}")
negatives = float(np.mean(yw_test < 0))
print(f"share of negative test labels: {negatives:.2f}")
assert all(run.final_loss < 1e-8 for run in trap_runs.values())           # every racer fits the training set
assert distance["GD"] < 1e-6 and test_error["GD"] == 0                     # GD: the min-norm fit, no test error
assert all(distance[n] > 1 and test_error[n] == negatives > 0.2 for n in ("Adagrad", "Adam"))  # all "+1"
assert test_error["Adam, ε = 1"] == 0                                      # a large ε makes Adam GD-like

# %%
fig, (ax1, ax2) = plotting.new_figure(1, 2, figsize=(11.5, 3.8))
for (name, run), style in zip(tuned.items(), plotting.series_styles(3)):
    ax1.plot(np.maximum(run.losses - loss_ls, 1e-6), markevery=15, label=f"{name}, η = {run.lrs[0]:.2g}", **style)
ax1.set_yscale("log")
plotting.label_axes(ax1, "rare features: each method at its tuned rate", "step (minibatches of 8)",
                    "loss − least-squares optimum")
ax1.legend(fontsize=8, loc="upper right")
names = list(trap_runs)
ax2.bar(range(len(names)), [test_error[n] for n in names], color=[s["color"] for s in plotting.series_styles(4)],
        hatch=["", "//", "\\\\", ".."], edgecolor="k")
ax2.axhline(negatives, color="k", linestyle="--", linewidth=1, label="share of negative test points")
for k, n in enumerate(names):
    ax2.text(k, test_error[n] + 0.01, f"{test_error[n]:.2f}", ha="center", fontsize=8)
ax2.set_xticks(range(len(names)), names, fontsize=8)
ax2.set_ylim(0, 0.6)
plotting.label_axes(ax2, "Wilson et al.'s problem: all fit the training set", "", "test error")
ax2.legend(fontsize=8, loc="upper right")
fig

# %% [markdown]
# Gradient descent finds $X^+y$ and makes no test error; Adagrad and Adam find another exact fit, far from it, and
# misclassify every negative test point. Adam with $\epsilon = 1$ behaves like gradient descent with momentum (once
# $\epsilon \gg \sqrt{v}$ its step is $\eta\,m/\epsilon$) and generalizes perfectly.
#
# **What the toys show, and what they cannot.** They show that the *optimizer chooses the solution* when many fit,
# and that "adaptive" can mean a better per-coordinate scale (rare features) or a worse implicit bias (Wilson et
# al.'s problem) — both proven for these constructions. They cannot say which effect dominates in a deep network.
# There the evidence is mixed: Wilson et al. measured worse test accuracy for adaptive methods on image, language
# and parsing benchmarks; Choi, Shallue, Nado, Lee, Maddison & Dahl (2019, *On empirical comparisons of optimizers for
# deep learning*) found that once all hyperparameters are tuned, including $\epsilon$ (with $\epsilon$ large Adam can
# imitate momentum, as above), adaptive methods never underperformed momentum or gradient descent in their
# experiments; Loshchilov & Hutter (2019, *Decoupled weight decay regularization*) traced part of Adam's gap to
# $L_2$ regularization acting as weight decay only for SGD, and their AdamW competes with SGD with momentum on image
# classification; Zhang et al. (2020, *Why are adaptive methods good for attention models?*) found adaptive methods
# ahead of SGD on attention models, with heavy-tailed gradient noise as one cause; and Shah, Kyrillidis & Sanghavi
# (2018, *Minimum norm solutions do not always generalize well for over-parameterized problems*) built toys where the
# adaptive solution generalizes better. "Adam generalizes worse than SGD" is a result about particular problems and
# tuning protocols, not a law.

# %% [markdown]
# ## 4. A map of convergence
#
# Momentum is the first tool against slow progress. On a quadratic with eigenvalues in $[\mu, L]$ heavy-ball
# momentum converges at the rate $\rho(\eta, \beta)$ of a $2\times2$ linear recurrence per eigenvalue, and the best
# choice is (Polyak 1964; Goh 2017)
#
# $$\eta^\star = \Big(\frac{2}{\sqrt L + \sqrt \mu}\Big)^2, \qquad
#   \beta^\star = \Big(\frac{\sqrt\kappa - 1}{\sqrt\kappa + 1}\Big)^2, \qquad
#   \rho^\star = \frac{\sqrt\kappa - 1}{\sqrt\kappa + 1} \quad\text{vs.}\quad \frac{\kappa - 1}{\kappa + 1}
#   \text{ for the best plain GD.}$$
#
# **Predict first.** With $\kappa = 100$, roughly how many times fewer steps does the best momentum need than
# the best plain gradient descent: 1.1×, 8×, or 100×? The map below runs momentum from every cell of a
# 67 × 50 grid at once and counts the steps until the gradient has shrunk a million-fold *and stays there*
# (momentum oscillates: a component crossing zero can dip the gradient below the tolerance for a single step).

# %%
mm = momentum.momentum_convergence_map([0.01, 1.0], np.linspace(0.02, 4.0, 67), np.linspace(0, 0.98, 50),
                                      max_steps=600, settled=True)  # the explorer's map at κ = 100, shared
lr_star, beta_star, rate_star = mm.optimum
lr_b, beta_b, steps_b = mm.best
gd_best = np.nanmin(mm.steps[0])
i_star = np.argmin(np.abs(mm.betas - beta_star))
j_star = np.argmin(np.abs(mm.lrs - lr_star))
print(f"theory: η* = {lr_star:.2f}, β* = {beta_star:.2f};  fastest cell: η = {lr_b:.2f}, β = {beta_b:.2f}, "
      f"{steps_b:.0f} steps;  best plain GD: {gd_best:.0f} steps")
assert gd_best / steps_b > 5                                    # momentum wins by about √κ (measured 6.4)
assert mm.steps[i_star, j_star] <= 1.5 * steps_b                 # the theoretical optimum is in the fast region
lr_grid, beta_grid = np.meshgrid(mm.lrs, mm.betas)
assert not mm.diverged[lr_grid < 2 * (1 + beta_grid) - 0.1].any()  # stable below ηL = 2(1 + β) ...
assert mm.diverged[lr_grid > 2 * (1 + beta_grid) + 0.1].all()      # ... divergent beyond it

# %% [markdown]
# About 6× — the option nearest is 8× — against $\sqrt\kappa = 10$ for the ratio of the asymptotic rates' step
# counts. Divergence starts exactly where the largest eigenvalue's recurrence loses stability,
# $\eta L = 2(1 + \beta)$ — momentum *raises* the largest stable learning rate.
#
# **Why the fastest cell is not the star.** $\rho(\eta, \beta)$ is the *asymptotic* rate; the map counts steps
# over a finite horizon, on a grid. Three things separate them, and they grow with $\kappa$ (at $\kappa = 1000$
# the star is at $(3.76, 0.88)$, the fastest settled cell at $(3.64, 0.86)$):
#
# - *The optimum is a cusp.* At $(\eta^\star, \beta^\star)$ both eigen-directions sit exactly on the edge between
#   real and complex roots. Just below $\beta^\star$ the large-curvature direction's roots split and one races
#   towards 1 (like a square root): at $\kappa = 1000$ the grid cell nearest the star has $\beta = 0.88 < \beta^\star =
#   0.881$ and $\rho = 0.989$ instead of $0.939$ — 1500 steps. No grid cell reaches $\rho^\star$; the map's good
#   region is the band above the cusp, where both directions' roots are complex and $\rho = \sqrt\beta$.
# - *A double root costs a transient.* At the optimum each direction's $2\times2$ matrix has a double
#   eigenvalue (a Jordan block), so its error decays like $k\,\rho^{\star k}$, not $\rho^{\star k}$: at $\kappa = 1000$
#   the exact optimum needs 321 steps where $\ln 10^6/\ln(1/\rho^\star) = 218$. Neighbours with two distinct
#   roots and a slightly larger $\rho$ finish first.
# - *The measure weights directions.* The gradient of the slow direction starts $\kappa$ times smaller, so it
#   needs to shrink only $10^{-6}\kappa$-fold; a cell that trades slow-direction rate for fast-direction rate wins.
#
# (An earlier version of this map counted the *first* step below the tolerance; at $\kappa = 1000$ its "fastest
# cell", $\eta = 1.95$, was a one-step dip of an oscillating component through zero, at step 153 of a run that
# settles at step 339.) Move $\kappa$: the fast region narrows and climbs towards $\beta = 1$ as the problem gets
# ill-conditioned. Open a cell with the η and β sliders: the right-hand panels draw that run, and each
# direction's error follows its envelope $\rho_i^k$ — except near the cusp, where the transient shows.

# %%
MomentumMapExplorer()

# %% [markdown]
# ## 5. Plateaus are saddles
#
# ### An $n$-dimensional saddle
#
# $f(\theta) = \tfrac12\sum_{i<n}\theta_i^2 + \tfrac14(\theta_n^2 - 1)^2$ has a saddle at the origin (loss $\tfrac14$,
# one negative direction $e_n$) and minima at $\pm e_n$ (loss 0). From a start with component $\varepsilon$ along
# $e_n$, the loss drops to $\tfrac14$, sits there — a **plateau** — and then falls. We measure the plateau's length
# as the first step with loss below $\tfrac18$.
#
# **Predict first.** Does the plateau get longer with the dimension $n$?

# %%
def plateau_length(n, eps, lr=0.1):
    obj = plateaus.SaddlePlateau(n)
    traj = optimizers.run(obj, optimizers.gd(), obj.start(eps, rng=0), steps=400, lr=lr, tol=1e-6)
    return plateaus.first_step_below(traj.losses, obj.saddle_value / 2), traj


by_n = {n: plateau_length(n, 1e-6)[0] for n in (2, 20, 200)}
by_eps = {e: plateau_length(10, e)[0] for e in (1e-2, 1e-5, 1e-8)}
print("plateau length by n (ε = 1e-6):", by_n)
print("plateau length by ε (n = 10): ", by_eps)
slope = (by_eps[1e-8] - by_eps[1e-2]) / np.log(1e6)
assert max(by_n.values()) - min(by_n.values()) <= 1               # the dimension does not matter ...
assert abs(slope * np.log1p(0.1) - 1) < 0.02                      # ... ln(1/ε) does, at 1/ln(1 + η|λ_min|) per unit

# %% [markdown]
# The dimension does not lengthen the plateau; the size of the initial component along the escape direction does.
# Dimension enters indirectly: a random start of fixed norm has a component of size about $1/\sqrt n$ along any one
# direction, which adds only $\tfrac12\ln n / \ln(1+\eta|\lambda|)$ steps. Plateaus in real training come from
# starting *near* a saddle with tiny escape components — small initialisation is the classic way to get there.
#
# ### A deep linear network learns one singular value at a time
#
# Saxe, McClelland & Ganguli (2014) solved gradient descent for *linear* networks $x \mapsto x W_1 W_2$. The loss is
# non-convex (the product $W_1W_2$), zero weights are a saddle, and small initialisations start next to it.
#
# **Setting.** The inputs are *whitened*, $X^\top X/N = I$ (the theory needs it: then the loss depends on the weights
# only through $W_1W_2$), and the targets are $Y = XT$ with $T = U\,\mathrm{diag}(s)\,V^\top$: singular values $s_i$
# ("mode strengths" of the target). The loss is the mean squared error over the $N$ examples and the $K$ outputs,
# $L = \frac{1}{NK}\|XW_1W_2 - Y\|_F^2 = \frac1K\|W_1W_2 - T\|_F^2$. Write $a_i = u_i^\top W_1W_2 v_i$ for how much
# of mode $i$ the network has learned, and $a_0$ for its value at the start.
#
# **The result.** If each mode is carried by its own hidden direction with equal weight in both layers, mode $i$
# obeys $\tau\,\dot a_i = 2a_i(s_i - a_i)$ with time constant $\tau = K/(2\eta)$ steps — a logistic curve:
#
# $$a_i(t) = \frac{s_i\,e^{2s_it/\tau}}{e^{2s_it/\tau} - 1 + s_i/a_0}, \qquad
#   t_{1/2} = \frac{\tau}{2s_i}\ln\Big(\frac{s_i}{a_0} - 1\Big) \approx \frac{\tau}{2s_i}\ln\frac{s_i}{a_0}.$$
#
# **Strong modes first, each drop separated by a plateau**, and each plateau is a saddle where the remaining modes
# are still zero, at loss $\sum_{i>k}s_i^2/K$ once $k$ modes are learned. Our target has singular values 3, 1.5 and
# 0.75; the network is `MLP(X, Y, hidden=(4,), activation="linear", bias=False)` started at weight scale $10^{-3}$,
# from *random* weights, not the decoupled start the formula assumes. So we take $a_0 = |a_i|$ at step 10 (after the
# first steps have aligned the weights with the modes) and compare.

# %%
deep = plateaus.deep_linear_experiment((3.0, 1.5, 0.75), d=4, hidden=4, init_scale=1e-3, lr=0.2, steps=200, rng=0)
print("mode learned (half strength) at steps:", deep.learned_at)
print("final strengths:", deep.strengths[-1].round(3), "targets:", deep.singular_values)
losses = deep.trajectory.losses
mid = ((deep.learned_at[:-1] + deep.learned_at[1:]) / 2).astype(int)
plateau_losses = [losses[m] for m in mid]
print("loss on the plateaus between drops:", np.round(plateau_losses, 3),
      "| predicted Σ_{i>k} s_i²/K:", [round(deep.plateau_loss(k), 3) for k in (1, 2)])
assert np.all(np.diff(deep.learned_at) > 10)                       # learned in order, strongest first
for k, value in enumerate(plateau_losses, start=1):              # each plateau sits at a saddle's loss
    assert abs(value - deep.plateau_loss(k)) < 0.15 * deep.plateau_loss(k - 1)

k0, s_modes = 10, deep.singular_values
a0 = np.abs(deep.strengths[k0])
t_half = k0 + deep.tau / (2 * s_modes) * np.log(s_modes / a0 - 1)


def saxe_curve(k):
    e = np.exp(2 * s_modes * (np.asarray(k, float)[:, None] - k0) / deep.tau)
    return s_modes * e / (e - 1 + s_modes / a0)


print(f"τ = K/(2η) = {deep.tau:g} steps; a₀ at step {k0}:", a0.round(7))
print("half-strength step, measured:", deep.learned_at, "| Saxe's t½:", t_half.round(1))
ratio = deep.learned_at / t_half
# Over COURSE_SEED 0-16 (and perturbed rounding) the ratio lay in [0.997, 1.23] (mode 1: 1.07-1.11): the continuous
# curve runs a little ahead, as one step multiplies a small a by (1 + 2ηs/K)², less than e^(2s/τ) = e^(4ηs/K), and
# the weak modes start unbalanced. The check allows 0.9 to 1.35.
assert np.all((ratio >= 0.9) & (ratio <= 1.35))

# %%
fig, (ax1, ax2) = plotting.new_figure(1, 2, figsize=(12.0, 3.8))
steps = np.arange(losses.size)
ax1.plot(steps, losses, color="k", linewidth=1.8)
for k in range(1, 3):
    ax1.axhline(deep.plateau_loss(k), color="0.5", linestyle=":", linewidth=1)
plotting.label_axes(ax1, "deep linear network: loss in stages", "step", "training loss")
for i, style in enumerate(plotting.series_styles(3)):
    s = deep.singular_values[i]
    ax2.plot(steps, deep.strengths[:, i], markevery=20, label=f"mode {i + 1}, s = {s:g}", **style)
    ax2.axhline(s, color=style["color"], linestyle=":", linewidth=1)
k_th = np.arange(k0, losses.size)
ax2.plot(k_th, saxe_curve(k_th)[:, 0], color="k", linestyle="--", linewidth=1, label="Saxe's logistic (from step 10)")
for i in (1, 2):
    ax2.plot(k_th, saxe_curve(k_th)[:, i], color="k", linestyle="--", linewidth=1)
plotting.label_axes(ax2, "each mode's strength uᵢᵀW₁W₂vᵢ", "step", "mode strength")
ax2.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0))
fig

# %% [markdown]
# ## 6. Summary
#
# - A **strict saddle** (some $\lambda < 0$) delays gradient descent by $\ln(1/\varepsilon)/\ln(1+\eta|\lambda_{\min}|)$ steps:
#   logarithmic in how close you start, linear in $1/|\lambda_{\min}|$. Only starts *exactly* on the stable manifold
#   stay forever.
# - **Noise** buys certainty: perturbed GD (and, loosely, minibatch noise) leaves even from the saddle itself; how
#   long it takes depends on the draw, but the escape steps of many draws follow $\ln(1/|c|)/\ln(1+\eta|\lambda_{\min}|)$.
#   **Momentum** buys speed along the escape direction and, on ill-conditioned bowls, about $\sqrt\kappa$ fewer steps.
#   **Curvature** buys direction: Newton's method is attracted to saddles; saddle-free Newton's $|H|$ turns that
#   attraction into repulsion.
# - **Degenerate** saddles (monkey saddle, flat directions) have no negative eigenvalue to push along; escape is slower
#   than logarithmic.
# - **Adaptive methods** scale each coordinate by its own gradient history: on rarely active features that beats one
#   tuned SGD rate; on Wilson et al.'s over-parameterized problem it picks a different exact fit than gradient
#   descent's minimum-norm $X^+y$, one that misclassifies every negative test point — unless $\epsilon$ is large.
#   Whether Adam generalizes worse in deep networks depends on the problem and on tuning (Choi et al. 2019, AdamW).
# - **For training curves:** a long flat stretch followed by a sudden drop is the signature of a saddle, not of a
#   local minimum. Before changing the model, try what gets optimizers off saddles: a larger or noisier step,
#   momentum, a different (less small) initialisation.
#
# **Exercises:** [04 — saddle points exercises](../exercises/04_saddle_points_exercises.ipynb): perturbed gradient
# descent, one saddle-free Newton step, measured escape time against the theory, and momentum with divergence detection.
