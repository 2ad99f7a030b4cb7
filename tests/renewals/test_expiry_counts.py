"""The per-partner, per-day count table the database keeps equals a scan of the orders, whatever
writes them; the dashboard's tabs read it unless a filter narrows the list."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from renewals.banners import dismiss_banner, partner_today
from renewals.expiring import ACTION_CONDITIONS, action_counts, in_window, listed_orders
from renewals.expiry_counts import ExpiryCount
from renewals.models import Order, OrderStatus
from renewals.services import renew_order
from tests.factories import CustomerFactory, OrderFactory, ProductFactory, price_product

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TODAY = date(2026, 11, 25)


def scanned():
    """``{(partner id, day, action, notices): orders}`` counted from the orders themselves, the
    action as the dashboard's filter reads it (``ACTION_CONDITIONS``, through the renewal relation
    for "renewed", so the check does not lean on the column it checks)."""
    counts = {}
    for order in Order.objects.exclude(status=OrderStatus.CANCELLED).select_related("renewal"):
        key = (order.partner_id, order.expires_on, order.action, order.renewal_notices)
        counts[key] = counts.get(key, 0) + 1
    return counts


def kept():
    rows = ExpiryCount.objects.exclude(orders=0).values_list("partner_id", "expires_on", "action", "notices", "orders")
    return {tuple(key): n for *key, n in rows}


def per_day(counts):
    days = {}
    for (partner, day, *_rest), n in counts.items():
        days[partner, day] = days.get((partner, day), 0) + n
    return days


def test_every_kind_of_write_keeps_the_counts_equal_to_a_scan(partner_a, partner_b, sales_a):
    customer_a, customer_b = CustomerFactory(partner=partner_a), CustomerFactory(partner=partner_b)
    orders = [OrderFactory(customer=customer_a, term_end=TODAY + timedelta(days=d)) for d in (3, 3, 40)]
    OrderFactory(customer=customer_b, term_end=TODAY + timedelta(days=3))
    assert kept() == scanned() and per_day(kept())[(partner_a.pk, TODAY + timedelta(days=3))] == 2

    template = orders[0]
    Order.objects.bulk_create(
        [
            Order(
                partner=partner_a,
                customer=customer_a,
                product=template.product,
                order_number=f"BULK{i}",
                common_name=f"bulk{i}.example.com",
                plan_years=1,
                term_start=template.term_start,
                term_end=TODAY + timedelta(days=i % 4),
                expires_on=TODAY + timedelta(days=i % 4),
            )
            for i in range(20)
        ]
    )
    assert kept() == scanned()

    Order.objects.filter(pk=orders[0].pk).update(expires_on=TODAY + timedelta(days=9))  # a day moves
    Order.objects.filter(pk=orders[1].pk).update(status=OrderStatus.CANCELLED)  # leaves the list
    Order.objects.filter(order_number__startswith="BULK").update(next_reminder_at=None)  # changes no count
    assert kept() == scanned()

    Order.objects.filter(pk=orders[1].pk).update(status=OrderStatus.ACTIVE)  # back on the list
    orders[2].delete()
    Order.objects.filter(order_number__in=["BULK1", "BULK2"]).delete()
    assert kept() == scanned()

    Order.objects.filter(pk=orders[0].pk).update(renewal_notices=False)  # notices off
    Order.objects.filter(order_number="BULK3").update(expires_on=TODAY)  # a certificate ends inside the term
    assert kept() == scanned()


def test_a_renewal_counts_its_new_order_and_moves_the_old_one_to_renewed(partner_a, sales_a):
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=TODAY + timedelta(days=10))
    price_product(partner_a, order.product)
    assert kept() == {(partner_a.pk, order.expires_on, "renew", True): 1}
    result = renew_order(order=order, by=sales_a.memberships.get(), at=datetime(2026, 11, 25, 1, tzinfo=UTC))
    assert result.created and kept() == scanned()
    assert kept()[(partner_a.pk, order.expires_on, "renewed", True)] == 1
    assert per_day(kept())[(partner_a.pk, result.order.expires_on)] == 1

    result.order.delete()  # the renewal undone (as the admin could): the old term is to renew again
    assert kept() == scanned() == {(partner_a.pk, order.expires_on, "renew", True): 1}


def test_home_counts_by_action_read_only_the_table(partner_a, sales_a):
    customer = CustomerFactory(partner=partner_a)
    renewed = OrderFactory(customer=customer, term_end=TODAY + timedelta(days=5))
    OrderFactory(customer=customer, renewed_from=renewed, term_end=TODAY + timedelta(days=370))
    OrderFactory(customer=customer, term_end=TODAY + timedelta(days=5))
    OrderFactory(customer=customer, term_end=TODAY + timedelta(days=20), expires_on=TODAY + timedelta(days=6))
    with CaptureQueriesContext(connection) as queries:
        windows = dict(action_counts(partner=partner_a, today=TODAY))
    assert len(queries) == 1 and "renewals_expirycount" in queries[0]["sql"]
    assert "renewals_order" not in queries[0]["sql"]
    counts = {window.key: found for window, found in windows.items()}
    assert counts["7"] == {"renew": 1, "reissue": 1}  # the renewed order is neither
    scanned_counts = {
        key: {
            action: in_window(listed_orders(partner_a), window=w, today=TODAY).filter(ACTION_CONDITIONS[action]).count()
            for action in ("renew", "reissue")
        }
        for w in windows
        for key in [w.key]
    }
    assert counts == scanned_counts


def test_unfiltered_tabs_read_the_table_and_filtered_ones_scan(client, support_a, partner_a):
    customer = CustomerFactory(partner=partner_a)
    product = ProductFactory()
    for days in (-3, 0, 5, 20, 45, 80, 200):
        OrderFactory(customer=customer, term_end=TODAY + timedelta(days=days))
    OrderFactory(customer=customer, product=product, term_end=TODAY + timedelta(days=5))
    client.force_login(support_a)
    with time_machine.travel("2026-11-25T01:00:00Z", tick=False):
        # The console banner reads the table on every page: closed, so only the list's queries remain.
        dismiss_banner(partner=partner_a, user=support_a, today=partner_today(partner_a))
        with CaptureQueriesContext(connection) as unfiltered:
            page = client.get("/expiring/", {"window": "all"})
        with CaptureQueriesContext(connection) as filtered:
            narrowed = client.get("/expiring/", {"window": "all", "product": product.pk})
    reads_table = ["renewals_expirycount" in query["sql"] for query in unfiltered.captured_queries]
    assert any(reads_table)
    assert not any("renewals_expirycount" in query["sql"] for query in filtered.captured_queries)
    tabs = {window.key: count for window, count in page.context["windows"]}
    assert tabs == {"expired": 1, "7": 3, "30": 1, "60": 1, "90": 1, "later": 1, "all": 8}
    assert tabs["all"] == listed_orders(partner_a).count()
    assert {window.key: count for window, count in narrowed.context["windows"]}["all"] == 1


def test_action_and_notices_filters_read_the_table_with_the_counts_of_a_scan(client, support_a, partner_a):
    customer = CustomerFactory(partner=partner_a)
    for days in (-3, 2, 5, 20, 45):
        OrderFactory(customer=customer, term_end=TODAY + timedelta(days=days))
        OrderFactory(customer=customer, term_end=TODAY + timedelta(days=days), renewal_notices=False)
    inside = OrderFactory(customer=customer, term_end=TODAY + timedelta(days=60), expires_on=TODAY + timedelta(days=4))
    renewed = OrderFactory(customer=customer, term_end=TODAY + timedelta(days=6), renewal_notices=False)
    OrderFactory(customer=customer, renewed_from=renewed, term_end=TODAY + timedelta(days=371))
    client.force_login(support_a)
    filters = [
        {"action": "renew"},
        {"action": "reissue"},
        {"action": "renewed", "notices": "off"},
        {"action": "open", "notices": "off"},
        {"notices": "off"},
    ]
    with time_machine.travel("2026-11-25T01:00:00Z", tick=False):
        dismiss_banner(partner=partner_a, user=support_a, today=partner_today(partner_a))
        for chosen in filters:
            with CaptureQueriesContext(connection) as queries:
                page = client.get("/expiring/", {"window": "all", **chosen})
            assert any("renewals_expirycount" in query["sql"] for query in queries.captured_queries), chosen
            tabs = {window.key: count for window, count in page.context["windows"]}
            orders = listed_orders(partner_a)
            if "action" in chosen:
                orders = orders.filter(ACTION_CONDITIONS[chosen["action"]])
            if "notices" in chosen:
                orders = orders.filter(renewal_notices=chosen["notices"] == "on")
            expected = {
                w.key: in_window(orders, window=w, today=TODAY).count() for w, _count in page.context["windows"]
            }
            assert tabs == expected, chosen
    assert inside.action == "reissue"
