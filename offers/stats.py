"""The statistics of the experiment report: a proportion's 95 % interval and a two-proportion test.

Plain functions over counts, no libraries: the formulas are short and the tests pin them to known values.
"""

import math
from dataclasses import dataclass

Z_95 = 1.96
SIGNIFICANCE = 0.05


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of ``successes`` out of ``n`` (95 % with the default ``z``). Unlike
    p ± z·SE it stays inside 0–1 and is honest for small samples (0 out of 10 is not "exactly 0 %").
    With ``n`` = 0 nothing is known: (0, 1)."""
    if n < 0 or not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    if n == 0:
        return (0.0, 1.0)
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    margin = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, centre - margin), min(1.0, centre + margin))


@dataclass(frozen=True)
class ProportionTest:
    """A two-sided two-proportion z-test (pooled): is rate A different from rate B?"""

    z: float
    p_value: float

    @property
    def significant(self) -> bool:
        return self.p_value < SIGNIFICANCE


def two_proportion_test(successes_a: int, n_a: int, successes_b: int, n_b: int) -> ProportionTest | None:
    """The test of ``successes_a``/``n_a`` against ``successes_b``/``n_b``; None when it cannot say
    anything (a group with nobody in it, or both rates 0 % or both 100 %)."""
    if n_a == 0 or n_b == 0:
        return None
    pooled = (successes_a + successes_b) / (n_a + n_b)
    if pooled in (0, 1):
        return None
    error = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    z = (successes_a / n_a - successes_b / n_b) / error
    return ProportionTest(z=z, p_value=math.erfc(abs(z) / math.sqrt(2)))
