"""``probability_all_positive`` diagonalises only the matrices with a positive diagonal; the count is unchanged."""

import numpy as np

from course_utils import critical as cr


def test_the_diagonal_prefilter_gives_the_count_of_a_full_diagonalisation():
    """The count equals the one from diagonalising every drawn matrix (the same draws, ``goe_matrices``)."""
    for n, seed in [(1, 0), (2, 1), (3, 2), (5, 3)]:
        lam_min = np.linalg.eigvalsh(cr.goe_matrices(n, 3_000, rng=seed))[:, 0]
        assert cr.probability_all_positive(n, trials=3_000, rng=seed).count == int(np.sum(lam_min > 0))
