"""The MIME message around a rendered reminder: headers that cannot be injected, the right picture."""

from datetime import UTC, date, datetime

import pytest

from notifications.emails import render_reminder
from notifications.models import OutboxEmail, Reminder
from notifications.sender import EMAIL_IMAGES, build_message
from tests.factories import ContactFactory, CustomerFactory, OrderFactory, PartnerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.smoke]


def message_for(*, contact_name="Jamie", language="en"):
    partner = PartnerFactory(sender_name="Acme\nRenewals")
    customer = CustomerFactory(partner=partner, language=language)
    contact = ContactFactory(customer=customer, name=contact_name)
    order = OrderFactory(customer=customer, term_end=date(2027, 3, 1))
    reminder = Reminder(order=order, kind="renewal", ends_on=order.term_end, threshold_days=7)
    rendered = render_reminder(
        contact=contact, partner=partner, reminders=[reminder], now=datetime(2027, 2, 22, 3, tzinfo=UTC)
    )
    email = OutboxEmail(partner=partner, contact=contact, to_email=contact.email, message_id="<x@example>")
    return build_message(email, rendered).message()


def test_names_with_line_breaks_cannot_add_headers():
    message = message_for(contact_name="Eve\r\nBcc: all@example.com")
    assert message["Bcc"] is None
    assert "\n" not in message["To"] and "\n" not in message["From"]


@pytest.mark.parametrize(("language", "picture"), [("en", "browser-warning.png"), ("ko", "browser-warning-ko.png")])
def test_the_browser_warning_picture_is_in_the_contacts_language(language, picture):
    message = message_for(language=language)
    [image] = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert image.get_payload(decode=True) == (EMAIL_IMAGES / picture).read_bytes()
