"""The offer experiments section of ``/reports/``: per offer valid in the period, per variant,
customers reached, renewals, conversion with its 95 % Wilson interval and revenue, and whether the
difference from the control is significant yet.

The figures come from ``offers.report.experiment_report`` (the cohort first reached in the period,
and what it did), the same numbers as the offer's own report page. Should that module be missing,
the section counts for itself, one aggregate query per measure for all offers: exposures in the
period per variant (reached) and orders sold with the variant in the period (renewals, revenue).
"""

from decimal import Decimal

from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from offers.models import Offer, OfferExposure
from offers.stats import two_proportion_test, wilson_interval
from renewals.models import Order, OrderStatus

from .charts import Chart, Series

try:  # written by the offers app; the section stands on its own until it is there
    from offers.report import experiment_report
except ImportError:  # pragma: no cover - depends on the offers app's progress
    experiment_report = None


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


def variant_rows(partner, period, offers):
    """``{variant id: (reached, renewals, revenue)}`` for every variant of ``offers``, in two queries."""
    variants = [variant.pk for offer in offers for variant in offer.variants.all()]
    in_period = {"gte": period.starts_at, "lt": period.ends_before}
    reached = dict(
        OfferExposure.objects.for_partner(partner)
        .filter(variant_id__in=variants, first_at__gte=in_period["gte"], first_at__lt=in_period["lt"])
        .values("variant_id")
        .annotate(count=Count("pk"))
        .values_list("variant_id", "count")
    )
    sold = {
        row["offer_variant_id"]: (row["renewals"], row["revenue"])
        for row in Order.objects.for_partner(partner)
        .filter(offer_variant_id__in=variants, created_at__gte=in_period["gte"], created_at__lt=in_period["lt"])
        .exclude(status=OrderStatus.CANCELLED)
        .values("offer_variant_id")
        .annotate(renewals=Count("pk"), revenue=Sum("price", default=Decimal("0")))
        .order_by()
    }
    return {pk: (reached.get(pk, 0), *sold.get(pk, (0, Decimal("0")))) for pk in variants}


def verdict(offer, counts):
    """What the experiment says so far, in plain words."""
    variants = list(offer.variants.all())
    if len(variants) < 2:
        return _("A single discount, not an experiment: nothing to compare.")
    control = next((variant for variant in variants if variant.is_control), variants[0])
    winners = []
    for variant in variants:
        if variant is control:
            continue
        reached_c, renewals_c, _revenue = counts[control.pk]
        reached_v, renewals_v, _revenue = counts[variant.pk]
        test = two_proportion_test(renewals_v, reached_v, renewals_c, reached_c)
        if test is not None and test.significant:
            better = renewals_v / reached_v > renewals_c / reached_c
            winners.append((variant.label, better))
    if not winners:
        return _("The difference between the variants is not significant yet (95 %): keep the experiment running.")
    return "; ".join(
        (
            _("%(variant)s converts better than %(control)s (significant at 95 %%)")
            if better
            else _("%(variant)s converts worse than %(control)s (significant at 95 %%)")
        )  # fmt: skip
        % {"variant": label, "control": control.label}
        for label, better in winners
    )


def offer_charts(scope) -> list:
    """One chart per offer of the period: conversion per variant with its interval as whiskers."""
    partner, period = scope.partner, scope.period
    offers = offers_in(partner, period)
    if not offers:
        return []
    if experiment_report is not None:
        return [reported_chart(offer, experiment_report(offer, start=period.first_day, end=period.last_day))
                for offer in offers]  # fmt: skip
    counts = variant_rows(partner, period, offers)
    return [counted_chart(offer, counts) for offer in offers]


def offer_chart(offer, rows, note):
    """Rows: ``(variant, discount, reached, renewals, conversion, low, high, revenue, …)``, percentages."""
    currency = offer.partner.currency
    extra = list(EXTRA_COLUMNS) if rows and len(rows[0]) > 8 else []
    return Chart(
        name=f"offer-{offer.pk}",
        title=_("Offer: %(name)s") % {"name": offer.name},
        description=_(
            "Per variant: customers first shown the offer in the period, renewals sold with the variant, "
            "conversion with its 95 %% interval (the whiskers) and revenue in %(currency)s."
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
        money_columns=(7,),
    )


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
                result.reminders_sent,
                result.links_opened,
                result.average_days_before_expiry,
            )
        )
    return offer_chart(offer, rows, report.verdict)


def counted_chart(offer, counts):
    """The chart of this module's own counts (when the offers app has no report)."""
    rows = []
    for variant in offer.variants.all():
        reached, renewals, revenue = counts[variant.pk]
        low, high = wilson_interval(renewals, reached)
        measured = bool(reached)
        rows.append((variant.label, variant.discount_percent, reached, renewals,
                     percent(renewals / reached) if measured else None,
                     percent(low) if measured else None, percent(high) if measured else None, revenue))  # fmt: skip
    return offer_chart(offer, rows, verdict(offer, counts))
