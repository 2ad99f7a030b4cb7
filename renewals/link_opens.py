"""Renewal link opens: a customer's GET of an order's renewal page, kept as a timestamp and nothing
else (no address, no agent). The reminder funnel and the experiment report count them."""

from .models import RenewalLinkOpen


def record_link_open(order, at):
    """Record that ``order``'s renewal page was opened at ``at`` (an aware instant)."""
    return RenewalLinkOpen.objects.create(order=order, opened_at=at)
