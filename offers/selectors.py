"""Reads of offers for the staff pages, always scoped to one partner."""

from datetime import date

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from renewals.models import OrderStatus

from .models import Offer

STATUS_LABELS = {
    "running": _("Running"),
    "scheduled": _("Scheduled"),
    "ended": _("Ended"),
    "paused": _("Paused"),
}


def offer_status(offer: Offer, today: date) -> str:
    """``paused`` (switched off), ``scheduled`` (starts later), ``ended`` or ``running`` on ``today``."""
    if not offer.is_active:
        return "paused"
    if today < offer.starts_on:
        return "scheduled"
    if today > offer.ends_on:
        return "ended"
    return "running"


def offer_list(partner):
    """The partner's offers, newest start first, with their variants and the count of renewals sold
    with them (cancelled ones left out)."""
    return (
        Offer.objects.for_partner(partner)
        .annotate(renewal_count=Count("renewals", filter=~Q(renewals__status=OrderStatus.CANCELLED)))
        .prefetch_related("variants")
        .order_by("-starts_on", "-id")
    )


def offer_for_staff(partner):
    """The queryset an offer's pages read one offer from (another partner's id: 404)."""
    return Offer.objects.for_partner(partner).select_related("partner").prefetch_related("variants", "products")
