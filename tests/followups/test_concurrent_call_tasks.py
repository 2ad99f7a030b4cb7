"""Two runs of the task maker at the same moment, from two connections, make each task once."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, connections

from followups.models import CallTask
from followups.services import create_call_tasks
from tests.factories import CustomerFactory, OrderFactory, PartnerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

AT = datetime(2027, 3, 1, 0, 30, tzinfo=UTC)


@pytest.mark.parametrize("attempt", range(3))
def test_two_concurrent_runs_make_each_task_once(attempt):
    assert connection.vendor == "postgresql", "the race needs two real connections"
    partner = PartnerFactory()
    customer = CustomerFactory(partner=partner)
    for days in range(0, 30):
        OrderFactory(customer=customer, term_end=date(2027, 3, 1) + timedelta(days=days), priced=False)
    start = threading.Barrier(2)
    created, errors = [], []

    def run():
        try:
            start.wait()
            created.append(create_call_tasks(at=AT))
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert sum(created) == 30
    assert CallTask.objects.count() == 30
