"""Migration 0003: from end-exclusive dates to "the last day that works", nobody gaining or losing time."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

SEOUL = ZoneInfo("Asia/Seoul")
BEFORE = [
    ("partners", "0001_initial"),
    ("renewals", "0002_partial_expiry_index"),
    ("notifications", "0003_outbox_claim"),
]
AFTER = [("renewals", "0003_last_day_convention")]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.smoke]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps():
    apps = migrate(BEFORE)
    yield apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def old_order(apps, number, *, term_end, not_after=None, not_before=None):
    partner = apps.get_model("partners", "Partner").objects.get_or_create(
        slug="p", defaults={"name": "P", "time_zone": "Asia/Seoul"}
    )[0]
    customer = apps.get_model("partners", "Customer").objects.get_or_create(
        partner=partner, account_number="A1", defaults={"company_name": "Blue Foods"}
    )[0]
    product = apps.get_model("renewals", "Product").objects.get_or_create(
        code="dv", defaults={"brand": "Basic", "name": "Basic DV", "validation_level": "DV", "list_price": 1}
    )[0]
    order = apps.get_model("renewals", "Order").objects.create(
        partner=partner,
        customer=customer,
        product=product,
        order_number=number,
        common_name=f"www.{number}.example",
        plan_years=1,
        term_start=term_end - timedelta(days=365),
        term_end=term_end,
        expires_on=term_end,
    )
    if not_after is not None:
        apps.get_model("renewals", "Certificate").objects.create(
            order=order, common_name=order.common_name, serial=number, not_before=not_before, not_after=not_after
        )
        # Under the old convention: the day after the last second, in the customer's zone.
        order.expires_on = min(term_end, (not_after + timedelta(seconds=1)).astimezone(SEOUL).date())
        order.save()
    return order


def test_terms_end_on_their_last_paid_day_and_expiry_dates_follow_not_after(old_apps):
    # A term that "ended 2027-01-01" (exclusive) was paid through 2026-12-31, its certificate to 23:59:59.
    full = old_order(
        old_apps,
        "1",
        term_end=date(2027, 1, 1),
        not_before=datetime(2026, 1, 1, tzinfo=SEOUL),
        not_after=datetime(2026, 12, 31, 23, 59, 59, tzinfo=SEOUL),
    )
    # A capped certificate: notAfter 2027-06-19 09:59:59 (Seoul) was shown as 2027-06-19 and still is.
    issued = datetime(2026, 12, 1, 10, tzinfo=SEOUL)
    capped = old_order(
        old_apps,
        "2",
        term_end=date(2027, 12, 1),
        not_before=issued,
        not_after=issued + timedelta(days=200, seconds=-1),
    )
    bare = old_order(old_apps, "3", term_end=date(2027, 3, 1))
    reminder = old_apps.get_model("notifications", "Reminder").objects.create(
        order_id=full.pk, kind="renewal", ends_on=date(2027, 1, 1), threshold_days=30
    )
    new_apps = migrate(AFTER)
    Order = new_apps.get_model("renewals", "Order")
    assert Order.objects.values_list("term_end", "expires_on").get(pk=full.pk) == (date(2026, 12, 31),) * 2
    assert Order.objects.values_list("term_end", "expires_on").get(pk=capped.pk) == (
        date(2027, 11, 30),
        date(2027, 6, 19),
    )
    assert Order.objects.values_list("term_end", "expires_on").get(pk=bare.pk) == (date(2027, 2, 28),) * 2
    certificate = new_apps.get_model("renewals", "Certificate").objects.get(order_id=full.pk)
    assert certificate.not_after == datetime(2026, 12, 31, 14, 59, 59, tzinfo=UTC)  # a fact: unchanged
    # The recorded reminder counts down to the shifted end, so the sweep never records it again.
    assert new_apps.get_model("notifications", "Reminder").objects.get(pk=reminder.pk).ends_on == date(2026, 12, 31)
    assert Order.objects.filter(next_reminder_at__isnull=True).count() == 0
