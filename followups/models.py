"""Follow-up calls: a task for sales staff to phone a customer whose order nears its end.

A task is made once per order and threshold (the partner's ``call_threshold_days``) for orders sold
at ``call_min_value`` or more, assigned to the customer's sales owner when there is one. Its outcome
is also written as a note on the order, where the rest of the order's history is.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from partners.models import Customer, Partner
from partners.tenancy import PartnerScopedManager
from renewals.models import Order, OrderNote


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    WILL_RENEW = "renew", _("Will renew")
    NOT_REACHED = "not_reached", _("Not reached")
    WILL_NOT_RENEW = "will_not_renew", _("Will not renew")


class CallTask(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="call_tasks", verbose_name=_("partner"))
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="call_tasks", verbose_name=_("order"))
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer"))
    threshold_days = models.SmallIntegerField(_("days before the end"))
    due_on = models.DateField(_("due on"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="call_tasks",
        verbose_name=_("assigned to"),
    )
    outcome = models.CharField(_("outcome"), max_length=16, choices=CallOutcome.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    note = models.OneToOneField(
        OrderNote, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("note")
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = PartnerScopedManager()
    partner_lookup = "partner"

    class Meta:
        verbose_name = _("call task")
        verbose_name_plural = _("call tasks")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "threshold_days"], name="call_task_once_per_order_threshold"),
        ]
        indexes = [
            models.Index(
                fields=["partner", "due_on"], name="call_task_open_idx", condition=Q(completed_at__isnull=True)
            ),
        ]

    def __str__(self):
        return f"{self.order} ({self.threshold_days})"

    @property
    def is_open(self):
        return self.completed_at is None
