"""The screens of recipients: escalation stages and support on the reminder settings page, a
customer's additional recipients, an order's own recipients in Quick View, why an address was told in
the outbox, and an additional address's unsubscribe page. Another partner's ids are a 404."""

import re
from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from notifications.links import address_unsubscribe_url
from notifications.models import EmailKind, OptOut, OutboxEmail
from notifications.recipients import MAX_ADDRESSES
from notifications.sweep import run_sweep
from partners.models import Role
from tests.factories import CustomerFactory, MembershipFactory, UserFactory

from .helpers import make_order

pytestmark = [pytest.mark.django_db]

NOW = datetime(2027, 1, 30, 3, tzinfo=UTC)


def stages_post(partner, **by_threshold):
    """The escalation formset as the page posts it: one row per renewal threshold."""
    thresholds = sorted(partner.reminder_thresholds, reverse=True)
    data = {"stage-TOTAL_FORMS": len(thresholds), "stage-INITIAL_FORMS": len(thresholds)}
    for index, threshold in enumerate(thresholds):
        data[f"stage-{index}-threshold"] = threshold
        for field, value in by_threshold.get(f"t{threshold}".replace("-", "m"), {}).items():
            data[f"stage-{index}-{field}"] = value
    return data


def test_the_partner_admin_sets_who_else_is_told_at_each_stage(client, admin_a, partner_a):
    partner_a.support_email = "support@a.example"
    partner_a.save()
    client.force_login(admin_a)
    page = client.get(reverse("reminder-settings")).content.decode()
    assert page.count('data-testid="stage"') == len(partner_a.reminder_thresholds)
    response = client.post(
        reverse("escalation-settings"),
        stages_post(partner_a, t7={"sales_owner": "on", "support": "on", "emails": "Boss@a.example\nboss@a.example"}),
    )
    assert response.status_code == 302
    partner_a.refresh_from_db()
    assert partner_a.reminder_escalations == [
        {"threshold": 7, "sales_owner": True, "support": True, "emails": ["Boss@a.example"]}
    ]
    assert 'value="Boss@a.example"' not in client.get(reverse("reminder-settings")).content.decode()
    assert "Boss@a.example</textarea>" in client.get(reverse("reminder-settings")).content.decode()


def test_a_stage_with_a_bad_address_is_not_saved(client, admin_a, partner_a):
    client.force_login(admin_a)
    response = client.post(reverse("escalation-settings"), stages_post(partner_a, t30={"emails": "boss@"}))
    assert response.status_code == 400
    assert "This is not an email address: boss@" in response.content.decode()
    partner_a.refresh_from_db()
    assert partner_a.reminder_escalations == []


def test_support_cannot_be_told_when_there_is_no_support_to_tell(client, admin_a, partner_a):
    client.force_login(admin_a)
    response = client.post(reverse("escalation-settings"), stages_post(partner_a, t7={"support": "on"}))
    assert response.status_code == 400
    MembershipFactory(partner=partner_a, role=Role.SUPPORT, user=UserFactory(email="desk@a.example"))
    assert client.post(reverse("escalation-settings"), stages_post(partner_a, t7={"support": "on"})).status_code == 302


@pytest.mark.parametrize("role", [Role.SALES, Role.SUPPORT])
def test_only_partner_admins_change_who_else_is_told(client, partner_a, role):
    user = MembershipFactory(partner=partner_a, role=role).user
    client.force_login(user)
    response = client.post(reverse("escalation-settings"), stages_post(partner_a, t7={"sales_owner": "on"}))
    assert response.status_code == 403
    partner_a.refresh_from_db()
    assert partner_a.reminder_escalations == []


def test_the_policy_form_sets_the_support_mailbox_and_the_issuance_reminders(client, admin_a, partner_a):
    client.force_login(admin_a)
    data = {
        "reminder_thresholds": "90, 60, 30, 7",
        "reissue_thresholds": "30",
        "reminder_send_hour": 9,
        "support_email": "desk@a.example",
        "issuance_reminder_days": 5,
    }
    assert client.post(reverse("reminder-settings"), data).status_code == 302
    partner_a.refresh_from_db()
    assert (partner_a.support_email, partner_a.issuance_reminder_days) == ("desk@a.example", 5)
    data.update(support_email="not an address", issuance_reminder_days=61)
    response = client.post(reverse("reminder-settings"), data)
    assert response.status_code == 400
    partner_a.refresh_from_db()
    assert (partner_a.support_email, partner_a.issuance_reminder_days) == ("desk@a.example", 5)


def test_staff_edit_a_customers_additional_recipients(client, sales_a, partner_a):
    customer = CustomerFactory(partner=partner_a)
    order = make_order(partner_a, date(2027, 3, 1), customer=customer)
    client.force_login(sales_a)
    url = reverse("customer-recipients", kwargs={"customer_id": customer.pk})
    back = reverse("order-detail", kwargs={"order_number": order.order_number})
    response = client.post(url, {"addresses": "it@c.example\nIT@c.example; ops@c.example", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    customer.refresh_from_db()
    assert customer.reminder_recipients == ["it@c.example", "ops@c.example"]
    assert "it@c.example, ops@c.example" in client.get(back).content.decode()


@pytest.mark.parametrize(
    "addresses",
    ["it@c.example\nnope", "\n".join(f"a{n}@c.example" for n in range(MAX_ADDRESSES + 1))],
)
def test_a_customers_address_list_that_is_not_valid_is_not_saved(client, sales_a, partner_a, addresses):
    customer = CustomerFactory(partner=partner_a, reminder_recipients=["kept@c.example"])
    client.force_login(sales_a)
    response = client.post(
        reverse("customer-recipients", kwargs={"customer_id": customer.pk}), {"addresses": addresses}
    )
    assert response.status_code == 400
    customer.refresh_from_db()
    assert customer.reminder_recipients == ["kept@c.example"]


def test_a_next_page_elsewhere_is_not_followed(client, sales_a, partner_a):
    customer = CustomerFactory(partner=partner_a)
    client.force_login(sales_a)
    url = reverse("customer-recipients", kwargs={"customer_id": customer.pk})
    response = client.post(url, {"addresses": "it@c.example", "next": "https://evil.example/"})
    assert response["Location"] == url


def test_staff_set_an_orders_own_recipients_in_quick_view(client, support_a, partner_a):
    order = make_order(partner_a, date(2027, 3, 1))
    client.force_login(support_a)
    page = client.get(reverse("order-detail", kwargs={"order_number": order.order_number})).content.decode()
    assert 'data-testid="recipients-card"' in page and 'data-testid="recipients-override"' not in page
    url = reverse("order-recipients", kwargs={"order_number": order.order_number})
    assert client.post(url, {"addresses": "ops@c.example"}).status_code == 302
    order.refresh_from_db()
    assert order.reminder_recipients == ["ops@c.example"]
    page = client.get(reverse("order-detail", kwargs={"order_number": order.order_number})).content.decode()
    assert 'data-testid="recipients-override"' in page
    client.post(url, {"addresses": "ops@"})
    order.refresh_from_db()
    assert order.reminder_recipients == ["ops@c.example"]  # a bad list changes nothing
    client.post(url, {"addresses": ""})
    order.refresh_from_db()
    assert order.reminder_recipients == []


def test_another_partners_customer_and_order_are_not_found(client, admin_a, order_b):
    client.force_login(admin_a)
    customer_url = reverse("customer-recipients", kwargs={"customer_id": order_b.customer_id})
    assert client.get(customer_url).status_code == 404
    assert client.post(customer_url, {"addresses": "x@evil.example"}).status_code == 404
    order_url = reverse("order-recipients", kwargs={"order_number": order_b.order_number})
    assert client.post(order_url, {"addresses": "x@evil.example"}).status_code == 404
    order_b.refresh_from_db()
    order_b.customer.refresh_from_db()
    assert order_b.reminder_recipients == [] and order_b.customer.reminder_recipients == []


def test_the_outbox_says_why_each_address_was_told(client, support_a, partner_a):
    partner_a.reminder_escalations = [{"threshold": 30, "emails": ["boss@a.example"]}]
    partner_a.save()
    customer = CustomerFactory(partner=partner_a, reminder_recipients=["it@c.example"])
    make_order(partner_a, date(2027, 3, 1), customer=customer)
    run_sweep(now=NOW)
    client.force_login(support_a)
    page = client.get(reverse("outbox")).content.decode()
    rows = dict(re.findall(r"<td>([^<]+@[^<]+)</td>\s*<td[^>]*>([^<]*)</td>", page))
    assert rows["it@c.example"] == "additional"
    assert rows["boss@a.example"] == "escalation: 30 days"
    assert [why for address, why in rows.items() if address.startswith("contact")] == ["contact"]


def test_an_additional_address_sees_its_own_unsubscribe_page(client, partner_a):
    customer = CustomerFactory(partner=partner_a, reminder_recipients=["it@c.example"])
    path = urlsplit(address_unsubscribe_url(customer.pk, "IT@c.example")).path
    page = client.get(path).content.decode()
    assert "it@c.example will no longer receive" in page
    client.post(path)
    client.post(path)  # twice: one opt-out
    assert list(OptOut.objects.values_list("customer", "address")) == [(customer.pk, "it@c.example")]


def test_a_tampered_address_link_is_refused(client, partner_a):
    customer = CustomerFactory(partner=partner_a)
    path = urlsplit(address_unsubscribe_url(customer.pk, "it@c.example")).path
    assert client.get(path[:-3] + "xx/").status_code == 404


def test_a_staff_emails_page_names_no_customer_and_says_why_per_order(client, support_a, partner_a):
    partner_a.reminder_escalations = [{"threshold": 30, "emails": ["boss@a.example"]}]
    partner_a.save()
    order = make_order(partner_a, date(2027, 3, 1))
    run_sweep(now=NOW)
    staff = OutboxEmail.objects.get(kind=EmailKind.ESCALATION)
    client.force_login(support_a)
    page = client.get(reverse("outbox-email", kwargs={"pk": staff.pk})).content.decode()
    assert "&lt;boss@a.example&gt; · partner staff" in page
    assert f"#{order.order_number}</a> (30) <span" in page and "escalation: 30 days" in page


def test_the_address_fields_help_is_in_the_readers_language():
    from django.utils import translation

    from notifications.forms import AddressListForm

    with translation.override("ko"):
        assert str(AddressListForm().fields["addresses"].help_text) == "한 줄에 주소 하나씩, 최대 20개."
    with translation.override("en"):
        assert str(AddressListForm().fields["addresses"].help_text) == "One address per line, 20 at most."
