"""The report's statistics against known values."""

import pytest

from offers.stats import two_proportion_test, wilson_interval

pytestmark = pytest.mark.smoke


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (0, 0, 0.0, 1.0),  # nobody reached: nothing is known
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (1, 10, 0.0179, 0.4042),
        (50, 100, 0.4038, 0.5962),
        (12, 150, 0.0464, 0.1346),  # worked by hand: centre 0.0905, margin 0.0441
    ],
)
def test_wilson_interval_matches_known_values(successes, n, low, high):
    assert wilson_interval(successes, n) == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


def test_wilson_interval_narrows_as_the_sample_grows():
    small, large = wilson_interval(5, 10), wilson_interval(500, 1000)
    assert large[1] - large[0] < small[1] - small[0]


def test_a_wider_z_gives_a_wider_interval():
    normal, wide = wilson_interval(30, 100), wilson_interval(30, 100, z=2.576)
    assert wide[0] < normal[0] and wide[1] > normal[1]


def test_wilson_interval_refuses_more_successes_than_trials():
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_two_proportions_far_apart_are_significant():
    # 50 % vs 30 % of 100 each: z = 0.2 / sqrt(0.4 * 0.6 * 0.02) = 2.887, p = 0.0039.
    test = two_proportion_test(50, 100, 30, 100)
    assert test.z == pytest.approx(2.8868, abs=1e-4)
    assert test.p_value == pytest.approx(0.00389, abs=1e-5)
    assert test.significant


def test_a_small_difference_on_small_samples_is_not_significant():
    # 12 % vs 10 % of 50 each: p = 0.75.
    test = two_proportion_test(6, 50, 5, 50)
    assert test.p_value == pytest.approx(0.749, abs=1e-3)
    assert not test.significant


def test_the_test_is_symmetric():
    assert two_proportion_test(30, 100, 50, 100).p_value == pytest.approx(two_proportion_test(50, 100, 30, 100).p_value)
    assert two_proportion_test(30, 100, 50, 100).z < 0


@pytest.mark.parametrize(("a", "n_a", "b", "n_b"), [(0, 0, 5, 10), (5, 10, 0, 0), (0, 10, 0, 10), (10, 10, 20, 20)])
def test_no_test_without_anything_to_compare(a, n_a, b, n_b):
    assert two_proportion_test(a, n_a, b, n_b) is None
