"""Partners (the tenants), their staff, and their customers with contacts."""

import functools
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .defaults import (
    DEFAULT_AUTO_RENEW_DAYS,
    DEFAULT_CALL_THRESHOLD_DAYS,
    DEFAULT_REISSUE_THRESHOLDS,
    DEFAULT_RENEWAL_THRESHOLDS,
    DEFAULT_SEND_HOUR,
)
from .money import Currency
from .tenancy import PartnerScopedManager

LANGUAGE_CHOICES = [("ko", _("Korean")), ("en", _("English"))]
# The largest id a row can have (bigint): SQLite cannot even compare a larger number with its ids, so
# every id read from a request is checked against it first.
MAX_ID = 2**63 - 1


@functools.cache
def known_time_zones() -> frozenset[str]:
    """The IANA zone names, read once per process: ``available_timezones()`` walks the zone
    directories on disk at every call, too slow for each form or model validation."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value):
    if value and value not in known_time_zones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


def default_reminder_thresholds():
    return list(DEFAULT_RENEWAL_THRESHOLDS)


def default_reissue_thresholds():
    return list(DEFAULT_REISSUE_THRESHOLDS)


class Partner(models.Model):
    """A reseller: a tenant whose staff see only its own customers."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), unique=True)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=settings.DEFAULT_PARTNER_TIME_ZONE,
        validators=[validate_time_zone],
    )
    language = models.CharField(_("default language"), max_length=8, choices=LANGUAGE_CHOICES, default="ko")
    currency = models.CharField(
        _("currency"),
        max_length=3,
        choices=Currency.choices,
        default=Currency.KRW,
        help_text=_("The partner sells in this currency: its price list and every renewal it sells."),
    )
    sender_name = models.CharField(_("sender name"), max_length=200, blank=True)
    reply_to = models.EmailField(_("reply-to address"), blank=True)
    logo = models.FileField(
        _("logo"),
        upload_to="partner-logos/",
        blank=True,
        # No SVG: an SVG can carry script, and the logo is served from the portal's own origin.
        validators=[FileExtensionValidator(["png", "jpg", "jpeg", "gif"])],
        help_text=_("PNG, JPEG or GIF; shown in the emails and on the customer's renewal page."),
    )
    brand_color = models.CharField(
        _("brand colour"),
        max_length=7,
        blank=True,
        validators=[
            RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as # and six hex digits, such as #0d6efd."))
        ],
        help_text=_("The colour of the emails' header and buttons, as #RRGGBB."),
    )
    email_footer = models.TextField(
        _("email footer"),
        max_length=500,
        blank=True,
        help_text=_("Plain text under every reminder, such as the company's address; links become clickable."),
    )
    # The partner's own words above the facts of every reminder, one per language (plain text, links
    # made clickable when rendered; never markup from the partner).
    reminder_message_ko = models.TextField(_("message in reminders (Korean)"), max_length=1000, blank=True)
    reminder_message_en = models.TextField(_("message in reminders (English)"), max_length=1000, blank=True)
    reminder_thresholds = models.JSONField(
        _("renewal reminder thresholds (days)"),
        default=default_reminder_thresholds,
        help_text=_(
            "Days before the end of a term when a renewal reminder goes out; 0 is the day itself, "
            "negative days are after it."
        ),
    )
    reissue_thresholds = models.JSONField(
        _("reissue reminder thresholds (days)"),
        default=default_reissue_thresholds,
        help_text=_(
            "Days before a certificate ends inside a paid term; only those shorter than the "
            "certificate's lifetime apply."
        ),
    )
    reminder_send_hour = models.PositiveSmallIntegerField(
        _("reminders go out from (hour)"),
        default=DEFAULT_SEND_HOUR,
        validators=[MaxValueValidator(23)],
        help_text=_("Reminders wait for this hour of the customer's working day, in the customer's time zone."),
    )
    call_threshold_days = models.PositiveSmallIntegerField(
        _("follow-up call from (days before the end)"),
        default=DEFAULT_CALL_THRESHOLD_DAYS,
        validators=[MaxValueValidator(365)],
        help_text=_("A call task appears for sales staff this many days before an order's term ends."),
    )
    call_min_value = models.DecimalField(
        _("follow-up calls for orders worth at least"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Only orders sold at this price or more get a call task, in the partner's currency."),
    )
    support_email = models.EmailField(
        _("support mailbox"),
        blank=True,
        help_text=_("Escalations that name support, and renewals awaiting the CA's certificate, are sent here."),
    )
    # ``[{"threshold": 7, "sales_owner": true, "support": true, "emails": ["…"]}, …]``: who else is told
    # when a renewal reminder of that threshold goes out (``notifications/recipients.py``).
    reminder_escalations = models.JSONField(_("escalation recipients"), default=list, blank=True)
    issuance_reminder_days = models.PositiveSmallIntegerField(
        _("remind support of a renewal awaiting its certificate after (days)"),
        default=0,
        validators=[MaxValueValidator(60)],
        help_text=_(
            "0 turns these reminders off. Support is reminded again every this many days until the "
            "certificate is recorded."
        ),
    )
    auto_renew_days = models.PositiveSmallIntegerField(
        _("auto-renew (days before the end)"),
        default=DEFAULT_AUTO_RENEW_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text=_("Orders with auto-renew on are renewed this many days before their term ends."),
    )
    order_sequence = models.PositiveIntegerField(
        _("last order sequence"), default=0, help_text=_("Numbers the partner's new orders; never reused.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.time_zone)


class Role(models.TextChoices):
    SALES = "sales", _("Sales")
    SUPPORT = "support", _("Support")
    ADMIN = "admin", _("Partner admin")


# Who may sell: renewing is a sale, which support staff may not make.
RENEWING_ROLES = (Role.SALES, Role.ADMIN)


class StaffMembership(models.Model):
    """A user's seat in a partner, with the role that decides what they may do there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("partner")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = PartnerScopedManager()
    partner_lookup = "partner"

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [models.UniqueConstraint(fields=["user", "partner"], name="membership_unique_user_partner")]
        ordering = ["partner__name"]

    def __str__(self):
        return f"{self.user} @ {self.partner} ({self.get_role_display()})"

    @property
    def can_renew(self):
        return self.role in RENEWING_ROLES

    @property
    def is_partner_admin(self):
        return self.role == Role.ADMIN


class Customer(models.Model):
    """The partner's client company. Time zone and language fall back to the partner's."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="customers", verbose_name=_("partner"))
    account_number = models.CharField(_("account number"), max_length=32)
    company_name = models.CharField(_("company name"), max_length=200)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True, validators=[validate_time_zone])
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES, blank=True)
    # The partner's salesperson for this customer: their call tasks and home page come first.
    sales_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_customers",
        verbose_name=_("sales owner"),
    )
    reminder_recipients = models.JSONField(
        _("additional reminder recipients"),
        default=list,
        blank=True,
        help_text=_("Addresses told of every reminder of this customer besides its contacts, such as the IT mailbox."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = PartnerScopedManager()
    partner_lookup = "partner"

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(fields=["partner", "account_number"], name="customer_unique_account_per_partner")
        ]
        indexes = [models.Index(Lower("company_name"), "partner", name="customer_partner_name_idx")]
        ordering = ["company_name"]

    def __str__(self):
        return f"{self.company_name} ({self.account_number})"

    @property
    def effective_time_zone(self):
        return self.time_zone or self.partner.time_zone

    @property
    def tzinfo(self):
        return zoneinfo.ZoneInfo(self.effective_time_zone)

    @property
    def effective_language(self):
        return self.language or self.partner.language


class Contact(models.Model):
    """A person at the customer who receives reminders."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)

    objects = PartnerScopedManager()
    partner_lookup = "customer__partner"

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [models.UniqueConstraint(fields=["customer", "email"], name="contact_unique_email_per_customer")]
        # The reports' unsubscribes per month read the few contacts who unsubscribed, not every contact;
        # on PostgreSQL from the index alone (migration 0007 adds the customer and id to it; INCLUDE is
        # not declared here, SQLite has none).
        indexes = [
            models.Index(
                fields=["unsubscribed_at"], name="contact_unsubscribed_idx", condition=Q(unsubscribed_at__isnull=False)
            )
        ]
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} <{self.email}>"

    @property
    def effective_language(self):
        return self.language or self.customer.effective_language
