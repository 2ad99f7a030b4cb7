"""Discount offers on renewal, and experiments that test their amounts.

An offer with one variant is a plain discount; with several it is an experiment, and each customer
sees one variant, picked by a stable hash (``offers/assignment.py``). A control variant has 0 %.
"""

from decimal import Decimal
from typing import NamedTuple

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from partners.models import Customer, Partner
from partners.tenancy import PartnerScopedManager
from renewals.models import Product, ValidationLevel


class Offer(models.Model):
    """A percentage off renewals of some products, valid between two days, shown from a threshold on
    (e.g. to orders whose term ends within 60 days). Empty product, brand and level scopes mean all."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="offers", verbose_name=_("partner"))
    name = models.CharField(_("name"), max_length=200)
    # One headline per language the portal speaks, like the partner's reminder message: a customer
    # reads the one in their language, or none (``headline_in``); never the other language's.
    headline_en = models.CharField(_("headline (English)"), max_length=200, blank=True)
    headline_ko = models.CharField(_("headline (Korean)"), max_length=200, blank=True)
    products = models.ManyToManyField(Product, blank=True, related_name="offers", verbose_name=_("products"))
    brands = models.JSONField(_("brands"), default=list, blank=True)
    validation_levels = models.JSONField(_("validation levels"), default=list, blank=True)
    starts_on = models.DateField(_("valid from"))
    ends_on = models.DateField(_("valid until"), help_text=_("The offer's last day, shown wherever the offer is."))
    shown_from_days = models.PositiveSmallIntegerField(
        _("shown from (days before the end)"),
        default=90,
        validators=[MaxValueValidator(365)],
        help_text=_("The offer applies to orders whose term ends within this many days."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PartnerScopedManager()
    partner_lookup = "partner"

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="offer_ends_after_start"),
        ]
        indexes = [models.Index(fields=["partner", "ends_on"], name="offer_partner_ends_idx")]

    def __str__(self):
        return self.name

    def headline_in(self, language: str) -> str:
        """The headline a customer reading ``language`` sees; empty when there is none in it (no
        fallback: a Korean headline on an English page reads wrong, as ``message_for`` says)."""
        return self.headline_ko if headline_language(language) == "ko" else self.headline_en

    def headline_for_staff(self, language: str) -> "StaffHeadline":
        """The headline for staff reading ``language``: theirs, else the other one, marked as such
        (customers reading ``language`` see none); empty when there is neither."""
        own = headline_language(language)
        for code in (own, "en" if own == "ko" else "ko"):
            if self.headline_in(code):
                return StaffHeadline(self.headline_in(code), code, other_language=code != own)
        return StaffHeadline("", own, other_language=False)


class StaffHeadline(NamedTuple):
    text: str
    language: str
    other_language: bool  # not the staff's language: their customers see no headline


def headline_language(language: str | None) -> str:
    """``"ko"`` or ``"en"`` of a language code ("ko", "ko-kr", "en-us"; none: English)."""
    return "ko" if (language or "").lower().split("-")[0] == "ko" else "en"


class OfferVariant(models.Model):
    """One amount of an offer. ``weight`` shares customers between variants (equal by default)."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="variants", verbose_name=_("offer"))
    label = models.CharField(_("label"), max_length=50)
    discount_percent = models.DecimalField(
        _("discount (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    weight = models.PositiveSmallIntegerField(_("weight"), default=1, validators=[MinValueValidator(1)])
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = PartnerScopedManager()
    partner_lookup = "offer__partner"

    class Meta:
        verbose_name = _("offer variant")
        verbose_name_plural = _("offer variants")
        ordering = ["offer", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "label"], name="offer_variant_unique_label"),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0, discount_percent__lte=100), name="offer_variant_is_a_percentage"
            ),
            models.CheckConstraint(condition=Q(weight__gte=1), name="offer_variant_weight_positive"),
        ]

    def __str__(self):
        return f"{self.offer} · {self.label}"

    @property
    def is_control(self):
        return self.discount_percent == 0


class OfferExposure(models.Model):
    """The first time a customer was shown an offer (email, renewal page or staff dialog), with the
    variant it saw: the experiment report's "customers reached". One row per offer and customer."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        PAGE = "page", _("Renewal page")
        STAFF = "staff", _("Staff")

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="exposures", verbose_name=_("offer"))
    variant = models.ForeignKey(
        OfferVariant, on_delete=models.CASCADE, related_name="exposures", verbose_name=_("variant")
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer"))
    channel = models.CharField(_("first seen in"), max_length=8, choices=Channel.choices)
    first_at = models.DateTimeField(_("first seen at"))

    objects = PartnerScopedManager()
    partner_lookup = "offer__partner"

    class Meta:
        verbose_name = _("offer exposure")
        verbose_name_plural = _("offer exposures")
        constraints = [models.UniqueConstraint(fields=["offer", "customer"], name="offer_exposure_once_per_customer")]
        indexes = [models.Index(fields=["variant", "first_at"], name="offer_exposure_variant_idx")]

    def __str__(self):
        return f"{self.offer_id} · {self.variant_id} · {self.customer_id}"


__all__ = ["Offer", "OfferVariant", "OfferExposure", "ValidationLevel"]
