"""Reminders (one row per order, end date and threshold: the database says "once") and the outbox
every email passes through."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from partners.models import Contact, Customer, Partner
from partners.tenancy import PartnerScopedManager
from renewals.models import Order

from .policy import AUTO_RENEWED, ISSUANCE, REISSUE, RENEWAL


class Reminder(models.Model):
    KIND_CHOICES = [
        (RENEWAL, _("Renewal")),
        (REISSUE, _("Reissue")),
        (ISSUANCE, _("Awaiting issuance")),
        (AUTO_RENEWED, _("Renewed automatically")),
    ]

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("order"))
    kind = models.CharField(_("kind"), max_length=16, choices=KIND_CHOICES)
    ends_on = models.DateField(_("counts down to"))
    threshold_days = models.SmallIntegerField(_("threshold (days)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancel_reason = models.CharField(_("cancelled because"), max_length=32, blank=True)

    objects = PartnerScopedManager()
    partner_lookup = "order__partner"

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["order", "ends_on", "threshold_days"], name="reminder_once_per_threshold")
        ]

    def __str__(self):
        return f"{self.order} {self.kind} {self.threshold_days}d"


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped (opted out)")


class EmailKind(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    RESEND = "resend", _("Manual resend")
    # To the partner's own people, never opted out by a customer's link: no unsubscribe link.
    ESCALATION = "escalation", _("Escalation (staff)")
    ISSUANCE = "issuance", _("Awaiting issuance (support)")


# Emails to the customer's side, which a recipient may unsubscribe from.
CUSTOMER_KINDS = (EmailKind.REMINDER, EmailKind.RESEND)


class OutboxEmail(models.Model):
    """One email to one address; a reminder email lists every order of a customer due for that address
    (a digest), a staff email (escalation, issuance) every order of the partner due for it.
    ``customer`` is empty for staff emails, ``contact`` when the address is no contact of the customer.

    Bodies are rendered when the email is sent (opt-outs are checked then too) and kept as sent.
    ``message_id`` is fixed at creation, so a resend after a crash is recognisably the same message.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="emails", verbose_name=_("partner"))
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("customer")
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="emails", verbose_name=_("contact")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=EmailKind.choices, default=EmailKind.REMINDER)
    to_email = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body_text = models.TextField(_("text body"), blank=True)
    body_html = models.TextField(_("HTML body"), blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=200, unique=True, default="")
    token = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    status = models.CharField(_("status"), max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claim = models.UUIDField(_("claimed by"), null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PartnerScopedManager()
    partner_lookup = "partner"
    # Set for a batch by the sender: an address that is no contact unsubscribed (``OptOut``).
    address_opted_out = False

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx"),
            models.Index(fields=["partner", "status", "-created_at"], name="outbox_partner_status_idx"),
        ]

    def __str__(self):
        return f"{self.to_email}: {self.subject or self.kind}"

    @classmethod
    def new(cls, **fields):
        """An unsaved email with its ``Message-ID`` fixed now (``bulk_create`` skips ``save``)."""
        email = cls(**fields)
        if email.customer_id is None and email.contact_id is not None:
            email.customer_id = email.contact.customer_id
        email.message_id = f"<{email.token}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
        return email

    @property
    def is_to_staff(self):
        return self.kind not in CUSTOMER_KINDS

    @property
    def recipient_name(self):
        return self.contact.name if self.contact_id else ""

    @property
    def zone(self):
        """The time zone of the email's working hours: its customer's, or its partner's (staff)."""
        return self.customer.tzinfo if self.customer_id else self.partner.tzinfo


class OutboxItem(models.Model):
    """A reminder carried by an email. A scheduled reminder reaches each address once at most;
    ``reasons`` says why the address was told (``notifications/recipients.py``)."""

    email = models.ForeignKey(OutboxEmail, on_delete=models.CASCADE, related_name="items", verbose_name=_("email"))
    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="items", verbose_name=_("reminder"))
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("contact")
    )
    address = models.CharField(_("address"), max_length=254)  # lower-cased: "once" is per address
    reasons = models.CharField(_("why"), max_length=100, blank=True)
    manual = models.BooleanField(_("manual resend"), default=False)
    skipped = models.BooleanField(_("left out at send time"), default=False)

    class Meta:
        verbose_name = _("email item")
        verbose_name_plural = _("email items")
        constraints = [
            models.UniqueConstraint(
                fields=["reminder", "address"], condition=Q(manual=False), name="reminder_once_per_address"
            )
        ]

    def __str__(self):
        return f"{self.email_id}: {self.reminder}"

    def save(self, *args, **kwargs):
        if not self.address and self.contact_id is not None:  # an item for a contact, made one by one
            self.address = self.contact.email.strip().lower()
        super().save(*args, **kwargs)


class OptOut(models.Model):
    """An address that is no contact (an additional recipient, an order's own) unsubscribed from a
    customer's reminders through the link in its email. Contacts keep their own ``unsubscribed_at``."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer"))
    address = models.CharField(_("address"), max_length=254)  # lower-cased
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"))

    objects = PartnerScopedManager()
    partner_lookup = "customer__partner"

    class Meta:
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")
        constraints = [models.UniqueConstraint(fields=["customer", "address"], name="opt_out_once_per_address")]

    def __str__(self):
        return f"{self.address} ({self.customer_id})"
