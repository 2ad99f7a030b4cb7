"""The expiry windows the dashboard and home page group orders by.

A window is a range of *days left* until the end of the term (``term_end - today``, in calendar days):
negative once the term has ended. Pure functions: ``today`` is always an argument.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Window:
    key: str
    label: str
    first_day: int | None  # fewest days left, inclusive; None: unbounded
    last_day: int | None  # most days left, inclusive; None: unbounded

    def term_end_range(self, today: date) -> tuple[date | None, date | None]:
        """The inclusive range of term ends that fall in this window on ``today``."""
        start = today + timedelta(days=self.first_day) if self.first_day is not None else None
        end = today + timedelta(days=self.last_day) if self.last_day is not None else None
        return start, end

    def contains(self, days_left: int) -> bool:
        return (self.first_day is None or days_left >= self.first_day) and (
            self.last_day is None or days_left <= self.last_day
        )


WINDOWS = (
    Window("expired", _("Expired for less than 7 days"), -6, -1),
    Window("7", _("0–7 days"), 0, 7),
    Window("30", _("8–30 days"), 8, 30),
    Window("60", _("31–60 days"), 31, 60),
    Window("90", _("61–90 days"), 61, 90),
    Window("later", _("More than 90 days"), 91, None),
)


def days_left(term_end: date, today: date) -> int:
    return (term_end - today).days


def window_for(days: int) -> Window | None:
    """The window holding an order with ``days`` left, or None (expired 7 or more days ago)."""
    return next((window for window in WINDOWS if window.contains(days)), None)
