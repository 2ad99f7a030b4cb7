"""Two showings of an offer to one customer at the same moment record one exposure."""

import threading
from datetime import UTC, date, datetime

import pytest
from django.db import connection, connections

from offers.exposure import record_exposure
from offers.models import OfferExposure
from offers.selection import offer_for
from tests.factories import CustomerFactory, OrderFactory
from tests.offers.factories import OfferFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

AT = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize("attempt", range(3))
def test_two_concurrent_showings_record_one_exposure(partner_a, attempt):
    assert connection.vendor == "postgresql", "the race needs two real connections"
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=date(2027, 1, 1))
    OfferFactory(partner=partner_a, amounts=["10", "0"])
    applied = offer_for(order, at=AT)
    start = threading.Barrier(2)
    errors = []

    def show(channel):
        try:
            start.wait()
            record_exposure(applied, order.customer_id, channel, AT)
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=show, args=(channel,)) for channel in ("page", "email")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert OfferExposure.objects.filter(offer=applied.offer, customer_id=order.customer_id).count() == 1
