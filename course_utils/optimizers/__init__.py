r"""Update rules that compose, learning-rate schedules, and the loop that runs them (in optax's shape).

A rule is a :class:`GradientTransformation`, a pair of small pure functions::

    state = opt.init(theta)
    update, state = opt.update(grad, state, theta, lr, oracle)
    theta = theta + update

Rules are built by chaining transformations, e.g. ``adam() == chain(scale_by_adam(), scale_by_learning_rate())``
and ``sam(momentum())`` is ``chain(sam_gradient(), momentum())``. Their
states are NamedTuples a student can print (``state[0].mu``, ``state[0].count``).

Where the learning rate comes from — one mechanism
--------------------------------------------------
``scale_by_learning_rate`` is the only transformation that applies a learning rate, and it gets the rate from
exactly one place:

- **built without a rate** (``scale_by_learning_rate()``, hence ``gd()``, ``adam()``, …): the rate is the
  ``lr`` argument of ``update``. :func:`run` and :func:`run_many` pass their ``lr`` (a number or a schedule
  evaluated at step ``t``; default 0.1), so ``run(obj, adam(), theta0, steps=100, lr=0.01)`` works as it always
  did, and so does calling ``opt.update(grad, state, theta, lr, oracle)`` by hand.
- **built with a rate** (``scale_by_learning_rate(0.01)`` or a schedule, hence ``adam(learning_rate=0.01)``): the
  rule is complete; its state counts the steps (``count``) and the schedule is evaluated at 0, 1, 2, ….
  The rule's ``learning_rate`` attribute says so, ``run`` is called without ``lr`` and passes ``lr=None``;
  passing a rate to such a rule raises (the rate would otherwise come from two places).

``oracle`` (an :class:`Oracle`) gives a rule what it may ask for beyond the gradient at this step: the Hessian
(Newton), another gradient (SAM, perturbed GD), a random generator (noisy and perturbed GD). Divergence is
a result of :func:`run` (``diverged_at``), never a crash or a warning.

Modules: :mod:`.transforms` (the pieces and :func:`chain`), :mod:`.aliases` (the named rules),
:mod:`.schedules`, :mod:`.run` (sampler, step, recorder, loops).
"""

from __future__ import annotations

from .aliases import (
    OPTIMIZERS,
    adagrad,
    adam,
    clip_by_norm,
    gd,
    momentum,
    nesterov,
    newton,
    noisy_gd,
    perturbed_gd,
    rmsprop,
    saddle_free_newton,
    sam,
    sgd,
)
from .run import MinibatchSampler, Trajectory, run, run_many
from .schedules import (
    Schedule,
    as_schedule,
    constant_schedule,
    cosine_restarts_schedule,
    cosine_schedule,
    one_cycle_schedule,
    step_schedule,
)
from .transforms import (
    EmptyState,
    GradientTransformation,
    Oracle,
    PerturbNearSaddlesState,
    ScaleByAdagradState,
    ScaleByAdamState,
    ScaleByLearningRateState,
    ScaleByRmsState,
    TraceState,
    add_decayed_weights,
    add_noise,
    chain,
    clip_by_global_norm,
    perturb_near_saddles,
    sam_gradient,
    sam_perturbation,
    scale_by_adagrad,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_momentum,
    scale_by_nesterov,
    scale_by_newton,
    scale_by_rms,
    scale_by_saddle_free_newton,
    uniform_ball,
)

#: The name the course has always used for an update rule: a :class:`GradientTransformation`.
Optimizer = GradientTransformation

__all__ = [
    # the interface (the old names first)
    "Optimizer",
    "Oracle",
    "Trajectory",
    "gd",
    "sgd",
    "momentum",
    "nesterov",
    "adagrad",
    "rmsprop",
    "adam",
    "newton",
    "uniform_ball",
    "perturbed_gd",
    "noisy_gd",
    "saddle_free_newton",
    "sam_perturbation",
    "sam",
    "constant_schedule",
    "step_schedule",
    "cosine_schedule",
    "cosine_restarts_schedule",
    "one_cycle_schedule",
    "run",
    "run_many",
    "clip_by_norm",
    "OPTIMIZERS",
    # the composable pieces
    "GradientTransformation",
    "chain",
    "scale_by_learning_rate",
    "scale_by_momentum",
    "scale_by_nesterov",
    "scale_by_rms",
    "scale_by_adagrad",
    "scale_by_adam",
    "scale_by_newton",
    "scale_by_saddle_free_newton",
    "add_noise",
    "add_decayed_weights",
    "clip_by_global_norm",
    "sam_gradient",
    "perturb_near_saddles",
    "EmptyState",
    "TraceState",
    "ScaleByRmsState",
    "ScaleByAdagradState",
    "ScaleByAdamState",
    "ScaleByLearningRateState",
    "PerturbNearSaddlesState",
    "Schedule",
    "as_schedule",
    "MinibatchSampler",
]
