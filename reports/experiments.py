"""The offer experiments section of ``/reports/``: per offer valid in the period, per variant,
customers reached, renewals, conversion with its 95 % Wilson interval and revenue (in all, per
customer reached and per renewal), whether the difference from the control is significant yet, and
which variant has brought the most revenue per customer reached.

The figures come from ``offers.report.experiment_report`` (the cohort first reached in the period,
and what it did): the same numbers, and the same verdict, as the offer's own report page.
"""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from offers.models import Offer
from offers.report import experiment_report

from .charts import Chart, Series

MAX_OFFERS = 10  # the newest offers of the period: each costs a few queries


def offers_in(partner, period):
    """The partner's offers valid on some day of the period, newest first."""
    offers = list(
        Offer.objects.for_partner(partner)
        .filter(starts_on__lte=period.last_day, ends_on__gte=period.first_day)
        .prefetch_related("variants", "products")
        .order_by("-starts_on", "-pk")[:MAX_OFFERS]
    )
    for offer in offers:
        offer.partner = partner  # the row the scoping filter matched on: no query per offer
    return offers


def percent(value):
    return (Decimal(str(value)) * 100).quantize(Decimal("0.1"))


def offer_charts(scope) -> list:
    """One chart per offer of the period: conversion per variant with its interval as whiskers."""
    partner, period = scope.partner, scope.period
    offers = offers_in(partner, period)
    if not offers:
        return []
    return [
        reported_chart(offer, experiment_report(offer, start=period.first_day, end=period.last_day)) for offer in offers
    ]


def offer_chart(offer, rows, note):
    """Rows: ``(variant, discount, reached, renewals, conversion, low, high, revenue, revenue per
    customer reached, revenue per renewal, …)``, percentages."""
    currency = offer.partner.currency
    extra = list(EXTRA_COLUMNS) if rows and len(rows[0]) > BASE_COLUMNS else []
    return Chart(
        name=f"offer-{offer.pk}",
        title=_("Offer: %(name)s") % {"name": offer.name},
        description=_(
            "Per variant: customers first shown the offer in the period, renewals sold with the variant, "
            "conversion with its 95 %% interval (the whiskers) and revenue in %(currency)s, in all, per "
            "customer reached and per renewal."
        )
        % {"currency": currency},
        columns=[
            _("Variant"),
            _("Discount (%)"),
            _("Customers reached"),
            _("Renewals"),
            _("Conversion (%)"),
            _("95 % interval, low (%)"),
            _("95 % interval, high (%)"),
            _("Revenue (%(currency)s)") % {"currency": currency},
            _("Revenue per customer reached (%(currency)s)") % {"currency": currency},
            _("Revenue per renewal (%(currency)s)") % {"currency": currency},
            *(str(column) for column in extra),
        ],
        rows=rows,
        categories=[row[0] for row in rows],
        series=[Series(_("Conversion"), [row[4] for row in rows])],
        intervals=[(row[5], row[6]) if row[2] else None for row in rows],
        percent=True,
        empty=not any(row[2] for row in rows),
        note=note,
        currency=currency,
        money_columns=MONEY_COLUMNS,
    )


BASE_COLUMNS = 10  # variant … revenue per renewal; EXTRA_COLUMNS may follow
MONEY_COLUMNS = (7, 8, 9)  # revenue, per customer reached, per renewal


EXTRA_COLUMNS = (
    gettext_lazy("Reminders sent"),
    gettext_lazy("Renewal links opened"),
    gettext_lazy("Average days before expiry"),
)


def reported_chart(offer, report):
    """The chart of ``offers.report.experiment_report``'s figures."""
    rows = []
    for result in report.results:
        low, high = result.interval
        measured = bool(result.reached)
        rows.append(
            (
                result.variant.label,
                result.variant.discount_percent,
                result.reached,
                result.renewals,
                percent(result.conversion) if measured else None,
                percent(low) if measured else None,
                percent(high) if measured else None,
                result.revenue,
                result.revenue_per_reached,
                result.revenue_per_renewal,
                result.reminders_sent,
                result.links_opened,
                result.average_days_before_expiry,
            )
        )
    return offer_chart(offer, rows, report.verdict)
