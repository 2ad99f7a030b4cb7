"""Staff-entered text rendered back: offer names, headlines and variant labels (staff pages, the
reports' SVG charts, the customer page, the reminder email), a call's reason, additional recipients,
the console banner. Markup is always escaped. (Security review, regression coverage.)"""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from followups.models import CallOutcome, CallTask
from followups.services import record_outcome
from renewals.links import customer_renewal_path
from tests.factories import CertificateFactory, ContactFactory, CustomerFactory, OrderFactory
from tests.offers.factories import OfferFactory

pytestmark = pytest.mark.django_db

NOW = "2026-12-01T03:00:00Z"
XSS = '<img src=x onerror="alert(1)">'
SVG_BREAK = "</title><script>alert(2)</script>"


def assert_escaped(html, *payloads):
    for payload in payloads:
        assert payload not in html
    assert "<img src=x" not in html
    assert "<script>alert" not in html


@pytest.fixture
def world(partner_a):
    customer = CustomerFactory(partner=partner_a, company_name=f"Evil {XSS} Co")
    order = OrderFactory(customer=customer, term_end=date(2027, 1, 1), order_number="5001")
    CertificateFactory(
        order=order, not_before=datetime(2026, 6, 1, tzinfo=UTC), not_after=datetime(2026, 12, 17, tzinfo=UTC)
    )
    offer = OfferFactory(
        partner=partner_a,
        name=f"Offer {XSS}{SVG_BREAK}",
        headline_en=f"Save {XSS}",
        headline_ko=f"Save {XSS}",
        amounts=["10"],
    )
    offer.variants.update(label=f"V {SVG_BREAK}")
    contact = ContactFactory(customer=customer, name=f"Jo {XSS}")
    return {"customer": customer, "order": order, "offer": offer, "contact": contact}


@time_machine.travel(NOW, tick=False)
def test_offer_text_is_escaped_on_every_staff_page_and_in_the_charts(client, sales_a, world):
    client.force_login(sales_a)
    offer = world["offer"]
    for url in (
        reverse("offer-list"),
        reverse("offer-report", kwargs={"pk": offer.pk}),
        reverse("offer-edit", kwargs={"pk": offer.pk}),
        reverse("reports"),
        reverse("home"),
        reverse("order-renew", kwargs={"order_number": "5001"}),
        reverse("order-detail", kwargs={"order_number": "5001"}),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content.decode(), XSS, SVG_BREAK)
    reports = client.get(reverse("reports")).content.decode()
    assert "&lt;/title&gt;&lt;script&gt;" in reports  # the chart (and its <title>) is there, escaped


@time_machine.travel(NOW, tick=False)
def test_offer_text_is_escaped_on_the_customer_page(client, world):
    page = client.get(customer_renewal_path(world["order"])).content.decode()
    assert "Save &lt;img" in page
    assert_escaped(page, XSS)


def test_offer_headline_is_escaped_in_the_reminder_emails_offer_block_html_and_plain_in_its_text(world):
    """The email's offer block (``templates/emails/reminder/_offers.*``). Note: ``email_offers`` is not
    called by ``render_reminder`` yet, so no reminder shows it today; this pins its escaping for when
    it is wired in."""
    from types import SimpleNamespace

    from django.template import Context, Template
    from django.template.loader import render_to_string

    applied = SimpleNamespace(
        offer=SimpleNamespace(pk=1), headline=f"Save {XSS}", discount_percent=10, ends_on=date(2026, 12, 31)
    )
    offers = SimpleNamespace(offer=applied, upsell=())
    html = render_to_string("emails/reminder/_offers.html", {"offers": offers})
    assert "Save &lt;img" in html
    assert_escaped(html, XSS)
    text = Template("{% autoescape off %}{% include 'emails/reminder/_offers.txt' %}{% endautoescape %}").render(
        Context({"offers": offers})
    )
    assert f"Save {XSS}" in text  # the text part is text: nothing to escape, nothing lost


@time_machine.travel(NOW, tick=False)
def test_a_calls_reason_is_escaped_on_the_task_list_and_the_orders_notes(client, sales_a, partner_a, world):
    task = CallTask.objects.create(
        partner=partner_a, order=world["order"], customer=world["customer"], threshold_days=30, due_on=date(2026, 12, 1)
    )
    record_outcome(
        task=task,
        by=sales_a.memberships.get(),
        outcome=CallOutcome.WILL_NOT_RENEW,
        reason=f"Too dear {XSS}",
        at=datetime(2026, 12, 1, 3, tzinfo=UTC),
    )
    client.force_login(sales_a)
    for url in (
        reverse("call-tasks") + "?status=all",
        reverse("order-detail", kwargs={"order_number": "5001"}),
        reverse("order-detail", kwargs={"order_number": "5001"}) + "?panel=1",
    ):
        page = client.get(url).content.decode()
        assert_escaped(page, XSS)
        assert "Too dear &lt;img" in page, url


@time_machine.travel(NOW, tick=False)
def test_recipient_addresses_with_markup_in_a_quoted_local_part_are_escaped_or_refused(client, sales_a, world):
    client.force_login(sales_a)
    url = reverse("customer-recipients", kwargs={"customer_id": world["customer"].pk})
    address = '"<script>alert(3)</script>"@example.com'
    client.post(url, {"addresses": address})
    page = client.get(url).content.decode()
    assert "<script>alert(3)" not in page
    world["customer"].refresh_from_db()
    if world["customer"].reminder_recipients:  # accepted: it must come out escaped everywhere it is shown
        detail = client.get(reverse("order-detail", kwargs={"order_number": "5001"})).content.decode()
        assert "<script>alert(3)" not in detail


@time_machine.travel(NOW, tick=False)
def test_the_console_banner_escapes_customer_and_order_text(client, sales_a, world):
    client.force_login(sales_a)
    for url in (reverse("home"), reverse("expiring") + "?window=all", reverse("offer-list")):
        assert_escaped(client.get(url).content.decode(), XSS)


@time_machine.travel(NOW, tick=False)
def test_a_next_parameter_cannot_redirect_off_site_or_to_javascript(client, sales_a, world, partner_a):
    task = CallTask.objects.create(
        partner=partner_a, order=world["order"], customer=world["customer"], threshold_days=30, due_on=date(2026, 12, 1)
    )
    client.force_login(sales_a)
    for target in (
        "https://evil.example/",
        "//evil.example/",
        "javascript:alert(1)",
        "/\\evil.example",
        "http:evil.example",
    ):
        for url, data in (
            (reverse("banner-dismiss"), {"next": target}),
            (reverse("call-task-outcome", kwargs={"pk": task.pk}), {"next": target, "outcome": "bogus"}),
            (reverse("customer-recipients", kwargs={"customer_id": world["customer"].pk}), {"next": target}),
        ):
            location = client.post(url, data)["Location"]
            assert location.startswith("/") and not location.startswith(("//", "/\\")), (url, target, location)


def test_a_webhook_receivers_answer_is_escaped_on_the_webhook_page(client, admin_a, partner_a):
    from api.models import WebhookDelivery, WebhookEndpoint

    endpoint = WebhookEndpoint.objects.create(
        partner=partner_a, url="https://a.example/h", events=["order.renewed"], secret="s"
    )
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id="evt_x",
        event_type="order.renewed",
        payload={},
        status="failed",
        response_code=500,
        response_body=f"oops {XSS}",
        last_error=f"HTTPError: {XSS}",
    )
    client.force_login(admin_a)
    page = client.get(reverse("webhook-detail", kwargs={"pk": endpoint.pk})).content.decode()
    assert_escaped(page, XSS)
    assert "oops &lt;img" in page
