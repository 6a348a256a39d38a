r"""The lottery ticket on the digits: iterative magnitude pruning with rewinding (Frankle & Carbin 2019).

**Iterative magnitude pruning (IMP).** Start from :math:`\theta_0` and a mask :math:`m = \mathbf 1` on the
weights (biases are never pruned). Repeat for rounds :math:`r = 1, 2, \dots`:

1. train :math:`m \odot \theta` from the rewind point :math:`m \odot \theta_k` (:math:`k = 0`: the
   initialisation) with the pruned weights held at exactly 0;
2. in each layer, remove from :math:`m` the fraction :math:`p` of its *remaining* weights with the smallest
   trained magnitude :math:`|\theta_T|` (the output layer at :math:`p/2`, as the paper does for its fully
   connected nets);
3. rewind the kept weights to :math:`\theta_k`.

After :math:`r` rounds a hidden layer keeps :math:`(1-p)^r` of its weights. The subnetwork
:math:`(m, m \odot \theta_k)` is the *ticket*. Two controls train the same number of steps on the same data:
the **same mask from a fresh initialisation** (same scheme, another seed: does the ticket's *initialisation*
matter, or only its wiring?) and a **random mask** with the same per-layer counts from :math:`\theta_k`
(does the *mask* matter?).

Masked training is plain SGD whose update is multiplied by the mask (:func:`mask_updates` chained after the
learning rate), so a weight that starts at 0 stays exactly 0.

Examples
--------
>>> result = lottery_ticket(hidden=(16,), n_train=100, steps=20, rounds=2, starts=1)
>>> result.remaining.shape, result.ticket.shape
((3,), (1, 3))
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from . import optimizers
from .connectivity import Path, barrier_height, error_batch
from .models import MLP
from .optimizers.transforms import EmptyState, GradientTransformation
from .randomness import default_rng
from .real_data import digits_task, held_out_accuracy
from .stability import MAX_LR, cosine_learning_rate
from .validation import (
    check_array,
    check_instance,
    check_int,
    check_layer_widths,
    check_option,
    check_scalar,
    check_vector,
)

__all__ = ["weight_layers", "mask_updates", "masked_sgd", "magnitude_prune", "random_mask", "train_masked",
           "LotteryTicket", "lottery_ticket"]

N_ALPHAS = 11  # points on the line between two copies (endpoints included)


def weight_layers(model: MLP) -> list[np.ndarray]:
    """The positions of each layer's weights in the flat parameter vector (the prunable entries; biases excluded).

    Parameters
    ----------
    model : MLP

    Returns
    -------
    list of ndarray of int64
        One array per layer, input layer first; layer :math:`\\ell` has :math:`n_{\\ell-1} n_\\ell` positions.
    """
    model = check_instance(model, "model", MLP)
    index = np.arange(model.dim, dtype=float)
    return [W.ravel().astype(np.int64) for W, _ in model.unflatten(index)]


def _check_mask(mask: Any, size: int | None = None, name: str = "mask") -> np.ndarray:
    mask = check_array(mask, name)
    if mask.ndim != 1 or (size is not None and mask.size != size):
        want = f"({size},)" if size is not None else "1-D"
        raise ValueError(f"`{name}` must have shape {want}, got {mask.shape}")
    if not np.all((mask == 0) | (mask == 1)):
        raise ValueError(f"`{name}` must hold only 0 and 1 (pruned, kept), got values {np.unique(mask)[:5]}")
    return mask.astype(float)


def mask_updates(mask) -> GradientTransformation:
    r"""A gradient transformation that multiplies the updates by a fixed 0/1 mask: :math:`u \mapsto m \odot u`.

    Chained after the learning rate, it makes any rule a *masked* rule: entries with :math:`m_i = 0` never
    move, so a weight set to 0 stays exactly 0 through training.

    Parameters
    ----------
    mask : array_like, shape (P,)
        1 for the entries that train, 0 for the frozen ones.

    Returns
    -------
    GradientTransformation
        Stateless; named "mask".
    """
    m = _check_mask(mask)

    def init(params: np.ndarray) -> EmptyState:
        return EmptyState()

    def update(updates: np.ndarray, state: Any, params: Any = None, lr: Any = None,
               oracle: Any = None) -> tuple[np.ndarray, Any]:
        return m * updates, state

    return GradientTransformation(init, update, "mask")


def masked_sgd(mask) -> GradientTransformation:
    """SGD whose steps are multiplied by ``mask``: ``chain(sgd(), mask_updates(mask))``.

    Parameters
    ----------
    mask : array_like, shape (P,)
        1 for the entries that train, 0 for the frozen ones.

    Returns
    -------
    GradientTransformation
        Named "masked SGD"; the rate comes from the caller (``run(..., lr=...)``).
    """
    return optimizers.chain(optimizers.sgd(), mask_updates(mask), name="masked SGD")


def magnitude_prune(theta, mask, layers, fraction: float, last_fraction: float | None = None) -> np.ndarray:
    r"""One round of layer-wise magnitude pruning: drop the smallest :math:`|\theta|` among each layer's kept weights.

    In layer :math:`\ell` with :math:`n_\ell` kept weights, the :math:`\operatorname{round}(p\, n_\ell)` kept
    weights of smallest :math:`|\theta_i|` are removed (ties broken by position, a stable sort); the last layer
    uses ``last_fraction``. Entries outside ``layers`` (the biases) keep their mask value.

    Parameters
    ----------
    theta : array_like, shape (P,)
        The trained parameters whose magnitudes decide.
    mask : array_like, shape (P,)
        The current 0/1 mask.
    layers : list of array of int
        Each layer's positions in ``theta`` (:func:`weight_layers`).
    fraction : float
        :math:`p \in [0, 1)`, the fraction of each layer's remaining weights to remove.
    last_fraction : float, optional
        The fraction for the last layer; default ``fraction / 2`` (Frankle & Carbin's output layer).

    Returns
    -------
    ndarray, shape (P,)
        The new mask (a copy; 0/1 floats).
    """
    theta = check_vector(theta, "theta")
    mask = _check_mask(mask, theta.size)
    fraction = check_scalar(fraction, "fraction", low=0, high=1, high_inclusive=False)
    last_fraction = fraction / 2 if last_fraction is None else check_scalar(
        last_fraction, "last_fraction", low=0, high=1, high_inclusive=False)
    layers = _check_layers(layers, theta.size)
    new = mask.copy()
    for i, idx in enumerate(layers):
        p = last_fraction if i == len(layers) - 1 else fraction
        kept = idx[mask[idx] == 1]
        n_drop = int(round(p * kept.size))
        order = np.argsort(np.abs(theta[kept]), kind="stable")
        new[kept[order[:n_drop]]] = 0.0
    return new


def _check_layers(layers: Any, size: int) -> list[np.ndarray]:
    if isinstance(layers, (str, bytes)) or not hasattr(layers, "__len__") or len(layers) == 0:
        raise TypeError(f"`layers` must be a non-empty list of integer index arrays, got {layers!r}")
    out = []
    for i, idx in enumerate(layers):
        idx = np.asarray(idx)
        if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
            raise ValueError(f"`layers` entry {i} must be a non-empty 1-D array of integer positions, got {idx!r}")
        if idx.min() < 0 or idx.max() >= size:
            raise ValueError(f"`layers` entry {i} must hold positions in [0, {size}), got {idx.min()}..{idx.max()}")
        out.append(idx.astype(np.int64))
    return out


def random_mask(like, layers, rng) -> np.ndarray:
    """A random mask with the same number of kept weights in each layer as ``like``, biases kept.

    Parameters
    ----------
    like : array_like, shape (P,)
        The 0/1 mask whose per-layer counts are matched.
    layers : list of array of int
        Each layer's positions (:func:`weight_layers`).
    rng : numpy.random.Generator or int
        Draws which positions are kept (uniformly, without replacement, in each layer).

    Returns
    -------
    ndarray, shape (P,)
    """
    like = _check_mask(like, name="like")
    layers = _check_layers(layers, like.size)
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        rng = default_rng(check_int(rng, "rng", low=0))
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"`rng` must be a numpy Generator or an integer seed, got {type(rng).__name__}")
    new = np.ones_like(like)
    for idx in layers:
        n_kept = int(like[idx].sum())
        new[idx] = 0.0
        new[rng.choice(idx, size=n_kept, replace=False)] = 1.0
    return new


def train_masked(model, theta0, mask, *, steps: int, lr, batch_size: int, seed: int) -> np.ndarray:
    r"""Train :math:`m \odot \theta_0` with masked SGD: the pruned weights start at 0 and stay at exactly 0.

    Parameters
    ----------
    model : MLP
        The training loss.
    theta0 : array_like, shape (P,)
        The starting point before masking.
    mask : array_like, shape (P,)
        1 for the entries that train, 0 for the pruned ones.
    steps : int
        SGD steps, at least 0.
    lr : float or callable
        A constant rate in ``(0, 10]`` or a schedule ``t -> rate``.
    batch_size : int
        Examples per minibatch, at least 1.
    seed : int
        Seed of the minibatch order.

    Returns
    -------
    ndarray, shape (P,)
        The trained parameters (zero wherever ``mask`` is 0).
    """
    model = check_instance(model, "model", MLP)
    theta0 = check_vector(theta0, "theta0", model.dim)
    mask = _check_mask(mask, theta0.size)
    steps = check_int(steps, "steps", low=0)
    batch_size = check_int(batch_size, "batch_size", low=1)
    seed = check_int(seed, "seed", low=0)
    if not callable(lr):
        lr = check_scalar(lr, "lr", low=0, high=MAX_LR, low_inclusive=False)
    return optimizers.run(model, masked_sgd(mask), mask * theta0, steps=steps, lr=lr, batch_size=batch_size,
                          rng=default_rng(seed), record_every=max(steps, 1)).thetas[-1]


def _train_side_by_side(model, thetas0, masks, *, steps: int, lr, batch_size: int, seed: int) -> np.ndarray:
    """Masked SGD for several networks on the same minibatches: one batched gradient per step
    (:func:`~course_utils.optimizers.run_many`), the full training loss checked only at the end (it cost 4.4× the
    steps themselves). Returns the trained parameters ``(K, P)``, zero wherever a network's mask is 0."""
    runs = optimizers.run_many(model, [masked_sgd(m) for m in masks], masks * thetas0, steps=steps, lrs=lr,
                               batch_size=batch_size, rng=default_rng(seed), record_every=max(steps, 1),
                               monitor_every=max(steps, 1))
    return np.stack([run.final_theta for run in runs])


class LotteryTicket(NamedTuple):
    """Everything the lottery-ticket figure draws: test accuracy against the fraction of weights kept.

    Parameters
    ----------
    remaining : ndarray, shape (R + 1,)
        Fraction of the prunable weights kept after each round (1 for the dense network at round 0).
    ticket : ndarray, shape (S, R + 1)
        Test accuracy of the IMP subnetwork rewound to :math:`\\theta_k`, per start; column 0 is the dense network.
    reinit : ndarray, shape (S, R + 1)
        Test accuracy of the same mask trained from a fresh initialisation (another seed, same scheme).
    random : ndarray, shape (S, R + 1)
        Test accuracy of a random mask with the same per-layer counts, trained from :math:`\\theta_k`.
    ticket_barrier : ndarray, shape (S,)
        Instability of the sparsest ticket: two copies trained from its rewind point with two minibatch orders,
        and the test-error barrier (:func:`~course_utils.connectivity.barrier_height`) on the line between them.
    reinit_barrier : ndarray, shape (S,)
        The same for the sparsest mask from its fresh initialisation.
    settings : dict
        The experiment's settings.
    """

    remaining: np.ndarray
    ticket: np.ndarray
    reinit: np.ndarray
    random: np.ndarray
    ticket_barrier: np.ndarray
    reinit_barrier: np.ndarray
    settings: dict


def lottery_ticket(hidden=(100,), *, n_train: int = 500, activation: str = "relu", steps: int = 300,
                   lr: float = 0.1, batch_size: int = 32, rounds: int = 10, fraction: float = 0.2,
                   rewind_step: int = 0, starts: int = 3, seed: int = 0) -> LotteryTicket:
    r"""Iterative magnitude pruning on the digits, with the two controls, from ``starts`` initialisations.

    For each start :math:`s`: :math:`\theta_0 = ` ``init(seed, s)`` (Xavier), the dense net is trained
    ``steps`` SGD steps (cosine schedule peaking at ``lr``), and ``rounds`` rounds of IMP follow
    (:func:`magnitude_prune` with ``fraction`` per round, the output layer at half of it). If ``rewind_step``
    :math:`k > 0` the rewind point is the dense run's :math:`\theta_k` and every sparse run trains the remaining
    :math:`T - k` steps of the schedule; the fresh initialisation is then trained the same :math:`T - k` steps.
    In each round every start and arm trains in lockstep on one minibatch order (a new one each round,
    :func:`~course_utils.optimizers.run_many`), so the three arms differ only in mask and starting point. Finally
    the sparsest ticket and its fresh-init control are each trained twice more with two new minibatch orders, and the
    test-error barrier on the line between the two copies measures their instability (Frankle et al. 2020,
    as :mod:`~course_utils.stability` does for dense networks). Memoised per kernel.

    Parameters
    ----------
    hidden : int or tuple of int, default (100,)
        Hidden widths of the 64-``hidden``-10 network.
    n_train : int, default 500
        Training images (class-balanced subset); the test set is the usual 454 held-out digits.
    activation : {"relu", "tanh"}, default "relu"
    steps : int, default 300
        SGD steps :math:`T` per training run.
    lr : float, default 0.1
        Peak learning rate of the cosine schedule, in ``(0, 10]``.
    batch_size : int, default 32
    rounds : int, default 10
        Pruning rounds :math:`R`; a hidden layer keeps :math:`(1-p)^R` of its weights.
    fraction : float, default 0.2
        :math:`p`, fraction of the remaining weights pruned per round, in ``(0, 1)``.
    rewind_step : int, default 0
        :math:`k`, in ``[0, steps)``.
    starts : int, default 3
        Initialisations :math:`S`.
    seed : int, default 0

    Returns
    -------
    LotteryTicket
    """
    hidden = tuple(check_layer_widths(hidden))
    n_train = check_int(n_train, "n_train", low=10)
    activation = check_option(activation, "activation", ["relu", "tanh"])
    steps = check_int(steps, "steps", low=1)
    lr = check_scalar(lr, "lr", low=0, high=MAX_LR, low_inclusive=False)
    batch_size = check_int(batch_size, "batch_size", low=1)
    rounds = check_int(rounds, "rounds", low=1)
    fraction = check_scalar(fraction, "fraction", low=0, high=1, low_inclusive=False, high_inclusive=False)
    rewind_step = check_int(rewind_step, "rewind_step", low=0, high=steps - 1)
    starts = check_int(starts, "starts", low=1)
    seed = check_int(seed, "seed", low=0)
    return _lottery_ticket(hidden, n_train, activation, steps, float(lr), batch_size, rounds, float(fraction),
                           rewind_step, starts, seed)


@lru_cache(maxsize=16)
def _lottery_ticket(hidden, n_train, activation, steps, lr, batch_size, rounds, fraction, rewind_step, starts,
                    seed) -> LotteryTicket:
    task = digits_task(hidden=hidden, n_train=n_train, activation=activation)
    model = task.model
    layers = weight_layers(model)
    n_weights = sum(idx.size for idx in layers)
    k, S = rewind_step, starts
    base = 1000 * seed
    theta0 = np.stack([model.init(default_rng(base + 10 * i)) for i in range(S)])
    fresh = np.stack([model.init(default_rng(base + 10 * i + 5)) for i in range(S)])
    draw = default_rng(base + 1)
    ones = np.ones_like(theta0)
    # the dense runs: k steps to the rewind point, then the rest of the schedule
    rewind = _train_side_by_side(model, theta0, ones, steps=k, lr=cosine_learning_rate(lr, steps),
                                 batch_size=batch_size, seed=base + 2) if k else theta0
    schedule = cosine_learning_rate(lr, steps, k)
    trained = _train_side_by_side(model, rewind, ones, steps=steps - k, lr=schedule, batch_size=batch_size,
                                  seed=base + 3)
    masks = ones.copy()
    remaining = [1.0]
    dense = [held_out_accuracy(task, t) for t in trained]
    ticket, reinit, rand = [dense], [dense], [dense]
    for r in range(1, rounds + 1):
        masks = np.stack([magnitude_prune(t, m, layers, fraction) for t, m in zip(trained, masks)])
        remaining.append(float(np.mean([sum(m[idx].sum() for idx in layers) / n_weights for m in masks])))
        rmasks = np.stack([random_mask(m, layers, draw) for m in masks])
        # 3S networks in lockstep, all on this round's minibatches: tickets, fresh inits, random masks
        ends = _train_side_by_side(model, np.concatenate([rewind, fresh, rewind]),
                                   np.concatenate([masks, masks, rmasks]), steps=steps - k, lr=schedule,
                                   batch_size=batch_size, seed=base + 3 + r)
        trained = ends[:S]
        accs = [held_out_accuracy(task, e) for e in ends]
        ticket.append(accs[:S])
        reinit.append(accs[S:2 * S])
        rand.append(accs[2 * S:])
    # instability (Frankle et al. 2020) of the sparsest ticket and of its fresh-init control: two copies each,
    # trained from the same start with two minibatch orders; the error barrier on the line between the copies
    starts_last = np.concatenate([rewind, fresh])
    copies = [_train_side_by_side(model, starts_last, np.concatenate([masks, masks]), steps=steps - k,
                                  lr=schedule, batch_size=batch_size, seed=base + 500 + c) for c in (0, 1)]
    alphas = np.linspace(0.0, 1.0, N_ALPHAS)
    barriers = np.array([barrier_height(error_batch(model, Path.line(a, b).points(alphas), task.X_test, task.y_test))
                         for a, b in zip(*copies)])
    settings = dict(hidden=hidden, n_train=n_train, activation=activation, steps=steps, lr=lr,
                    batch_size=batch_size, rounds=rounds, fraction=fraction, rewind_step=rewind_step,
                    starts=starts, seed=seed)
    return LotteryTicket(np.array(remaining), np.array(ticket).T, np.array(reinit).T, np.array(rand).T,
                         barriers[:S], barriers[S:], settings)
