"""The numbers behind each chart of ``/reports/``: one aggregate query per chart, grouped by week,
month or reminder threshold in the database (``TruncWeek``/``TruncMonth`` in the partner's time
zone), never a Python loop over orders. Each function returns plain rows; ``charts`` draws them."""

from datetime import UTC, date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek

from notifications.models import EmailStatus, OutboxEmail, OutboxItem, Reminder
from notifications.policy import RENEWAL
from partners.models import Contact
from renewals.expiring import listed_orders
from renewals.models import RENEWED, NoticeChange, RenewalLinkOpen
from renewals.selectors import window_condition
from renewals.windows import partner_windows

from .stake import renewed_early, renewed_in_time, renewed_on, stake_of, stake_rows, stake_sums

WEEKS_AHEAD = 13
NEVER_AWARE = datetime(9999, 1, 1, tzinfo=UTC)  # "no later reminder"


def week_starts(today: date, weeks: int = WEEKS_AHEAD) -> list[date]:
    """The Mondays of this week and the next ``weeks - 1``."""
    monday = today - timedelta(days=today.weekday())
    return [monday + timedelta(weeks=index) for index in range(weeks)]


def weekly_due(*, partner, today: date, prices=None) -> tuple[list, list]:
    """``(windows, rows)``: per week of the next 13 (this week from today), the terms to renew that
    expire in it, by expiry window, and their renewal value. Each row is ``(week start, {window
    key: orders}, amount, unpriced orders)``."""
    windows = partner_windows(partner)
    weeks = week_starts(today)
    window_of = Case(
        *(When(window_condition(window, today), then=Value(window.key)) for window in windows),
        default=Value(""),
        output_field=CharField(),
    )
    grouped = (
        stake_rows(partner, today, weeks[-1] + timedelta(days=6), prices)
        .annotate(week=TruncWeek("expires_on"), window=window_of)
        .values("week", "window")
        .annotate(**stake_sums("grouped", Q()))
        .order_by()
    )
    by_week = {week: [{}, 0, 0] for week in weeks}
    for row in grouped:
        counts = by_week[_as_date(row["week"])]
        terms, amount, unpriced = stake_of(row, "grouped")
        counts[0][row["window"]] = terms
        counts[1] += amount
        counts[2] += unpriced
    shown = [window for window in windows if any(counts[0].get(window.key) for counts in by_week.values())]
    if not shown:
        shown = [window for window in windows if window.first_day is not None and window.first_day >= 0][:1]
    return shown, [(week, counts[0], counts[1], counts[2]) for week, counts in by_week.items()]


def months_ahead(*, partner, today: date, prices=None) -> list:
    """The rest of this month (from today) and next month: ``(first day of the month, terms to
    renew, revenue at stake, not priced)``, each month whole, so "how much renews next month" needs
    no adding of weeks that straddle months. One query."""
    this_month = today.replace(day=1)
    next_month = this_month + relativedelta(months=1)
    spans = {
        "this": (today, next_month - timedelta(days=1)),
        "next": (next_month, next_month + relativedelta(months=1, days=-1)),
    }
    aggregates = {}
    for name, span in spans.items():
        aggregates.update(stake_sums(name, Q(expires_on__range=span)))
    values = stake_rows(partner, today, spans["next"][1], prices).aggregate(**aggregates)
    return [(this_month, *stake_of(values, "this")), (next_month, *stake_of(values, "next"))]


def _as_date(value):
    return value.date() if isinstance(value, datetime) else value


def renewal_by_month(*, partner, period, today: date) -> list:
    """Per month of the period, the terms that ended in it by yesterday (cancelled orders aside):
    ``(month, due, renewed by the end, renewed early, renewed late, lapsed, average days before the
    end at renewal or None)``. "Early" is 30 days or more before the last day; "lapsed" has no
    renewal at all."""
    last = min(period.last_day, today - timedelta(days=1))
    days_before = ExpressionWrapper(F("term_end") - F("renewed_on"), output_field=DurationField())
    grouped = (
        listed_orders(partner)
        .filter(term_end__range=(period.first_day, last))
        .annotate(month=TruncMonth("term_end"), renewed_on=renewed_on(partner))
        .annotate(days_before=days_before)
        .values("month")
        .annotate(
            due=Count("pk"),
            in_time=Count("pk", filter=renewed_in_time()),
            early=Count("pk", filter=renewed_early()),
            late=Count("pk", filter=RENEWED & ~Q(renewed_on__lte=F("term_end"))),
            lapsed=Count("pk", filter=~RENEWED),
            average=Avg("days_before", filter=renewed_in_time()),
        )
        .order_by()
    )
    found = {_as_date(row["month"]): row for row in grouped}
    rows = []
    for month in period.months:
        row = found.get(month, {})
        average = row.get("average")
        if isinstance(average, timedelta):
            average = average.total_seconds() / 86400
        rows.append(
            (
                month,
                row.get("due", 0),
                row.get("in_time", 0),
                row.get("early", 0),
                row.get("late", 0),
                row.get("lapsed", 0),
                None if average is None else round(average, 1),
            )
        )
    return rows


def reminder_funnel(*, partner, period) -> list:
    """Per renewal reminder threshold, of the reminder emails the outbox tried in the period (by
    the email's creation, in the partner's zone): ``(threshold days, sent, delivered, links opened,
    renewals)``, each a number of reminders. Sent: carried by an email the outbox tried (sent or
    failed); delivered: by one the mail server accepted (status "sent"). A link open or a renewal
    is credited to the latest reminder of the order before it, and counted only after a delivered
    one, so each is counted once, at the threshold that last reached the customer.

    It starts from the partner's emails (its (partner, status, created) index), not from every
    partner's reminders, so its cost follows what the partner sent in the period."""
    later = (
        Reminder.objects.filter(
            order=OuterRef("reminder__order"), kind=RENEWAL, created_at__gt=OuterRef("reminder__created_at")
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )
    until = Coalesce(Subquery(later, output_field=DateTimeField()), Value(NEVER_AWARE))
    opened = Exists(
        RenewalLinkOpen.objects.filter(
            order=OuterRef("reminder__order"),
            opened_at__gte=OuterRef("reminder__created_at"),
            opened_at__lt=OuterRef("until"),
        )
    )
    renewed = Q(
        reminder__order__renewed_at__gte=F("reminder__created_at"),
        reminder__order__renewed_at__lt=F("until"),
    )
    delivered = Q(email__status=EmailStatus.SENT)
    grouped = (
        OutboxItem.objects.filter(
            skipped=False,
            reminder__kind=RENEWAL,
            email__partner=partner,
            email__status__in=[EmailStatus.SENT, EmailStatus.FAILED],
            email__created_at__gte=period.starts_at,
            email__created_at__lt=period.ends_before,
        )
        .annotate(until=until)
        .annotate(opened=opened)
        .values("reminder__threshold_days")
        .annotate(
            sent=Count("reminder", distinct=True),
            delivered_count=Count("reminder", distinct=True, filter=delivered),
            opened_count=Count("reminder", distinct=True, filter=delivered & Q(opened=True)),
            renewed_count=Count("reminder", distinct=True, filter=delivered & renewed),
        )
        .order_by("-reminder__threshold_days")
    )
    return [
        (
            row["reminder__threshold_days"],
            row["sent"],
            row["delivered_count"],
            row["opened_count"],
            row["renewed_count"],
        )
        for row in grouped
    ]


def lost_reach(*, partner, period) -> list:
    """Per month of the period: ``(month, renewal notices turned off, emails failed, contacts
    unsubscribed)``, each by the month of its instant in the partner's zone."""
    zone = partner.tzinfo

    def by_month(queryset, field):
        rows = (
            queryset.filter(**{f"{field}__gte": period.starts_at, f"{field}__lt": period.ends_before})
            .annotate(month=TruncMonth(field, tzinfo=zone))
            .values("month")
            .annotate(count=Count("pk"))
            .order_by()
        )
        return {_as_date(row["month"]): row["count"] for row in rows}

    off = by_month(NoticeChange.objects.for_partner(partner).filter(old_value=True, new_value=False), "changed_at")
    failed = by_month(OutboxEmail.objects.for_partner(partner).filter(status=EmailStatus.FAILED), "created_at")
    unsubscribed = by_month(Contact.objects.for_partner(partner), "unsubscribed_at")
    return [(month, off.get(month, 0), failed.get(month, 0), unsubscribed.get(month, 0)) for month in period.months]
