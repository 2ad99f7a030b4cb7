"""Who is told of a reminder, and why: the one home of the recipient rules (sweep, resend and screens).

The customer's side (``REMINDER`` emails, one per customer and address): the order's own recipients
when it has any ("order"), else the customer's contacts ("contact") and its additional recipients
("additional"). An address listed twice is one recipient with both reasons. An address that
unsubscribed (as a contact, or through an opt-out of that address for this customer) is left out.

The partner's side (``ESCALATION`` emails, one per partner and address): for a renewal reminder at a
threshold the partner escalates, the customer's sales owner, support and the addresses listed for that
stage ("escalation"). Nothing a customer clicks unsubscribes them. An address on both sides of one
reminder is told once, on the customer's email, with both reasons.

A renewal awaiting the CA's certificate (``ISSUANCE`` emails) is support's alone ("support").
"Support" is the partner's support mailbox, else its support staff.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partners.models import Contact, Role, StaffMembership

from .models import EmailKind, OptOut
from .policy import ISSUANCE, RENEWAL

CONTACT, ADDITIONAL, ORDER, ESCALATION, SUPPORT = "contact", "additional", "order", "escalation", "support"
REASONS = (ORDER, CONTACT, ADDITIONAL, ESCALATION, SUPPORT)  # the order they are listed in
CUSTOMER_REASONS = frozenset({ORDER, CONTACT, ADDITIONAL})
MAX_ADDRESSES = 20  # per list: a customer's, an order's, a stage's
SEPARATORS = re.compile(r"[\s,;]+")


def normalized(address: str) -> str:
    """The key an address is compared by: two spellings of one mailbox are one recipient."""
    return address.strip().lower()


def clean_addresses(value) -> list[str]:
    """A list of addresses from text (one per line, or separated by commas, semicolons or spaces)
    or a list: each checked by the rules of Django's ``EmailField``, duplicates (in any case) dropped,
    at most ``MAX_ADDRESSES``. ``ValidationError`` names every address that is not one."""
    parts = SEPARATORS.split(value) if isinstance(value, str) else [str(part) for part in value]
    addresses, seen, invalid = [], set(), []
    for part in (part.strip() for part in parts):
        if not part:
            continue
        try:
            validate_email(part)
        except ValidationError:
            invalid.append(part)
            continue
        if normalized(part) not in seen:
            seen.add(normalized(part))
            addresses.append(part)
    if invalid:
        raise ValidationError(
            ngettext(
                "This is not an email address: %(addresses)s",
                "These are not email addresses: %(addresses)s",
                len(invalid),
            ),
            params={"addresses": ", ".join(invalid[:5])},
            code="invalid",
        )
    if len(addresses) > MAX_ADDRESSES:
        raise ValidationError(
            _("Enter at most %(most)s addresses (there are %(count)s)."),
            params={"most": MAX_ADDRESSES, "count": len(addresses)},
            code="too_many",
        )
    return addresses


@dataclass(frozen=True)
class Escalation:
    """Who else is told when a renewal reminder of ``threshold`` days goes out."""

    threshold: int
    sales_owner: bool = False
    support: bool = False
    emails: tuple = ()

    @property
    def is_empty(self):
        return not (self.sales_owner or self.support or self.emails)

    def as_json(self):
        return {
            "threshold": self.threshold,
            "sales_owner": self.sales_owner,
            "support": self.support,
            "emails": list(self.emails),
        }


def escalations_of(partner) -> dict[int, Escalation]:
    """The partner's escalation stages by threshold (what the settings page stored)."""
    stages = {}
    for stage in partner.reminder_escalations or []:
        escalation = Escalation(
            threshold=int(stage["threshold"]),
            sales_owner=bool(stage.get("sales_owner")),
            support=bool(stage.get("support")),
            emails=tuple(stage.get("emails") or ()),
        )
        if not escalation.is_empty:
            stages[escalation.threshold] = escalation
    return stages


def reason_labels(reasons: str, threshold=None) -> list[str]:
    """``"contact,escalation"`` as people read it: "contact", "escalation: 7 days"."""
    labels = {
        ORDER: _("this order's recipient"),
        CONTACT: _("contact"),
        ADDITIONAL: _("additional"),
        SUPPORT: _("support: awaiting issuance"),
    }
    shown = []
    for reason in filter(None, reasons.split(",")):
        if reason == ESCALATION:
            if threshold is None:
                shown.append(_("escalation"))
            else:
                shown.append(
                    ngettext("escalation: %(days)s day", "escalation: %(days)s days", abs(threshold))
                    % {"days": threshold}
                )
        else:
            shown.append(labels.get(reason, reason))
    return shown


@dataclass
class Directory:
    """What deciding the recipients of a chunk reads, in a few queries: the customers' contacts,
    the addresses that unsubscribed, sales owners' and support staff's addresses."""

    contacts: dict = field(default_factory=dict)  # customer id → [(contact id, email, unsubscribed)]
    opted_out: dict = field(default_factory=dict)  # customer id → {normalized address}
    owners: dict = field(default_factory=dict)  # (partner id, user id) → email, staff of that partner
    support_staff: dict = field(default_factory=dict)  # partner id → [email]

    @classmethod
    def load(cls, customers):
        """For ``customers`` ({id: customer with ``partner``, ``sales_owner_id``})."""
        directory = cls(contacts=defaultdict(list), opted_out=defaultdict(set))
        ids = list(customers)
        for pk, customer_id, email, unsubscribed_at in (
            Contact.objects.filter(customer_id__in=ids)
            .order_by("pk")
            .values_list("pk", "customer_id", "email", "unsubscribed_at")
        ):
            directory.contacts[customer_id].append((pk, email))
            if unsubscribed_at is not None:
                directory.opted_out[customer_id].add(normalized(email))
        for customer_id, address in OptOut.objects.filter(customer_id__in=ids).values_list("customer_id", "address"):
            directory.opted_out[customer_id].add(address)
        escalating = {c.partner.pk: c.partner for c in customers.values() if c.partner.reminder_escalations}
        owners = {c.sales_owner_id for c in customers.values() if c.sales_owner_id and c.partner.pk in escalating}
        if owners:  # a sales owner who left the partner (no seat, or inactive) is told nothing
            directory.owners = {
                (partner_id, user_id): email
                for partner_id, user_id, email in StaffMembership.objects.filter(
                    user_id__in=owners, partner_id__in=escalating, user__is_active=True
                )
                .exclude(user__email="")
                .values_list("partner_id", "user_id", "user__email")
            }
        without_mailbox = [
            p.pk
            for p in {c.partner.pk: c.partner for c in customers.values()}.values()
            if not p.support_email and (p.reminder_escalations or p.issuance_reminder_days)
        ]
        if without_mailbox:
            directory.support_staff = support_staff_addresses(without_mailbox)
        return directory


def support_staff_addresses(partner_ids) -> dict:
    """The addresses of the partners' active support staff, by partner."""
    staff = defaultdict(list)
    for partner_id, email in (
        StaffMembership.objects.filter(partner_id__in=partner_ids, role=Role.SUPPORT, user__is_active=True)
        .exclude(user__email="")
        .order_by("pk")
        .values_list("partner_id", "user__email")
    ):
        staff[partner_id].append(email)
    return staff


def support_addresses(partner, directory) -> list[str]:
    """The support mailbox, else the support staff."""
    if partner.support_email:
        return [partner.support_email]
    return list(directory.support_staff.get(partner.pk, ()))


@dataclass
class Delivery:
    """One reminder to one address: the email it travels on is ``email_key``."""

    reminder: object  # a Reminder, or a reminder id (the set-based sweep)
    kind: str  # EmailKind
    partner_id: int
    customer_id: int | None  # None: a staff email, one per partner and address
    address: str  # as written
    contact_id: int | None
    reasons: list

    @property
    def key(self):
        return normalized(self.address)

    @property
    def email_key(self):
        return (self.kind, self.partner_id, self.customer_id, self.key)

    @property
    def reasons_text(self):
        return ",".join(reason for reason in REASONS if reason in self.reasons)


def customer_side(order, customer, directory) -> dict:
    """``{key: (address, contact id, [reasons])}``: whom of the customer's side this order's reminders
    reach, opted-out addresses left out."""
    contacts = directory.contacts.get(order.customer_id, ())
    contact_of = {}
    for pk, email in contacts:
        contact_of.setdefault(normalized(email), (pk, email))
    if order.reminder_recipients:
        listed = [(address, ORDER) for address in order.reminder_recipients]
    else:
        listed = [(email, CONTACT) for _pk, email in contacts]
        listed += [(address, ADDITIONAL) for address in customer.reminder_recipients or ()]
    opted_out = directory.opted_out.get(order.customer_id, ())
    recipients = {}
    for address, reason in listed:
        key = normalized(address)
        if key in opted_out:
            continue
        if key not in recipients:
            contact_id, spelled = contact_of.get(key, (None, address))
            recipients[key] = (spelled, contact_id, [])
        recipients[key][2].append(reason)
    return recipients


def staff_side(kind, threshold, customer, directory, stages) -> list[tuple]:
    """``[(address, reason)]`` of the partner's people told of this reminder."""
    partner = customer.partner
    if kind == ISSUANCE:
        return [(address, SUPPORT) for address in support_addresses(partner, directory)]
    stage = stages.get(threshold) if kind == RENEWAL else None
    if stage is None:
        return []
    addresses = []
    owner = directory.owners.get((partner.pk, customer.sales_owner_id))
    if stage.sales_owner and owner:
        addresses.append(owner)
    if stage.support:
        addresses += support_addresses(partner, directory)
    addresses += stage.emails
    return [(address, ESCALATION) for address in addresses]


def plan_deliveries(due, customers, directory) -> list[Delivery]:
    """``due``: ``[(reminder, order, kind, threshold)]``; every address each reminder reaches, once."""
    deliveries, stages_of = [], {}
    for reminder, order, kind, threshold in due:
        customer = customers[order.customer_id]
        partner = customer.partner
        if partner.pk not in stages_of:
            stages_of[partner.pk] = escalations_of(partner)
        told = {}
        if kind != ISSUANCE:
            for key, (address, contact_id, reasons) in customer_side(order, customer, directory).items():
                told[key] = Delivery(
                    reminder, EmailKind.REMINDER.value, partner.pk, order.customer_id, address, contact_id, reasons
                )
        staff_kind = EmailKind.ISSUANCE.value if kind == ISSUANCE else EmailKind.ESCALATION.value
        for address, reason in staff_side(kind, threshold, customer, directory, stages_of[partner.pk]):
            key = normalized(address)
            if key not in told:
                told[key] = Delivery(reminder, staff_kind, partner.pk, None, address, None, [])
            if reason not in told[key].reasons:
                told[key].reasons.append(reason)
        deliveries.extend(told.values())
    return deliveries


def customer_recipients_of(order) -> list[tuple]:
    """``[(address, contact id, reasons text)]`` of the customer's side of one order (manual resend)."""
    customers = {order.customer_id: order.customer}
    directory = Directory.load(customers)
    recipients = customer_side(order, order.customer, directory)
    return [
        (address, contact_id, ",".join(r for r in REASONS if r in reasons))
        for address, contact_id, reasons in recipients.values()
    ]
