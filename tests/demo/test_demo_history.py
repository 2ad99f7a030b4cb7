"""The demo's past reads as a steady business: recently ended terms renew like earlier ones, and the
reminders the portal would have sent are on record, so the first real sweep sends only what is new."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count
from django.urls import reverse

from demo import seeding
from notifications.emails import render_reminder
from notifications.models import EmailKind, EmailStatus, OutboxEmail, OutboxItem, Reminder
from notifications.policy import RENEWAL
from notifications.sweep import run_sweep
from partners.models import Partner
from renewals.models import Order
from reports.cockpit import renewal_rates
from reports.periods import default_period
from reports.series import reminder_funnel, renewal_by_month

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

TODAY = date(2026, 11, 25)
SEOUL_MORNING = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)  # 10:30 in Seoul; 20:30 the day before in New York
SEOUL_DAWN = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # 08:30 in Seoul, before the send hour
# The demo partners, smaller: their reminder history is seeded like the full demo's.
SMALL = [replace(spec, customers=60, orders=300, history=100) for spec in seeding.DEMO_PARTNERS]


def at(instant, function, *args, **kwargs):
    with time_machine.travel(instant, tick=False):
        return function(*args, **kwargs)


def test_the_last_90_days_renew_like_the_90_days_before_and_the_funnel_narrows(db):
    """One seed of the full demo for both (it takes seconds): the home page's rate and its trend, the
    months of the renewal-rate chart, and the reminder funnel (sent, delivered, opened, renewed)."""
    at(SEOUL_MORNING, call_command, "seed_demo", today=TODAY, no_progress=True, verbosity=0)
    for partner in Partner.objects.all():
        current, previous = renewal_rates(partner=partner, today=TODAY)["partner"]
        assert 62 <= current.percent <= 82, partner.slug
        assert abs(current.percent - previous.percent) <= 15, partner.slug
        months = renewal_by_month(partner=partner, period=default_period(TODAY, partner.tzinfo), today=TODAY)
        for month, due, in_time, _early, _late, _lapsed, _average in months:
            assert 55 <= 100 * in_time / due <= 85, (partner.slug, month)
        assert sum(row[4] for row in months) > 0  # some renewed late
        rows = reminder_funnel(partner=partner, period=default_period(TODAY, partner.tzinfo))
        assert [row[0] for row in rows] == sorted(partner.reminder_thresholds, reverse=True)
        for threshold, sent, delivered, opened, renewed in rows:
            assert sent >= delivered > opened > renewed > 0, (partner.slug, threshold)
        sent, delivered = sum(row[1] for row in rows), sum(row[2] for row in rows)
        assert sent > delivered >= 0.98 * sent, partner.slug  # a few failed


def remindable_in_book():
    return Order.objects.filter(renewal_notices=True, renewed_at__isnull=True, renewed_from__isnull=True)


def test_seeded_orders_past_a_threshold_have_that_reminder_on_record(db, client):
    at(SEOUL_MORNING, seeding.seed, partners=SMALL, today=TODAY)
    checked = 0
    for order in remindable_in_book().select_related("partner"):
        for threshold in order.partner.reminder_thresholds:
            day = order.term_end - timedelta(days=threshold)
            if day >= TODAY:  # today's batch is the first sweep's
                continue
            reminder = Reminder.objects.get(order=order, kind=RENEWAL, ends_on=order.term_end, threshold_days=threshold)
            assert reminder.created_at.astimezone(order.partner.tzinfo).date() == day
            checked += 1
    assert checked > 300
    assert not Reminder.objects.filter(created_at__gt=SEOUL_MORNING).exists()
    sent = OutboxItem.objects.filter(email__status=EmailStatus.SENT)
    assert sent.count() > 0.95 * OutboxItem.objects.count()

    # Each email's subject is the one the sender renders for its reminders (digests too).
    emails = OutboxEmail.objects.filter(status=EmailStatus.SENT, kind=EmailKind.REMINDER).annotate(n=Count("items"))
    sample = [*emails.filter(n=1)[:10], *emails.filter(n__gt=1)[:10]]
    assert len(sample) == 20
    for email in sample:
        reminders = [item.reminder for item in email.items.select_related("reminder__order__customer__partner")]
        rendered = render_reminder(contact=email.contact, partner=email.partner, reminders=reminders, now=email.sent_at)
        assert email.subject == rendered.subject

    # Quick View shows the history instead of "No reminder is recorded".
    order = sent.filter(email__partner__slug="acme").first().reminder.order
    client.force_login(get_user_model().objects.get(username="acme-sales"))
    page = client.get(reverse("order-detail", args=[order.order_number]), {"panel": 1}).content.decode()
    assert "No reminder is recorded" not in page
    assert 'data-testid="sent-at"' in page


def new_since(first_new_pk):
    return Reminder.objects.filter(pk__gte=first_new_pk).select_related("order__partner")


@pytest.mark.parametrize(
    "seeded_at, swept_at",
    [
        (SEOUL_MORNING, [SEOUL_MORNING]),  # the run command in Seoul's working day: today's batch at once
        (SEOUL_DAWN, [SEOUL_DAWN, SEOUL_DAWN + timedelta(minutes=95)]),  # before 09:00, then at 09:05
    ],
)
def test_the_first_sweeps_after_seeding_send_only_what_falls_due_after_the_history(db, seeded_at, swept_at):
    at(seeded_at, seeding.seed, partners=SMALL, today=TODAY)
    first_new = (Reminder.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    history_items = OutboxItem.objects.count()
    for instant in swept_at:
        at(instant, run_sweep, now=instant)
    new = list(new_since(first_new))
    assert new  # today's batch of the Seoul partners
    for reminder in new:
        local_today = swept_at[-1].astimezone(reminder.order.partner.tzinfo).date()
        assert reminder.ends_on - timedelta(days=reminder.threshold_days) == local_today, reminder
    # Nothing recorded by the history went out again; every renewal threshold due today did go out.
    assert OutboxItem.objects.count() - history_items == OutboxItem.objects.filter(reminder__pk__gte=first_new).count()
    for order in remindable_in_book().filter(partner__slug__in=["acme", "hanbit"]).select_related("partner"):
        for threshold in order.partner.reminder_thresholds:
            if order.term_end - timedelta(days=threshold) == TODAY:
                assert Reminder.objects.filter(order=order, threshold_days=threshold, pk__gte=first_new).exists()
    later = swept_at[-1] + timedelta(minutes=5)
    assert at(later, run_sweep, now=later).due == 0
