"""The momentum map against closed forms that share no code with its simulation.

Oracles: the spectral radius of the 2x2 iteration matrix per eigenvalue (``numpy.linalg.eigvals``), and the
error after ``k`` steps as that matrix's ``k``-th power applied to the initial error
(``numpy.linalg.matrix_power``) — not the update loop the map runs.
"""

import numpy as np
import pytest

from course_utils import momentum

KAPPA = 1000.0
LAM = np.array([1 / KAPPA, 1.0])
# the chapter's and the explorer's grid
LRS, BETAS = np.linspace(0.02, 4.0, 67), np.linspace(0.0, 0.98, 50)


def iteration_matrix(lr, beta, lam):
    """(x_{k+1}, x_k) = M (x_k, x_{k-1}) for heavy ball v <- beta v + lam x, x <- x - lr v (v_0 = 0: x_{-1} = x_0)."""
    return np.array([[1 + beta - lr * lam, -beta], [1.0, 0.0]])


def spectral_radius(lr, beta, lam):
    return max(np.abs(np.linalg.eigvals(iteration_matrix(lr, beta, l))).max() for l in lam)


def gradient_norms(lr, beta, lam, steps):
    """||grad f(x_k)||, k = 0..steps, from matrix powers applied to the start (1, 1) per eigen-direction."""
    comps = np.array([[(np.linalg.matrix_power(iteration_matrix(lr, beta, l), k) @ [1.0, 1.0])[0]
                       for l in lam] for k in range(steps + 1)])
    return np.linalg.norm(comps * lam, axis=1)


def settled_step(g, goal):
    above = np.flatnonzero(~(g <= goal))
    return np.nan if above[-1] == len(g) - 1 else float(above[-1] + 1)


def test_first_hit_is_fooled_by_an_oscillation_and_the_settled_count_is_not():
    """The η = 1.95 'fastest cell' of the old map: the gradient dips below the tolerance for one step."""
    j, i = int(np.argmin(np.abs(LRS - 1.95))), int(np.argmin(np.abs(BETAS - 0.92)))
    lr, beta = LRS[j], BETAS[i]
    g = gradient_norms(lr, beta, LAM, 600)
    goal = 1e-6 * g[0]
    first = int(np.argmax(g <= goal))
    assert g[first + 1] > 100 * goal                # one-step dip: the run has not converged there
    first_map = momentum.momentum_convergence_map(LAM, [lr], [beta], max_steps=600)
    settled_map = momentum.momentum_convergence_map(LAM, [lr], [beta], max_steps=600, settled=True)
    assert first_map.steps[0, 0] == first
    assert settled_map.steps[0, 0] == settled_step(g, goal) > 2 * first


@pytest.mark.parametrize("lr, beta", [(0.5, 0.0), (1.9, 0.3), (3.64, 0.86), (3.76, 0.88), (2.7, 0.9), (3.3, 0.95)])
def test_settled_counts_match_the_matrix_power_oracle(lr, beta):
    g = gradient_norms(lr, beta, LAM, 800)
    mm = momentum.momentum_convergence_map(LAM, [lr], [beta], max_steps=800, settled=True)
    expected = settled_step(g, 1e-6 * g[0])
    assert (np.isnan(expected) and np.isnan(mm.steps[0, 0])) or mm.steps[0, 0] == expected


def test_optimum_is_a_cusp_the_grid_cannot_resolve():
    """At (η*, β*) both eigen-directions have the same radius ρ*; the grid's nearest cell is far slower."""
    lr_s, beta_s, rate_s = momentum.optimal_momentum(*LAM)
    assert spectral_radius(lr_s, beta_s, LAM) == pytest.approx(rate_s, rel=1e-6)
    for l in LAM:  # a double root per direction (Jordan block): the transient k ρ*^k
        z = np.abs(np.linalg.eigvals(iteration_matrix(lr_s, beta_s, l)))
        assert z == pytest.approx([rate_s, rate_s], rel=1e-3)
    radii = np.array([[spectral_radius(lr, b, LAM) for lr in LRS] for b in BETAS])
    assert radii.min() > rate_s                      # no cell of the grid reaches the optimum's rate
    i, j = int(np.argmin(np.abs(BETAS - beta_s))), int(np.argmin(np.abs(LRS - lr_s)))
    assert radii[i, j] > 0.98                        # the nearest cell: β just below β*, roots split
    np.testing.assert_allclose(momentum.momentum_rate(LRS[None, :], BETAS[:, None], LAM), radii, atol=1e-9)


def test_settled_map_best_cell_against_the_spectral_radius():
    """Over the grid the settled steps follow ln(1e6)/ln(1/ρ) up to transients and the gradient weighting."""
    mm = momentum.momentum_convergence_map(LAM, LRS, BETAS, max_steps=1000, settled=True)
    radii = np.array([[spectral_radius(lr, b, LAM) for lr in LRS] for b in BETAS])
    lr_b, beta_b, steps_b = mm.best
    i, j = int(np.argmin(np.abs(BETAS - beta_b))), int(np.argmin(np.abs(LRS - lr_b)))
    # the fastest settled cell is among the best-rate cells of the grid (within 2% of the grid's best radius)
    assert radii[i, j] <= 1.02 * radii.min()
    lr_s, beta_s, rate_s = momentum.optimal_momentum(*LAM)
    assert abs(lr_b - lr_s) < 0.25 and abs(beta_b - beta_s) < 0.03
    # the exact optimum settles later than its rate predicts (the Jordan transient): the finite-horizon
    # optimum is a neighbour, not (η*, β*) itself
    at_opt = gradient_norms(lr_s, beta_s, LAM, 600)
    opt_steps = settled_step(at_opt, 1e-6 * at_opt[0])
    assert opt_steps > 1.3 * np.log(1e6) / -np.log(rate_s)
    assert steps_b < opt_steps
    conv = np.isfinite(mm.steps)
    # no converged cell beats its rate's prediction for the slow direction's needed shrinkage 1e-3 (gradient
    # weighting: μ x_1 starts at 1e-3 of the gradient norm) by more than the oscillation can explain
    assert np.all(mm.steps[conv] >= 0.9 * np.log(1e3) / -np.log(radii[conv]))


# --- the explorer's opened run ---------------------------------------------------------------------------
def test_explorer_run_panel_matches_the_matrix_power_oracle():
    import matplotlib

    matplotlib.use("Agg")
    from course_utils.widgets.momentum_map import MomentumMapExplorer

    e = MomentumMapExplorer(kappa=1000.0, max_steps=300)
    try:
        for name in ("kappa", "max_steps", "lr", "beta"):
            assert e.controls[name].description.strip()          # an accessible name on every control
        for lr, beta in ((1.95, 0.92), (3.76, 0.88), (0.5, 0.0), (3.9, 0.98)):
            e.set(lr=lr, beta=beta)
            assert e.error is None and e.caught_warnings == []
            lam = e.state.result.eigenvalues
            assert list(e._pick.get_data()[0]) == [lr] and list(e._pick.get_data()[1]) == [beta]
            k = np.arange(301)
            oracle = np.array([[abs((np.linalg.matrix_power(iteration_matrix(lr, beta, l), n) @ [1.0, 1.0])[0])
                                for l in lam] for n in k])
            for i in range(2):
                kk, shown = e._err[i].get_data()
                np.testing.assert_array_equal(kk, k)
                big = oracle[:, i] > 1e-250
                np.testing.assert_allclose(np.asarray(shown)[big], oracle[big, i], rtol=1e-6, atol=1e-14)
                rho = max(np.abs(np.linalg.eigvals(iteration_matrix(lr, beta, lam[i]))))
                assert e.state.radii[i] == pytest.approx(rho, rel=1e-9)
    finally:
        e.close()


# --- the race's wobbly preset and the plateau's gradient ----------------------------------------------------
def test_wobbly_preset_is_stable_for_gd_and_its_runs_end_at_minima():
    """The preset's η lies below 2/λ_max of every minimum (Hessian eigenvalues, dense), and GD and
    perturbed GD then end at a minimum (at η = 0.05 both bounced: 'still moving')."""
    from course_utils import functions, race
    from course_utils.widgets.optimizer_race import LANDSCAPE_PRESETS

    w = functions.get("wobbly")
    preset = LANDSCAPE_PRESETS["wobbly"]
    lam_max = max(np.linalg.eigvalsh(w.hessian(np.asarray(m))).max() for m in w.minima)
    assert abs(lam_max - (2 + 9 * np.pi**2)) < 1e-6            # f = x² + y² − cos 3πx − cos 3πy at a minimum
    assert preset["lr"] < 2 / lam_max
    out = race.race(w, ["gd", "perturbed_gd"], preset["start"], steps=200, lr=preset["lr"], radius=0.01)
    for key in ("gd", "perturbed_gd"):
        assert out[key].endpoint.kind in ("minimum", "global minimum"), out[key].endpoint.label
    moving = race.race(w, ["gd"], preset["start"], steps=200, lr=0.05)
    assert moving["gd"].endpoint.kind == "moving"              # the old preset: beyond the stability limit


def test_saddle_plateau_closed_form_gradient_matches_finite_differences():
    from course_utils import plateaus

    obj = plateaus.SaddlePlateau(6)
    theta = np.random.default_rng(3).normal(size=6)
    fd = np.array([(obj.loss(theta + 1e-6 * e) - obj.loss(theta - 1e-6 * e)) / 2e-6 for e in np.eye(6)])
    np.testing.assert_allclose(obj.grad(theta), fd, atol=1e-8)
    np.testing.assert_allclose(obj.grad_batch(np.stack([theta, -theta])), np.stack([fd, -fd]), atol=1e-8)
