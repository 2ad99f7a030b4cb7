"""The expiry windows the dashboard and home page group orders by.

A window is a range of *days left* until an order expires (``expires_on - today``, calendar days;
negative once it has passed). The edges follow the partner's reminder thresholds: with the default
90, 60, 30 and 7 they are 0–7, 8–30, 31–60 and 61–90, plus "expired for less than 7 days" and
"more than 90". Pure functions: ``today`` is always an argument.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from partners.defaults import DEFAULT_RENEWAL_THRESHOLDS

DEFAULT_EXPIRED_DAYS = 7

# Urgency rises as the expiry date nears (DOMAIN.md): emails' colour and browser-warning picture,
# and the dashboard's colours, all read it here.
CRITICAL_DAYS = 7
WARNING_DAYS = 30
CRITICAL, WARNING, NOTICE = "critical", "warning", "notice"


def browser_warning_file(language) -> str:
    """The picture of the browser's warning (``static/emails/``), as visitors in that language would
    see it: shown with critical urgency, in the emails and on the renewal page."""
    return "browser-warning-ko.png" if language == "ko" else "browser-warning.png"


def urgency(days_left: int) -> str:
    """ "critical" from 7 days left (and once expired), "warning" from 30, else "notice"."""
    if days_left <= CRITICAL_DAYS:
        return CRITICAL
    return WARNING if days_left <= WARNING_DAYS else NOTICE


@dataclass(frozen=True)
class Window:
    key: str  # the contract's ``window`` parameter: the upper edge in days, or expired/later/all
    label: str
    first_day: int | None  # fewest days left, inclusive; None: unbounded
    last_day: int | None  # most days left, inclusive; None: unbounded

    def expires_range(self, today: date) -> tuple[date | None, date | None]:
        """The inclusive range of expiry dates that fall in this window on ``today``."""
        start = today + timedelta(days=self.first_day) if self.first_day is not None else None
        end = today + timedelta(days=self.last_day) if self.last_day is not None else None
        return start, end

    def contains(self, days_left: int) -> bool:
        return (self.first_day is None or days_left >= self.first_day) and (
            self.last_day is None or days_left <= self.last_day
        )


ALL = Window("all", _("All"), None, None)


def windows_for(thresholds=DEFAULT_RENEWAL_THRESHOLDS) -> tuple[Window, ...]:
    """The windows for a partner's reminder thresholds, soonest first; ``ALL`` is not among them.
    Labels are translated when called, so call it while handling the request."""
    ahead = sorted({days for days in thresholds if days > 0})
    behind = [days for days in thresholds if days < 0]
    expired_days = -min(behind) if behind else DEFAULT_EXPIRED_DAYS
    windows = [
        Window(
            "expired",
            ngettext("Expired for less than %(days)d day", "Expired for less than %(days)d days", expired_days)
            % {"days": expired_days},
            -(expired_days - 1),
            -1,
        )
    ]
    low = 0
    for high in ahead:
        windows.append(Window(str(high), gettext("%(low)d–%(high)d days") % {"low": low, "high": high}, low, high))
        low = high + 1
    windows.append(Window("later", gettext("More than %(days)d days") % {"days": low - 1}, low, None))
    return tuple(windows)


def window_ahead(windows) -> Window:
    """The first of ``windows`` whose days are today or later, the one holding today: what to work on
    now, where the dashboard opens. "later" has no end, so there always is one."""
    return next(window for window in windows if window.last_day is None or window.last_day >= 0)


def partner_windows(partner) -> tuple[Window, ...]:
    """The dashboard's and home page's windows for ``partner``: their edges follow its reminder
    thresholds. Call it while handling the request (see ``windows_for``)."""
    return windows_for(partner.reminder_thresholds)
