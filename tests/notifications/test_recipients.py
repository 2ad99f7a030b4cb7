"""Who is told of a reminder: additional recipients, an order's own recipients, escalation stages,
one email per address, opt-outs per address, and why each address was told."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from notifications.models import EmailKind, EmailStatus, OptOut, OutboxEmail, OutboxItem
from notifications.recipients import MAX_ADDRESSES, clean_addresses, reason_labels
from notifications.sender import send_pending
from notifications.sweep import run_sweep
from partners.models import Contact, Role
from tests.factories import ContactFactory, CustomerFactory, MembershipFactory, UserFactory

from .helpers import make_order

pytestmark = [pytest.mark.django_db]

NOW = datetime(2027, 1, 30, 3, tzinfo=UTC)  # noon in Seoul
TERM_END = date(2027, 3, 1)  # 30 days left on NOW


def addresses(kind=EmailKind.REMINDER):
    return sorted(OutboxEmail.objects.filter(kind=kind).values_list("to_email", flat=True))


def reasons_of(address):
    return sorted(OutboxItem.objects.filter(address=address).values_list("reasons", flat=True))


def unsubscribe_link(message):
    return re.search(r"(/u/[^/\s]+/)", message.body).group(1)


@pytest.fixture
def customer(seoul_partner):
    customer = CustomerFactory(partner=seoul_partner, reminder_recipients=["it@customer.example"])
    ContactFactory(customer=customer, email="kim@customer.example")
    return customer


def escalate(partner, threshold, *, sales_owner=False, support=False, emails=()):
    stages = [s for s in partner.reminder_escalations if s["threshold"] != threshold]
    stages.append({"threshold": threshold, "sales_owner": sales_owner, "support": support, "emails": list(emails)})
    partner.reminder_escalations = stages
    partner.save()


def test_additional_recipients_are_told_besides_the_contacts(customer):
    make_order(customer.partner, TERM_END, customer=customer, contacts=0)
    assert run_sweep(now=NOW).queued == 2
    assert addresses() == ["it@customer.example", "kim@customer.example"]
    assert reasons_of("it@customer.example") == ["additional"]
    assert reasons_of("kim@customer.example") == ["contact"]


def test_an_address_listed_as_contact_and_additional_gets_one_email_with_both_reasons(customer):
    customer.reminder_recipients = ["IT@customer.example", "Kim@Customer.example"]
    customer.save()
    make_order(customer.partner, TERM_END, customer=customer, contacts=0)
    make_order(customer.partner, TERM_END, customer=customer, contacts=0)
    run_sweep(now=NOW)
    assert addresses() == ["IT@customer.example", "kim@customer.example"]
    assert reasons_of("kim@customer.example") == ["contact,additional"] * 2  # two orders, one digest
    kim = OutboxEmail.objects.get(to_email="kim@customer.example")
    assert kim.contact.email == "kim@customer.example" and kim.items.count() == 2


def test_an_orders_own_recipients_replace_the_contacts_and_additional_ones(customer):
    make_order(
        customer.partner,
        TERM_END,
        customer=customer,
        contacts=0,
        reminder_recipients=["ops@customer.example", "KIM@customer.example"],
    )
    run_sweep(now=NOW)
    assert addresses() == ["kim@customer.example", "ops@customer.example"]
    assert reasons_of("kim@customer.example") == ["order"]
    # The contact's address keeps the contact (its name, its own unsubscribe link).
    assert OutboxEmail.objects.get(to_email="kim@customer.example").contact is not None


@pytest.mark.parametrize(
    ("now", "threshold", "told"),
    [
        (NOW, 30, ["boss@partner.example", "owner@partner.example", "support@partner.example"]),
        (NOW + timedelta(days=23), 7, ["support@partner.example"]),
        (NOW + timedelta(days=30), 0, []),  # no stage at 0: nobody else
        (NOW + timedelta(days=37), -7, ["owner@partner.example"]),  # after expiry
    ],
)
def test_each_escalation_stage_tells_its_own_recipients(customer, now, threshold, told):
    partner = customer.partner
    partner.support_email = "support@partner.example"
    partner.reminder_thresholds = [60, 30, 7, 0, -7]
    partner.save()
    customer.sales_owner = MembershipFactory(partner=partner, user=UserFactory(email="owner@partner.example")).user
    customer.save()
    escalate(partner, 30, sales_owner=True, support=True, emails=["boss@partner.example"])
    escalate(partner, 7, support=True)
    escalate(partner, -7, sales_owner=True)
    order = make_order(partner, TERM_END, customer=customer, contacts=0)
    run_sweep(now=now)
    assert order.reminders.get().threshold_days == threshold
    assert addresses(EmailKind.ESCALATION) == told
    assert addresses() == ["it@customer.example", "kim@customer.example"]  # the customer is told anyway
    for address in told:
        assert reasons_of(address) == ["escalation"]


def test_support_without_a_mailbox_is_the_partners_support_staff(customer):
    partner = customer.partner
    MembershipFactory(partner=partner, role=Role.SUPPORT, user=UserFactory(email="desk@partner.example"))
    MembershipFactory(partner=partner, role=Role.SALES, user=UserFactory(email="seller@partner.example"))
    escalate(partner, 30, support=True)
    make_order(partner, TERM_END, customer=customer, contacts=0)
    run_sweep(now=NOW)
    assert addresses(EmailKind.ESCALATION) == ["desk@partner.example"]


def test_a_staff_address_gets_one_digest_of_every_customers_orders(seoul_partner):
    seoul_partner.support_email = "support@partner.example"
    seoul_partner.save()
    escalate(seoul_partner, 30, support=True)
    orders = [make_order(seoul_partner, TERM_END) for _ in range(3)]  # three customers
    run_sweep(now=NOW)
    staff = OutboxEmail.objects.get(kind=EmailKind.ESCALATION)
    assert staff.customer is None and staff.to_email == "support@partner.example"
    assert sorted(staff.items.values_list("reminder__order_id", flat=True)) == sorted(o.pk for o in orders)


def test_an_escalation_recipient_who_is_also_a_contact_is_told_once_on_the_customers_email(customer):
    escalate(customer.partner, 30, emails=["kim@customer.example"])
    make_order(customer.partner, TERM_END, customer=customer, contacts=0)
    run_sweep(now=NOW)
    assert addresses(EmailKind.ESCALATION) == []
    assert reasons_of("kim@customer.example") == ["contact,escalation"]


def test_staff_emails_carry_no_unsubscribe_link_and_say_why(customer, outbox):
    customer.partner.support_email = "support@partner.example"
    customer.partner.save()
    escalate(customer.partner, 30, support=True)
    order = make_order(customer.partner, TERM_END, customer=customer, contacts=0)
    run_sweep(now=NOW)
    send_pending(now=NOW)
    [staff] = [message for message in outbox if message.to == ["support@partner.example"]]
    assert "List-Unsubscribe" not in staff.extra_headers
    assert "/u/" not in staff.body
    assert f"/orders/{order.order_number}/" in staff.body
    assert "escalation: 30 days" in staff.body
    customers = [message for message in outbox if message.to != ["support@partner.example"]]
    assert len(customers) == 2 and all("List-Unsubscribe" in message.extra_headers for message in customers)


def test_an_additional_address_unsubscribes_through_its_own_link(client, customer, outbox):
    make_order(customer.partner, TERM_END, customer=customer, contacts=0)
    run_sweep(now=NOW)
    send_pending(now=NOW)
    [message] = [message for message in outbox if message.to == ["it@customer.example"]]
    assert "/u/" in message.extra_headers["List-Unsubscribe"]
    assert f"Dear {customer.company_name}," in message.body  # no contact's name to greet
    response = client.post(unsubscribe_link(message))
    assert response.status_code == 200
    assert OptOut.objects.get(customer=customer).address == "it@customer.example"
    assert Contact.objects.get(email="kim@customer.example").unsubscribed_at is None  # the contact stays
    make_order(customer.partner, TERM_END + timedelta(days=1), customer=customer, contacts=0)
    run_sweep(now=NOW + timedelta(days=1))
    assert addresses() == ["it@customer.example", "kim@customer.example", "kim@customer.example"]


def test_an_address_that_unsubscribes_before_its_email_leaves_is_skipped(customer):
    make_order(customer.partner, TERM_END, customer=customer, contacts=0)
    run_sweep(now=NOW)
    OptOut.objects.create(customer=customer, address="it@customer.example", unsubscribed_at=NOW)
    result = send_pending(now=NOW)
    assert (result.sent, result.skipped_opted_out) == (1, 1)
    assert OutboxEmail.objects.get(to_email="it@customer.example").status == EmailStatus.SKIPPED


def test_a_contacts_unsubscribe_link_does_not_stop_staff_escalations(client, customer, outbox):
    customer.partner.support_email = "support@partner.example"
    customer.partner.save()
    escalate(customer.partner, 30, support=True)
    escalate(customer.partner, 7, support=True)
    make_order(customer.partner, TERM_END, customer=customer, contacts=0)
    run_sweep(now=NOW)
    send_pending(now=NOW)
    for message in [m for m in outbox if m.to != ["support@partner.example"]]:
        client.post(unsubscribe_link(message))
    outbox.clear()
    run_sweep(now=NOW + timedelta(days=23))
    send_pending(now=NOW + timedelta(days=23))
    assert [message.to for message in outbox] == [["support@partner.example"]]


def test_an_address_unsubscribed_for_one_customer_still_hears_of_another(customer, seoul_partner):
    other = CustomerFactory(partner=seoul_partner, reminder_recipients=["it@customer.example"])
    OptOut.objects.create(customer=customer, address="it@customer.example", unsubscribed_at=NOW)
    make_order(seoul_partner, TERM_END, customer=customer, contacts=0)
    make_order(seoul_partner, TERM_END, customer=other, contacts=0)
    run_sweep(now=NOW)
    assert list(OutboxEmail.objects.filter(to_email="it@customer.example").values_list("customer", flat=True)) == [
        other.pk
    ]


def test_a_manual_resend_goes_to_the_customers_side_with_its_reasons(customer):
    order = make_order(customer.partner, TERM_END, customer=customer, contacts=0)
    run_sweep(now=NOW)
    from notifications.services import resend_latest_reminder

    admin = MembershipFactory(partner=customer.partner, role=Role.ADMIN)
    emails = resend_latest_reminder(order=order, by=admin, now=NOW + timedelta(hours=1))
    assert sorted(email.to_email for email in emails) == ["it@customer.example", "kim@customer.example"]
    assert sorted(OutboxItem.objects.filter(manual=True).values_list("reasons", flat=True)) == [
        "additional",
        "contact",
    ]


def test_reasons_read_as_people_say_them():
    assert reason_labels("contact,additional") == ["contact", "additional"]
    assert reason_labels("escalation", 7) == ["escalation: 7 days"]
    assert reason_labels("escalation", -1) == ["escalation: -1 day"]


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("it@example.com\nIT@example.com, ops@example.com", ["it@example.com", "ops@example.com"]),
        ("  ", []),
        ("a@example.com; b@example.com", ["a@example.com", "b@example.com"]),
    ],
)
def test_address_lists_are_checked_and_de_duplicated(text, cleaned):
    assert clean_addresses(text) == cleaned


@pytest.mark.parametrize("text", ["not-an-address", "a@example.com, b@", "x@y@z.example"])
def test_an_address_list_with_a_bad_address_is_refused(text):
    with pytest.raises(ValidationError):
        clean_addresses(text)


def test_an_address_list_is_limited():
    clean_addresses([f"a{n}@example.com" for n in range(MAX_ADDRESSES)])
    with pytest.raises(ValidationError):
        clean_addresses([f"a{n}@example.com" for n in range(MAX_ADDRESSES + 1)])


def test_a_sales_owner_who_left_the_partner_is_not_told(customer):
    escalate(customer.partner, 30, sales_owner=True)
    customer.sales_owner = UserFactory(email="gone@partner.example")  # no seat at the partner any more
    customer.save()
    make_order(customer.partner, TERM_END, customer=customer, contacts=0)
    run_sweep(now=NOW)
    assert addresses(EmailKind.ESCALATION) == []
    MembershipFactory(partner=customer.partner, user=customer.sales_owner)
    make_order(customer.partner, TERM_END, customer=customer, contacts=0)
    run_sweep(now=NOW)
    assert addresses(EmailKind.ESCALATION) == ["gone@partner.example"]
