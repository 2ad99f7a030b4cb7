"""The four webhook events: what each says, and the key that makes its id (once per event)."""

from datetime import timedelta

from django.utils import timezone

from notifications.models import CUSTOMER_KINDS
from renewals.models import Order, OrderStatus
from renewals.validity import local_day

from .models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from .webhooks import event_id, record_event

EXPIRED_LOOKBACK_DAYS = 7  # order.expired catches up this far after downtime


def order_summary(order):
    return {
        "id": order.pk,
        "order_number": order.order_number,
        "customer": order.customer_id,
        "common_name": order.common_name,
        "term_start": order.term_start.isoformat(),
        "term_end": order.term_end.isoformat(),
        "expires_on": order.expires_on.isoformat(),
        "plan_years": order.plan_years,
        "price": str(order.price),
        "currency": order.currency,
        "status": order.status,
    }


def order_renewed(order, renewal):
    record_event(
        partner_id=order.partner_id,
        event_type=WebhookEvent.ORDER_RENEWED,
        key=f"order.renewed:{order.pk}",
        data={"order": order_summary(order), "renewal": order_summary(renewal)},
    )


def reminder_outcome(email, *, sent, error=""):
    """reminder.sent / reminder.failed for one email: the reminders it carried (items left out at
    send time excluded). Reads only what the sender prefetched. Emails to the partner's own staff
    (escalations, issuance) are not reminders to customers: no event."""
    if email.kind not in CUSTOMER_KINDS:
        return
    items = [item for item in email.items.all() if not item.skipped]
    data = {
        "email": {
            "id": email.pk,
            "kind": email.kind,
            "to": email.to_email,
            "contact": email.contact_id,
            "attempts": email.attempts,
        },
        "reminders": [
            {
                "id": item.reminder.pk,
                "kind": item.reminder.kind,
                "threshold_days": item.reminder.threshold_days,
                "ends_on": item.reminder.ends_on.isoformat(),
                "order": {"id": item.reminder.order_id, "order_number": item.reminder.order.order_number},
            }
            for item in items
        ],
    }
    if sent:
        event_type, key = WebhookEvent.REMINDER_SENT, f"reminder.sent:{email.pk}"
    else:
        # Support may retry a failed email, and it may fail again: each failure is its own event.
        event_type, key = WebhookEvent.REMINDER_FAILED, f"reminder.failed:{email.pk}:{email.claim}"
        data["error"] = error
    record_event(partner_id=email.partner_id, event_type=event_type, key=key, data=data)


def record_expired_orders(*, now=None) -> int:
    """order.expired for each live order whose serving certificate's last day has passed in the
    customer's time zone (within the last ``EXPIRED_LOOKBACK_DAYS``), for partners listening.
    Once per order and expiry day: a reissue that moves the day expires again later."""
    now = now or timezone.now()
    listening = {
        partner_id
        for partner_id, subscribed in WebhookEndpoint.objects.filter(active=True).values_list("partner_id", "events")
        if WebhookEvent.ORDER_EXPIRED in subscribed
    }
    # Every zone's calendar day is within a day of UTC's: the range holds every candidate.
    first, last = now.date() - timedelta(days=EXPIRED_LOOKBACK_DAYS + 1), now.date() + timedelta(days=1)
    recorded = 0
    for partner_id in sorted(listening):
        candidates = (
            Order.objects.filter(partner_id=partner_id, expires_on__range=(first, last), renewal__isnull=True)
            .exclude(status=OrderStatus.CANCELLED)
            .select_related("customer__partner")
        )
        expired = {}
        for order in candidates.iterator(chunk_size=500):
            if local_day(now, order.customer.tzinfo) > order.expires_on:
                expired[event_id(expired_key(order))] = order
        known = set(
            WebhookDelivery.objects.filter(endpoint__partner_id=partner_id, event_id__in=list(expired)).values_list(
                "event_id", flat=True
            )
        )
        for identifier, order in expired.items():
            if identifier not in known:
                recorded += record_event(
                    partner_id=partner_id,
                    event_type=WebhookEvent.ORDER_EXPIRED,
                    key=expired_key(order),
                    data={"order": order_summary(order)},
                    now=now,
                )
    return recorded


def expired_key(order):
    return f"order.expired:{order.pk}:{order.expires_on.isoformat()}"
