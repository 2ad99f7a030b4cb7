"""The experiment report of an offer: per variant, who was reached and what they did.

What each column counts (one aggregate query per column, grouped by variant):

- **reached**: customers with an exposure to the offer (``OfferExposure``: first shown in an email, on the
  renewal page or in the staff dialog), counted in the variant they saw;
- **reminders sent**: reminder emails sent (status *sent*) to the contacts of reached customers after
  their exposure, carrying a reminder for one of their orders in the offer's scope; an email listing
  several orders counts once;
- **renewal links opened**: ``RenewalLinkOpen`` rows of reached customers' orders in scope, after exposure;
- **renewals**: orders sold with the variant (``Order.offer_variant``) by reached customers, cancelled
  ones left out (a renewal records the exposure too, so every renewal with the offer is counted);
- **conversion**: renewals ÷ reached, with its 95 % Wilson interval;
- **revenue**: the sum of those renewals' prices, in the partner's currency;
- **revenue per customer reached** and **per renewal**: revenue ÷ reached and ÷ renewals, to the
  currency's unit (a won, a cent);
- **days before expiry**: the average, over those renewals, of the days from the renewal day to the
  end of the term renewed (negative when renewed after it ended).

``start``/``end`` (days in the partner's time zone, both included) choose a cohort: the customers first
reached in that period; each other column counts what they did from their exposure until ``end``.

The verdict compares each variant with the control (the 0 % variant; without one, the lowest
discount) by a two-sided two-proportion z-test, and calls a difference significant only at p < 0.05.
It then names the variant with the most revenue per customer reached so far (no test): a discount that
renews no more often earns less per customer, which the renewal rates alone do not show.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db.models import Avg, Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery, Sum
from django.utils.translation import gettext as _

from notifications.models import EmailKind, EmailStatus, OutboxItem
from renewals.models import Order, OrderStatus, RenewalLinkOpen
from renewals.money import format_money, round_to_unit
from renewals.validity import start_of_day

from .assignment import ordered_variants
from .models import Offer, OfferExposure, OfferVariant
from .stats import ProportionTest, two_proportion_test, wilson_interval


@dataclass(frozen=True)
class VariantResult:
    variant: OfferVariant
    reached: int
    reminders_sent: int
    links_opened: int
    renewals: int
    revenue: Decimal
    currency: str
    average_days_before_expiry: Decimal | None

    @property
    def conversion(self) -> float | None:
        return self.renewals / self.reached if self.reached else None

    @property
    def interval(self) -> tuple[float, float]:
        # Every counted renewal is a reached customer's, so renewals <= reached; min() guards the maths.
        return wilson_interval(min(self.renewals, self.reached), self.reached)

    @property
    def revenue_per_reached(self) -> Decimal | None:
        """Revenue ÷ customers reached, to the currency's unit: what reaching one more customer with
        this variant has brought so far (None before anyone is reached)."""
        return round_to_unit(self.revenue / self.reached, self.currency) if self.reached else None

    @property
    def revenue_per_renewal(self) -> Decimal | None:
        """Revenue ÷ renewals, to the currency's unit (None before any renewal)."""
        return round_to_unit(self.revenue / self.renewals, self.currency) if self.renewals else None

    @property
    def conversion_label(self) -> str:
        return percent(self.conversion)

    @property
    def interval_label(self) -> str:
        """The 95 % interval as "4.1%–18.2%" ("–" before anyone is reached)."""
        if not self.reached:
            return "–"
        low, high = self.interval
        return f"{percent(low)}–{percent(high)}"


@dataclass(frozen=True)
class Comparison:
    """A variant against the baseline (the control, or the lowest discount)."""

    result: VariantResult
    baseline: VariantResult
    test: ProportionTest | None

    @property
    def significant(self) -> bool:
        return self.test is not None and self.test.significant

    @property
    def better(self) -> bool:
        return self.test is not None and self.test.z > 0


@dataclass(frozen=True)
class ExperimentReport:
    offer: Offer
    start: date | None
    end: date | None
    currency: str
    results: list[VariantResult]
    baseline: VariantResult | None
    comparisons: list[Comparison]

    @property
    def is_experiment(self) -> bool:
        return len(self.results) > 1

    @property
    def reached(self) -> int:
        return sum(result.reached for result in self.results)

    @property
    def renewals(self) -> int:
        return sum(result.renewals for result in self.results)

    @property
    def revenue(self) -> Decimal:
        return sum((result.revenue for result in self.results), Decimal("0"))

    @property
    def best(self) -> VariantResult | None:
        """The variant with the highest conversion so far (on a tie, the smaller discount)."""
        measured = [result for result in self.results if result.reached]
        if not measured:
            return None
        return max(measured, key=lambda result: (result.conversion, -result.variant.discount_percent))

    @property
    def winner(self) -> Comparison | None:
        """The variant that renews significantly better than the baseline (the best of them), or None."""
        better = [comparison for comparison in self.comparisons if comparison.significant and comparison.better]
        return max(better, key=lambda comparison: comparison.result.conversion, default=None)

    @property
    def verdict(self) -> str:
        """The report's conclusion in one or two plain sentences."""
        return verdict(self)


def experiment_report(offer: Offer, *, start: date | None = None, end: date | None = None) -> ExperimentReport:
    """The figures of ``offer``'s experiment (see the module's docstring for what each counts)."""
    partner = offer.partner
    zone = partner.tzinfo
    since = start_of_day(start, zone) if start else None
    until = start_of_day(end + timedelta(days=1), zone) if end else None
    variants = ordered_variants(offer)
    cohort = _cohort(offer, since, until)
    scope = scope_condition(offer, prefix="order__")
    reached = _as_dict(cohort.values("variant").annotate(n=Count("pk")).order_by())
    reminders = _reminders_sent(offer, cohort, scope, until)
    opens = _links_opened(offer, cohort, scope, until)
    sold = _renewals(offer, cohort, until)
    results = [
        VariantResult(
            variant=variant,
            reached=reached.get(variant.pk, 0),
            reminders_sent=reminders.get(variant.pk, 0),
            links_opened=opens.get(variant.pk, 0),
            renewals=sold.get(variant.pk, {}).get("renewals", 0),
            revenue=sold.get(variant.pk, {}).get("revenue") or Decimal("0"),
            currency=partner.currency,
            average_days_before_expiry=_days(sold.get(variant.pk, {}).get("days")),
        )
        for variant in variants
    ]
    return build_report(offer, start=start, end=end, currency=partner.currency, results=results)


def build_report(offer, *, start, end, currency: str, results: list[VariantResult]) -> ExperimentReport:
    """The report of ``results`` (one per variant, in order): the baseline and each comparison with it."""
    baseline = _baseline(results)
    comparisons = [
        Comparison(
            result=result,
            baseline=baseline,
            test=two_proportion_test(
                min(result.renewals, result.reached),
                result.reached,
                min(baseline.renewals, baseline.reached),
                baseline.reached,
            ),
        )
        for result in results
        if baseline is not None and result is not baseline
    ]
    return ExperimentReport(
        offer=offer,
        start=start,
        end=end,
        currency=currency,
        results=results,
        baseline=baseline,
        comparisons=comparisons,
    )


def scope_condition(offer: Offer, *, prefix: str = "") -> Q:
    """``offers.selection.in_scope`` as a condition on orders (``prefix`` leads to the order)."""
    condition = Q()
    product_ids = [product.pk for product in offer.products.all()]
    if product_ids:
        condition &= Q(**{f"{prefix}product_id__in": product_ids})
    if offer.brands:
        condition &= Q(**{f"{prefix}product__brand__in": offer.brands})
    if offer.validation_levels:
        condition &= Q(**{f"{prefix}product__validation_level__in": offer.validation_levels})
    return condition


def _cohort(offer, since: datetime | None, until: datetime | None):
    exposures = OfferExposure.objects.filter(offer=offer)
    if since is not None:
        exposures = exposures.filter(first_at__gte=since)
    if until is not None:
        exposures = exposures.filter(first_at__lt=until)
    return exposures


def _as_dict(rows) -> dict:
    """``{variant id: n}`` of rows grouped by variant."""
    return {row["variant"]: row["n"] for row in rows}


def _exposed_variant(cohort, customer_ref: str, at_ref: str):
    """The variant a cohort customer saw, when they saw it by ``at_ref`` (None: not in the cohort then)."""
    return Subquery(
        cohort.filter(customer_id=OuterRef(customer_ref), first_at__lte=OuterRef(at_ref)).values("variant")[:1]
    )


def _reminders_sent(offer, cohort, scope, until) -> dict:
    items = OutboxItem.objects.filter(
        email__partner_id=offer.partner_id,
        email__kind=EmailKind.REMINDER,
        email__status=EmailStatus.SENT,
        skipped=False,
        reminder__order__customer_id__in=cohort.values("customer_id"),
    ).filter(_prefixed(scope, "reminder__"))
    if until is not None:
        items = items.filter(email__sent_at__lt=until)
    grouped = (
        items.annotate(variant=_exposed_variant(cohort, "reminder__order__customer_id", "email__sent_at"))
        .filter(variant__isnull=False)
        .values("variant")
    )
    return _as_dict(grouped.annotate(n=Count("email", distinct=True)).order_by())


def _links_opened(offer, cohort, scope, until) -> dict:
    opens = RenewalLinkOpen.objects.filter(
        order__partner_id=offer.partner_id, order__customer_id__in=cohort.values("customer_id")
    ).filter(scope)
    if until is not None:
        opens = opens.filter(opened_at__lt=until)
    grouped = (
        opens.annotate(variant=_exposed_variant(cohort, "order__customer_id", "opened_at"))
        .filter(variant__isnull=False)
        .values("variant")
    )
    return _as_dict(grouped.annotate(n=Count("pk")).order_by())


def _renewals(offer, cohort, until) -> dict:
    orders = (
        Order.objects.for_partner(offer.partner)
        .filter(offer=offer, offer_variant__isnull=False)
        .exclude(status=OrderStatus.CANCELLED)
        .filter(Exists(cohort.filter(customer_id=OuterRef("customer_id"), variant_id=OuterRef("offer_variant_id"))))
    )
    if until is not None:
        orders = orders.filter(created_at__lt=until)
    rows = (
        orders.values("offer_variant")
        .annotate(
            renewals=Count("pk"),
            revenue=Sum("price", filter=Q(currency=offer.partner.currency)),
            days=Avg(ExpressionWrapper(F("renewed_from__term_end") - F("term_start"), output_field=DurationField())),
        )
        .order_by()
    )
    return {row["offer_variant"]: row for row in rows}


def _prefixed(condition: Q, prefix: str) -> Q:
    """``condition`` (on ``order__…``) re-rooted under ``prefix``."""
    prefixed = Q()
    prefixed.connector, prefixed.negated = condition.connector, condition.negated
    prefixed.children = [
        _prefixed(child, prefix) if isinstance(child, Q) else (prefix + child[0], child[1])
        for child in condition.children
    ]
    return prefixed


def _days(average) -> Decimal | None:
    """An average duration as days, to one decimal."""
    if average is None:
        return None
    if isinstance(average, timedelta):
        return (Decimal(average.total_seconds()) / Decimal(86400)).quantize(Decimal("0.1"))
    return Decimal(str(average)).quantize(Decimal("0.1"))


def _baseline(results: list[VariantResult]) -> VariantResult | None:
    """The control variant, or the one with the lowest discount (the first such, by position)."""
    if len(results) < 2:
        return None
    return min(results, key=lambda result: result.variant.discount_percent)


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f}%"


def verdict(report: ExperimentReport) -> str:
    """Whether the renewal rates differ significantly, then which variant has brought the most revenue
    per customer reached: a smaller discount that renews as often may still earn more."""
    if not report.is_experiment:
        return _("A plain offer with one amount: there is nothing to compare it with.")
    if report.reached == 0:
        return _("No customer has been reached yet, so there is nothing to compare.")
    return " ".join(part for part in (conversion_verdict(report), revenue_verdict(report)) if part)


def conversion_verdict(report: ExperimentReport) -> str:
    winner = report.winner
    if winner is not None:
        return _(
            "%(variant)s renews best: %(rate)s against %(baseline_rate)s for %(baseline)s "
            "(p = %(p)s; %(n)s and %(baseline_n)s customers reached). The difference is significant (p < 0.05)."
        ) % _figures(winner)
    if report.comparisons and all(c.significant and not c.better for c in report.comparisons):
        return _(
            "%(baseline)s renews best: every other amount renews significantly less (p < 0.05), with "
            "%(baseline_n)s customers reached for %(baseline)s."
        ) % {"baseline": report.baseline.variant.label, "baseline_n": report.baseline.reached}
    worse = [c for c in report.comparisons if c.significant and not c.better]
    if worse:  # some amount renews significantly less, the others not significantly differently
        return _(
            "%(variant)s renews significantly less than %(baseline)s: %(rate)s against %(baseline_rate)s (p = %(p)s; "
            "%(n)s and %(baseline_n)s customers reached). No amount renews significantly better yet."
        ) % _figures(min(worse, key=lambda c: c.result.conversion or 0))
    measured = [c for c in report.comparisons if c.result.reached and c.baseline.reached]
    if not measured:
        # A variant that reached nobody has no rate: there is no difference to speak of yet.
        return _(
            "Not significant yet: %(baseline)s or the other amounts have reached no customer so far, so no "
            "difference can be measured. Keep the offer running to reach more customers."
        ) % {"baseline": report.baseline.variant.label}
    leading = max(measured, key=lambda c: abs((c.result.conversion or 0) - (c.baseline.conversion or 0)))
    figures = _figures(leading)
    return (
        _(
            "Not significant yet: so far, no amount's renewal rate differs from that of %(baseline)s with p < 0.05. "
            "The largest difference is %(variant)s: %(rate)s against %(baseline_rate)s (p = %(p)s; %(n)s and "
            "%(baseline_n)s customers reached). Keep the offer running to reach more customers."
        )
        % figures
    )


def revenue_verdict(report: ExperimentReport) -> str:
    """The variant that has brought the most revenue per customer reached so far, against the next
    best (no test: a plain comparison of what was earned); empty while fewer than two reached anyone."""
    measured = sorted(
        (result for result in report.results if result.reached),
        key=lambda result: (-result.revenue_per_reached, result.variant.discount_percent),
    )
    if len(measured) < 2:
        return ""
    if not report.revenue:
        return _("No amount has brought revenue yet.")
    best, runner_up = measured[0], measured[1]
    if best.revenue_per_reached == runner_up.revenue_per_reached:
        tied = [result for result in measured if result.revenue_per_reached == best.revenue_per_reached]
        return _("So far the most revenue per customer reached is %(amount)s, brought equally by %(variants)s.") % {
            "variants": ", ".join(result.variant.label for result in tied),
            "amount": format_money(best.revenue_per_reached, report.currency),
        }
    return _(
        "So far %(variant)s brings the most revenue per customer reached: %(amount)s, against %(next_amount)s "
        "for %(next)s, the next best."
    ) % {
        "variant": best.variant.label,
        "amount": format_money(best.revenue_per_reached, report.currency),
        "next": runner_up.variant.label,
        "next_amount": format_money(runner_up.revenue_per_reached, report.currency),
    }


def _figures(comparison: Comparison) -> dict:
    return {
        "variant": comparison.result.variant.label,
        "baseline": comparison.baseline.variant.label,
        "rate": percent(comparison.result.conversion),
        "baseline_rate": percent(comparison.baseline.conversion),
        "p": "–" if comparison.test is None else f"{comparison.test.p_value:.3f}",
        "n": comparison.result.reached,
        "baseline_n": comparison.baseline.reached,
    }
