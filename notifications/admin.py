"""Operators' admin for reminders and the outbox."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import OptOut, OutboxEmail, OutboxItem, Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = [
        "order",
        "partner",
        "kind",
        "threshold_days",
        "ends_on",
        "created_at",
        "cancelled_at",
        "cancel_reason",
    ]
    list_filter = ["kind", "threshold_days", "order__partner", ("cancelled_at", admin.EmptyFieldListFilter)]
    search_fields = ["order__order_number"]
    list_select_related = ["order__partner"]

    @admin.display(description=_("partner"), ordering="order__partner__name")
    def partner(self, reminder):
        """Order numbers repeat across partners: the partner tells them apart."""
        return reminder.order.partner

    raw_id_fields = ["order"]
    date_hierarchy = "created_at"


class OutboxItemInline(admin.TabularInline):
    model = OutboxItem
    extra = 0
    raw_id_fields = ["reminder", "contact"]
    readonly_fields = ["address", "reasons"]


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    list_display = ["to_email", "subject", "partner", "kind", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind", "partner"]
    search_fields = ["to_email", "subject", "message_id"]
    list_select_related = ["partner"]
    raw_id_fields = ["customer", "contact"]
    readonly_fields = ["message_id", "token", "claim", "claimed_at", "sent_at", "created_at", "updated_at"]
    date_hierarchy = "created_at"
    inlines = [OutboxItemInline]


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    """Addresses that are no contact and unsubscribed from a customer's reminders."""

    list_display = ["address", "customer", "unsubscribed_at"]
    search_fields = ["address", "customer__company_name"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
