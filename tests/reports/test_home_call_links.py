"""The home page's "follow-up calls due" numbers equal the call lists they link to."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from followups.models import CallTask
from followups.services import create_call_tasks
from renewals.models import OrderStatus
from tests.factories import CustomerFactory, OrderFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

AT = datetime(2027, 3, 1, 0, 30, tzinfo=UTC)
TODAY = date(2027, 3, 1)  # Seoul


def linked(html, testid):
    """The number and the link of the element ``testid`` on the home page."""
    match = re.search(rf"<a href=\"([^\"]+)\" data-testid=\"{testid}\">([\d,]+)", html)
    assert match, html[html.find(testid) - 300 : html.find(testid) + 100]
    href, number = match.groups()
    return href.replace("&amp;", "&"), int(number.replace(",", ""))


def test_calls_due_and_mine_equal_the_lists_they_open(client, partner_a, sales_a):
    colleague = UserFactory()
    partner_a.memberships.create(user=colleague, role="sales")
    for owner, days in [(sales_a, 3), (sales_a, 25), (None, 10), (colleague, 12), (None, 60)]:
        OrderFactory(customer=CustomerFactory(partner=partner_a, sales_owner=owner), term_end=TODAY + timedelta(days))
    cancelled = OrderFactory(customer=CustomerFactory(partner=partner_a), term_end=TODAY + timedelta(days=5))
    create_call_tasks(at=AT, partner=partner_a)
    cancelled.status = OrderStatus.CANCELLED
    cancelled.save(update_fields=["status"])
    assert CallTask.objects.count() == 5  # the order ending in 60 days gets none yet
    with time_machine.travel(AT + timedelta(hours=1), tick=False):
        client.force_login(sales_a)
        response = client.get("/")
        assert response.status_code == 200, response
        html = response.content.decode()
        href, due = linked(html, "calls-due")
        assert due == 4  # the cancelled order's call is no longer needed
        assert client.get(href).context["page"].paginator.count == due
        mine_href = re.search(r'<a href="([^"]+)" data-testid="calls-due-mine">(\d+)', html)
        listed_mine = client.get(mine_href.group(1).replace("&amp;", "&")).context["page"].paginator.count
        assert listed_mine == int(mine_href.group(2)) == 2
