"""``Order.renewed_at`` is kept by the database (both PostgreSQL and SQLite): whatever writes a
renewal, the order it renews says when, and the "renewed" filter agrees with the relation."""

from datetime import UTC, date, datetime, timedelta

import pytest

from renewals.expiring import ACTION_CONDITIONS
from renewals.models import Order
from renewals.services import renew_order
from tests.factories import CustomerFactory, OrderFactory, price_product

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

TODAY = date(2026, 11, 25)


def renewed_at(order):
    return Order.objects.values_list("renewed_at", flat=True).get(pk=order.pk)


def test_renewing_an_order_records_when_on_the_order(partner_a, sales_a):
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=TODAY + timedelta(days=10))
    price_product(partner_a, order.product)
    assert renewed_at(order) is None
    result = renew_order(order=order, by=sales_a.memberships.get(), at=datetime(2026, 11, 25, 1, tzinfo=UTC))
    assert renewed_at(order) == result.order.created_at
    assert list(Order.objects.filter(ACTION_CONDITIONS["renewed"])) == [order]


def test_saving_an_instance_loaded_before_the_renewal_keeps_the_mark(partner_a):
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=TODAY + timedelta(days=10))
    stale = Order.objects.get(pk=order.pk)
    renewal = OrderFactory(customer=order.customer, renewed_from=order, term_end=TODAY + timedelta(days=375))
    stale.common_name = "renamed.example.com"
    stale.save()
    assert renewed_at(order) == renewal.created_at
    assert Order.objects.get(pk=order.pk).common_name == "renamed.example.com"


def test_deleting_or_relinking_the_renewal_moves_the_mark(partner_a):
    customer = CustomerFactory(partner=partner_a)
    first, second = (OrderFactory(customer=customer, term_end=TODAY + timedelta(days=d)) for d in (10, 20))
    renewal = OrderFactory(customer=customer, renewed_from=first, term_end=TODAY + timedelta(days=375))
    Order.objects.filter(pk=renewal.pk).update(renewed_from=second)
    assert renewed_at(first) is None and renewed_at(second) == renewal.created_at
    renewal.delete()
    assert renewed_at(second) is None
    assert not Order.objects.filter(ACTION_CONDITIONS["renewed"]).exists()


def test_renewals_written_in_bulk_mark_their_orders(partner_a):
    customer = CustomerFactory(partner=partner_a)
    olds = [OrderFactory(customer=customer, term_end=TODAY + timedelta(days=d)) for d in (3, 4, 5)]
    Order.objects.bulk_create(
        [
            Order(
                partner=partner_a,
                customer=customer,
                product=old.product,
                order_number=f"R{old.order_number}",
                common_name=old.common_name,
                plan_years=1,
                term_start=old.term_end,
                term_end=old.term_end + timedelta(days=365),
                expires_on=old.term_end + timedelta(days=365),
                renewed_from=old,
            )
            for old in olds[:2]
        ]
    )
    marked = dict(Order.objects.filter(pk__in=[o.pk for o in olds]).values_list("pk", "renewed_at"))
    renewals = dict(Order.objects.filter(renewed_from__in=olds).values_list("renewed_from", "created_at"))
    assert marked == {olds[0].pk: renewals[olds[0].pk], olds[1].pk: renewals[olds[1].pk], olds[2].pk: None}
