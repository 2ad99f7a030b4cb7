"""A dry run over more due orders than one chunk lists every one of them, as the real sweep records them."""

from datetime import UTC, date, datetime

import pytest

from notifications import sweep
from notifications.models import Reminder

from .helpers import make_order

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = datetime(2027, 1, 30, 3, tzinfo=UTC)


def test_a_dry_run_over_several_chunks_lists_every_due_order_once(seoul_partner, monkeypatch):
    monkeypatch.setattr(sweep, "CHUNK", 2)
    orders = [make_order(seoul_partner, date(2027, 3, 1)) for _ in range(5)]
    result = sweep.run_sweep(now=NOW, dry_run=True)
    assert sorted(result.planned) == sorted((order.order_number, "renewal", 30) for order in orders)
    assert (result.orders_checked, result.due) == (5, 5)
    assert not Reminder.objects.exists()
    assert sweep.run_sweep(now=NOW).due == 5
