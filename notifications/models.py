"""Reminders (one row per order, end date and threshold: the database says "once") and the outbox
every email passes through."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from partners.models import Contact, Partner
from partners.tenancy import PartnerScopedManager
from renewals.models import Order

from .policy import REISSUE, RENEWAL


class Reminder(models.Model):
    KIND_CHOICES = [(RENEWAL, _("Renewal")), (REISSUE, _("Reissue"))]

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


class OutboxEmail(models.Model):
    """One email to one contact; a reminder email lists every order due for that contact (a digest).

    Bodies are rendered when the email is sent (opt-outs are checked then too) and kept as sent.
    ``message_id`` is fixed at creation, so a resend after a crash is recognisably the same message.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="emails", verbose_name=_("partner"))
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails", verbose_name=_("contact"))
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
        email.message_id = f"<{email.token}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
        return email


class OutboxItem(models.Model):
    """A reminder carried by an email. A scheduled reminder reaches each contact once at most."""

    email = models.ForeignKey(OutboxEmail, on_delete=models.CASCADE, related_name="items", verbose_name=_("email"))
    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="items", verbose_name=_("reminder"))
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact"))
    manual = models.BooleanField(_("manual resend"), default=False)
    skipped = models.BooleanField(_("left out at send time"), default=False)

    class Meta:
        verbose_name = _("email item")
        verbose_name_plural = _("email items")
        constraints = [
            models.UniqueConstraint(
                fields=["reminder", "contact"], condition=Q(manual=False), name="reminder_once_per_contact"
            )
        ]

    def __str__(self):
        return f"{self.email_id}: {self.reminder}"
