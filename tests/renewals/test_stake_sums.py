"""The terms-to-renew sums the database keeps equal a scan of the orders whatever writes them, and
the reports' weekly outlook read from them equals the same outlook valued order by order."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from renewals.models import Order, OrderStatus, StakeSum
from renewals.pricing import price_list
from renewals.services import renew_order
from reports import stake
from reports.cockpit import PARTNER, Stake, scanned_stakes_and_silent, stake_and_silent
from reports.series import weekly_due
from tests.factories import CustomerFactory, OrderFactory, ProductFactory, price_product
from tests.reports.data import TODAY, list_price, order

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def scanned():
    """``{(partner, day, product, plan, currency): (orders, price sum)}`` of the listed orders whose
    action (read through the renewal relation, not the column the triggers keep) is "renew"."""
    sums = {}
    for row in Order.objects.exclude(status=OrderStatus.CANCELLED).select_related("renewal"):
        if row.action != "renew":
            continue
        key = (row.partner_id, row.expires_on, row.product_id, row.plan_years, row.currency)
        count, total = sums.get(key, (0, Decimal("0")))
        sums[key] = (count + 1, total + row.price)
    return sums


def kept():
    rows = StakeSum.objects.exclude(orders=0).values_list(
        "partner_id", "expires_on", "product_id", "plan_years", "currency", "orders", "price_sum"
    )
    return {tuple(key): (count, total) for *key, count, total in rows}


def test_every_kind_of_write_keeps_the_sums_equal_to_a_scan(partner_a, partner_b):
    customer, product = CustomerFactory(partner=partner_a), ProductFactory()
    orders = [
        OrderFactory(customer=customer, product=product, term_end=TODAY + timedelta(days=d), price=Decimal(p))
        for d, p in ((3, "100"), (3, "250.50"), (40, "80"))
    ]
    OrderFactory(customer=CustomerFactory(partner=partner_b), term_end=TODAY + timedelta(days=3))
    assert kept() == scanned() and kept()[partner_a.pk, *key_of(orders[0])] == (2, Decimal("350.50"))

    Order.objects.filter(pk=orders[0].pk).update(price=Decimal("120"))  # a price changes, not the count
    Order.objects.filter(pk=orders[1].pk).update(currency="USD")  # another currency: another row
    Order.objects.filter(pk=orders[2].pk).update(plan_years=2, product=ProductFactory())
    assert kept() == scanned()

    Order.objects.filter(pk=orders[0].pk).update(status=OrderStatus.CANCELLED)  # leaves the list
    Order.objects.filter(pk=orders[1].pk).update(expires_on=TODAY)  # a free reissue now, not a sale
    Order.objects.all().update(next_reminder_at=None)  # changes no sum
    assert kept() == scanned()

    Order.objects.filter(pk=orders[0].pk).update(status=OrderStatus.ACTIVE)
    orders[2].delete()
    assert kept() == scanned() and len(kept()) == 2


def key_of(row):
    return (row.expires_on, row.product_id, row.plan_years, row.currency)


def test_a_renewal_takes_its_term_out_of_the_sums(partner_a, sales_a):
    renewable = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=TODAY + timedelta(days=10))
    price_product(partner_a, renewable.product)
    result = renew_order(order=renewable, by=sales_a.memberships.get(), at=datetime(2026, 11, 25, 1, tzinfo=UTC))
    # The old term is renewed; the new one's first certificate ends inside it (a reissue comes first).
    assert result.created and result.order.expires_on < result.order.term_end
    assert kept() == scanned() == {}

    result.order.delete()  # the renewal undone: the old term is to renew again
    assert kept() == scanned() == {(partner_a.pk, *key_of(renewable)): (1, renewable.price)}


def test_the_weekly_outlook_from_the_sums_equals_valuing_each_order(partner_a):
    listed, unlisted = ProductFactory(), ProductFactory()
    list_price(partner_a, listed, "100000")
    list_price(partner_a, listed, "180000", years=2)
    for days in (0, 1, 1, 9, 30, 31, 60, 88):
        order(partner_a, days, product=listed, price=Decimal("1"))  # the list's price, not the order's
        order(partner_a, days, product=listed, plan_years=2)
        order(partner_a, days, product=unlisted, price=Decimal("70000"))  # its own price
        order(partner_a, days, product=unlisted, currency="USD", price=Decimal("50"))  # not priced
    order(partner_a, 200, product=listed, expires_on=TODAY + timedelta(days=3))  # a free reissue: no sale

    with CaptureQueriesContext(connection) as queries:
        from_sums = weekly_due(partner=partner_a, today=TODAY)
    with mock.patch.object(stake, "kept", return_value=False):
        from_orders = weekly_due(partner=partner_a, today=TODAY)

    assert from_sums == from_orders
    assert any("renewals_stakesum" in query["sql"] for query in queries.captured_queries)
    assert not any("renewals_order" in query["sql"] for query in queries.captured_queries)
    _windows, rows = from_sums
    assert sum(amount for _week, _counts, amount, _unpriced in rows) == 8 * (100000 + 180000 + 70000)
    assert sum(unpriced for *_rest, unpriced in rows) == 8


def test_the_home_pages_stake_and_notices_off_from_the_tables_equal_a_scan(partner_a):
    listed = ProductFactory()
    list_price(partner_a, listed, "90000")
    for days in (0, 5, 30, 31, 89, 90, 91):
        order(partner_a, days, product=listed)
        order(partner_a, days, price=Decimal("40000"), renewal_notices=False)
        order(partner_a, days, currency="USD", price=Decimal("30"))
    order(partner_a, 200, product=listed, expires_on=TODAY + timedelta(days=4), renewal_notices=False)  # reissue

    with CaptureQueriesContext(connection) as queries:
        stakes, silent = stake_and_silent(partner=partner_a, today=TODAY)
    assert not any("renewals_order" in query["sql"] for query in queries.captured_queries)
    scanned_stakes, scanned_silent = scanned_stakes_and_silent(partner_a, TODAY, price_list(partner_a))
    assert {days: by_scope[PARTNER] for days, by_scope in stakes.items()} == scanned_stakes
    assert silent[PARTNER] == scanned_silent == 3 + 1  # 0, 5 and 30 days, and the reissue
    assert stakes[30][PARTNER] == Stake(orders=9, amount=Decimal("390000"), unpriced=3)


def test_the_reports_indexes_carry_their_columns_on_postgresql():
    """Migrations renewals 0012 and partners 0007: the renewal rate by month and the unsubscribes per
    month read these indexes alone."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE indexname IN ('order_partner_term_end_idx', 'contact_unsubscribed_idx')"
        )
        definitions = dict(cursor.fetchall())
    assert "(partner_id, term_end) INCLUDE (id, status, renewed_at)" in definitions["order_partner_term_end_idx"]
    assert "INCLUDE (customer_id, id) WHERE (unsubscribed_at IS NOT NULL)" in definitions["contact_unsubscribed_idx"]
