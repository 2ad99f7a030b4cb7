"""One partner's rows of every kind the API serves."""

from dataclasses import dataclass
from datetime import date, timedelta

from notifications.models import EmailStatus, OutboxEmail, OutboxItem, Reminder
from renewals.models import OrderNote
from tests.factories import CertificateFactory, ContactFactory, CustomerFactory, OrderFactory


@dataclass
class Rows:
    customer: object
    contact: object
    order: object
    certificate: object
    note: object
    reminder: object
    email: object

    def id_of(self, resource):
        return {
            "customers": self.customer.pk,
            "contacts": self.contact.pk,
            "orders": self.order.pk,
            "certificates": self.certificate.pk,
            "notes": self.note.pk,
            "reminders": self.reminder.pk,
            "outbox": self.email.pk,
        }[resource]


RESOURCES = ["customers", "contacts", "orders", "certificates", "notes", "reminders", "outbox"]


def rows_of(partner, *, name="Aurora Trading", term_end=None):
    customer = CustomerFactory(partner=partner, company_name=name)
    contact = ContactFactory(customer=customer)
    order = OrderFactory(customer=customer, term_end=term_end or date.today() + timedelta(days=20))
    certificate = CertificateFactory(order=order)
    note = OrderNote.objects.create(order=order, body="Will renew in December")
    reminder = Reminder.objects.create(order=order, kind="renewal", ends_on=order.term_end, threshold_days=30)
    email = OutboxEmail.new(partner=partner, contact=contact, to_email=contact.email, status=EmailStatus.SENT)
    email.save()
    OutboxItem.objects.create(email=email, reminder=reminder, contact=contact)
    return Rows(customer, contact, order, certificate, note, reminder, email)
