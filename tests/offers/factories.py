"""Factories for offers (the portal's other factories are in tests/factories.py)."""

from datetime import date
from decimal import Decimal

import factory

from offers.models import Offer, OfferExposure, OfferVariant
from tests.factories import PartnerFactory


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer
        skip_postgeneration_save = True

    partner = factory.SubFactory(PartnerFactory)
    name = factory.Sequence(lambda n: f"Offer {n}")
    headline_en = "Don't let your SSL expire before this offer does"
    starts_on = date(2026, 11, 1)
    ends_on = date(2026, 12, 31)
    shown_from_days = 60

    @factory.post_generation
    def amounts(obj, create, extracted, **kwargs):
        """``amounts=["10", "0"]``: one variant per amount, labelled by it (a plain 10 % by default)."""
        if not create:
            return
        for position, amount in enumerate(extracted if extracted is not None else ["10"]):
            OfferVariant.objects.create(
                offer=obj,
                label="Control" if Decimal(amount) == 0 else f"{amount}%",
                discount_percent=Decimal(amount),
                position=position,
            )


class OfferExposureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfferExposure

    channel = OfferExposure.Channel.EMAIL
