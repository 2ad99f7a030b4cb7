"""A customer's GET of a valid renewal link is recorded (a timestamp, nothing else); nothing else is."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from renewals.links import customer_renewal_path
from renewals.models import RenewalLinkOpen
from tests.factories import CustomerFactory, OrderFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = datetime(2026, 12, 1, 3, tzinfo=UTC)


@pytest.fixture
def order(partner_a):
    return OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2026, 12, 20))


@time_machine.travel(NOW, tick=False)
def test_each_get_of_the_link_records_one_open_at_that_instant(client, order):
    path = customer_renewal_path(order)
    assert client.get(path).status_code == 200
    client.get(path)
    assert list(RenewalLinkOpen.objects.filter(order=order).values_list("opened_at", flat=True)) == [NOW, NOW]


@time_machine.travel(NOW, tick=False)
def test_a_post_records_no_open(client, order):
    client.post(customer_renewal_path(order), {"plan_years": "1"})
    assert not RenewalLinkOpen.objects.exists()


def test_an_invalid_link_records_nothing(client, order):
    assert client.get(customer_renewal_path(order)[:-3] + "xyz/").status_code == 404
    assert not RenewalLinkOpen.objects.exists()
