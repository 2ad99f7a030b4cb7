"""Two renewals of one order at the same moment, from two connections, make one order."""

import threading
from datetime import date

import pytest
from django.db import connection, connections

from partners.models import Role
from renewals.models import Order
from renewals.services import renew_order
from tests.factories import CustomerFactory, MembershipFactory, OrderFactory
from tests.renewals.test_renew_order import GUIDE_RENEWAL_AT

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.mark.parametrize("attempt", range(3))
def test_two_concurrent_renewals_make_one_order(attempt):
    assert connection.vendor == "postgresql", "the race needs real row locks"
    membership = MembershipFactory(role=Role.SALES)
    order = OrderFactory(customer=CustomerFactory(partner=membership.partner), term_end=date(2021, 1, 1))
    start = threading.Barrier(2)
    results, errors = [], []

    def renew():
        try:
            start.wait()
            results.append(renew_order(order=order, by=membership, at=GUIDE_RENEWAL_AT))
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=renew) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert sorted(result.created for result in results) == [False, True]
    assert len({result.order.pk for result in results}) == 1
    assert Order.objects.filter(renewed_from=order).count() == 1
