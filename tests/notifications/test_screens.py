"""Staff screens of reminders: policy settings, preview, outbox with retry, resend; unsubscribe pages."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from notifications.links import unsubscribe_url
from notifications.models import EmailKind, EmailStatus, OutboxEmail, Reminder
from notifications.sender import send_pending
from notifications.services import retry_failed_email, unsubscribe
from notifications.sweep import run_sweep
from partners.models import Customer
from renewals.models import Order
from tests.factories import ContactFactory, CustomerFactory, OrderFactory

from .helpers import make_order

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = datetime(2027, 1, 30, 3, tzinfo=UTC)
# An hour later, still the customers' working day (12:00 → 13:00 in Seoul): what support does then
# is sent at once. On the real clock, evenings in Seoul would hold the email (working hours).
SUPPORT_ACTS = time_machine.travel(NOW + timedelta(hours=1), tick=True)


@pytest.fixture
def sent_order(partner_a, outbox):
    order = make_order(partner_a, date(2027, 3, 1))
    run_sweep(now=NOW)
    send_pending(now=NOW)
    return order


def test_partner_admin_changes_the_policy_and_orders_are_looked_at_again(client, admin_a, partner_a):
    order = OrderFactory(customer=CustomerFactory(partner=partner_a), next_reminder_at=None)
    client.force_login(admin_a)
    response = client.post(
        reverse("reminder-settings"),
        {
            "reminder_thresholds": "90, 60, 30, 7, 3, 0, -7",
            "reissue_thresholds": "30, 14, 7, 3",
            "reminder_send_hour": 9,
        },
    )
    assert response.status_code == 302
    partner_a.refresh_from_db()
    assert partner_a.reminder_thresholds == [90, 60, 30, 7, 3, 0, -7]
    order.refresh_from_db()
    assert order.next_reminder_at is not None


@pytest.mark.parametrize(
    ("value", "message"),
    [("90, sixty", "is not a whole number"), ("90, 400", "outside -30 to 365"), ("30, 30", "appears twice")],
)
def test_bad_policy_input_gets_a_clear_error(client, admin_a, partner_a, value, message):
    client.force_login(admin_a)
    response = client.post(
        reverse("reminder-settings"),
        {"reminder_thresholds": value, "reissue_thresholds": "30", "reminder_send_hour": 9},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    partner_a.refresh_from_db()
    assert partner_a.reminder_thresholds == [90, 60, 30, 7]


def test_only_partner_admins_edit_the_policy(client, sales_a):
    client.force_login(sales_a)
    assert client.get(reverse("reminder-settings")).status_code == 403


@pytest.mark.parametrize(
    ("language", "expected"), [("en", "Your certificate expires in 7 days"), ("ko", "인증서 만료 7일 전")]
)
def test_preview_renders_a_template_with_a_real_order(client, support_a, partner_a, language, expected):
    order = make_order(partner_a, date(2027, 3, 1))
    client.force_login(support_a)
    response = client.get(
        reverse("reminder-preview"), {"threshold": 7, "language": language, "order": order.order_number}
    )
    assert response.context["rendered"].subject == expected
    assert order.order_number in response.context["rendered"].text


def test_outbox_lists_filters_and_shows_an_email(client, support_a, sent_order):
    client.force_login(support_a)
    assert len(client.get(reverse("outbox")).context["emails"]) == 1
    assert client.get(reverse("outbox"), {"status": "failed"}).context["emails"] == []
    assert len(client.get(reverse("outbox"), {"q": sent_order.order_number}).context["emails"]) == 1
    email = OutboxEmail.objects.get()
    page = client.get(reverse("outbox-email", args=[email.pk])).content.decode()
    assert email.message_id.strip("<>") in page and "srcdoc" in page


@SUPPORT_ACTS
def test_support_retries_a_failed_email(client, support_a, sent_order, django_capture_on_commit_callbacks):
    email = OutboxEmail.objects.get()
    OutboxEmail.objects.filter(pk=email.pk).update(status=EmailStatus.FAILED, attempts=6)
    client.force_login(support_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("outbox-retry", args=[email.pk]))
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT  # tasks run eagerly in tests: queued and sent at once


@SUPPORT_ACTS
def test_resend_sends_the_latest_reminder_again_once_per_double_click(
    client, support_a, sent_order, outbox, django_capture_on_commit_callbacks
):
    client.force_login(support_a)
    url = reverse("order-resend", args=[sent_order.order_number])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
        client.post(url)
    resends = OutboxEmail.objects.filter(kind=EmailKind.RESEND)
    assert resends.count() == 1
    assert resends.get().status == EmailStatus.SENT
    assert outbox[-1].subject.startswith("Reminder:")
    timeline = client.get(reverse("order-detail", args=[sent_order.order_number])).content.decode()
    assert "manual resend" in timeline


def test_a_renewed_order_offers_no_resend_and_refuses_one(
    client, support_a, sent_order, outbox, django_capture_on_commit_callbacks
):
    """A "renew now" email resent to a customer who has renewed already is the wrong email."""
    OrderFactory(customer=sent_order.customer, renewed_from=sent_order, term_end=date(2028, 3, 1))
    client.force_login(support_a)
    page = client.get(reverse("order-detail", args=[sent_order.order_number])).content.decode()
    assert 'data-testid="resend-reminder"' not in page
    sent = len(outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("order-resend", args=[sent_order.order_number]), follow=True)
    assert "is renewed or cancelled" in response.content.decode()
    assert not OutboxEmail.objects.filter(kind=EmailKind.RESEND).exists()
    assert len(outbox) == sent


def test_a_resend_queued_before_the_renewal_is_skipped_at_send_time(client, support_a, sent_order, outbox):
    """The manual resend overrides the notices switch, never a renewal made meanwhile."""
    Order.objects.filter(pk=sent_order.pk).update(renewal_notices=False)
    client.force_login(support_a)
    client.post(reverse("order-resend", args=[sent_order.order_number]))  # queued (sending not run here)
    OrderFactory(customer=sent_order.customer, renewed_from=sent_order, term_end=date(2028, 3, 1))
    sent = len(outbox)
    result = send_pending(now=NOW)
    assert (result.sent, result.skipped_opted_out, len(outbox)) == (0, 1, sent)


def test_resend_without_any_reminder_says_so(client, support_a, partner_a):
    order = make_order(partner_a, date(2027, 3, 1))
    client.force_login(support_a)
    response = client.post(reverse("order-resend", args=[order.order_number]), follow=True)
    assert "No reminder has been sent for this order yet." in response.content.decode()


@pytest.mark.parametrize(("name", "method"), [("outbox-email", "get"), ("outbox-retry", "post")])
def test_another_partners_emails_are_404(client, sales_a, partner_b, name, method):
    order = make_order(partner_b, date(2027, 3, 1))
    run_sweep(now=NOW)
    email = OutboxEmail.objects.get(partner=partner_b)
    client.force_login(sales_a)
    assert getattr(client, method)(reverse(name, args=[email.pk])).status_code == 404
    assert client.post(reverse("order-resend", args=[order.order_number])).status_code == 404
    assert client.get(reverse("outbox")).context["emails"] == []


def test_unsubscribe_page_confirms_before_acting(client, partner_a):
    contact = ContactFactory(customer=CustomerFactory(partner=partner_a))
    path = unsubscribe_url(contact).split("8000", 1)[1]
    assert client.get(path).status_code == 200
    contact.refresh_from_db()
    assert contact.unsubscribed_at is None
    assert client.post(path).status_code == 200
    contact.refresh_from_db()
    assert contact.unsubscribed_at is not None


def test_a_tampered_unsubscribe_link_reveals_nothing(client):
    response = client.get("/u/not-a-token/")
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_quick_view_shows_the_reminder_timeline(client, support_a, sent_order):
    client.force_login(support_a)
    page = client.get(reverse("order-detail", args=[sent_order.order_number])).content.decode()
    assert 'data-testid="reminder-timeline"' in page and "Sent" in page
    assert Reminder.objects.filter(order=sent_order).count() == 1
    assert Order.objects.get(pk=sent_order.pk).next_reminder_at is not None


# Times on staff screens: the partner's zone, labelled, the same on every screen.

SENT_AT = datetime(2027, 1, 29, 23, 30, tzinfo=UTC)  # 08:30 on 30 Jan in Seoul, 18:30 on 29 Jan in New York


def screens_showing_the_send(client, order):
    email = OutboxEmail.objects.get(kind=EmailKind.REMINDER)
    return {
        "outbox": client.get(reverse("outbox")).content.decode(),
        "outbox email": client.get(reverse("outbox-email", args=[email.pk])).content.decode(),
        "quick view": client.get(reverse("order-detail", args=[order.order_number])).content.decode(),
    }


@pytest.mark.parametrize(
    ("time_zone", "language", "shown"),
    [
        ("Asia/Seoul", "en", "30 Jan 2027, 08:30 KST"),
        ("Asia/Seoul", "ko", "2027년 1월 30일 08:30 KST"),
        ("America/New_York", "en", "29 Jan 2027, 18:30 EST"),
    ],
)
def test_outbox_and_quick_view_show_the_same_send_at_the_same_labelled_local_time(
    client, support_a, partner_a, sent_order, time_zone, language, shown
):
    partner_a.time_zone = time_zone
    partner_a.save(update_fields=["time_zone"])
    OutboxEmail.objects.update(sent_at=SENT_AT, created_at=SENT_AT)
    client.force_login(support_a)
    client.post(reverse("set_language"), {"language": language})
    for screen, page in screens_showing_the_send(client, sent_order).items():
        assert f'data-testid="sent-at">{shown}<' in page, screen
        assert "23:30" not in page, f"{screen} shows UTC"


def test_the_partners_zone_does_not_outlive_the_request(client, support_a, sent_order):
    client.force_login(support_a)
    client.get(reverse("outbox"))
    assert timezone.get_current_timezone_name() == "UTC"


@pytest.mark.parametrize("field", ["contact", "company", "common_name"])
def test_markup_in_customer_data_is_shown_as_text_on_the_preview(client, support_a, partner_a, field):
    """Stored XSS: the text part was printed as a safe string, so a name ran as script for staff."""
    markup = '<script>alert("x")</script>'
    order = make_order(partner_a, date(2027, 3, 1))
    if field == "contact":
        order.customer.contacts.update(name=markup)
    elif field == "company":
        Customer.objects.filter(pk=order.customer_id).update(company_name=markup)
    else:
        Order.objects.filter(pk=order.pk).update(common_name=markup)
    client.force_login(support_a)
    page = client.get(reverse("reminder-preview"), {"threshold": 7, "order": order.order_number}).content.decode()
    assert markup not in page
    assert "&lt;script&gt;alert(" in page


def test_the_preview_says_as_of_which_day_it_is_rendered_and_names_what_it_ignored(client, support_a, partner_a):
    order = make_order(partner_a, date(2027, 3, 1))
    client.force_login(support_a)
    page = client.get(
        reverse("reminder-preview"), {"threshold": "abc", "kind": "bogus", "order": order.order_number}
    ).content.decode()
    assert "Not understood, so the default is shown instead: kind, threshold." in page
    # The smallest renewal threshold (7) for an order whose term ends 1 Mar 2027: sent 22 Feb at 09:00.
    assert f"Order #{order.order_number} as this email would be sent on 22 Feb 2027, 09:00 KST, 7 days" in page
    missing = client.get(reverse("reminder-preview"), {"order": "NOPE"}).content.decode()
    assert "Not understood, so the default is shown instead: order." in missing


# Writes of the screens go through services; the views only translate HTTP.


def test_a_policy_that_cannot_reschedule_is_not_saved_either(client, admin_a, partner_a, monkeypatch):
    """The new thresholds and the rescheduling of open orders commit together, or neither does."""

    def fail(partner, now):
        raise RuntimeError("database went away")

    monkeypatch.setattr("notifications.services.reschedule_partner", fail)
    client.raise_request_exception = False
    client.force_login(admin_a)
    response = client.post(
        reverse("reminder-settings"),
        {"reminder_thresholds": "60, 7", "reissue_thresholds": "30", "reminder_send_hour": 10},
    )
    assert response.status_code == 500
    partner_a.refresh_from_db()
    assert (partner_a.reminder_thresholds, partner_a.reminder_send_hour) == ([90, 60, 30, 7], 9)


def test_unsubscribing_twice_keeps_the_first_instant(partner_a):
    contact = ContactFactory(customer=CustomerFactory(partner=partner_a))
    first, later = datetime(2027, 1, 30, 3, tzinfo=UTC), datetime(2027, 2, 1, 3, tzinfo=UTC)
    assert unsubscribe(contact, now=first) is True
    assert unsubscribe(contact, now=later) is False
    contact.refresh_from_db()
    assert contact.unsubscribed_at == first


def test_a_second_retry_of_the_same_email_queues_nothing(support_a, sent_order, django_capture_on_commit_callbacks):
    email = OutboxEmail.objects.get()
    OutboxEmail.objects.filter(pk=email.pk).update(status=EmailStatus.FAILED, attempts=6)
    membership = support_a.memberships.get()
    with django_capture_on_commit_callbacks() as queued:
        assert retry_failed_email(email=email, by=membership) is True
        assert retry_failed_email(email=email, by=membership) is False
    assert len(queued) == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.PENDING, 0)
