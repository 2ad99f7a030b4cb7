"""Recording that a customer was shown an offer: the experiment report's "customers reached".

The first showing counts, whichever channel it was (email, renewal page, staff dialog); the unique
``(offer, customer)`` constraint says "once" and the insert skips a row that exists (ON CONFLICT DO
NOTHING), so two requests at once record one exposure. The control group (0 %) sees no offer text but
is recorded too: it is what the other amounts are compared with.
"""

from datetime import datetime

from django.db import IntegrityError, transaction

from partners.actors import is_customer

from .models import OfferExposure


def record_exposure(applied, customer_id: int, channel: str, at: datetime) -> None:
    """Record that customer ``customer_id`` saw ``applied`` (an ``AppliedOffer``; None does nothing)
    through ``channel`` (``OfferExposure.Channel``) at ``at``. Safe to call on every showing."""
    if applied is None:
        return
    record_exposures([(applied, customer_id)], channel=channel, at=at)


def record_exposures(shown, *, channel: str, at: datetime) -> None:
    """``record_exposure`` for many ``(applied offer or None, customer id)`` pairs in one insert (an
    email digest)."""
    rows = {
        (applied.offer.pk, customer_id): OfferExposure(
            offer_id=applied.offer.pk,
            variant_id=applied.variant.pk,
            customer_id=customer_id,
            channel=channel,
            first_at=at,
        )
        for applied, customer_id in shown
        if applied is not None
    }
    if not rows:
        return
    try:
        with transaction.atomic():
            OfferExposure.objects.bulk_create(rows.values(), ignore_conflicts=True)
    except IntegrityError:
        # A variant deleted by an edit racing this page (an offer nobody had seen yet): nothing to count.
        pass


def record_preview_exposure(preview, *, customer_id: int, channel: str, at: datetime) -> None:
    """Record the offer of a renewal preview when a page shows it: renewal open and priced."""
    if preview.quote.is_open and preview.price is not None:
        record_exposure(getattr(preview, "offer", None), customer_id, channel, at)


def channel_for(by) -> str:
    """The channel of a renewal made by ``by``: the customer on the renewal page, or staff."""
    return OfferExposure.Channel.PAGE if is_customer(by) else OfferExposure.Channel.STAFF
