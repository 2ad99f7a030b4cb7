"""The period a report covers: whole calendar months in the partner's time zone.

``?start=2026-06&end=2026-11`` is June 1 through November 30; each edge is midnight in the
partner's zone, so an email failed at 23:30 on October 31 in Seoul counts in October however UTC
reads it. Pure functions and a form: ``today`` is always an argument.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from django import forms
from django.utils.translation import gettext_lazy as _

DEFAULT_MONTHS = 6
MAX_MONTHS = 24
EARLIEST_YEAR = 2000
LATEST_YEAR = 2100


@dataclass(frozen=True)
class Period:
    first_day: date  # the first day of the first month
    last_day: date  # the last day of the last month
    zone: object  # the partner's tzinfo

    @property
    def months(self) -> list[date]:
        """The first day of each month in the period, in order."""
        months, month = [], self.first_day
        while month <= self.last_day:
            months.append(month)
            month += relativedelta(months=1)
        return months

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=self.zone)

    @property
    def ends_before(self) -> datetime:
        """Midnight after the last day: instants in the period are before it."""
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=self.zone)

    def query(self) -> str:
        return f"start={self.first_day:%Y-%m}&end={self.last_day:%Y-%m}"


def month_period(first_month: date, last_month: date, zone) -> Period:
    first = first_month.replace(day=1)
    last = last_month.replace(day=1) + relativedelta(months=1) - timedelta(days=1)
    return Period(first, last, zone)


def default_period(today: date, zone) -> Period:
    """The last six months, this one included."""
    return month_period(today.replace(day=1) - relativedelta(months=DEFAULT_MONTHS - 1), today, zone)


class MonthField(forms.Field):
    """A month as ``YYYY-MM`` (what ``<input type="month">`` sends)."""

    widget = forms.TextInput(attrs={"type": "month", "class": "form-control form-control-sm"})
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM, such as 2026-11.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        if len(value) != 7:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        year, dash, month = value.partition("-")
        if not (dash and len(year) == 4 and len(month) == 2 and year.isascii() and month.isascii()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if not (year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if not EARLIEST_YEAR <= int(year) <= LATEST_YEAR:
            raise forms.ValidationError(
                _("Choose a month between %(first)s and %(last)s."),
                code="range",
                params={"first": EARLIEST_YEAR, "last": LATEST_YEAR},
            )
        return date(int(year), int(month), 1)


class PeriodForm(forms.Form):
    """``start`` and ``end`` months, both optional: a missing one is filled from the other (or the
    default six months). The end may not come before the start, nor the period exceed 24 months."""

    start = MonthField(label=_("From"))
    end = MonthField(label=_("To"))

    def __init__(self, data, *, today, zone):
        super().__init__(data, auto_id="period-%s")
        self.today, self.zone = today, zone

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        start, end = cleaned.get("start"), cleaned.get("end")
        default = default_period(self.today, self.zone)
        if start is None and end is None:
            start, end = default.first_day, default.last_day.replace(day=1)
        elif start is None:
            start = end - relativedelta(months=DEFAULT_MONTHS - 1)
        elif end is None:
            end = min(start + relativedelta(months=DEFAULT_MONTHS - 1), max(self.today.replace(day=1), start))
        if end < start:
            raise forms.ValidationError(_("The period ends before it starts: choose an end month after the start."))
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        if months > MAX_MONTHS:
            raise forms.ValidationError(
                _("Choose a period of at most %(months)d months."), params={"months": MAX_MONTHS}
            )
        cleaned["period"] = month_period(start, end, self.zone)
        return cleaned

    @property
    def period(self) -> Period:
        return self.cleaned_data["period"]
