"""The home page's figures, each against a hand-built data set with a known answer."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from followups.models import CallTask
from offers.models import Offer, OfferVariant
from partners.models import Role
from renewals.kept_sums import kept
from renewals.models import OrderStatus
from reports.cockpit import MINE, PARTNER, Rate, cockpit, renewal_rates, stake_and_silent, trend
from tests.factories import CustomerFactory, MembershipFactory, PartnerFactory, ProductFactory

from .data import NOW, TODAY, EmailStatus, at, email, list_price, order, renew

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


@pytest.fixture
def usd_partner(db):
    return PartnerFactory(name="Dollar Partner", slug="dollar", currency="USD", time_zone="America/New_York")


def test_revenue_at_stake_uses_the_price_list_then_the_orders_own_price(partner_a, partner_b):
    listed = ProductFactory()
    list_price(partner_a, listed, "500000")
    order(partner_a, 10, product=listed, price=Decimal("590000"))  # the list's 500,000, not 590,000
    order(partner_a, 40, price=Decimal("300000"))  # not on the list: its own 300,000
    order(partner_a, 20, price=Decimal("99"), currency="USD")  # not on the list, another currency
    order(partner_a, 200, expires_on=TODAY + timedelta(days=5))  # a free reissue, not a sale
    renew(order(partner_a, 15), at(TODAY))
    order(partner_a, 91)
    order(partner_a, -1)
    order(partner_a, 12, status=OrderStatus.CANCELLED)
    order(partner_b, 10)

    stake, _silent = stake_and_silent(partner=partner_a, today=TODAY)

    assert stake[30][PARTNER].orders == 2
    assert stake[30][PARTNER].amount == Decimal("500000")
    assert stake[30][PARTNER].unpriced == 1
    assert stake[90][PARTNER].orders == 3
    assert stake[90][PARTNER].amount == Decimal("800000")
    assert stake[90][PARTNER].unpriced == 1


def test_revenue_at_stake_counts_today_and_the_last_day_of_the_span(partner_a):
    order(partner_a, 0, price=Decimal("1000"))
    order(partner_a, 30, price=Decimal("2000"))
    order(partner_a, 31, price=Decimal("4000"))
    stake, _silent = stake_and_silent(partner=partner_a, today=TODAY)
    assert stake[30][PARTNER].amount == Decimal("3000")
    assert stake[90][PARTNER].amount == Decimal("7000")


def test_a_dollar_partner_is_valued_in_dollars_by_plan_length(usd_partner):
    product = ProductFactory()
    list_price(usd_partner, product, "49.50", years=1)
    list_price(usd_partner, product, "89.00", years=2)
    order(usd_partner, 3, product=product, currency="USD")
    order(usd_partner, 4, product=product, plan_years=2, currency="USD")
    stake, _silent = stake_and_silent(partner=usd_partner, today=TODAY)
    assert stake[30][PARTNER].amount == Decimal("138.50")


def test_notices_off_counts_what_the_silent_list_lists(partner_a):
    order(partner_a, 10, renewal_notices=False)
    order(partner_a, 0, renewal_notices=False)
    order(partner_a, 31, renewal_notices=False)
    order(partner_a, 10)
    renew(order(partner_a, 5, renewal_notices=False), at(TODAY))
    _stake, silent = stake_and_silent(partner=partner_a, today=TODAY)
    assert silent[PARTNER] == 2


def test_renewal_rate_counts_renewals_by_the_last_day_in_the_partners_zone(partner_a):
    renew(order(partner_a, -10), at(TODAY - timedelta(days=50)))  # 40 days early: on time
    renew(order(partner_a, -20), at(TODAY - timedelta(days=19)))  # the day after the end: late
    order(partner_a, -30)  # lapsed
    # Ends on the 14th; renewed at 15:30 UTC on the 14th, already 00:30 on the 15th in Seoul: late.
    late_in_seoul = order(partner_a, term_end=TODAY.replace(day=14))
    renew(late_in_seoul, at(TODAY.replace(day=14), hour=15) + timedelta(minutes=30))
    order(partner_a, 0)  # ends today: not due yet
    order(partner_a, -5, status=OrderStatus.CANCELLED)
    renew(order(partner_a, -100), at(TODAY - timedelta(days=130)))  # the 90 days before
    order(partner_a, -120)

    current, previous = renewal_rates(partner=partner_a, today=TODAY)[PARTNER]

    assert (current.due, current.renewed, current.percent) == (4, 1, Decimal("25.0"))
    assert (previous.due, previous.renewed, previous.percent) == (2, 1, Decimal("50.0"))
    assert trend(current, previous) == Decimal("-25.0")


def test_no_term_ended_means_no_rate_and_no_trend():
    assert Rate(0, 0).percent is None
    assert trend(Rate(0, 0), Rate(4, 1)) is None
    assert trend(Rate(3, 1), Rate(0, 0)) is None


@time_machine.travel(NOW, tick=False)
def test_an_empty_partner_has_zeros_and_no_rate(db):
    partner = PartnerFactory()
    membership = MembershipFactory(partner=partner, role=Role.ADMIN)
    figures = cockpit(membership=membership, today=TODAY)
    assert figures.stake[30][PARTNER].amount == 0
    assert figures.stake[90][PARTNER].orders == 0
    assert figures.rates[PARTNER][0].percent is None
    assert figures.sections[0].trend is None
    assert (figures.silent[PARTNER], figures.failed_emails, figures.calls_due[PARTNER], figures.offers) == (0, 0, 0, [])


def test_failed_emails_counts_the_partners_failed_emails_only(partner_a, partner_b):
    email(partner_a, EmailStatus.FAILED)
    email(partner_a, EmailStatus.FAILED)
    email(partner_a, EmailStatus.SENT)
    email(partner_b, EmailStatus.FAILED)
    membership = MembershipFactory(partner=partner_a, role=Role.SUPPORT)
    assert cockpit(membership=membership, today=TODAY).failed_emails == 2


def test_calls_due_are_open_tasks_due_today_or_earlier(partner_a, sales_a):
    def task(days, threshold, **fields):
        target = order(partner_a, 30)
        return CallTask.objects.create(
            partner=partner_a,
            order=target,
            customer=target.customer,
            threshold_days=threshold,
            due_on=TODAY + timedelta(days=days),
            **fields,
        )

    task(0, 30, assigned_to=sales_a)
    task(-3, 31)
    task(1, 32, assigned_to=sales_a)
    task(0, 33, completed_at=at(TODAY))
    renew(task(-1, 34).order, at(TODAY))  # renewed since: no call needed
    CustomerFactory(partner=partner_a, sales_owner=sales_a)
    figures = cockpit(membership=sales_a.memberships.get(), today=TODAY)
    assert figures.calls_due == {PARTNER: 2, MINE: 1}


def test_offers_running_are_the_active_ones_valid_today(partner_a, partner_b):
    def offer(partner, starts, ends, **fields):
        made = Offer.objects.create(
            partner=partner,
            name=f"Offer {starts} {ends}",
            starts_on=TODAY + timedelta(days=starts),
            ends_on=TODAY + timedelta(days=ends),
            **fields,
        )
        OfferVariant.objects.create(offer=made, label="A", discount_percent=Decimal("0"))
        OfferVariant.objects.create(offer=made, label="B", discount_percent=Decimal("10"))
        return made

    running = offer(partner_a, -5, 0)
    offer(partner_a, -5, 5, is_active=False)
    offer(partner_a, -10, -1)
    offer(partner_a, 1, 10)
    offer(partner_b, -5, 5)
    figures = cockpit(membership=MembershipFactory(partner=partner_a, role=Role.ADMIN), today=TODAY)
    assert figures.offers == [running]
    assert figures.offers[0].variant_count == 2


def test_a_salesperson_with_customers_sees_theirs_first(partner_a, sales_a):
    mine = CustomerFactory(partner=partner_a, sales_owner=sales_a)
    order(partner_a, 10, customer=mine, price=Decimal("100000"))
    order(partner_a, 10, price=Decimal("200000"))
    order(partner_a, 10, customer=mine, renewal_notices=False, price=Decimal("0"))
    figures = cockpit(membership=sales_a.memberships.get(), today=TODAY)
    assert figures.scopes == (MINE, PARTNER)
    assert figures.stake[30][MINE].amount == Decimal("100000")
    assert figures.stake[30][PARTNER].amount == Decimal("300000")
    assert figures.silent == {MINE: 1, PARTNER: 1}


def test_admins_and_salespeople_without_customers_see_the_partners_figures_only(partner_a, sales_a, admin_a):
    CustomerFactory(partner=partner_a, sales_owner=admin_a)
    assert cockpit(membership=sales_a.memberships.get(), today=TODAY).scopes == (PARTNER,)
    assert cockpit(membership=admin_a.memberships.get(), today=TODAY).scopes == (PARTNER,)


def test_the_figures_take_one_query_each(partner_a, sales_a, django_assert_num_queries):
    CustomerFactory(partner=partner_a, sales_owner=sales_a)
    for days in (-40, 5, 50):
        order(partner_a, days)
    membership = sales_a.memberships.select_related("partner").get()
    # Whether they own customers, the price list, the stake and silent (the partner's from the two
    # tables the database keeps, if it does, "mine" in one scan), the rates, failed emails, calls, offers.
    stake_and_silent = 3 if kept() else 2
    with django_assert_num_queries(2 + stake_and_silent + 4):
        cockpit(membership=membership, today=TODAY)
