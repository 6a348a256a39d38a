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
