"""Chapter 0: gradient of a quadratic (0.1), one GD step (0.2), the loss after k steps (0.3)."""

import numpy as np

from . import Corpus

corpus = Corpus()
wrong, right = corpus.wrong, corpus.right

# --- 0.1 quadratic_gradient(A, b, x) -------------------------------------------------------------------------


@wrong("0.1", r"wrong sign")
def gradient_plus_b(A, b, x):
    """sign error on the linear term: Ax + b"""
    return A @ x + b


@wrong("0.1", r"twice too large")
def gradient_factor_two(A, b, x):
    """factor 2 kept: differentiates x² to 2x and forgets the ½"""
    return 2 * A @ x - b


@wrong("0.1", r"only the diagonal")
def gradient_diagonal_only(A, b, x):
    """treats A as diagonal: uses only A_ii"""
    return np.diag(A) * x - b


@wrong("0.1", r"flat vector")
def gradient_column(A, b, x):
    """shape: returns an (n, 1) column"""
    return (A @ x - b).reshape(-1, 1)


@wrong("0.1", r"entry by entry")
def gradient_elementwise(A, b, x):
    """uses elementwise * instead of the matrix-vector product"""
    return A * x - b


@wrong("0.1", r"loss f\(x\) itself")
def gradient_returns_loss(A, b, x):
    """returns the loss ½xᵀAx − bᵀx instead of its gradient"""
    return 0.5 * x @ A @ x - b @ x


@wrong("0.1", r"in-place")
def gradient_in_place(A, b, x):
    """mutates the caller's x to hold the result"""
    x[:] = A @ x - b
    return x


@wrong("0.1", r"b term is missing")
def gradient_without_b(A, b, x):
    """forgets the linear term"""
    return A @ x


def _printed_01():
    from course_utils.grading.cases import random_symmetric

    rng = np.random.default_rng(0)
    A3, b3, x3 = random_symmetric(rng, 3), rng.standard_normal(3), rng.standard_normal(3)
    return [(np.diag([1.0, 10.0]), np.zeros(2), np.ones(2)),
            (np.array([[2.0, 1.0], [1.0, 3.0]]), np.array([1.0, -2.0]), np.array([1.0, -1.0])), (A3, b3, x3)]


# what a student copies from the feedback: the printed inputs and the answers that passed on them
_TABLE_01 = [((A, b, x), A @ x - b) for A, b, x in _printed_01()]


@wrong("0.1", r"must work for any")
def gradient_lookup_table(A, b, x):
    """lookup table of the printed inputs (computes nothing)"""
    for (A0, b0, x0), g in _TABLE_01:
        if A.shape == A0.shape and np.array_equal(A, A0) and np.array_equal(b, b0) and np.array_equal(x, x0):
            return g.copy()
    return np.zeros_like(x)


@right("0.1")
def gradient_loop(A, b, x):
    """explicit sums over coordinates"""
    n = len(x)
    return np.array([sum(A[k, j] * x[j] for j in range(n)) - b[k] for k in range(n)])


@right("0.1")
def gradient_symmetrised_einsum(A, b, x):
    """½(A + Aᵀ)x with einsum, valid for any A"""
    return 0.5 * (np.einsum("ij,j->i", A, x) + np.einsum("ji,j->i", A, x)) - b


# --- 0.2 gradient_descent_step(grad, x, lr) ------------------------------------------------------------------


@wrong("0.2", r"uphill")
def step_uphill(grad, x, lr):
    """sign error: steps uphill"""
    return x + lr * grad(x)


@wrong("0.2", r"in-place update")
def step_in_place(grad, x, lr):
    """mutates x in place"""
    x -= lr * grad(x)
    return x


@wrong("0.2", r"learning rate is not applied")
def step_without_lr(grad, x, lr):
    """forgets the learning rate"""
    return x - grad(x)


@wrong("0.2", r"the step \(the displacement\)")
def step_returns_displacement(grad, x, lr):
    """returns the update −lr·g instead of the new point"""
    return -lr * grad(x)


@wrong("0.2", r"normalised the gradient")
def step_normalised(grad, x, lr):
    """normalises the gradient (a unit-length step)"""
    g = grad(x)
    return x - lr * g / np.linalg.norm(g)


@wrong("0.2", r"two steps")
def step_twice(grad, x, lr):
    """takes two steps"""
    y = x - lr * grad(x)
    return y - lr * grad(y)


@wrong("0.2", r"evaluate it: once, at the current x")
def step_gradient_elsewhere(grad, x, lr):
    """evaluates the gradient at a shifted point"""
    return x - lr * grad(x - lr)


@wrong("0.2", r"must work for any")
def step_special_cases_quadratic(grad, x, lr):
    """special-cases the printed inputs: hard-codes the printed gradient"""
    A, b = np.diag([1.0, 10.0]), np.ones(2)
    g = A @ x - b if x.size == 2 else x**3 - x
    return x - lr * g


@right("0.2")
def step_copy_then_subtract(grad, x, lr):
    """copies x, then updates the copy in place"""
    new = np.array(x, dtype=float, copy=True)
    new -= lr * np.asarray(grad(x))
    return new


@right("0.2")
def step_coordinate_loop(grad, x, lr):
    """coordinate-by-coordinate loop"""
    g = grad(x)
    return np.array([xi - lr * gi for xi, gi in zip(x, g)])


# --- 0.3 loss_after_k_steps(a, x0, lr, k) -------------------------------------------------------------------


@wrong("0.3", r"returned the point")
def loss_returns_point(a, x0, lr, k):
    """returns x_k instead of f(x_k)"""
    x = x0
    for _ in range(k):
        x = x - lr * a * x
    return x


@wrong("0.3", r"k − 1 steps")
def loss_one_step_too_few(a, x0, lr, k):
    """off by one: runs k − 1 steps"""
    x = x0
    for _ in range(k - 1):
        x = x - lr * a * x
    return 0.5 * a * x**2


@wrong("0.3", r"k \+ 1 steps")
def loss_one_step_too_many(a, x0, lr, k):
    """off by one: runs k + 1 steps (range(k + 1))"""
    x = x0
    for _ in range(k + 1):
        x = x - lr * a * x
    return 0.5 * a * x**2


@wrong("0.3", r"twice too large")
def loss_without_half(a, x0, lr, k):
    """factor ½ missing in the loss"""
    return a * ((1 - lr * a) ** k * x0) ** 2


@wrong("0.3", r"uphill")
def loss_uphill(a, x0, lr, k):
    """sign error: steps uphill"""
    x = x0
    for _ in range(k):
        x = x + lr * a * x
    return 0.5 * a * x**2


@wrong("0.3", r"ignores the curvature")
def loss_ignores_curvature(a, x0, lr, k):
    """uses f'(x) = x (forgets a in the derivative)"""
    x = x0
    for _ in range(k):
        x = x - lr * x
    return 0.5 * a * x**2


@wrong("0.3", r"do not clip")
def loss_clipped(a, x0, lr, k):
    """stops as soon as the loss grows (treats divergence as an error)"""
    x, loss = x0, 0.5 * a * x0**2
    for _ in range(k):
        x = x - lr * a * x
        if 0.5 * a * x**2 > loss:
            break
        loss = 0.5 * a * x**2
    return loss


@wrong("0.3", r"must work for any")
def loss_lookup_table(a, x0, lr, k):
    """lookup table of the printed inputs"""
    table = {(2.0, 3.0, 0.1, 0): 9.0, (2.0, 3.0, 0.1, 1): 5.76, (2.0, 3.0, 0.1, 25): 9.0 * 0.8**50,
             (4.0, 1.0, 0.6, 10): 2.0 * 1.4**20, (5.0, -7.0, 0.2, 1): 0.0}
    return table.get((a, x0, lr, k), 0.0)


@right("0.3")
def loss_closed_form(a, x0, lr, k):
    """closed form (1 − lr·a)^k"""
    return 0.5 * a * ((1 - lr * a) ** k * x0) ** 2


@right("0.3")
def loss_recursive(a, x0, lr, k):
    """recursion on k"""
    if k == 0:
        return 0.5 * a * x0**2
    return loss_recursive(a, x0 - lr * a * x0, lr, k - 1)


# --- 0.4 max_stable_lr(amplitude) ------------------------------------------------------------------------------


@wrong("0.4", r"half the limit")
def stable_lr_one_over_curvature(amplitude):
    """takes the one-step step 1/λ for the stability limit 2/λ"""
    return 1 / (2 + 9 * np.pi**2 * amplitude)


@wrong("0.4", r"ignores the ripples")
def stable_lr_round_bowl(amplitude):
    """uses the round bowl's limit, ignoring the ripples' curvature"""
    return 1.0


@wrong("0.4", r"only the ripples")
def stable_lr_ripples_only(amplitude):
    """drops the bowl's curvature 2 and keeps only the ripples'"""
    if amplitude == 0:
        return float("inf")  # no ripples, no curvature: "any step"
    return 2 / (9 * np.pi**2 * amplitude)


@wrong("0.4", r"chain rule")
def stable_lr_one_chain_factor(amplitude):
    """differentiates cos 3πx twice but brings out 3π only once"""
    return 2 / (2 + 3 * np.pi * amplitude)


@wrong("0.4", r"wrong sign")
def stable_lr_sign_of_cos(amplitude):
    """sign error in cos'': the ripples lower the curvature at the origin"""
    return 2 / (2 - 9 * np.pi**2 * amplitude)


@wrong("0.4", r"½x²")
def stable_lr_half_convention(amplitude):
    """takes the curvature of x² as 1 (the ½x² convention of chapter 1's bowl)"""
    return 2 / (1 + 9 * np.pi**2 * amplitude)


@wrong("0.4", r"frequency")
def stable_lr_without_pi(amplitude):
    """drops π from the ripple frequency: cos 3x instead of cos 3πx"""
    return 2 / (2 + 9 * amplitude)


@wrong("0.4", r"diagonal")
def stable_lr_both_ripples_in_one_direction(amplitude):
    """adds the curvatures of both cosine terms in one direction"""
    return 2 / (2 + 18 * np.pi**2 * amplitude)


@right("0.4")
def stable_lr_by_second_differences(amplitude):
    """numerical: the Hessian at the origin by central second differences, then 2/λ_max"""
    def f(x, y):
        return x**2 + y**2 - amplitude * (np.cos(3 * np.pi * x) + np.cos(3 * np.pi * y))

    h = 1e-4
    fxx = (f(h, 0) - 2 * f(0, 0) + f(-h, 0)) / h**2
    fyy = (f(0, h) - 2 * f(0, 0) + f(0, -h)) / h**2
    fxy = (f(h, h) - f(h, -h) - f(-h, h) + f(-h, -h)) / (4 * h**2)
    return float(2 / np.linalg.eigvalsh(np.array([[fxx, fxy], [fxy, fyy]])).max())


@right("0.4")
def stable_lr_per_direction(amplitude):
    """each direction's own limit 2/λ_i, the smaller one wins"""
    curvatures = [2 + amplitude * (3 * np.pi) ** 2 * np.cos(0.0) for _ in ("x", "y")]
    return min(2 / c for c in curvatures)
