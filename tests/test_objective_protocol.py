"""The objective contract is structural: a student's own class with ``dim``, ``loss`` and ``grad`` — plain NumPy, no
inheritance, no autograd — is accepted by :func:`course_utils.objective.as_objective`, and its curvature is right."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import objective


class StudentQuadratic:
    """What a student writes: L(θ) = ½ θᵀAθ − bᵀθ, with its gradient, in plain NumPy."""

    def __init__(self, A, b):
        self.A, self.b, self.dim = np.asarray(A, float), np.asarray(b, float), len(b)

    def loss(self, theta):
        return float(0.5 * theta @ self.A @ theta - self.b @ theta)

    def grad(self, theta):
        return self.A @ theta - self.b


A = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, -0.5], [0.0, -0.5, -1.0]])  # indefinite: one negative eigenvalue
B = np.array([1.0, -1.0, 0.5])


def test_the_protocols_describe_a_students_class():
    student = StudentQuadratic(A, B)
    assert isinstance(student, objective.HasGradient) and not isinstance(student, objective.HasCurvature)
    assert not isinstance(object(), objective.HasLoss)


def test_a_students_class_gets_hvp_and_hessian_from_its_gradient():
    wrapped = objective.as_objective(StudentQuadratic(A, B))
    theta = np.array([0.3, -0.7, 1.1])
    assert wrapped.dim == 3 and wrapped.name == "StudentQuadratic"
    assert wrapped.loss(theta) == StudentQuadratic(A, B).loss(theta)
    assert np.allclose(wrapped.hessian(theta), A, atol=1e-7)  # the oracle: the matrix the student wrote
    v = np.array([1.0, 2.0, -3.0])
    assert np.allclose(wrapped.hvp(theta, v), A @ v, atol=1e-7)
    assert np.allclose(wrapped.grad_batch(np.stack([theta, 2 * theta])), [A @ theta - B, 2 * A @ theta - B])


def test_a_students_own_hessian_is_used_when_they_have_one():
    class WithHessian(StudentQuadratic):
        def hessian(self, theta):
            return self.A

    wrapped = objective.as_objective(WithHessian(A, B))
    assert np.array_equal(wrapped.hessian(np.zeros(3)), A)


def test_a_course_objective_passes_through_unchanged():
    from course_utils import functions

    f = functions.get("rosenbrock")
    assert objective.as_objective(f) is f


@pytest.mark.parametrize("value, missing", [(object(), "dim, loss, grad"), (3.0, "dim, loss, grad")])
def test_what_is_missing_is_named(value, missing):
    with pytest.raises(TypeError, match=f"lacks {missing}"):
        objective.as_objective(value, "landscape")


def test_a_wrong_dim_is_refused():
    with pytest.raises(ValueError, match="dim = 2, got an objective with dim = 3"):
        objective.as_objective(StudentQuadratic(A, B), dim=2)


# --- every analysis accepts the student's class; the oracles are NumPy on the matrix the student wrote -------------
SOLUTION = np.linalg.solve(A, B)  # the one critical point: a saddle (A has one negative eigenvalue)
EIGS = np.linalg.eigvalsh(A)


@pytest.fixture
def student():
    return StudentQuadratic(A, B)


def test_curvature_accepts_it(student):
    from course_utils import curvature

    theta = np.array([0.2, 0.1, -0.4])
    assert np.allclose(curvature.hessian_spectrum(student, theta).values, EIGS, atol=1e-6)
    assert abs(curvature.lambda_max(student, theta) - EIGS[-1]) < 1e-6
    assert abs(curvature.lambda_min(student, theta) - EIGS[0]) < 1e-6


def test_critical_accepts_it(student):
    from course_utils import critical

    cp = critical.critical_point_at(student, SOLUTION)
    assert cp.kind == "saddle" and cp.index == 1 and cp.grad_norm < 1e-12
    found = critical.minimize_gradient_norm(student, np.zeros(3))
    assert np.allclose(found.point, SOLUTION, atol=1e-6) and found.kind == "saddle"


def test_critical_search_accepts_a_students_2d_landscape():
    from course_utils import critical

    saddle = StudentQuadratic(np.diag([2.0, -1.0]), np.zeros(2))
    points = critical.find_critical_points(saddle, ((-1.0, 1.0), (-1.0, 1.0)), rng=0)
    assert len(points) == 1 and np.allclose(points[0].point, 0.0, atol=1e-8) and points[0].kind == "saddle"


def test_surfaces_accept_it(student):
    from course_utils import surfaces

    d = np.array([1.0, -1.0, 0.5])
    alphas = np.linspace(-1, 1, 5)
    line = surfaces.slice_1d(student, SOLUTION, d, alphas)
    closed_form = student.loss(SOLUTION) + 0.5 * alphas**2 * (d @ A @ d)  # the gradient vanishes at SOLUTION
    assert np.allclose(line.losses, closed_form, atol=1e-12)


def test_sharpness_accepts_it(student):
    from course_utils import sharpness

    theta, rho = np.array([0.5, -0.2, 0.3]), 0.05
    g = A @ theta - B
    by_hand = student.loss(theta + rho * g / np.linalg.norm(g)) - student.loss(theta)
    assert abs(sharpness.sam_sharpness(student, theta, rho) - by_hand) < 1e-12
    trace, _ = sharpness.hessian_trace(student, theta, method="exact")
    assert abs(trace - np.trace(A)) < 1e-6


def test_convexity_accepts_it(student):
    from course_utils import basins, convexity

    thetas = np.array([[0.1, 0.2, 0.3], [1.0, -1.0, 0.0]])
    assert np.allclose(convexity.hessian_min_eigenvalues(student, thetas), EIGS[0], atol=1e-6)
    bowl = StudentQuadratic(np.diag([1.0, 4.0]), np.array([1.0, 2.0]))
    run = basins.gradient_descent_batch(bowl, np.array([[2.0, 2.0], [-1.0, 0.5]]), lr=0.2, steps=200)
    assert np.allclose(run.finals, [1.0, 0.5], atol=1e-8)


def test_optimizers_accept_it():
    from course_utils import optimizers

    bowl = StudentQuadratic(np.diag([1.0, 4.0]), np.array([1.0, 2.0]))
    run = optimizers.run(bowl, optimizers.momentum(), np.array([3.0, -2.0]), steps=300, lr=0.1)
    assert np.allclose(run.final_theta, [1.0, 0.5], atol=1e-8)  # the oracle: A⁻¹b = (1, 0.5)


def test_connectivity_accepts_it():
    from course_utils import connectivity
    from course_utils.functions import Himmelblau

    course = Himmelblau()

    class StudentHimmelblau:  # the course's landscape behind a student's plain interface
        dim = 2

        def loss(self, theta):
            return float(course.loss(theta))

        def grad(self, theta):
            return np.asarray(course.grad(theta))

    a, b = np.array([3.0, 2.0]), np.array([-2.805118, 3.131312])  # two of Himmelblau's minima
    for search in (lambda f: connectivity.train_curve(f, a, b, steps=60, lr=0.02, rng=0),
                   lambda f: connectivity.numerical_gradient_path_search(f, a, b, steps=3, lr=0.01)):
        theirs, ours = search(StudentHimmelblau()), search(course)
        np.testing.assert_allclose(theirs.path.bends, ours.path.bends, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(theirs.history["barrier"], ours.history["barrier"], rtol=1e-10, atol=1e-12)
    assert theirs.history["barrier"][-1] < theirs.history["barrier"][0]  # and the search did move the path
