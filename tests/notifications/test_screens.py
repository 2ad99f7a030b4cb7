"""Staff screens of reminders: policy settings, preview, outbox with retry, resend; unsubscribe pages."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from notifications.links import unsubscribe_url
from notifications.models import EmailKind, EmailStatus, OutboxEmail, Reminder
from notifications.sender import send_pending
from notifications.sweep import run_sweep
from renewals.models import Order
from tests.factories import ContactFactory, CustomerFactory, OrderFactory

from .conftest import make_order

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]

NOW = datetime(2027, 1, 30, 3, tzinfo=UTC)


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


def test_support_retries_a_failed_email(client, support_a, sent_order, django_capture_on_commit_callbacks):
    email = OutboxEmail.objects.get()
    OutboxEmail.objects.filter(pk=email.pk).update(status=EmailStatus.FAILED, attempts=6)
    client.force_login(support_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("outbox-retry", args=[email.pk]))
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT  # tasks run eagerly in tests: queued and sent at once


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
