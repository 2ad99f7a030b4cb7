"""``/reports/``: each chart by name, built from its one query (``series``) for a partner, its
calendar ``today`` and the chosen period. A chart's CSV builds only that chart."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property

from django.utils.translation import gettext as _

from renewals.pricing import price_list

from .charts import Chart, Series
from .experiments import offer_charts
from .periods import Period
from .series import lost_reach, months_ahead, reminder_funnel, renewal_by_month, weekly_due


@dataclass
class ReportScope:
    partner: object
    today: date
    period: Period

    @cached_property
    def prices(self):
        return price_list(self.partner)

    @cached_property
    def weeks(self):
        """The next 13 weeks' terms to renew (two charts read them: one query)."""
        return weekly_due(partner=self.partner, today=self.today, prices=self.prices)

    @cached_property
    def months_ahead(self):
        """The rest of this month and next month, whole: terms to renew and revenue at stake."""
        return months_ahead(partner=self.partner, today=self.today, prices=self.prices)


def percent(part, whole):
    """``part`` per 100 of ``whole``, one decimal; None when ``whole`` is 0 (no rate, not 0 %)."""
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"))


def due_weekly(scope):
    windows, weeks = scope.weeks
    rows = [(week, *(counts.get(w.key, 0) for w in windows), sum(counts.values())) for week, counts, *_rest in weeks]
    return Chart(
        name="due-weekly",
        title=_("Renewals due per week, next 13 weeks"),
        description=_(
            "Terms to renew (not renewed yet, reissues aside) by the week they expire, stacked by expiry window. "
            "This week counts from today."
        ),
        columns=[_("Week of"), *(w.label for w in windows), _("Total")],
        rows=rows,
        categories=[row[0] for row in rows],
        series=[Series(w.label, [row[1 + i] for row in rows]) for i, w in enumerate(windows)],
        stacked=True,
    )


def stake_weekly(scope):
    _windows, weeks = scope.weeks
    currency = scope.partner.currency
    rows = [(week, sum(counts.values()), amount, unpriced) for week, counts, amount, unpriced in weeks]
    return Chart(
        name="stake-weekly",
        title=_("Revenue at stake per week, next 13 weeks"),
        description=_(
            "The renewal value of the terms expiring each week, at your price list's price for each order's "
            "product and plan (the order's own price when the list has none), in %(currency)s."
        )
        % {"currency": currency},
        columns=[
            _("Week of"),
            _("Terms to renew"),
            _("Revenue at stake (%(currency)s)") % {"currency": currency},
            _("Not priced"),
        ],  # fmt: skip
        rows=rows,
        categories=[row[0] for row in rows],
        series=[Series(_("Revenue at stake"), [row[2] for row in rows])],
        currency=currency,
        money_columns=(2,),
    )


def renewal_rate(scope):
    months = renewal_by_month(partner=scope.partner, period=scope.period, today=scope.today)
    rows = [
        (month, due, in_time, early, late, lapsed, percent(in_time, due), percent(early, in_time), average)
        for month, due, in_time, early, late, lapsed, average in months
    ]
    return Chart(
        name="renewal-rate",
        title=_("Renewal rate by month"),
        description=_(
            "Of the terms that ended in each month (up to yesterday), the share renewed by their last day. "
            "Early: 30 days or more before the end; lapsed: not renewed at all."
        ),
        columns=[
            _("Month"),
            _("Due"),
            _("Renewed by the end"),
            _("Renewed early"),
            _("Renewed late"),
            _("Lapsed"),
            _("Renewal rate (%)"),
            _("Renewed early (share of renewals, %)"),
            _("Average days before the end"),
        ],
        rows=rows,
        categories=[row[0] for row in rows],
        series=[Series(_("Renewal rate"), [row[6] for row in rows])],
        percent=True,
        empty=not any(row[1] for row in rows),
        month_rows=True,
    )


def funnel(scope):
    rows = reminder_funnel(partner=scope.partner, period=scope.period)
    return Chart(
        name="funnel",
        title=_("Reminder funnel by threshold"),
        description=_(
            "Renewal reminders emailed in the period, by days before the end: sent (or tried), delivered, renewal "
            "links opened and renewals, and renewals per 100 emails delivered. Each open and renewal counts once, "
            "for the latest reminder before it, so a later reminder also collects renewals an earlier one prompted."
        ),
        columns=[
            _("Days before the end"),
            _("Emails sent"),
            _("Delivered"),
            _("Links opened"),
            _("Renewals"),
            _("Renewals per 100 delivered"),
        ],
        rows=[(*row, percent(row[4], row[2])) for row in rows],
        categories=[row[0] for row in rows],
        series=[
            Series(label, [row[i] for row in rows])
            for i, label in enumerate([_("Emails sent"), _("Delivered"), _("Links opened"), _("Renewals")], start=1)
        ],  # fmt: skip
    )


def lost(scope):
    rows = lost_reach(partner=scope.partner, period=scope.period)
    labels = [_("Notices turned off"), _("Emails failed"), _("Unsubscribes")]
    return Chart(
        name="lost-reach",
        title=_("Notices off, failed emails and unsubscribes"),
        description=_("Customers the reminders stopped reaching, by month."),
        columns=[_("Month"), *labels],
        rows=rows,
        categories=[row[0] for row in rows],
        series=[Series(label, [row[i] for row in rows]) for i, label in enumerate(labels, start=1)],
        month_rows=True,
    )


BUILDERS = {
    "due-weekly": due_weekly,
    "stake-weekly": stake_weekly,
    "renewal-rate": renewal_rate,
    "funnel": funnel,
    "lost-reach": lost,
}


def all_charts(scope) -> dict:
    """Every section's charts: ``{"outlook": [...], "results": [...], "reminders": [...], "offers": [...],
    "reach": [...]}``."""
    return {
        "outlook": [due_weekly(scope), stake_weekly(scope)],
        "results": [renewal_rate(scope)],
        "reminders": [funnel(scope)],
        "offers": offer_charts(scope),
        "reach": [lost(scope)],
    }


def chart_named(scope, name) -> Chart | None:
    """One chart by name (an offer's is ``offer-<id>``), or None when there is no such chart."""
    if name in BUILDERS:
        return BUILDERS[name](scope)
    if name.startswith("offer-"):
        return next((chart for chart in offer_charts(scope) if chart.name == name), None)
    return None
