"""The workloads and contenders of the peers benchmark (``benchmarks/peers.py``, ``make bench PEERS=1``).

Every workload is built here from course_utils alone, in float64 NumPy with fixed seeds: the data, the trained
weights, the plane's directions, Lanczos' start vector, the Hutchinson probes, the training start. Each contender
gets those same arrays (converted to its own layout) and must agree with course_utils within the workload's
stated tolerance before it is timed.

The parameter layouts. course_utils' flat vector is ``[W1.ravel(), b1, W2.ravel(), b2, ...]`` with layers that
compute ``h @ W + b`` (``W`` of shape ``(in, out)``). PyTorch's ``nn.Linear`` holds ``weight = W.T`` of shape
``(out, in)``; its flat vector (``parameters_to_vector`` order) is ``[W1.T.ravel(), b1, ...]``, a permutation
of ours (:func:`torch_permutation`). JAX works on our flat vector directly (:func:`flat_mlp_loss`).

Only NumPy, SciPy and course_utils are imported at module level, so the workload builders and the agreement
checker run (and are tested) without any peer installed; torch, JAX, loss-landscapes and PyHessian are imported
inside the contender factories.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Seeds of every draw (data, initialisation, directions, start vector, probes): fixed, not COURSE_SEED's.
SEED = 0

#: The table's columns, in order: (key, heading).
COLUMNS = [
    ("loss-landscapes", "loss-landscapes"),
    ("pytorch", "PyTorch (loop / double-backward / nn.Module + SGD)"),
    ("torch.func", "torch.func (vmap / jvp-of-grad)"),
    ("pyhessian", "PyHessian"),
    ("jax", "hand-written JAX jit"),
]


@dataclass
class Workload:
    """One row of the table: a task, its network and weights, and the inputs every contender shares.

    ``kind`` is ``"grid"`` (a 2-D loss plane), ``"eig"`` (top-k Hessian eigenvalues), ``"trace"`` (Hutchinson
    samples) or ``"train"`` (full-batch GD steps). ``inputs`` holds the kind's arrays (see the builders);
    ``tolerance`` is the largest relative difference from course_utils a contender may show and still be timed.
    """

    key: str
    label: str
    kind: str
    model: Any
    theta: np.ndarray
    inputs: dict
    tolerance: float
    repeats: int
    loss: str  # "mse", "bce" (binary cross-entropy on one logit) or "ce" (softmax cross-entropy)

    @property
    def dim(self) -> int:
        return int(self.model.dim)


@dataclass
class Contender:
    """A way to compute a workload: ``run()`` returns an array comparable with course_utils' result.

    ``expected`` replaces course_utils' result as the reference when the contender evaluates other points than
    ours (loss-landscapes' shifted odd rows); ``tolerance`` overrides the workload's (PyHessian's eigenvalues);
    ``repeats`` runs a slow contender fewer times than the others.
    """

    column: str
    variant: str
    run: Callable[[], np.ndarray]
    expected: np.ndarray | None = None
    tolerance: float | None = None
    repeats: int | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Networks and weights (course_utils only)
# --------------------------------------------------------------------------------------------
def _train(model, steps: int, lr: float, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """``(theta0, theta)``: He/Xavier-initialised weights and the weights after ``steps`` of full-batch Adam."""
    from course_utils import optimizers

    theta0 = model.init(np.random.default_rng(seed))
    if steps == 0:
        return theta0, theta0.copy()
    return theta0, optimizers.run(model, optimizers.adam(), theta0, steps=steps, lr=lr).final_theta


def moons_net(n: int, hidden: tuple, loss: str, data_seed: int):
    """A tanh MLP on ``two_moons(n, noise=0.15, rng=data_seed)`` with MSE or binary cross-entropy."""
    from course_utils import data, models

    X, y = data.two_moons(n, noise=0.15, rng=data_seed)
    return models.MLP(X, y, hidden=hidden, activation="tanh", loss=loss)


def digits_net(hidden: int, n_images: int | None = None):
    """A 64-``hidden``-10 tanh MLP with softmax cross-entropy on the digits (all 1,797 images by default)."""
    from course_utils import data, models

    X_train, X_test, y_train, y_test = data.digits(rng=SEED)
    X, y = np.vstack([X_train, X_test]), np.concatenate([y_train, y_test])
    if n_images is not None:
        X, y = X[:n_images], y[:n_images]
    return models.MLP(X, y, hidden=(hidden,), activation="tanh", loss="cross_entropy", n_outputs=10)


def _loss_kind(model) -> str:
    if model.loss_name == "mse":
        return "mse"
    return "bce" if model.n_outputs == 1 else "ce"


# --------------------------------------------------------------------------------------------
# The workloads
# --------------------------------------------------------------------------------------------
def _grid(key, label, model, theta, n_grid, repeats) -> Workload:
    from course_utils import surfaces

    d1, d2 = surfaces.random_directions(model, theta, np.random.default_rng(SEED + 1))
    grid = np.linspace(-1.0, 1.0, n_grid)
    return Workload(key, label, "grid", model, theta, {"d1": d1, "d2": d2, "alphas": grid, "betas": grid.copy()},
                    tolerance=1e-10, repeats=repeats, loss=_loss_kind(model))


def _eig(key, label, model, theta, repeats, k=5) -> Workload:
    v0 = np.random.default_rng(SEED + 2).standard_normal(model.dim)
    return Workload(key, label, "eig", model, theta, {"k": k, "v0": v0}, tolerance=1e-8, repeats=repeats,
                    loss=_loss_kind(model))


def _trace(key, label, model, theta, n_probes, repeats) -> Workload:
    probes = rademacher_probes(model.dim, n_probes)
    return Workload(key, label, "trace", model, theta, {"probes": probes}, tolerance=1e-10, repeats=repeats,
                    loss=_loss_kind(model))


def _train_workload(key, label, model, theta0, steps, lr, repeats) -> Workload:
    return Workload(key, label, "train", model, theta0, {"steps": steps, "lr": lr}, tolerance=1e-8,
                    repeats=repeats, loss=_loss_kind(model))


def rademacher_probes(dim: int, n_probes: int, seed: int = SEED + 3) -> np.ndarray:
    """The Hutchinson probes, shape ``(n_probes, dim)``: drawn exactly as ``curvature.hutchinson_trace`` draws
    them from ``numpy.random.default_rng(seed)``, so course_utils and every contender use the same vectors."""
    return np.random.default_rng(seed).choice(np.array([-1.0, 1.0]), size=(n_probes, dim))


#: Workload keys in table order.
WORKLOAD_KEYS = ["grid_ch2", "grid_wide", "grid_digits", "eig_1973", "eig_9610", "trace_1973", "train_ch2"]


def build_workloads(quick: bool = False, only: list[str] | None = None) -> list[Workload]:
    """The issue-26 table's workloads, built with course_utils (``quick``: small grids and data, one repeat).

    * grids (filter-normalised Gaussian directions, α, β ∈ [−1, 1]): the chapter-2 net 2-16-1 tanh on 200
      two-moons points (MSE) at 101²; 2-64-64-1 tanh on 2,000 points (MSE) at 51²; 64-128-10 softmax
      cross-entropy on all 1,797 digits at 41²;
    * Hessian top-5 eigenvalues at P = 1,973 (2-44-40-1 tanh, binary cross-entropy, 200 points — the network of
      ``benchmarks/hessian_eigenpairs.py``) and P = 9,610 (the digits net);
    * Hutchinson trace, 100 Rademacher probes, at P = 1,973;
    * 1,000 full-batch GD steps (learning rate 0.1) on the chapter-2 net from its initialisation.

    Weights are trained with course_utils' Adam first, so the planes and spectra are those of trained networks.
    """
    keys = [k for k in WORKLOAD_KEYS if only is None or k in only]
    out: list[Workload] = []
    cache: dict[str, tuple] = {}

    def net(name):
        if name not in cache:
            if name == "ch2":
                model = moons_net(200, (16,), "mse", 0)
                cache[name] = (model, *_train(model, 300, 0.05))
            elif name == "wide":
                model = moons_net(300 if quick else 2000, (64, 64), "mse", 1)
                cache[name] = (model, *_train(model, 20 if quick else 100, 0.01))
            elif name == "digits":
                model = digits_net(8 if quick else 128, 200 if quick else None)
                cache[name] = (model, *_train(model, 20 if quick else 200, 0.01))
            elif name == "p1973":
                model = moons_net(60 if quick else 200, (8, 6) if quick else (44, 40), "cross_entropy", 0)
                cache[name] = (model, *_train(model, 200, 0.01))
        return cache[name]

    for key in keys:
        if key == "grid_ch2":
            model, _, theta = net("ch2")
            n = 11 if quick else 101
            out.append(_grid(key, f"2-D grid, ch2 net 2-16-1 tanh, 200 pts, {n}²", model, theta, n, 1 if quick else 5))
        elif key == "grid_wide":
            model, _, theta = net("wide")
            n = 7 if quick else 51
            out.append(_grid(key, f"2-D grid, 2-64-64-1 tanh, {model.n_examples:,} pts, {n}²", model, theta, n,
                             1 if quick else 3))
        elif key == "grid_digits":
            model, _, theta = net("digits")
            n = 7 if quick else 41
            out.append(_grid(key, f"2-D grid, 64-{model.sizes[1]}-10 softmax CE, {model.n_examples:,} digits, {n}²",
                             model, theta, n, 1 if quick else 3))
        elif key == "eig_1973":
            model, _, theta = net("p1973")
            out.append(_eig(key, f"Hessian top-5, P = {model.dim:,}", model, theta, 1 if quick else 5))
        elif key == "eig_9610":
            model, _, theta = net("digits")
            out.append(_eig(key, f"Hessian top-5, P = {model.dim:,} (digits net)", model, theta, 1 if quick else 3))
        elif key == "trace_1973":
            model, _, theta = net("p1973")
            n_probes = 10 if quick else 100
            out.append(_trace(key, f"Hutchinson, {n_probes} probes, P = {model.dim:,}", model, theta, n_probes,
                              1 if quick else 5))
        elif key == "train_ch2":
            model, theta0, _ = net("ch2")
            steps = 50 if quick else 1000
            out.append(_train_workload(key, f"{steps:,} GD steps, 2-16-1", model, theta0, steps, 0.1,
                                       1 if quick else 5))
    return out


# --------------------------------------------------------------------------------------------
# Agreement
# --------------------------------------------------------------------------------------------
def max_relative_difference(result, reference, *, normwise: bool = False) -> float:
    """The largest relative difference of ``result`` from ``reference`` (same shape).

    Elementwise ``max |r - ref| / |ref|`` (for losses and eigenvalues, which are far from 0), or normwise
    ``max |r - ref| / max |ref|`` (for vectors whose entries may be 0 or change sign: parameters, probe samples).
    A shape mismatch or a non-finite entry is an infinite difference: such a contender is never timed.
    """
    result = np.asarray(result, dtype=float)
    reference = np.asarray(reference, dtype=float)
    if result.shape != reference.shape or not np.all(np.isfinite(result)):
        return math.inf
    diff = np.abs(result - reference)
    if normwise:
        scale = float(np.max(np.abs(reference))) or 1.0
        return float(np.max(diff) / scale) if diff.size else 0.0
    return float(np.max(diff / np.maximum(np.abs(reference), 1e-300))) if diff.size else 0.0


NORMWISE = {"grid": False, "eig": False, "trace": True, "train": True}


def agreement(workload: Workload, result, reference, tolerance: float | None = None) -> tuple[float, bool]:
    """``(difference, within tolerance?)`` of a contender's result against the reference."""
    tol = workload.tolerance if tolerance is None else tolerance
    diff = max_relative_difference(result, reference, normwise=NORMWISE[workload.kind])
    return diff, diff <= tol


# --------------------------------------------------------------------------------------------
# Layouts and the loss written once for NumPy and JAX
# --------------------------------------------------------------------------------------------
def torch_permutation(model) -> np.ndarray:
    """Index array ``perm`` with ``flat[perm]`` = the same parameters in PyTorch's ``nn.Linear`` order
    (``[W1.T.ravel(), b1, W2.T.ravel(), b2, ...]``); ``out[perm] = torch_flat`` goes back."""
    idx = np.arange(model.dim)
    parts = []
    for W, b in model.unflatten(idx):
        parts += [W.T.ravel(), b]
    return np.concatenate(parts)


def torch_shapes(model) -> list[tuple[int, ...]]:
    """Shapes of the ``nn.Linear`` parameters, in ``net.parameters()`` order."""
    return [s for (a, b), _ in model.layer_shapes for s in ((b, a), (b,))]


def targets(model, loss: str) -> np.ndarray:
    """The targets as the losses below take them: ``(N, K)`` for MSE, ``(N,)`` floats for binary cross-entropy,
    one-hot ``(N, K)`` for softmax cross-entropy."""
    if loss == "mse":
        return np.asarray(model.y, dtype=float).reshape(model.n_examples, -1)
    if loss == "bce":
        return np.asarray(model.y, dtype=float)
    return np.eye(model.n_outputs)[np.asarray(model.y).astype(int)]


def flat_mlp_loss(xp, sizes, loss: str, theta, X, T):
    """The tanh MLP's loss on our flat layout, written once for any NumPy-like module ``xp`` (numpy, jax.numpy).

    ``sizes`` = ``(d, h1, ..., K)``; ``T`` from :func:`targets`. Mean squared error over all outputs, mean binary
    cross-entropy ``log(1 + e^z) - y z``, or mean softmax cross-entropy ``logsumexp(f) - f_y`` (shifted by the row
    maximum, whose derivative cancels).
    """
    h, i = X, 0
    n_layers = len(sizes) - 1
    for layer, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        W = theta[i: i + a * b].reshape(a, b)
        i += a * b
        h = h @ W + theta[i: i + b]
        i += b
        if layer < n_layers - 1:
            h = xp.tanh(h)
    if loss == "mse":
        return xp.mean((h - T) ** 2)
    if loss == "bce":
        z = h[:, 0]
        return xp.mean(xp.logaddexp(0.0, z) - T * z)
    m = xp.max(h, axis=-1, keepdims=True)
    lse = m[:, 0] + xp.log(xp.sum(xp.exp(h - m), axis=-1))
    return xp.mean(lse - xp.sum(h * T, axis=-1))


def serpentine_reference(slice_fn, alphas, betas) -> tuple[np.ndarray, np.ndarray]:
    """What loss-landscapes 3.0.6's ``planar_interpolation`` evaluates, as course_utils computes it.

    Its loop walks the plane like a snake: even rows step along ``d2`` *before* each evaluation (points
    ``j = 1 … n``), odd rows step back *after* inserting at the front (points ``j = 0 … n-1``), so odd rows sit one
    step lower than even rows — a known bug of the package, not a model. To time it on the same ``n × n`` points
    of the same plane, it is started one step below ``betas[0]``; this returns ``(betas_ext, expected)``:
    ``betas_ext`` the ``n + 1`` values ``betas[0] - h, betas[0], …`` and ``expected[i]`` the slice's row ``i`` at the
    points loss-landscapes evaluates (``slice_fn(alphas, betas_ext)`` gives the ``(n, n + 1)`` slice).
    """
    n = betas.size
    h = (betas[-1] - betas[0]) / (n - 1)
    betas_ext = betas[0] - h + h * np.arange(n + 1)
    full = slice_fn(alphas, betas_ext)
    expected = np.where((np.arange(alphas.size) % 2 == 0)[:, None], full[:, 1:], full[:, :n])
    return betas_ext, expected


# --------------------------------------------------------------------------------------------
# course_utils (the reference)
# --------------------------------------------------------------------------------------------
def ours(w: Workload) -> Contender:
    from course_utils import curvature, optimizers, surfaces

    model, theta = w.model, w.theta
    if w.kind == "grid":
        d1, d2, a, b = (w.inputs[k] for k in ("d1", "d2", "alphas", "betas"))
        return Contender("course_utils", "slice_2d", lambda: surfaces.slice_2d(model, theta, d1, d2, a, b).losses)
    if w.kind == "eig":
        k, v0 = w.inputs["k"], w.inputs["v0"]
        return Contender("course_utils", "lanczos_eigenvalues on make_hvp",
                         lambda: curvature.lanczos_eigenvalues(model.make_hvp(theta), model.dim, k, v0=v0))
    if w.kind == "trace":
        n_probes = w.inputs["probes"].shape[0]
        return Contender("course_utils", "hutchinson_trace on make_hvp",
                         lambda: curvature.hutchinson_trace(model.make_hvp(theta), model.dim,
                                                            rng=np.random.default_rng(SEED + 3),
                                                            n_probes=n_probes).samples)
    steps, lr = w.inputs["steps"], w.inputs["lr"]
    return Contender("course_utils", "optimizers.run(gd)",
                     lambda: optimizers.run(model, optimizers.gd(), theta, steps=steps, lr=lr).final_theta)


# --------------------------------------------------------------------------------------------
# PyTorch: nn.Module, Li et al.'s loop, double-backward HVPs, torch.func, SGD
# --------------------------------------------------------------------------------------------
def _torch_net(model, theta):
    """An ``nn.Sequential`` of ``nn.Linear`` + ``nn.Tanh`` holding ``theta`` (float64)."""
    import torch
    from torch import nn

    layers: list = []
    for i, ((a, b), _) in enumerate(model.layer_shapes):
        layers.append(nn.Linear(a, b, dtype=torch.float64))
        if i < len(model.layer_shapes) - 1:
            layers.append(nn.Tanh())
    net = nn.Sequential(*layers)
    _load(net, model, theta)
    return net


def _load(net, model, theta):
    import torch

    flat = torch.from_numpy(np.ascontiguousarray(theta[torch_permutation(model)]))
    with torch.no_grad():
        torch.nn.utils.vector_to_parameters(flat, net.parameters())


def _torch_split(model, theta) -> list:
    """``theta`` (our layout) as a list of tensors in ``net.parameters()`` order."""
    import torch

    flat = torch.from_numpy(np.ascontiguousarray(theta[torch_permutation(model)]))
    return list(_split(flat, torch_shapes(model)))


def _split(flat, shapes):
    out, i = [], 0
    for s in shapes:
        n = math.prod(s)
        out.append(flat[i: i + n].view(*s))
        i += n
    return out


def _torch_data(model, loss):
    """``(X, y, criterion)`` as a PyTorch user would write them."""
    import torch

    X = torch.from_numpy(model.X)
    if loss == "mse":
        return X, torch.from_numpy(targets(model, loss)), torch.nn.MSELoss()
    if loss == "bce":
        return X, torch.from_numpy(targets(model, loss))[:, None], torch.nn.BCEWithLogitsLoss()
    return X, torch.from_numpy(np.asarray(model.y).astype(np.int64)), torch.nn.CrossEntropyLoss()


def _eigsh_top(matvec, dim, k, v0) -> np.ndarray:
    """ARPACK top-``k`` (values only, ascending) exactly as course_utils calls it (``tol=0``, same ``v0``)."""
    from scipy.sparse.linalg import LinearOperator, eigsh

    op = LinearOperator((dim, dim), matvec=lambda v: matvec(np.asarray(v, dtype=float).ravel()), dtype=float)
    return np.sort(eigsh(op, k=k, which="LA", v0=v0, tol=0.0, return_eigenvectors=False))


#: Activation entries (points · N · width) per vmapped chunk of grid points for torch.func and JAX: course_utils'
#: own block size (surfaces._CHUNK_ENTRIES, 4 MB), the best of 2¹⁹, 2²¹ and 2²³ for JAX on every grid here (at
#: load ~2, 1 thread: chapter-2 grid 69 ms vs 290 ms for 2²¹ and 284 ms for the whole grid in one vmap; 2-64-64-1
#: 1.21 s vs 1.54 s and 1.77 s; digits 1.15 s vs 1.61 s and 1.61 s). Cache-sized blocks matter to every contender.
CHUNK_ENTRIES = 1 << 19


def _grid_chunk(model) -> int:
    """Grid points per vmapped chunk for torch.func and JAX: :data:`CHUNK_ENTRIES` activation entries."""
    return max(1, CHUNK_ENTRIES // (model.n_examples * max(model.sizes)))


def pytorch(w: Workload) -> Contender:
    import torch

    model, theta = w.model, w.theta
    X, y, crit = _torch_data(model, w.loss)
    perm = torch_permutation(model)
    if w.kind == "grid":
        # Li et al. (2018)'s net_plotter.set_weights: p.data = w + (d1·α + d2·β) per parameter, then one forward
        # pass per grid point (their crunch loop; full batch here).
        net = _torch_net(model, theta)
        params = list(net.parameters())
        w0 = [p.data.clone() for p in params]
        dx, dy = _torch_split(model, w.inputs["d1"]), _torch_split(model, w.inputs["d2"])
        alphas, betas = w.inputs["alphas"], w.inputs["betas"]

        def loop():
            out = np.empty((alphas.size, betas.size))
            with torch.no_grad():
                for i, a in enumerate(alphas.tolist()):
                    for j, b in enumerate(betas.tolist()):
                        for p, p0, u, v in zip(params, w0, dx, dy):
                            p.data = p0 + (u * a + v * b)
                        out[i, j] = crit(net(X), y).item()
            return out

        return Contender("pytorch", "loop (Li et al.)", loop)
    if w.kind in ("eig", "trace"):
        net = _torch_net(model, theta)
        params = list(net.parameters())
        shapes = torch_shapes(model)

        def hvp_fn():
            loss = crit(net(X), y)
            grads = torch.autograd.grad(loss, params, create_graph=True)

            def hvp(v):
                hv = torch.autograd.grad(grads, params, grad_outputs=_split(v, shapes), retain_graph=True)
                return torch.cat([t.reshape(-1) for t in hv])
            return hvp

        if w.kind == "eig":
            k, v0 = w.inputs["k"], w.inputs["v0"][perm]

            def top():
                hvp = hvp_fn()
                return _eigsh_top(lambda v: hvp(torch.from_numpy(v)).numpy(), model.dim, k, v0)
            return Contender("pytorch", "double-backward", top)
        Z = torch.from_numpy(np.ascontiguousarray(w.inputs["probes"][:, perm]))

        def samples():
            hvp = hvp_fn()
            return np.array([float(hvp(z) @ z) for z in Z])
        return Contender("pytorch", "double-backward", samples)
    # training: nn.Module + optim.SGD, the loop every PyTorch tutorial writes
    steps, lr = w.inputs["steps"], w.inputs["lr"]

    def train():
        net = _torch_net(model, theta)
        opt = torch.optim.SGD(net.parameters(), lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            loss = crit(net(X), y)
            loss.backward()
            opt.step()
        out = np.empty(model.dim)
        out[perm] = torch.nn.utils.parameters_to_vector(net.parameters()).detach().numpy()
        return out
    return Contender("pytorch", "nn.Module + optim.SGD", train)


def torch_func(w: Workload) -> Contender:
    import torch
    from torch.func import functional_call, grad, jvp, vmap

    model, theta = w.model, w.theta
    if w.kind == "train":
        raise NotImplementedError("not a torch.func workload")
    X, y, crit = _torch_data(model, w.loss)
    net = _torch_net(model, theta)
    names = [n for n, _ in net.named_parameters()]
    shapes = torch_shapes(model)
    perm = torch_permutation(model)

    def loss_of_flat(flat):
        return crit(functional_call(net, dict(zip(names, _split(flat, shapes))), (X,)), y)

    if w.kind == "grid":
        c, d1, d2 = (torch.from_numpy(np.ascontiguousarray(v[perm])) for v in (theta, w.inputs["d1"], w.inputs["d2"]))
        alphas, betas = w.inputs["alphas"], w.inputs["betas"]
        A, B = np.meshgrid(alphas, betas, indexing="ij")
        coeffs = torch.from_numpy(np.stack([A.ravel(), B.ravel()], axis=1))
        batched = vmap(lambda ab: loss_of_flat(c + ab[0] * d1 + ab[1] * d2))
        chunk = _grid_chunk(model)

        def plane():
            with torch.no_grad():
                out = torch.cat([batched(coeffs[s: s + chunk]) for s in range(0, coeffs.shape[0], chunk)])
            return out.numpy().reshape(alphas.size, betas.size)
        return Contender("torch.func", "vmap over grid points", plane)
    th = torch.from_numpy(np.ascontiguousarray(theta[perm]))

    def hvp(v):  # forward-over-reverse: the jvp of the gradient
        return jvp(grad(loss_of_flat), (th,), (v,))[1]

    if w.kind == "eig":
        k, v0 = w.inputs["k"], w.inputs["v0"][perm]
        return Contender("torch.func", "jvp-of-grad + eigsh",
                         lambda: _eigsh_top(lambda v: hvp(torch.from_numpy(v)).numpy(), model.dim, k, v0))
    Z = torch.from_numpy(np.ascontiguousarray(w.inputs["probes"][:, perm]))
    batched_hvp = vmap(hvp)

    def samples():
        return (batched_hvp(Z) * Z).sum(dim=1).detach().numpy()
    return Contender("torch.func", "vmap of jvp-of-grad over probes", samples)


# --------------------------------------------------------------------------------------------
# The research tools
# --------------------------------------------------------------------------------------------
def loss_landscapes(w: Workload) -> Contender:
    if w.kind != "grid":
        raise NotImplementedError("loss-landscapes computes planes only")
    import loss_landscapes as ll
    import loss_landscapes.metrics as llm

    from course_utils import surfaces

    model, theta = w.model, w.theta
    d1, d2, alphas, betas = (w.inputs[k] for k in ("d1", "d2", "alphas", "betas"))
    n = alphas.size
    if betas.size != n:
        raise ValueError("loss-landscapes' planar_interpolation takes square grids only")
    X, y, crit = _torch_data(model, w.loss)
    betas_ext, expected = serpentine_reference(
        lambda a, b: surfaces.slice_2d(model, theta, d1, d2, a, b).losses, alphas, betas)
    h_a, h_b = alphas[1] - alphas[0], betas_ext[1] - betas_ext[0]
    start = theta + alphas[0] * d1 + betas_ext[0] * d2
    # planar_interpolation steps by (end - start) / steps along each direction
    nets = [_torch_net(model, p) for p in (start, start + n * h_a * d1, start + n * h_b * d2)]
    metric = llm.Loss(crit, X, y)

    def plane():
        return ll.planar_interpolation(*nets, metric, steps=n, deepcopy_model=True)
    return Contender("loss-landscapes", "planar_interpolation", plane, expected=expected,
                     note="odd rows evaluated one step lower (the package's serpentine loop); checked at the points "
                          "it evaluates")


#: PyHessian's power iteration: its stopping rule's tolerance and iteration cap in this benchmark.
PYHESSIAN_TOL, PYHESSIAN_MAX_ITER = 1e-8, 2000
#: PyHessian normalises by ‖v‖ + 1e-6, which biases every Rayleigh quotient by ~2e-6 relative: its eigenvalues
#: cannot agree with Lanczos' beyond that, so they are checked at this tolerance.
PYHESSIAN_EIG_TOLERANCE = 1e-5


def pyhessian(w: Workload) -> Contender:
    if w.kind not in ("eig", "trace"):
        raise NotImplementedError("PyHessian computes Hessian quantities only")
    import torch
    from pyhessian import hessian as pyhessian_hessian

    model, theta = w.model, w.theta
    X, y, crit = _torch_data(model, w.loss)
    net = _torch_net(model, theta)

    def fresh():
        net.zero_grad(set_to_none=True)  # its constructor's backward() accumulates into .grad
        with warnings.catch_warnings():  # its backward(create_graph=True): PyTorch warns of a reference cycle
            warnings.filterwarnings("ignore", message="Using backward\\(\\) with create_graph=True")
            return pyhessian_hessian(net, crit, data=(X, y), cuda=False)

    if w.kind == "eig":
        k = w.inputs["k"]

        def top():
            torch.manual_seed(SEED)
            values, _ = fresh().eigenvalues(maxIter=PYHESSIAN_MAX_ITER, tol=PYHESSIAN_TOL, top_n=k)
            return np.sort(values)
        return Contender("pyhessian", f"power iteration, tol {PYHESSIAN_TOL:g}", top,
                         tolerance=PYHESSIAN_EIG_TOLERANCE,
                         repeats=max(1, w.repeats // 2),
                         note=f"power iteration with deflation, its tol={PYHESSIAN_TOL:g}, maxIter="
                              f"{PYHESSIAN_MAX_ITER}; agreement checked at {PYHESSIAN_EIG_TOLERANCE:g} (its "
                              "normalisation adds 1e-6 to every norm)")
    # Hutchinson with our probes: its torch.randint_like draws are replaced by the probes' 0/1 pattern, and its
    # early stop (relative change < tol) is disabled so it takes every probe, as ours does.
    perm = torch_permutation(model)
    Z = w.inputs["probes"][:, perm]
    shapes = torch_shapes(model)
    parts = [torch.from_numpy(np.ascontiguousarray((z > 0).astype(float))) for z in Z]
    bits = [_split(p, shapes) for p in parts]
    n_probes = Z.shape[0]

    def samples():
        queue = iter([t.clone() for probe in bits for t in probe])
        original = torch.randint_like
        torch.randint_like = lambda p, high=2, device=None: next(queue)
        try:
            return np.array(fresh().trace(maxIter=n_probes, tol=-math.inf))
        finally:
            torch.randint_like = original
    return Contender("pyhessian", "trace (Hutchinson)", samples)


# --------------------------------------------------------------------------------------------
# JAX, written by hand: jit + vmap, jvp-of-grad, a jitted step
# --------------------------------------------------------------------------------------------
def jax_jit(w: Workload) -> Contender:
    import jax
    import jax.numpy as jnp

    model, theta = w.model, w.theta
    X, T = jnp.asarray(model.X), jnp.asarray(targets(model, w.loss))
    sizes = tuple(model.sizes)

    def f(th):
        return flat_mlp_loss(jnp, sizes, w.loss, th, X, T)

    th = jnp.asarray(theta)
    if w.kind == "grid":
        alphas, betas = w.inputs["alphas"], w.inputs["betas"]
        d1, d2 = jnp.asarray(w.inputs["d1"]), jnp.asarray(w.inputs["d2"])
        A, B = np.meshgrid(alphas, betas, indexing="ij")
        coeffs = jnp.asarray(np.stack([A.ravel(), B.ravel()], axis=1))
        chunk = _grid_chunk(model)
        plane_fn = jax.jit(lambda cs: jax.lax.map(lambda ab: f(th + ab[0] * d1 + ab[1] * d2), cs, batch_size=chunk))
        return Contender("jax", "jit(lax.map(batch_size)) over grid points",
                         lambda: np.asarray(plane_fn(coeffs)).reshape(alphas.size, betas.size))
    if w.kind in ("eig", "trace"):
        hvp = jax.jit(lambda v: jax.jvp(jax.grad(f), (th,), (v,))[1])
        if w.kind == "eig":
            k, v0 = w.inputs["k"], w.inputs["v0"]
            return Contender("jax", "jit jvp-of-grad + eigsh",
                             lambda: _eigsh_top(lambda v: np.asarray(hvp(v)), model.dim, k, v0))
        Z = jnp.asarray(w.inputs["probes"])
        samples_fn = jax.jit(lambda Z: jnp.sum(jax.vmap(hvp)(Z) * Z, axis=1))
        return Contender("jax", "jit vmap of jvp-of-grad over probes", lambda: np.asarray(samples_fn(Z)))
    steps, lr = w.inputs["steps"], w.inputs["lr"]
    step = jax.jit(lambda t: (lambda loss, g: (t - lr * g, loss))(*jax.value_and_grad(f)(t)))

    def train():
        t = th
        for _ in range(steps):
            t, _ = step(t)
        return np.asarray(t)
    return Contender("jax", "jitted value_and_grad step, Python loop", train)


#: column → factory; a factory raises ImportError when its package is missing and NotImplementedError when the
#: workload is not one it does.
FACTORIES: dict[str, Callable[[Workload], Contender]] = {
    "loss-landscapes": loss_landscapes,
    "pytorch": pytorch,
    "torch.func": torch_func,
    "pyhessian": pyhessian,
    "jax": jax_jit,
}
