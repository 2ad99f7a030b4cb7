"""Reads of the notifications app for staff screens, always scoped to one partner."""

from dataclasses import dataclass
from datetime import timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch

from partners.models import Contact
from renewals.expiring import MAX_PAGE
from renewals.models import ENDS_INSIDE_TERM, Order, OrderStatus

from .filters import OutboxFilter
from .models import OutboxEmail, OutboxItem
from .policy import REISSUE
from .recipients import reason_labels

OUTBOX_PAGE_SIZE = 50


def page_number(value) -> int:
    """The page asked for in the query string, within 1..MAX_PAGE: anything else (absent, not a
    whole number, below 1) is page 1, and a huge number the last page allowed, so no value can push
    the list's OFFSET past what the database accepts. The paginator then shows the last page for a
    number past the end."""
    try:
        page = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(page, 1), MAX_PAGE)


@dataclass(frozen=True)
class OutboxPage:
    filter: OutboxFilter  # its ``form`` renders the filters with the values understood
    page: Page  # newest first; a page past the end is the last page


def outbox_page(*, partner, params) -> OutboxPage:
    """One page of the partner's outbox under the filters in ``params`` (the query string)."""
    emails = (
        OutboxEmail.objects.for_partner(partner)
        .select_related("contact")
        .prefetch_related(Prefetch("items", queryset=OutboxItem.objects.select_related("reminder")))
        .order_by("-created_at", "-id")
    )
    filterset = OutboxFilter(params, queryset=emails)
    page = Paginator(filterset.qs, OUTBOX_PAGE_SIZE).get_page(page_number(params.get("page")))
    return OutboxPage(filter=filterset, page=page)


def why_told(email) -> list[str]:
    """Why the address received the email, from its items ("contact", "escalation: 7 days")."""
    labels = []
    for item in email.items.all():
        for label in reason_labels(item.reasons, item.reminder.threshold_days):
            if label not in labels:
                labels.append(label)
    return labels


def outbox_emails(partner):
    """The partner's outbox emails with what an email's page shows."""
    return OutboxEmail.objects.for_partner(partner).select_related("contact", "customer")


def outbox_email_items(email):
    """What an outbox email carries: one item per reminder, with its order."""
    items = list(email.items.select_related("reminder__order"))
    for item in items:
        item.why = reason_labels(item.reasons, item.reminder.threshold_days)
    return items


@dataclass(frozen=True)
class PreviewSubject:
    """Whom a reminder preview is rendered for: the order named, or an example that fits."""

    order: Order | None
    contact: Contact | None
    named_order_missing: bool  # an order number was given and is not one of the partner's


def preview_subject(*, partner, order_number, kind, threshold, today) -> PreviewSubject:
    orders = Order.objects.for_partner(partner).select_related("customer__partner", "product")
    order = orders.filter(order_number=order_number[:32]).first() if order_number else None
    missing = bool(order_number) and order is None
    order = order or example_order(orders, kind, threshold, today)
    contact = order.customer.contacts.first() if order is not None else None
    return PreviewSubject(order=order, contact=contact, named_order_missing=missing)


def example_order(orders, kind, threshold, today):
    """An order whose own dates fit the threshold previewed: of the kind asked for, with a contact,
    expiring as near as possible after ``today + threshold``. The preview is rendered as of the day
    that reminder is due, so its dates, days left and issue date tell one consistent story."""
    candidates = orders.filter(renewal__isnull=True, status=OrderStatus.ACTIVE, customer__contacts__isnull=False)
    if kind == REISSUE:
        candidates, field = candidates.filter(ENDS_INSIDE_TERM), "expires_on"
    else:
        field = "term_end"
    target = today + timedelta(days=max(threshold, 0))
    return (
        candidates.filter(**{f"{field}__gte": target}).order_by(field, "pk").first()
        or candidates.filter(**{f"{field}__lt": target}).order_by(f"-{field}", "pk").first()
    )
