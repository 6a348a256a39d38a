r"""The Landmark Explorer: four of chapter 8's experiments on real digits, one knob each, redrawn from cached runs.

* **Edge of stability** (Cohen et al. 2021) — knob: the step size :math:`\eta`. Full-batch gradient descent with the
  squared loss; :math:`\lambda_{\max}` against the step, with the stability threshold :math:`2/\eta`, and the
  training loss of the same run.
* **Spawn step** (Frankle et al. 2020) — knob: the step :math:`k` at which two copies were spawned from one run.
  The test error along the straight line between the two finished copies, and the error barrier against
  :math:`k`.
* **Width and weight matching** (Ainsworth et al. 2023; Entezari et al. 2022) — knob: the hidden width. The loss
  and error barriers of the straight line between independently trained networks, as trained and after weight
  matching, against the width.
* **Lottery ticket** (Frankle & Carbin 2019) — knob: the fraction of weights kept by iterative magnitude pruning.
  Test accuracy against the weights kept for the ticket, the same mask from a fresh initialisation and a random
  mask, and each start's accuracy at the chosen sparsity.

Every run is computed once per kernel by the analysis layer (:func:`~course_utils.edge_of_stability.edge_of_stability_runs`,
:func:`~course_utils.stability.spawn_stability`, :func:`~course_utils.mode_connectivity.aligned_barriers_by_width`,
:func:`~course_utils.lottery_ticket.lottery_ticket`, each memoised), so a knob only picks which cached run is drawn in bold. Chapter 8 passes the results its sections
computed; without them the explorer computes the library's defaults (a few seconds, once).

Examples
--------
>>> e = LandmarkExplorer(experiment="spawn step")          # doctest: +SKIP
>>> e.set(k=e.spawn.spawn_steps[-1]).state.barrier          # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..formatting import fmt
from .base import Explorer, choice, option_slider

__all__ = ["LandmarkExplorer", "LandmarkState"]

EXPERIMENTS = ("edge of stability", "spawn step", "width", "lottery ticket")
#: Chapter 8's settings (§5's noisy run, §4's width sweep): the explorer's defaults hit the chapter's caches.
SPAWN_SETTINGS = {"hidden": (16, 16, 16), "batch_size": 8, "lr": 1.0}
WIDTH_SETTINGS = {"widths": (8, 16, 32, 64), "n_nets": 3, "steps": 200}
TICKET_SETTINGS = {"hidden": (100,), "rounds": 10, "fraction": 0.2, "starts": 3}  # §7's pruning run


@dataclass(frozen=True)
class LandmarkState:
    """What the Landmark Explorer shows.

    Parameters
    ----------
    experiment : str
        One of ``"edge of stability"``, ``"spawn step"``, ``"width"``, ``"lottery ticket"``.
    index : int
        Which run of the experiment is highlighted (the position of the knob's value).
    barrier : float
        The highlighted run's headline number: :math:`\\lambda_{\\max}/(2/\\eta)` late in the run (edge of
        stability), the error barrier (spawn step), the mean aligned loss barrier (width), or the ticket's accuracy
        lead over the same mask from a fresh initialisation (lottery ticket).
    message : str
        The message line.
    """

    experiment: str
    index: int
    barrier: float
    message: str


class LandmarkExplorer(Explorer):
    """Pick one of four real-data experiments and its knob; the figure redraws from cached runs.

    Parameters
    ----------
    eos : EdgeOfStability, optional
        Chapter 8's edge-of-stability runs (:func:`course_utils.edge_of_stability.edge_of_stability_runs`);
        computed with the defaults when omitted.
    spawn : SpawnStability, optional
        Chapter 8's spawn-step runs (:func:`course_utils.stability.spawn_stability`).
    widths : WidthAlignment, optional
        Chapter 8's barriers by width (:func:`course_utils.mode_connectivity.aligned_barriers_by_width`).
    tickets : LotteryTicket, optional
        Chapter 8's pruning run (:func:`course_utils.lottery_ticket.lottery_ticket`).
    **values
        Initial control values: ``experiment`` (one of ``"edge of stability"``, ``"spawn step"``, ``"width"``,
        ``"lottery ticket"``), ``lr`` (one of ``eos.lrs``), ``k`` (one of ``spawn.spawn_steps``), ``width`` (one of
        ``widths.widths``), ``round`` (a pruning round, 1 … ``len(tickets.remaining) − 1``);
        also ``presentation=True`` for a projector (see :class:`~course_utils.widgets.base.Explorer`).
    """

    title = "Landmark Explorer — four papers' experiments on real digits"
    #: The control the latency benchmark drives: the knob of the default experiment (switching experiments is a
    #: full redraw by design; turning a knob restyles a few artists).
    drive_control = "lr"

    def __init__(self, eos=None, spawn=None, widths=None, tickets=None, **values):
        from ..edge_of_stability import EdgeOfStability, edge_of_stability_runs
        from ..lottery_ticket import LotteryTicket, lottery_ticket
        from ..mode_connectivity import WidthAlignment, aligned_barriers_by_width
        from ..stability import SpawnStability, spawn_stability
        from ..validation import check_instance

        # without the chapter's results: the same settings as chapter 8's sections (so their caches are shared)
        self.eos = edge_of_stability_runs() if eos is None else check_instance(eos, "eos", EdgeOfStability)
        self.spawn = (spawn_stability(**SPAWN_SETTINGS) if spawn is None
                      else check_instance(spawn, "spawn", SpawnStability))
        self.widths = (aligned_barriers_by_width(**WIDTH_SETTINGS) if widths is None
                       else check_instance(widths, "widths", WidthAlignment))
        self.tickets = (lottery_ticket(**TICKET_SETTINGS) if tickets is None
                        else check_instance(tickets, "tickets", LotteryTicket))
        super().__init__(**values)

    def _make_controls(self):
        eos_options = [(f"η = {fmt(lr, '.3g')}", float(lr)) for lr in self.eos.lrs]
        return {
            "experiment": choice("experiment", list(EXPERIMENTS), value=EXPERIMENTS[0],
                                 tooltips=["Cohen et al. 2021: λ_max against 2/η under full-batch GD",
                                           "Frankle et al. 2020: the barrier between copies spawned at step k",
                                           "Ainsworth et al. 2023: barriers before and after weight matching",
                                           "Frankle & Carbin 2019: a pruned subnetwork from its own initialisation"]),
            # short labels: a 305 px control with a long label left its track a few pixels wide (the tooltip says more)
            "lr": option_slider("step size η", eos_options, value=eos_options[-1][1],
                                tooltip="step size of the edge-of-stability runs"),
            "k": option_slider("spawn step k", [(f"k = {k}", int(k)) for k in self.spawn.spawn_steps],
                               value=int(self.spawn.spawn_steps[0])),
            "width": option_slider("hidden width", [(f"{w} units", int(w)) for w in self.widths.widths],
                                   value=int(self.widths.widths[-1])),
            "round": option_slider("weights kept",
                                   [(f"{fmt(100 * f, '.3g')} %", r) for r, f in enumerate(self.tickets.remaining)
                                    if r > 0], value=len(self.tickets.remaining) - 1,
                                   tooltip="weights kept by the lottery ticket's pruning"),
        }

    def _sync_controls(self, params):
        experiment = params["experiment"]
        self.controls["lr"].disabled = experiment != "edge of stability"
        self.controls["k"].disabled = experiment != "spawn step"
        self.controls["width"].disabled = experiment != "width"
        self.controls["round"].disabled = experiment != "lottery ticket"

    # --- compute -----------------------------------------------------------------------------------
    def compute(self, params) -> LandmarkState:
        """Pure: the control values → the :class:`LandmarkState` to show (draws nothing; the runs are cached).

        Parameters
        ----------
        params : dict
            Control values by name: ``experiment``, ``lr`` (one of the edge-of-stability step sizes), ``k`` (one of
            the spawn steps), ``width`` (one of the widths), ``round`` (a pruning round of the lottery ticket).

        Returns
        -------
        LandmarkState
        """
        experiment = params["experiment"]
        if experiment == "edge of stability":
            i = list(self.eos.lrs).index(params["lr"])
            trace = self.eos.traces[i]
            ratio = float(self.eos.late_ratios()[i])
            crossing = trace.first_crossing(0.9)
            losses = trace.trajectory.losses
            reached = (f"first reached 0.9 · 2/η at step {crossing}" if crossing is not None
                       else "never reached 0.9 · 2/η")
            message = (f"η = {fmt(trace.lr, '.3g')}, 2/η = {fmt(trace.threshold, '.3g')}: λ_max {reached}; over the "
                       f"second half its median is {ratio:.2f} × 2/η. The loss rose at {self.eos.loss_rises()[i]} of "
                       f"{losses.size - 1} steps, yet fell from {fmt(losses[0], '.3g')} to {fmt(losses[-1], '.3g')}.")
            return LandmarkState(experiment, i, ratio, message)
        if experiment == "spawn step":
            i = list(self.spawn.spawn_steps).index(params["k"])
            errors = self.spawn.errors[i]
            barrier = float(self.spawn.barriers[i])
            message = (f"Copies spawned at step k = {params['k']}: test error {100 * errors[0]:.1f} % and "
                       f"{100 * errors[-1]:.1f} % at the ends, {100 * errors.max():.1f} % at worst on the line — an "
                       f"error barrier of {100 * barrier:.1f} points.")
            return LandmarkState(experiment, i, barrier, message)
        if experiment == "lottery ticket":
            r = int(params["round"])
            t = self.tickets
            ticket, reinit, rand = (float(a[:, r].mean()) for a in (t.ticket, t.reinit, t.random))
            message = (f"{fmt(100 * t.remaining[r], '.3g')} % of the weights kept (round {r}): test accuracy "
                       f"{100 * ticket:.1f} % for the ticket, {100 * reinit:.1f} % for the same mask from a fresh "
                       f"initialisation, {100 * rand:.1f} % for a random mask; the dense network "
                       f"{100 * t.ticket[:, 0].mean():.1f} % (means of {t.ticket.shape[0]} starts).")
            return LandmarkState(experiment, r, ticket - reinit, message)
        i = list(self.widths.widths).index(params["width"])
        raw, aligned = self.widths.raw_barriers[i], self.widths.aligned_barriers[i]
        raw_e, aligned_e = self.widths.raw_error_barriers[i], self.widths.aligned_error_barriers[i]
        message = (f"Width {params['width']}, {raw.size} pairs of networks: loss barrier {fmt(raw.mean(), '.3g')} as "
                   f"trained, {fmt(aligned.mean(), '.3g')} after weight matching; error barrier "
                   f"{100 * raw_e.mean():.1f} → {100 * aligned_e.mean():.1f} points (means over the pairs).")
        return LandmarkState(experiment, i, float(aligned.mean()), message)

    # --- figure ------------------------------------------------------------------------------------
    def _build_figure(self):
        from ..plotting import OKABE_ITO

        self.fig, (self.ax_left, self.ax_right) = self.new_figure(1, 2, figsize=(8.5, 3.9))
        self._colours = OKABE_ITO
        self._groups: dict[str, list] = {name: [] for name in EXPERIMENTS}
        self._build_eos()
        self._build_spawn()
        self._build_width()
        self._build_lottery()

    def _build_eos(self):
        group, left, right = self._groups["edge of stability"], self.ax_left, self.ax_right
        self._eos_lines, self._eos_thresholds, self._eos_losses, self._eos_widths = [], [], [], []
        from ..plotting import series_styles

        for j, (trace, style) in enumerate(zip(self.eos.traces, series_styles(len(self.eos.traces)))):
            colour, style = style["color"], style["linestyle"]
            marker = series_styles(len(self.eos.traces))[j]["marker"]
            (line,) = left.plot(trace.steps, trace.lambda_max, color=colour, linestyle=style, marker=marker,
                                markersize=4, label=f"λ_max, η = {fmt(trace.lr, '.3g')}")
            threshold = left.axhline(trace.threshold, color=colour, linestyle=":", linewidth=1.2)
            (loss,) = right.semilogy(np.arange(trace.trajectory.losses.size), trace.trajectory.losses, color=colour,
                                     linestyle=style, linewidth=1.2, label=f"η = {fmt(trace.lr, '.3g')}")
            self._eos_lines.append(line)
            self._eos_widths.append(line.get_linewidth())
            self._eos_thresholds.append(threshold)
            self._eos_losses.append(loss)
            group += [line, threshold, loss]

    def _build_spawn(self):
        group, left, right = self._groups["spawn step"], self.ax_left, self.ax_right
        self._spawn_lines = []
        alphas = self.spawn.alphas
        for j, k in enumerate(self.spawn.spawn_steps):
            (line,) = left.plot(alphas, 100 * self.spawn.errors[j], color="0.6", linewidth=1.0, marker=".",
                                label=f"k = {k}")
            self._spawn_lines.append(line)
            group.append(line)
        ks = np.array(self.spawn.spawn_steps, dtype=float)
        (curve,) = right.plot(ks, 100 * self.spawn.barriers, color=self._colours[4], marker="o",
                              label="error barrier")
        (self._spawn_mark,) = right.plot([], [], linestyle="none", marker="s", markersize=11, markerfacecolor="none",
                                         markeredgecolor="k", markeredgewidth=2, label="chosen k")
        group += [curve, self._spawn_mark]

    def _build_width(self):
        group, left, right = self._groups["width"], self.ax_left, self.ax_right
        w = np.array(self.widths.widths, dtype=float)
        raw_c, aligned_c = self._colours[3], self._colours[4]
        for ax, raw, aligned in ((left, self.widths.raw_barriers, self.widths.aligned_barriers),
                                 (right, 100 * self.widths.raw_error_barriers,
                                  100 * self.widths.aligned_error_barriers)):
            (a,) = ax.plot(w, raw.mean(axis=1), color=raw_c, marker="o", label="as trained")
            (b,) = ax.plot(w, aligned.mean(axis=1), color=aligned_c, marker="^", linestyle="--",
                           label="after weight matching")
            group += [a, b]
        (self._width_mark_left,) = left.plot([], [], linestyle="none", marker="s", markersize=11,
                                             markerfacecolor="none", markeredgecolor="k", markeredgewidth=2,
                                             label="chosen width")
        (self._width_mark_right,) = right.plot([], [], linestyle="none", marker="s", markersize=11,
                                               markerfacecolor="none", markeredgecolor="k", markeredgewidth=2)
        group += [self._width_mark_left, self._width_mark_right]

    #: the three arms of the lottery-ticket run: field of LotteryTicket, label, colour index, marker, line style
    _ARMS = (("ticket", "ticket (rewound to θ₀)", 4, "o", "-"),
             ("reinit", "same mask, fresh init", 0, "s", "--"),
             ("random", "random mask", 3, "^", ":"))

    def _build_lottery(self):
        group, left, right = self._groups["lottery ticket"], self.ax_left, self.ax_right
        t = self.tickets
        kept = 100 * t.remaining[1:]
        dense = 100 * float(t.ticket[:, 0].mean())
        group += [left.axhline(dense, color="black", linewidth=1.2, label="dense network"),
                  right.axhline(dense, color="black", linewidth=1.2)]
        self._lottery_means, self._lottery_points = [], []
        for field, label, colour, marker, style in self._ARMS:
            acc = 100 * getattr(t, field)
            (line,) = left.plot(kept, acc[:, 1:].mean(axis=0), color=self._colours[colour], marker=marker,
                                linestyle=style, markeredgecolor="black", label=label)
            (points,) = right.plot([], [], linestyle="none", color=self._colours[colour], marker=marker,
                                   markersize=8, markeredgecolor="black")
            self._lottery_means.append(line)
            self._lottery_points.append(points)
            group += [line, points]
        (self._lottery_mark,) = left.plot([], [], linestyle="none", marker="s", markersize=13, markerfacecolor="none",
                                          markeredgecolor="k", markeredgewidth=2, label="chosen sparsity")
        group.append(self._lottery_mark)

    def _show_only(self, experiment: str) -> None:
        for name, artists in self._groups.items():
            for artist in artists:
                artist.set_visible(name == experiment)

    def _legend(self, ax, handles, **kwargs):
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        if handles:
            ax.legend(handles=handles, fontsize=self.font(8), framealpha=0.9, **kwargs)

    def _set_up(self, experiment: str) -> None:
        """Axes, limits, labels and legends of ``experiment`` (a full draw follows; a knob then only restyles)."""
        from ..plotting import label_axes

        self._show_only(experiment)
        left, right = self.ax_left, self.ax_right
        if experiment == "edge of stability":
            traces = self.eos.traces
            for ax in (left, right):
                ax.set_xscale("linear")
                ax.set_xlim(0, max(t.trajectory.losses.size - 1 for t in traces))
            left.set_yscale("linear")
            top = max(max(float(np.max(t.lambda_max)) for t in traces), max(t.threshold for t in traces))
            left.set_ylim(0, 1.15 * top)
            right.set_yscale("log")
            low = min(float(np.min(t.trajectory.losses)) for t in traces)
            high = max(float(np.max(t.trajectory.losses)) for t in traces)
            right.set_ylim(0.8 * low, 1.25 * high)
            label_axes(left, "λ_max during full-batch GD (dotted: 2/η)", "step", "λ_max")
            label_axes(right, "training loss of the bold run", "step", "training loss (squared, log scale)")
            # the legend copies its lines' styles when it is made: made from the plain styles (as on the first
            # set-up), not from the highlight of the last run shown, it looks the same however it was reached
            for line, width in zip(self._eos_lines, self._eos_widths):
                line.set_linewidth(width)
                line.set_alpha(None)
            self._legend(left, self._eos_lines, loc="lower right")
            self._legend(right, [])
        elif experiment == "spawn step":
            errors = 100 * self.spawn.errors
            left.set_xscale("linear")
            left.set_yscale("linear")
            left.set_xlim(0, 1)
            left.set_ylim(0, 1.1 * float(errors.max()) + 0.5)
            right.set_yscale("linear")
            right.set_xscale("symlog", linthresh=1.0)
            right.set_xlim(-0.5, 1.5 * max(self.spawn.spawn_steps))
            right.set_ylim(0, 1.15 * float(100 * self.spawn.barriers.max()) + 0.5)
            right.set_xticks(list(self.spawn.spawn_steps), [str(k) for k in self.spawn.spawn_steps])
            right.minorticks_off()
            # (a title no wider than its axes: the longer one ran into the top tick label)
            label_axes(left, "test error between the copies (bold: k)", "α (0 = copy 1, 1 = copy 2)",
                       "test error (%)")
            label_axes(right, "error barrier against the spawn step", "spawn step k (symlog)", "barrier (points)")
            self._legend(left, [])
            self._legend(right, [self._spawn_mark], loc="upper right")
        elif experiment == "width":
            for ax, raw, aligned, scale in (
                    (left, self.widths.raw_barriers, self.widths.aligned_barriers, 1.0),
                    (right, self.widths.raw_error_barriers, self.widths.aligned_error_barriers, 100.0)):
                ax.set_xscale("log", base=2)
                ax.set_yscale("linear")
                ax.set_xlim(0.7 * min(self.widths.widths), 1.4 * max(self.widths.widths))
                ax.set_xticks(list(self.widths.widths), [str(w) for w in self.widths.widths])
                ax.minorticks_off()
                top = scale * max(float(raw.mean(axis=1).max()), float(aligned.mean(axis=1).max()))
                ax.set_ylim(min(0.0, scale * float(aligned.mean(axis=1).min())) * 1.1, 1.15 * top + 1e-9)
            label_axes(left, "loss barrier of the straight line", "hidden width (log scale)", "loss barrier")
            label_axes(right, "test-error barrier of the straight line", "hidden width (log scale)",
                       "barrier (points)")
            # "best": the free place for these runs' curves and the chosen width's mark (a fixed corner covered
            # a marker for other runs)
            self._legend(left, list(self._groups["width"][:2]) + [self._width_mark_left], loc="best")
            self._legend(right, [])
        else:  # the lottery ticket
            t = self.tickets
            accs = 100 * np.concatenate([t.ticket, t.reinit, t.random])
            low, high = float(accs.min()), float(accs.max())
            pad = 0.08 * (high - low) + 0.5
            left.set_xscale("log")
            left.set_yscale("linear")
            left.set_xlim(105, 0.9 * 100 * float(t.remaining[-1]))
            left.set_ylim(low - pad, high + pad)
            ticks = [100 * float(f) for f in t.remaining[1::3]]
            left.set_xticks(ticks, [fmt(x, ".2g") for x in ticks])
            left.minorticks_off()
            right.set_xscale("linear")
            right.set_yscale("linear")
            right.set_xlim(-0.6, len(self._ARMS) - 0.4)
            right.set_ylim(low - pad, high + pad)
            right.set_xticks(range(len(self._ARMS)), ["ticket", "same mask,\nfresh init", "random\nmask"])
            right.minorticks_off()
            label_axes(left, "iterative magnitude pruning (mean of the starts)", "weights kept (%, log scale)",
                       "test accuracy (%)")
            label_axes(right, "each start at the chosen sparsity (line: dense)", "subnetwork", "test accuracy (%)")
            self._legend(left, [self._groups["lottery ticket"][0]] + self._lottery_means + [self._lottery_mark],
                         loc="best")
            self._legend(right, [])
        self._shown = experiment

    def draw(self, state: LandmarkState):
        """Update the figure to show ``state``: the experiment's artists and axes, then its highlighted run.

        Switching the experiment sets up the axes anew (a full draw); turning its knob only restyles artists and
        one title, so the blitter redraws just those.

        Parameters
        ----------
        state : LandmarkState
            The explorer's current state (see :class:`LandmarkState`), from :meth:`compute`.
        """
        if getattr(self, "_shown", None) != state.experiment:
            self._set_up(state.experiment)
        if state.experiment == "edge of stability":
            for j, (line, threshold, loss) in enumerate(zip(self._eos_lines, self._eos_thresholds, self._eos_losses)):
                chosen = j == state.index
                line.set_linewidth(2.6 if chosen else 1.0)
                line.set_alpha(1.0 if chosen else 0.35)
                threshold.set_linewidth(2.0 if chosen else 1.0)
                threshold.set_alpha(1.0 if chosen else 0.35)
                loss.set_visible(chosen)
        elif state.experiment == "spawn step":
            for j, line in enumerate(self._spawn_lines):
                chosen = j == state.index
                line.set_color(self._colours[4] if chosen else "0.6")
                line.set_linewidth(2.6 if chosen else 1.0)
                line.set_zorder(3 if chosen else 2)
            k = self.spawn.spawn_steps[state.index]
            self._spawn_mark.set_data([k], [100 * self.spawn.barriers[state.index]])
        elif state.experiment == "lottery ticket":
            t, r = self.tickets, state.index
            self._lottery_mark.set_data([100 * t.remaining[r]], [100 * t.ticket[:, r].mean()])
            for j, ((field, *_), points) in enumerate(zip(self._ARMS, self._lottery_points)):
                acc = 100 * getattr(t, field)[:, r]
                points.set_data(j + np.linspace(-0.12, 0.12, acc.size), acc)
        else:
            w = self.widths.widths[state.index]
            self._width_mark_left.set_data([w], [self.widths.aligned_barriers[state.index].mean()])
            self._width_mark_right.set_data([w], [100 * self.widths.aligned_error_barriers[state.index].mean()])
