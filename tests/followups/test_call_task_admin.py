"""Operators read call tasks in the admin."""

from datetime import UTC, datetime

import pytest

from followups.models import CallTask
from followups.services import create_call_tasks
from tests.factories import OrderFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def test_the_call_task_list_and_page_open_in_the_admin(client):
    order = OrderFactory()
    create_call_tasks(at=datetime.combine(order.term_end, datetime.min.time(), tzinfo=UTC))
    task = CallTask.objects.get()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/admin/followups/calltask/").status_code == 200
    assert client.get(f"/admin/followups/calltask/{task.pk}/change/").status_code == 200
    assert client.get("/admin/followups/calltask/add/").status_code == 403
