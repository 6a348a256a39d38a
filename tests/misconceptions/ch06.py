"""Chapter 6: the barrier of a straight path (6.1), a Bézier point and tangent (6.2), permuting hidden units (6.3),
weight matching (6.4)."""

import itertools

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist

from . import Corpus

corpus = Corpus()
wrong, right = corpus.wrong, corpus.right

# --- 6.1 line_barrier(loss, theta_a, theta_b, n) -------------------------------------------------------------


def _losses(loss, a, b, s):
    return np.array([loss((1 - si) * a + si * b) for si in s])


@wrong("6.1", r"one endpoint only")
def barrier_min_endpoint(loss, theta_a, theta_b, n):
    """measures the barrier from the lower endpoint instead of the mean of both"""
    losses = _losses(loss, theta_a, theta_b, np.linspace(0, 1, n))
    return losses, float(losses.max() - min(losses[0], losses[-1]))


@wrong("6.1", r"one endpoint only")
def barrier_first_endpoint(loss, theta_a, theta_b, n):
    """measures the barrier from L(θ_a) only"""
    losses = _losses(loss, theta_a, theta_b, np.linspace(0, 1, n))
    return losses, float(losses.max() - losses[0])


@wrong("6.1", r"highest loss on the path")
def barrier_is_max(loss, theta_a, theta_b, n):
    """returns the maximum loss as the barrier"""
    losses = _losses(loss, theta_a, theta_b, np.linspace(0, 1, n))
    return losses, float(losses.max())


@wrong("6.1", r"stop short of 1")
def barrier_no_endpoint(loss, theta_a, theta_b, n):
    """np.linspace(0, 1, n, endpoint=False): the path never reaches θ_b"""
    losses = _losses(loss, theta_a, theta_b, np.linspace(0, 1, n, endpoint=False))
    return losses, float(losses.max() - 0.5 * (losses[0] + losses[-1]))


@wrong("6.1", r"runs backwards")
def barrier_reversed(loss, theta_a, theta_b, n):
    """walks from θ_b to θ_a"""
    losses = _losses(loss, theta_b, theta_a, np.linspace(0, 1, n))
    return losses, float(losses.max() - 0.5 * (losses[0] + losses[-1]))


@wrong("6.1", r"weights of θ_a and θ_b must sum to 1")
def barrier_not_convex(loss, theta_a, theta_b, n):
    """points θ_a + s θ_b instead of the segment"""
    losses = np.array([loss(theta_a + s * theta_b) for s in np.linspace(0, 1, n)])
    return losses, float(losses.max() - 0.5 * (losses[0] + losses[-1]))


@wrong("6.1", r"changed the arrays it was given")
def barrier_walks_in_place(loss, theta_a, theta_b, n):
    """walks along the segment by adding steps to theta_a in place"""
    theta = theta_a
    step = (theta_b - theta_a) / (n - 1)
    losses = [loss(theta.copy())]
    for _ in range(n - 1):
        theta += step
        losses.append(loss(theta))
    losses = np.array(losses)
    return losses, float(losses.max() - 0.5 * (losses[0] + losses[-1]))


@wrong("6.1", r"NumPy array .*not a list")
def barrier_list(loss, theta_a, theta_b, n):
    """returns the losses as a Python list"""
    losses = [loss((1 - s) * theta_a + s * theta_b) for s in np.linspace(0, 1, n)]
    return losses, float(max(losses) - 0.5 * (losses[0] + losses[-1]))


@right("6.1")
def barrier_loop(loss, theta_a, theta_b, n):
    """explicit loop over k / (n - 1), direction vector"""
    direction = theta_b - theta_a
    losses = np.empty(n)
    for k in range(n):
        losses[k] = loss(theta_a + (k / (n - 1)) * direction)
    return losses, float(np.max(losses) - (losses[0] + losses[-1]) / 2)


@right("6.1")
def barrier_broadcast(loss, theta_a, theta_b, n):
    """all points at once by broadcasting, then np.fromiter"""
    s = np.linspace(0.0, 1.0, n)[:, None]
    points = (1 - s) * theta_a[None, :] + s * theta_b[None, :]
    losses = np.fromiter((loss(p) for p in points), dtype=float, count=n)
    return losses, float(losses.max()) - float(np.mean([losses[0], losses[-1]]))


# --- 6.2 bezier_point_and_tangent(theta_a, bend, theta_b, s) --------------------------------------------------


@wrong("6.2", r"weight is too small")
def bezier_no_two(theta_a, bend, theta_b, s):
    """forgets the factor 2 of the bend's weight"""
    point = (1 - s) ** 2 * theta_a + s * (1 - s) * bend + s**2 * theta_b
    return point, 2 * (1 - s) * (bend - theta_a) + 2 * s * (theta_b - bend)


@wrong("6.2", r"points backwards")
def bezier_tangent_sign(theta_a, bend, theta_b, s):
    """differentiates (1 − s)² to 2(1 − s): every term of the tangent has the wrong sign"""
    point = (1 - s) ** 2 * theta_a + 2 * s * (1 - s) * bend + s**2 * theta_b
    return point, 2 * (1 - s) * (theta_a - bend) + 2 * s * (bend - theta_b)


@wrong("6.2", r"half as long")
def bezier_tangent_half(theta_a, bend, theta_b, s):
    """drops the factor 2 of the chain rule in the tangent"""
    point = (1 - s) ** 2 * theta_a + 2 * s * (1 - s) * bend + s**2 * theta_b
    return point, (1 - s) * (bend - theta_a) + s * (theta_b - bend)


@wrong("6.2", r"normalised the tangent")
def bezier_unit_tangent(theta_a, bend, theta_b, s):
    """returns the unit tangent instead of the velocity"""
    point = (1 - s) ** 2 * theta_a + 2 * s * (1 - s) * bend + s**2 * theta_b
    v = 2 * (1 - s) * (bend - theta_a) + 2 * s * (theta_b - bend)
    return point, v / np.linalg.norm(v)


@wrong("6.2", r"does not depend on s")
def bezier_constant_tangent(theta_a, bend, theta_b, s):
    """uses the tangent at s = 0 for every s"""
    point = (1 - s) ** 2 * theta_a + 2 * s * (1 - s) * bend + s**2 * theta_b
    return point, 2 * (bend - theta_a)


@wrong("6.2", r"ignores the bend")
def bezier_straight(theta_a, bend, theta_b, s):
    """treats the curve as the straight segment"""
    return (1 - s) * theta_a + s * theta_b, theta_b - theta_a


@wrong("6.2", r"changed the arrays it was given")
def bezier_in_place(theta_a, bend, theta_b, s):
    """builds the tangent in theta_b's memory"""
    point = (1 - s) ** 2 * theta_a + 2 * s * (1 - s) * bend + s**2 * theta_b
    theta_b -= bend
    theta_b *= 2 * s
    return point, 2 * (1 - s) * (bend - theta_a) + theta_b


@right("6.2")
def bezier_de_casteljau(theta_a, bend, theta_b, s):
    """de Casteljau: two lerps, then a lerp of those; tangent 2 (q1 − q0)"""
    q0 = theta_a + s * (bend - theta_a)
    q1 = bend + s * (theta_b - bend)
    return q0 + s * (q1 - q0), 2 * (q1 - q0)


@right("6.2")
def bezier_power_basis(theta_a, bend, theta_b, s):
    """expanded in powers of s: θ_a + 2s(bend − θ_a) + s²(θ_a − 2 bend + θ_b)"""
    c1, c2 = 2 * (bend - theta_a), theta_a - 2 * bend + theta_b
    return theta_a + s * c1 + s**2 * c2, c1 + 2 * s * c2


# --- 6.3 permute_units(W1, b1, W2, b2, perm) ------------------------------------------------------------------


@wrong("6.3", r"inverse permutation")
def permute_scatter(W1, b1, W2, b2, perm):
    """scatters unit j to position perm[j] instead of gathering"""
    P1, c1, P2 = np.empty_like(W1), np.empty_like(b1), np.empty_like(W2)
    P1[:, perm], c1[perm], P2[perm] = W1, b1, W2
    return P1, c1, P2, b2


@wrong("6.3", r"b1 is not permuted")
def permute_no_bias(W1, b1, W2, b2, perm):
    """forgets the hidden biases"""
    return W1[:, perm], b1, W2[perm], b2


@wrong("6.3", r"W2 is not permuted")
def permute_no_outgoing(W1, b1, W2, b2, perm):
    """permutes the incoming weights and biases only"""
    return W1[:, perm], b1[perm], W2, b2


@wrong("6.3", r"W1 is not permuted")
def permute_no_incoming(W1, b1, W2, b2, perm):
    """permutes the biases and the outgoing weights only"""
    return W1, b1[perm], W2[perm], b2


@wrong("6.3", r"changed the arrays it was given")
def permute_in_place(W1, b1, W2, b2, perm):
    """reorders the caller's arrays in place with slice assignment"""
    W1[:] = W1[:, perm]
    b1[:] = b1[perm]
    W2[:] = W2[perm]
    return W1, b1, W2, b2


@wrong("6.3", r"a tuple, not a list")
def permute_list(W1, b1, W2, b2, perm):
    """returns a list instead of the tuple of four arrays"""
    return [W1[:, perm], b1[perm], W2[perm], b2]


@right("6.3")
def permute_matrix(W1, b1, W2, b2, perm):
    """with a permutation matrix P (P[perm[j], j] = 1)"""
    P = np.eye(len(perm))[:, perm]
    return W1 @ P, P.T @ b1, P.T @ W2, b2.copy()


@right("6.3")
def permute_take(W1, b1, W2, b2, perm):
    """np.take along the hidden axis of each array"""
    return np.take(W1, perm, axis=1), np.take(b1, perm), np.take(W2, perm, axis=0), b2


# --- 6.4 match_units(W1_ref, W2_ref, W1, W2) ------------------------------------------------------------------


def _S(W1_ref, W2_ref, W1, W2):
    return W1_ref.T @ W1 + W2_ref @ W2.T


@wrong("6.4", r"greedy \(each unit takes")
def match_greedy_rows(W1_ref, W2_ref, W1, W2):
    """greedy: each reference unit in turn takes its most similar free unit"""
    S = _S(W1_ref, W2_ref, W1, W2)
    perm, free = [], list(range(S.shape[1]))
    for j in range(S.shape[0]):
        k = max(free, key=lambda k: S[j, k])
        free.remove(k)
        perm.append(k)
    return np.array(perm)


@wrong("6.4", r"greedy \(the largest score first")
def match_greedy_global(W1_ref, W2_ref, W1, W2):
    """greedy: pair the most similar two units, remove them, repeat"""
    S = _S(W1_ref, W2_ref, W1, W2)
    perm = np.zeros(S.shape[0], dtype=int)
    for _ in range(S.shape[0]):
        j, k = np.unravel_index(np.argmax(S), S.shape)
        perm[j] = k
        S[j, :], S[:, k] = -np.inf, -np.inf
    return perm


@wrong("6.4", r"minimises the similarity")
def match_minimise(W1_ref, W2_ref, W1, W2):
    """forgets maximize=True"""
    return linear_sum_assignment(_S(W1_ref, W2_ref, W1, W2))[1]


@wrong("6.4", r"incoming weights only")
def match_incoming_only(W1_ref, W2_ref, W1, W2):
    """scores the incoming weights only"""
    return linear_sum_assignment(W1_ref.T @ W1, maximize=True)[1]


@wrong("6.4", r"outgoing weights only")
def match_outgoing_only(W1_ref, W2_ref, W1, W2):
    """scores the outgoing weights only"""
    return linear_sum_assignment(W2_ref @ W2.T, maximize=True)[1]


@wrong("6.4", r"inverse one")
def match_inverse(W1_ref, W2_ref, W1, W2):
    """returns, for each unit of the second network, its reference partner (the inverse permutation)"""
    _, cols = linear_sum_assignment(_S(W1_ref, W2_ref, W1, W2), maximize=True)
    return np.argsort(cols)


@wrong("6.4", r"row indices")
def match_rows(W1_ref, W2_ref, W1, W2):
    """returns the row indices of linear_sum_assignment (always 0 … h−1)"""
    rows, _ = linear_sum_assignment(_S(W1_ref, W2_ref, W1, W2), maximize=True)
    return rows.astype(float)


@wrong("6.4", r"changed the arrays it was given")
def match_normalises_in_place(W1_ref, W2_ref, W1, W2):
    """scales the second network's weights in place while building the scores"""
    W1 *= 1.0 / np.max(np.abs(W1))
    return linear_sum_assignment(_S(W1_ref, W2_ref, W1, W2), maximize=True)[1]


@right("6.4")
def match_distances(W1_ref, W2_ref, W1, W2):
    """minimises squared distances between the units' weight vectors (same optimum: the norms are constant)"""
    ref = np.hstack([W1_ref.T, W2_ref])
    other = np.hstack([W1.T, W2])
    return linear_sum_assignment(cdist(ref, other, "sqeuclidean"))[1]


@right("6.4")
def match_negated_transposed(W1_ref, W2_ref, W1, W2):
    """solves the transposed problem on −S and inverts the permutation it returns"""
    S = W1.T @ W1_ref + W2 @ W2_ref.T  # rows: the second network's units
    rows, cols = linear_sum_assignment(-S)
    perm = np.empty(len(rows), dtype=int)
    perm[cols] = rows
    return perm


@right("6.4")
def match_brute_force_small(W1_ref, W2_ref, W1, W2):
    """brute force over all permutations when h ≤ 8, else the assignment solver"""
    S = W1_ref.T @ W1 + W2_ref @ W2.T
    h = S.shape[0]
    if h > 8:
        return linear_sum_assignment(S, maximize=True)[1]
    perms = np.array(list(itertools.permutations(range(h))))
    totals = S[np.arange(h), perms].sum(axis=1)
    return perms[int(np.argmax(totals))]
