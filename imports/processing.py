"""Rows to records: one processor per kind of file, a batch at a time.

Each processor reads a batch's existing rows in a few queries (natural keys: a customer's account
number, a contact's email per customer, a price's product and plan, the partner's order number),
decides per row whether it creates, updates, leaves unchanged or refuses, and, unless it is a dry run,
writes the batch in bulk. A dry run makes the same decisions and writes nothing; what it would have
created (a customer named by an order) is remembered, so later rows see it as the import would.
"""

import hashlib
import zoneinfo
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Contact, Customer
from renewals.models import MAX_PLAN_YEARS, Certificate, Order, OrderStatus, PartnerPrice, Product
from renewals.price_list import PriceField
from renewals.validity import end_of_day, expiry_day, start_of_day

from .fields import (
    RowRefused,
    fields_of,
    parse_date,
    parse_email,
    parse_language,
    parse_names,
    parse_plan_years,
    parse_serial,
    parse_time_zone,
    text_of,
)
from .models import ImportKind, Outcome

MAX_SANS = 250
CANCELLED_WORDS = {"canceled", "cancelled", "revoked", "rejected", "취소", "폐기", "거절"}
PENDING = object()  # a customer a dry run would create


@dataclass
class RowResult:
    row_number: int
    outcome: str
    key: str = ""
    message: str = ""


# The most of a cell a refused row is named by: enough to find the row, not the data.
NAME_LENGTH = 100


class Processor:
    kind = None
    # What names a row the dry run refuses before it could read its key: the key's cells, written as
    # the key column shows them for the other rows, else the first filled of these, with its label.
    KEY_FIELDS = ()
    NAMING_FIELDS = ()

    def __init__(self, job, *, write):
        self.job = job
        self.partner = job.partner
        self.mapping = job.mapping
        self.write = write
        self.labels = {field.name: str(field.label) for field in fields_of(self.kind)}
        self.seen = {}  # natural key -> first row number, for duplicates inside the file

    def cell(self, record, name):
        column = self.mapping.get(name)
        return record.get(column, "") if column else ""

    def refused(self, row_number, record, refused):
        """A row refused as it was read, named by the cells that identify it in the file."""
        return RowResult(row_number, Outcome.REFUSED, self.name_of(record), str(refused))

    def name_of(self, record) -> str:
        keys = [self.plain(record, name) for name in self.KEY_FIELDS]
        if keys and all(keys):
            return " ".join(keys)
        for name in (*self.KEY_FIELDS, *self.NAMING_FIELDS):
            if value := self.plain(record, name):
                return f"{self.labels.get(name, name)}: {value}"
        return ""

    def plain(self, record, name) -> str:
        """A cell as one short line of text (a date from a spreadsheet as ISO)."""
        value = self.cell(record, name)
        text = value.isoformat() if hasattr(value, "isoformat") else str(value or "")
        return " ".join(text.split())[:NAME_LENGTH]

    def first_row_of(self, key, row_number):
        """None for a key's first row; else the row number where it appeared first."""
        first = self.seen.setdefault(key, row_number)
        return None if first == row_number else first

    def duplicate(self, row_number, key, first):
        return RowResult(
            row_number,
            Outcome.REFUSED,
            key,
            _("Duplicate: row %(row)d has the same %(key)s.") % {"row": first, "key": key},
        )

    # Model fields changed by a row, named as the mapping names them.
    FIELD_OF_ATTRIBUTE = {"customer_id": "company_name", "product_id": "product", "contact_name": "name"}

    def changed(self, attributes):
        """ "Changed: Term end, Status": the fields a row changed, by their labels."""
        labels = []
        for attribute in attributes:
            name = self.FIELD_OF_ATTRIBUTE.get(attribute, attribute)
            if attribute == "name" and self.kind == ImportKind.CONTACTS:
                name = "contact_name"
            if attribute == "expires_on":
                name = "valid_till"
            labels.append(self.labels.get(name, _("Status") if attribute == "status" else attribute))
        return _("Changed: %(fields)s") % {"fields": ", ".join(labels)}

    def process(self, batch) -> list:
        """``[RowResult]`` for ``[(row number, record)]``, in row order."""
        raise NotImplementedError


class CustomerProcessor(Processor):
    kind = ImportKind.CUSTOMERS
    KEY_FIELDS = ("account_number",)
    NAMING_FIELDS = ("company_name",)
    UPDATABLE = ("company_name", "time_zone", "language")

    def parse(self, record):
        label = self.labels
        return {
            "account_number": text_of(
                self.cell(record, "account_number"), label["account_number"], max_length=32, required=True
            ),
            "company_name": text_of(
                self.cell(record, "company_name"), label["company_name"], max_length=200, required=True
            ),
            "time_zone": parse_time_zone(self.cell(record, "time_zone"), label.get("time_zone")),
            "language": parse_language(self.cell(record, "language"), label.get("language")),
        }

    def process(self, batch):
        parsed, results = [], {}
        for row_number, record in batch:
            try:
                values = self.parse(record)
            except RowRefused as refused:
                results[row_number] = self.refused(row_number, record, refused)
                continue
            key = values["account_number"]
            if first := self.first_row_of(key, row_number):
                results[row_number] = self.duplicate(row_number, key, first)
                continue
            parsed.append((row_number, values))
        existing = {
            customer.account_number: customer
            for customer in Customer.objects.for_partner(self.partner).filter(
                account_number__in=[values["account_number"] for _row, values in parsed]
            )
        }
        new, changed = [], []
        for row_number, values in parsed:
            key = values["account_number"]
            customer = existing.get(key)
            if customer is None:
                new.append(Customer(partner=self.partner, **values))
                results[row_number] = RowResult(row_number, Outcome.CREATED, key, values["company_name"])
                continue
            # A blank optional cell leaves the stored value alone.
            fields = [name for name in self.UPDATABLE if values[name] and getattr(customer, name) != values[name]]
            if not fields:
                results[row_number] = RowResult(row_number, Outcome.UNCHANGED, key, customer.company_name)
                continue
            for name in fields:
                setattr(customer, name, values[name])
            changed.append((customer, fields))
            results[row_number] = RowResult(row_number, Outcome.UPDATED, key, self.changed(fields))
        if self.write:
            Customer.objects.bulk_create(new)
            for customer, fields in changed:
                # save(), not a bulk update: a new company name must reach its orders' search text.
                customer.save(update_fields=fields)
        return [results[row_number] for row_number, _record in batch]


class ContactProcessor(Processor):
    kind = ImportKind.CONTACTS
    KEY_FIELDS = ("account_number", "email")
    NAMING_FIELDS = ("contact_name",)

    def parse(self, record):
        label = self.labels
        email = parse_email(self.cell(record, "email"), label["email"])
        return {
            "account_number": text_of(
                self.cell(record, "account_number"), label["account_number"], max_length=32, required=True
            ),
            "email": email,
            "name": text_of(self.cell(record, "contact_name"), label["contact_name"], max_length=200) or email,
            "phone": text_of(self.cell(record, "phone"), label["phone"], max_length=40),
            "language": parse_language(self.cell(record, "language"), label["language"]),
        }

    def process(self, batch):
        parsed, results = [], {}
        for row_number, record in batch:
            try:
                values = self.parse(record)
            except RowRefused as refused:
                results[row_number] = self.refused(row_number, record, refused)
                continue
            key = f"{values['account_number']} {values['email']}"
            if first := self.first_row_of(key, row_number):
                results[row_number] = self.duplicate(row_number, key, first)
                continue
            parsed.append((row_number, values))
        customers = dict(
            Customer.objects.for_partner(self.partner)
            .filter(account_number__in={values["account_number"] for _row, values in parsed})
            .values_list("account_number", "pk")
        )
        existing = {
            (contact.customer_id, contact.email.lower()): contact
            for contact in Contact.objects.filter(
                customer_id__in=customers.values(),
            )
            .annotate(email_lower=Lower("email"))
            .filter(email_lower__in={values["email"] for _row, values in parsed})
        }
        new, changed = [], []
        for row_number, values in parsed:
            key = f"{values['account_number']} {values['email']}"
            customer_id = customers.get(values["account_number"])
            if customer_id is None:
                results[row_number] = RowResult(
                    row_number,
                    Outcome.REFUSED,
                    key,
                    _("No customer has the account number “%(account)s”: import customers first.")
                    % {"account": values["account_number"]},
                )
                continue
            contact = existing.get((customer_id, values["email"]))
            fields = {name: values[name] for name in ("name", "phone", "language") if values[name]}
            if contact is None:
                new.append(Contact(customer_id=customer_id, email=values["email"], **fields))
                results[row_number] = RowResult(row_number, Outcome.CREATED, key, values["name"])
                continue
            fields = [name for name, value in fields.items() if getattr(contact, name) != value]
            if not fields:
                results[row_number] = RowResult(row_number, Outcome.UNCHANGED, key, contact.name)
                continue
            for name in fields:
                setattr(contact, name, values[name])
            changed.append(contact)
            results[row_number] = RowResult(row_number, Outcome.UPDATED, key, self.changed(fields))
        if self.write:
            Contact.objects.bulk_create(new)
            if changed:
                Contact.objects.bulk_update(changed, ["name", "phone", "language"])
        return [results[row_number] for row_number, _record in batch]


class Catalogue:
    """The products by code and by name (case-insensitive): the catalogue is small, read once."""

    def __init__(self):
        self.by_name = {}
        for product in Product.objects.all():
            for name in (product.name, f"{product.brand} {product.name}", product.code):
                self.by_name.setdefault(name.casefold().strip(), product)

    def find(self, value, label):
        text = str(value or "").strip()
        if not text:
            raise RowRefused(_("%(field)s is empty.") % {"field": label})
        product = self.by_name.get(text.casefold())
        if product is None:
            raise RowRefused(
                _("Unknown product “%(product)s”: use a product name or code of the catalogue.")
                % {"product": text[:100]}
            )
        return product


class PriceProcessor(Processor):
    kind = ImportKind.PRICES
    NAMING_FIELDS = ("product", "plan_years")

    def __init__(self, job, *, write):
        super().__init__(job, write=write)
        self.catalogue = Catalogue()
        self.price_field = PriceField(currency=self.partner.currency)

    def parse(self, record):
        label = self.labels
        product = self.catalogue.find(self.cell(record, "product"), label["product"])
        plan_years = parse_plan_years(self.cell(record, "plan_years"), label["plan_years"])
        if plan_years is None:
            raise RowRefused(_("%(field)s is empty.") % {"field": label["plan_years"]})
        raw_price = self.cell(record, "price")
        try:
            price = self.price_field.clean(str(raw_price or ""))
        except ValidationError as error:
            raise RowRefused(f"{label['price']}: {' '.join(error.messages)}") from None
        if price is None:
            raise RowRefused(_("%(field)s is empty.") % {"field": label["price"]})
        return product, plan_years, price

    def process(self, batch):
        existing = dict(
            ((product_id, years), price)
            for product_id, years, price in PartnerPrice.objects.for_partner(self.partner).values_list(
                "product_id", "plan_years", "price"
            )
        )
        results, writes = [], []
        for row_number, record in batch:
            try:
                product, plan_years, price = self.parse(record)
            except RowRefused as refused:
                results.append(self.refused(row_number, record, refused))
                continue
            key = f"{product.code} {plan_years}y"
            if first := self.first_row_of(key, row_number):
                results.append(self.duplicate(row_number, key, first))
                continue
            old = existing.get((product.pk, plan_years))
            if old == price:
                results.append(RowResult(row_number, Outcome.UNCHANGED, key, str(price)))
                continue
            outcome = Outcome.CREATED if old is None else Outcome.UPDATED
            results.append(RowResult(row_number, outcome, key, f"{old} → {price}" if old is not None else str(price)))
            writes.append(PartnerPrice(partner=self.partner, product=product, plan_years=plan_years, price=price))
        if self.write and writes:
            PartnerPrice.objects.bulk_create(
                writes,
                update_conflicts=True,
                unique_fields=["partner", "product", "plan_years"],
                update_fields=["price", "updated_at"],
            )
        return results


def derived_account_number(company_name) -> str:
    """A customer named only by its company (CertCentral's "Organization"): the same name always
    gets the same account number, so importing the file again finds it."""
    return "ORG-" + hashlib.sha1(company_name.casefold().encode()).hexdigest()[:12].upper()


@dataclass
class OrderValues:
    order_number: str
    account_number: str
    company_name: str
    product: Product
    common_name: str
    sans: list
    plan_years: int
    term_start: object
    term_end: object
    expires_on: object
    cancelled: bool
    status: str
    email: str
    contact_name: str
    email_problem: str
    serial: str
    valid_from: object
    valid_till: object
    serial_problem: str


class OrderProcessor(Processor):
    """Orders with their current certificate dates; customers (and a contact) named by an order are
    created with it. The term is the file's order dates when it has them, else the certificate's."""

    kind = ImportKind.ORDERS
    KEY_FIELDS = ("order_number",)
    NAMING_FIELDS = ("common_name", "company_name", "account_number")
    COMPARED = (
        "customer_id",
        "product_id",
        "common_name",
        "sans",
        "plan_years",
        "term_start",
        "term_end",
        "expires_on",
    )

    def __init__(self, job, *, write):
        super().__init__(job, write=write)
        self.catalogue = Catalogue()
        self.pending_customers = {}  # account number -> company name, what a dry run would create
        self.announced = set()  # new customers already named in a row's message
        self.zones = {}  # account number -> the customer's time zone (certificates' instants)
        self.serials = set()  # serials of this file already planned
        self.prices = dict(
            ((product_id, years), price)
            for product_id, years, price in PartnerPrice.objects.for_partner(self.partner).values_list(
                "product_id", "plan_years", "price"
            )
        )

    def parse(self, record) -> OrderValues:
        label = self.labels
        order_number = text_of(self.cell(record, "order_number"), label["order_number"], max_length=32, required=True)
        company = text_of(self.cell(record, "company_name"), label["company_name"], max_length=200)
        account = text_of(self.cell(record, "account_number"), label["account_number"], max_length=32)
        if not account and not company:
            raise RowRefused(_("The row names no customer: neither an account number nor a company name."))
        product = self.catalogue.find(self.cell(record, "product"), label["product"])
        common_name = text_of(self.cell(record, "common_name"), label["common_name"], max_length=255, required=True)
        sans = parse_names(self.cell(record, "sans"))
        if len(sans) > MAX_SANS or any(len(name) > 255 for name in sans):
            raise RowRefused(_("Too many or too long names in %(field)s.") % {"field": label["sans"]})
        valid_till = parse_date(self.cell(record, "valid_till"), label["valid_till"])
        if valid_till is None:
            raise RowRefused(_("%(field)s is empty.") % {"field": label["valid_till"]})
        valid_from = parse_date(self.cell(record, "valid_from"), label["valid_from"])
        if valid_from is not None and valid_from > valid_till:
            raise RowRefused(
                _("The certificate ends (%(end)s) before it starts (%(start)s).")
                % {"end": valid_till, "start": valid_from}
            )
        plan_years = parse_plan_years(self.cell(record, "plan_years"), label["plan_years"])
        term_end = parse_date(self.cell(record, "term_end"), label["term_end"]) or valid_till
        term_start = parse_date(self.cell(record, "term_start"), label["term_start"]) or valid_from
        if term_start is None:
            term_start = term_end - relativedelta(years=plan_years or 1) + relativedelta(days=1)
        if term_end <= term_start:
            raise RowRefused(
                _("The term ends (%(end)s) before it starts (%(start)s).") % {"end": term_end, "start": term_start}
            )
        if plan_years is None:
            plan_years = min(MAX_PLAN_YEARS, max(1, round((term_end - term_start).days / 365.25)))
        status = str(self.cell(record, "status") or "").strip()
        email, contact_name, email_problem = "", "", ""
        if self.cell(record, "email"):
            try:
                email = parse_email(self.cell(record, "email"), label["email"])
                contact_name = text_of(self.cell(record, "contact_name"), label["contact_name"], max_length=200)
            except RowRefused as problem:
                email_problem = str(problem)
        serial, serial_problem = "", ""
        try:
            serial = parse_serial(self.cell(record, "serial"), label["serial"])
        except RowRefused as problem:
            serial_problem = str(problem)
        if serial and valid_from is None:
            serial, serial_problem = "", _("no %(field)s date") % {"field": label["valid_from"]}
        return OrderValues(
            serial=serial,
            valid_from=valid_from,
            valid_till=valid_till,
            serial_problem=serial_problem,
            order_number=order_number,
            account_number=account or derived_account_number(company),
            company_name=company,
            product=product,
            common_name=common_name,
            sans=sans or [common_name],
            plan_years=plan_years,
            term_start=term_start,
            term_end=term_end,
            expires_on=min(valid_till, term_end),
            cancelled=status.casefold() in CANCELLED_WORDS,
            status=status,
            email=email,
            contact_name=contact_name or email,
            email_problem=email_problem,
        )

    def customers_for(self, parsed):
        """``{account number: customer id or PENDING}`` for the batch, creating (or, in a dry run,
        planning) the customers that do not exist yet. Returns (customers, new account numbers)."""
        wanted = {values.account_number: values.company_name for _row, values in parsed}
        found = {}
        for account, pk, zone in (
            Customer.objects.for_partner(self.partner)
            .filter(account_number__in=wanted)
            .values_list("account_number", "pk", "time_zone")
        ):
            found[account] = pk
            self.zones[account] = zone or self.partner.time_zone
        missing = {account: name for account, name in wanted.items() if account not in found}
        for account in list(missing):
            if account in self.pending_customers:
                found[account] = PENDING
                del missing[account]
        if self.write and missing:
            Customer.objects.bulk_create(
                [
                    Customer(partner=self.partner, account_number=account, company_name=name or account)
                    for account, name in missing.items()
                ],
                ignore_conflicts=True,
            )
            found.update(
                Customer.objects.for_partner(self.partner)
                .filter(account_number__in=missing)
                .values_list("account_number", "pk")
            )
        elif missing:
            self.pending_customers.update(missing)
            found.update(dict.fromkeys(missing, PENDING))
        return found, set(missing)

    def process(self, batch):
        parsed, results = [], {}
        for row_number, record in batch:
            try:
                values = self.parse(record)
            except RowRefused as refused:
                results[row_number] = self.refused(row_number, record, refused)
                continue
            if first := self.first_row_of(values.order_number, row_number):
                results[row_number] = self.duplicate(row_number, values.order_number, first)
                continue
            parsed.append((row_number, values))
        customers, new_customers = self.customers_for(parsed)
        existing = {
            order.order_number: order
            for order in Order.objects.for_partner(self.partner)
            .filter(order_number__in=[values.order_number for _row, values in parsed])
            .annotate(latest_not_after=Max("certificates__not_after"))
        }
        recorded = {
            serial: (partner_id, number)
            for serial, partner_id, number in Certificate.objects.filter(
                serial__in=[values.serial for _row, values in parsed if values.serial]
            ).values_list("serial", "order__partner_id", "order__order_number")
        }
        now = timezone.now()
        new, changed, contacts, certificates = [], [], [], []
        for row_number, values in parsed:
            customer_id = customers[values.account_number]
            notes = []
            if values.account_number in new_customers and values.account_number not in self.announced:
                self.announced.add(values.account_number)
                notes.append(_("new customer %(name)s") % {"name": values.company_name or values.account_number})
            if values.email_problem:
                notes.append(_("contact not added: %(reason)s") % {"reason": values.email_problem})
            elif values.email and customer_id is not PENDING:
                contacts.append(Contact(customer_id=customer_id, email=values.email, name=values.contact_name))
            order = existing.get(values.order_number)
            if order is None and values.cancelled:
                notes.append(_("cancelled (status “%(status)s”)") % {"status": values.status[:50]})
            certificate = self.certificate_of(values, recorded, notes)
            fields = self.fields_of(values, customer_id)
            if order is not None and order.latest_not_after is not None:
                fields["expires_on"] = self.serving_day(values, order.latest_not_after)
            if order is None:
                order = self.new_order(values, fields, now) if self.write else None
                new.append(order)
                if certificate is not None:
                    certificates.append((order, certificate))
                results[row_number] = RowResult(row_number, Outcome.CREATED, values.order_number, "; ".join(notes))
                continue
            changes = [name for name, value in fields.items() if customer_id is not PENDING or name != "customer_id"]
            changes = [name for name in changes if getattr(order, name) != fields[name]]
            if values.cancelled and order.status != OrderStatus.CANCELLED:
                changes.append("status")
            if certificate is not None:
                certificates.append((order, certificate))
            if not changes:
                outcome = Outcome.UNCHANGED if certificate is None else Outcome.UPDATED
                results[row_number] = RowResult(row_number, outcome, values.order_number, "; ".join(notes))
                continue
            for name in changes:
                setattr(order, name, OrderStatus.CANCELLED if name == "status" else fields[name])
            # Changed dates or status: the sweep looks at the order again at once.
            order.next_reminder_at = now
            changed.append(order)
            notes.insert(0, self.changed(changes))
            results[row_number] = RowResult(row_number, Outcome.UPDATED, values.order_number, "; ".join(notes))
        if self.write:
            Order.objects.bulk_create(new)
            for order, certificate in certificates:
                certificate.order = order
            # A serial taken meanwhile (another import at once) is left out, never an error.
            Certificate.objects.bulk_create(
                [certificate for _order, certificate in certificates], ignore_conflicts=True
            )
            if changed:
                Order.objects.bulk_update(changed, [*self.COMPARED, "status", "next_reminder_at"])
            Contact.objects.bulk_create(contacts, ignore_conflicts=True)
        return [results[row_number] for row_number, _record in batch]

    def certificate_of(self, values, recorded, notes):
        """The certificate row the file's serial and dates describe, unless it is recorded already
        (on this order: nothing to do; elsewhere: not recorded, said so without naming where)."""
        if values.serial_problem:
            notes.append(_("certificate not recorded: %(reason)s") % {"reason": values.serial_problem})
            return None
        if not values.serial:
            return None
        if values.serial in recorded:
            if recorded[values.serial] != (self.partner.pk, values.order_number):
                notes.append(_("certificate not recorded: its serial number is recorded already on another order"))
            return None
        if values.serial in self.serials:
            notes.append(_("certificate not recorded: its serial number is on an earlier row"))
            return None
        self.serials.add(values.serial)
        notes.append(_("certificate %(serial)s recorded") % {"serial": values.serial})
        zone = zoneinfo.ZoneInfo(self.zones.get(values.account_number) or self.partner.time_zone)
        return Certificate(
            common_name=values.common_name,
            sans=values.sans,
            serial=values.serial,
            not_before=start_of_day(values.valid_from, zone),
            not_after=end_of_day(values.valid_till, zone),
        )

    def serving_day(self, values, latest_not_after):
        """``expires_on`` of an order with certificates recorded: the file's certificate is one more,
        and the serving one is whichever ends last (``Order.refresh_expiry``), never past the term. A
        newer certificate recorded since the export was made (a reissue, a server's PEM) keeps
        serving when the same export is imported again."""
        zone = zoneinfo.ZoneInfo(self.zones.get(values.account_number) or self.partner.time_zone)
        return min(values.term_end, max(values.valid_till, expiry_day(latest_not_after, zone)))

    @staticmethod
    def fields_of(values, customer_id):
        return {
            "customer_id": customer_id,
            "product_id": values.product.pk,
            "common_name": values.common_name,
            "sans": values.sans,
            "plan_years": values.plan_years,
            "term_start": values.term_start,
            "term_end": values.term_end,
            "expires_on": values.expires_on,
        }

    def new_order(self, values, fields, now):
        price = self.prices.get((values.product.pk, values.plan_years), 0)
        order = Order(
            partner=self.partner,
            order_number=values.order_number,
            status=OrderStatus.CANCELLED if values.cancelled else OrderStatus.ACTIVE,
            list_price=price,
            price=price,
            currency=self.partner.currency,
            created_by=self.job.created_by,
            # Enters the reminder schedule at once: the next sweep sends what is due now, and only
            # that (catch-up: never the thresholds already passed, notifications/policy.py).
            next_reminder_at=now,
            **fields,
        )
        if fields["customer_id"] is PENDING:
            order.customer_id = None
        return order


PROCESSORS = {
    ImportKind.CUSTOMERS: CustomerProcessor,
    ImportKind.CONTACTS: ContactProcessor,
    ImportKind.PRICES: PriceProcessor,
    ImportKind.ORDERS: OrderProcessor,
}


def processor_for(job, *, write):
    return PROCESSORS[job.kind](job, write=write)
