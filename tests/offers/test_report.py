"""The experiment report's figures on a hand-built data set, and its verdict in plain words."""

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from notifications.models import OutboxEmail, OutboxItem, Reminder
from offers.models import OfferExposure, OfferVariant
from offers.report import VariantResult, build_report, experiment_report
from renewals.models import Order, RenewalLinkOpen
from tests.factories import ContactFactory, CustomerFactory, OrderFactory, ProductFactory
from tests.offers.factories import OfferFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

T0 = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # noon in Seoul
THRESHOLDS = itertools.count(1)  # each email's reminders are of their own threshold (a reminder reaches a contact once)


@pytest.fixture
def ov(db):
    return ProductFactory(code="secure-site-ov", name="Secure Site OV", validation_level="OV")


@pytest.fixture
def ev(db):
    return ProductFactory(code="secure-site-ev", name="Secure Site EV", validation_level="EV")


@pytest.fixture
def offer(partner_a):
    return OfferFactory(partner=partner_a, amounts=["0", "10", "20"], validation_levels=["OV"])


def variant(offer, label):
    return offer.variants.get(label=label)


def reached(offer, label, at=T0, customer=None):
    customer = customer or CustomerFactory(partner=offer.partner)
    OfferExposure.objects.create(
        offer=offer, variant=variant(offer, label), customer=customer, channel="page", first_at=at
    )
    return customer


def renewal(offer, label, customer, *, product, term_end, renewed_on, price, created_at=T0, **kwargs):
    """``customer``'s order ending ``term_end``, renewed on ``renewed_on`` with the variant at ``price``."""
    old = OrderFactory(customer=customer, product=product, term_end=term_end)
    new = OrderFactory(
        customer=customer,
        product=product,
        renewed_from=old,
        term_start=renewed_on,
        term_end=term_end + timedelta(days=365),
        offer=offer,
        offer_variant=variant(offer, label) if label else None,
        price=Decimal(price),
        **kwargs,
    )
    Order.objects.filter(pk=new.pk).update(created_at=created_at)
    return new


def sent_email(contact, orders, *, at, status="sent"):
    email = OutboxEmail.new(partner=contact.customer.partner, contact=contact, to_email=contact.email, status=status)
    email.sent_at = at if status == "sent" else None
    email.save()
    for order in orders:
        reminder = Reminder.objects.create(
            order=order, ends_on=order.term_end, threshold_days=next(THRESHOLDS), kind="renewal"
        )
        OutboxItem.objects.create(email=email, reminder=reminder, contact=contact)
    return email


@pytest.fixture
def data_set(partner_a, offer, ov, ev):
    """Control: 4 reached (one on Dec 20), 1 renewal 31 days early at ₩590,000, 1 reminder and 2 link
    opens counted. 10 %: 3 reached, 2 renewals (31 and 11 days early) at ₩531,000, 1 cancelled.
    20 %: nobody. Around them, what must not count."""
    first = reached(offer, "Control")
    contact = ContactFactory(customer=first)
    own = renewal(
        offer, "Control", first, product=ov, term_end=date(2027, 1, 1), renewed_on=date(2026, 12, 1), price="590000"
    )
    second_ov = OrderFactory(customer=first, product=ov, term_end=date(2027, 1, 5))
    ev_order = OrderFactory(customer=first, product=ev, term_end=date(2027, 1, 5))
    sent_email(contact, [own.renewed_from, second_ov], at=T0 + timedelta(hours=1))  # a digest: one email
    sent_email(contact, [own.renewed_from], at=T0 - timedelta(days=1))  # before the exposure
    sent_email(contact, [second_ov], at=T0 + timedelta(hours=2), status="pending")  # not sent
    sent_email(contact, [ev_order], at=T0 + timedelta(hours=3))  # out of the offer's scope
    for at in (T0 + timedelta(hours=2), T0 + timedelta(hours=3), T0 - timedelta(hours=1)):
        RenewalLinkOpen.objects.create(order=own.renewed_from, opened_at=at)
    RenewalLinkOpen.objects.create(order=ev_order, opened_at=T0 + timedelta(hours=2))  # out of scope
    reached(offer, "Control")
    reached(offer, "Control")
    reached(offer, "Control", at=datetime(2026, 12, 20, 3, 0, tzinfo=UTC))

    for term_end in (date(2027, 1, 1), date(2026, 12, 12)):
        customer = reached(offer, "10%")
        renewal(offer, "10%", customer, product=ov, term_end=term_end, renewed_on=date(2026, 12, 1), price="531000")
    cancelled = reached(offer, "10%")
    renewal(
        offer,
        "10%",
        cancelled,
        product=ov,
        term_end=date(2027, 1, 1),
        renewed_on=date(2026, 12, 1),
        price="531000",
        status="cancelled",
    )
    never_reached = CustomerFactory(partner=partner_a)
    renewal(
        offer, "10%", never_reached, product=ov, term_end=date(2027, 1, 1), renewed_on=date(2026, 12, 1), price="531000"
    )
    # Another offer's exposure of the same customer counts for that offer only.
    other = OfferFactory(partner=partner_a, amounts=["5"])
    reached(other, "5%", customer=first)


def rows_of(report):
    return {
        row.variant.label: (
            row.reached,
            row.reminders_sent,
            row.links_opened,
            row.renewals,
            row.revenue,
            row.average_days_before_expiry,
        )
        for row in report.results
    }


def test_the_report_counts_each_column(offer, data_set):
    report = experiment_report(offer)
    assert rows_of(report) == {
        "Control": (4, 1, 2, 1, Decimal("590000"), Decimal("31.0")),
        "10%": (3, 0, 0, 2, Decimal("1062000"), Decimal("21.0")),
        "20%": (0, 0, 0, 0, Decimal("0"), None),
    }
    assert report.currency == "KRW"
    assert (report.reached, report.renewals, report.revenue) == (7, 3, Decimal("1652000"))


def test_conversion_comes_with_its_wilson_interval(offer, data_set):
    control, ten, twenty = experiment_report(offer).results
    assert control.conversion == pytest.approx(0.25) and ten.conversion == pytest.approx(2 / 3)
    assert control.interval == (pytest.approx(0.0456, abs=1e-4), pytest.approx(0.6994, abs=1e-4))
    assert (control.conversion_label, ten.conversion_label, twenty.conversion_label) == ("25.0%", "66.7%", "–")
    assert twenty.interval_label == "–"


def test_the_verdict_says_plainly_that_it_is_not_significant_yet(offer, data_set):
    report = experiment_report(offer)
    assert report.baseline.variant.label == "Control"
    assert report.winner is None
    assert report.verdict.startswith("Not significant yet")
    # 2 of 3 against 1 of 4: z = 1.10, p = 0.270.
    assert "10%: 66.7% against 25.0% (p = 0.270; 3 and 4 customers reached)" in report.verdict
    # ₩1,062,000 ÷ 3 against ₩590,000 ÷ 4.
    assert report.verdict.endswith(
        "So far 10% brings the most revenue per customer reached: ₩354,000, against ₩147,500 for Control, "
        "the next best."
    )


def test_each_variant_has_its_revenue_per_customer_reached_and_per_renewal(offer, data_set):
    control, ten, twenty = experiment_report(offer).results
    assert (control.revenue_per_reached, control.revenue_per_renewal) == (Decimal("147500"), Decimal("590000"))
    assert (ten.revenue_per_reached, ten.revenue_per_renewal) == (Decimal("354000"), Decimal("531000"))
    assert (twenty.revenue_per_reached, twenty.revenue_per_renewal) == (None, None)


def test_a_period_reports_the_customers_first_reached_in_it(offer, data_set):
    late = experiment_report(offer, start=date(2026, 12, 15))
    assert rows_of(late)["Control"] == (1, 0, 0, 0, Decimal("0"), None)
    assert rows_of(late)["10%"][0] == 0
    early = experiment_report(offer, start=date(2026, 12, 1), end=date(2026, 12, 10))
    assert rows_of(early)["Control"] == (3, 1, 2, 1, Decimal("590000"), Decimal("31.0"))


def test_the_period_is_in_the_partners_days(offer, partner_a):
    """23:30 on Nov 30 in UTC is Dec 1 in Seoul: reached on the partner's Dec 1."""
    reached(offer, "Control", at=datetime(2026, 11, 30, 23, 30, tzinfo=UTC))
    assert experiment_report(offer, start=date(2026, 12, 1), end=date(2026, 12, 1)).reached == 1
    assert experiment_report(offer, end=date(2026, 11, 30)).reached == 0


def test_the_report_reads_in_a_few_aggregate_queries(offer, data_set, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        experiment_report(offer)
    more = reached(offer, "20%")
    renewal(
        offer,
        "20%",
        more,
        product=more.orders.model.objects.first().product,
        term_end=date(2027, 1, 1),
        renewed_on=date(2026, 12, 1),
        price="472000",
    )
    with django_assert_max_num_queries(8):
        experiment_report(offer)


def test_the_report_page_shows_the_figures(client, sales_a, offer, data_set):
    client.force_login(sales_a)
    page = client.get(reverse("offer-report", args=[offer.pk])).content.decode()
    assert 'data-testid="revenue">₩1,062,000<' in page
    assert 'data-testid="revenue-per-reached">₩354,000<' in page
    assert 'data-testid="revenue-per-renewal">₩531,000<' in page
    assert 'data-testid="revenue-per-reached">–<' in page  # 20 % reached nobody
    assert 'data-testid="conversion">66.7%<' in page
    assert "Not significant yet" in page
    assert "below zero when, on average, they came after it" in page  # a negative average explained


# The verdict on made-up figures (no database)


def result(label, percent, reached_count, renewals, revenue="0", currency="KRW"):
    return VariantResult(
        variant=OfferVariant(label=label, discount_percent=Decimal(percent)),
        reached=reached_count,
        reminders_sent=0,
        links_opened=0,
        renewals=renewals,
        revenue=Decimal(revenue),
        currency=currency,
        average_days_before_expiry=None,
    )


def report_of(*results):
    return build_report(None, start=None, end=None, currency=results[0].currency, results=list(results))


def test_a_significant_winner_is_named():
    report = report_of(
        result("Control", "0", 100, 30, "30000000"),
        result("10%", "10", 100, 35, "31500000"),
        result("20%", "20", 100, 50, "40000000"),
    )
    assert report.winner.result.variant.label == "20%"
    assert report.verdict == (
        "20% renews best: 50.0% against 30.0% for Control (p = 0.004; 100 and 100 customers reached). "
        "The difference is significant (p < 0.05). So far 20% brings the most revenue per customer reached: "
        "₩400,000, against ₩315,000 for 10%, the next best."
    )


def test_a_control_that_beats_every_amount_is_named():
    report = report_of(result("Control", "0", 100, 50), result("10%", "10", 100, 30))
    assert report.verdict.startswith("Control renews best: every other amount renews significantly less")


def test_an_amount_significantly_worse_is_named_even_when_another_is_not():
    # It used to fall through to "not significant yet", against the table's own "significant".
    report = report_of(result("Control", "0", 200, 25), result("A", "10", 200, 20), result("B", "20", 190, 6))
    assert [c.significant for c in report.comparisons] == [False, True]
    assert report.verdict.startswith(
        "B renews significantly less than Control: 3.2% against 12.5% (p = 0.001; 190 and 200 customers reached). "
        "No amount renews significantly better yet."
    )


def test_without_a_control_the_lowest_discount_is_the_baseline():
    report = report_of(result("15%", "15", 10, 1), result("5%", "5", 10, 1), result("25%", "25", 10, 2))
    assert report.baseline.variant.label == "5%"
    assert {c.result.variant.label for c in report.comparisons} == {"15%", "25%"}


def test_nobody_reached_says_so():
    assert report_of(result("Control", "0", 0, 0), result("10%", "10", 0, 0)).verdict.startswith(
        "No customer has been reached yet"
    )


def test_a_plain_offer_has_nothing_to_compare():
    report = report_of(result("10%", "10", 50, 10))
    assert report.baseline is None and report.comparisons == []
    assert "nothing to compare" in report.verdict


def test_a_variant_that_reached_nobody_is_no_largest_difference():
    """Fifteen reached nobody: its missing rate is not "the largest difference"; 10% is."""
    report = report_of(result("Control", "0", 10, 2), result("10%", "10", 10, 3), result("Fifteen", "15", 0, 0))
    assert "The largest difference is 10%: 30.0% against 20.0%" in report.verdict
    lonely = report_of(result("Control", "0", 0, 0), result("10%", "10", 1, 1))
    assert lonely.verdict.startswith("Not significant yet: Control or the other amounts have reached no customer")


# Revenue per customer reached: which discount earns most (the walkthrough's figures)


def walkthrough_report():
    """The demo's experiment as a sales lead saw it: the same renewals, very different revenue."""
    return report_of(
        result("Control", "0", 191, 20, "28827000"),
        result("A", "10", 194, 20, "12936690"),
        result("B", "15", 163, 16, "9368020"),
        result("C", "20", 181, 14, "9184800"),
    )


def test_revenue_per_customer_reached_and_per_renewal_round_to_the_won():
    control, a, b, c = walkthrough_report().results
    # 28,827,000 ÷ 191 = 150,926.7; 12,936,690 ÷ 194 = 66,684.0; 9,368,020 ÷ 163 = 57,472.5 (half up).
    assert [r.revenue_per_reached for r in (control, a, b, c)] == [
        Decimal("150927"),
        Decimal("66684"),
        Decimal("57473"),
        Decimal("50745"),
    ]
    assert [r.revenue_per_renewal for r in (control, a, b, c)] == [
        Decimal("1441350"),
        Decimal("646835"),
        Decimal("585501"),
        Decimal("656057"),
    ]


def test_dollars_round_to_the_cent():
    ten = result("Ten", "10", 3, 2, "100.00", currency="USD")
    assert (ten.revenue_per_reached, ten.revenue_per_renewal) == (Decimal("33.33"), Decimal("50.00"))


def test_the_verdict_names_the_variant_with_the_most_revenue_per_customer_reached_besides_significance():
    """Not significant on renewal rates, but Control earns more than twice as much per customer reached."""
    assert walkthrough_report().verdict == (
        "Not significant yet: so far, no amount's renewal rate differs from that of Control with p < 0.05. "
        "The largest difference is C: 7.7% against 10.5% (p = 0.360; 181 and 191 customers reached). Keep the "
        "offer running to reach more customers. So far Control brings the most revenue per customer reached: "
        "₩150,927, against ₩66,684 for A, the next best."
    )


def test_the_not_significant_verdict_no_longer_says_an_amount_renews_differently():
    assert "renews differently" not in walkthrough_report().verdict


def test_equal_revenue_per_customer_reached_is_said_so():
    report = report_of(result("Control", "0", 10, 2, "100000"), result("10%", "10", 10, 2, "100000"))
    assert report.verdict.endswith(
        "So far the most revenue per customer reached is ₩10,000, brought equally by Control, 10%."
    )


def test_no_revenue_yet_is_said_so():
    report = report_of(result("Control", "0", 10, 0), result("10%", "10", 10, 0))
    assert report.verdict.endswith("No amount has brought revenue yet.")


def test_revenue_is_compared_only_once_two_variants_reached_customers():
    report = report_of(result("Control", "0", 0, 0), result("10%", "10", 4, 1, "90000"))
    assert "revenue" not in report.verdict
