"""Selection metrics: hand-computed cases, ties, fraction edge cases, naive rankers."""
from __future__ import annotations

import math

import numpy as np
import pytest

from audit_app.risk.metrics import (
    highest_value_scores, lowest_unit_value_scores, precision_at, random_scores, ranking,
    revenue_at, top_n,
)

LABELS = [1, 0, 1, 0, 0, 0, 0, 0, 0, 1]
SCORES = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0]


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [
        (0.1, 1.0),          # top 1: row 0 (fraud)
        (0.2, 0.5),          # rows 0, 1
        (0.25, 2 / 3),       # 2.5 rows round up to 3: rows 0, 1, 2
        (0.3, 2 / 3),
        (0.5, 0.4),
        (1.0, 0.3),          # everything: the base rate
        (0.001, 1.0),        # any positive fraction selects at least one row
    ],
)
def test_precision_at_hand_computed(fraction: float, expected: float) -> None:
    assert precision_at(LABELS, SCORES, fraction) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("n_rows", "fraction", "expected"),
    [(100, 0.07, 7), (8481, 0.01, 85), (8481, 0.05, 425), (8481, 0.10, 849), (3, 1.0, 3),
     (1, 0.5, 1)],
)
def test_top_n_rounds_up_without_float_noise(n_rows: int, fraction: float, expected: int) -> None:
    assert top_n(n_rows, fraction) == expected


@pytest.mark.parametrize("fraction", [0.0, -0.1, 1.01, math.nan])
def test_fraction_outside_range_is_rejected(fraction: float) -> None:
    with pytest.raises(ValueError):
        precision_at(LABELS, SCORES, fraction)


def test_ties_go_to_the_earlier_row() -> None:
    assert precision_at([0, 1], [1.0, 1.0], 0.5) == 0.0
    assert precision_at([1, 0], [1.0, 1.0], 0.5) == 1.0
    assert list(ranking([0.5, 0.9, 0.5, 0.9])) == [1, 3, 0, 2]


def test_nan_scores_rank_last_and_minus_infinity_before_them() -> None:
    assert list(ranking([np.nan, -np.inf, 0.0, np.nan, 1.0])) == [4, 2, 1, 0, 3]


def test_labels_other_than_zero_count_as_positive() -> None:
    assert precision_at([2, 0, 1], [3, 2, 1], 1.0) == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("labels", "scores"), [([], []), ([1, 0], [0.5]), ([[1]], [[0.5]])],
)
def test_bad_shapes_are_rejected(labels: list, scores: list) -> None:
    with pytest.raises(ValueError):
        precision_at(labels, scores, 0.5)


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [(0.25, 50 / 200), (0.5, 75 / 200), (1.0, 1.0)],
)
def test_revenue_at_hand_computed(fraction: float, expected: float) -> None:
    amounts = [100, 50, 25, 25]
    scores = [0.1, 0.9, 0.5, 0.2]  # ranking: rows 1, 2, 3, 0
    assert revenue_at(amounts, scores, fraction) == pytest.approx(expected)


def test_revenue_at_with_nothing_to_capture_is_zero() -> None:
    assert revenue_at([0, 0], [1, 2], 0.5) == 0.0


@pytest.mark.parametrize("amounts", [[-1, 2], [np.nan, 2]])
def test_revenue_at_rejects_negative_or_missing_amounts(amounts: list) -> None:
    with pytest.raises(ValueError):
        revenue_at(amounts, [1, 2], 0.5)


def test_random_scores_are_seeded() -> None:
    assert np.array_equal(random_scores(50, seed=3), random_scores(50, seed=3))
    assert not np.array_equal(random_scores(50, seed=3), random_scores(50, seed=4))


def test_highest_value_ranks_the_largest_first() -> None:
    assert list(ranking(highest_value_scores([10, 300, 20]))) == [1, 2, 0]


def test_lowest_unit_value_ranks_the_cheapest_per_unit_first() -> None:
    values = [100, 50, 0, 5, 0]
    quantities = [10, 1, 5, 0, 0]  # unit values 10, 50, 0, inf, undefined
    assert list(ranking(lowest_unit_value_scores(values, quantities))) == [2, 0, 1, 3, 4]
