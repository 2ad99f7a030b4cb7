from django.contrib import admin

from .models import CallTask


@admin.register(CallTask)
class CallTaskAdmin(admin.ModelAdmin):
    """Made by the hourly run and completed from /tasks/ (which writes the order's note): operators
    read them here and may reassign one."""

    list_display = [
        "order",
        "partner",
        "customer",
        "threshold_days",
        "due_on",
        "assigned_to",
        "outcome",
        "completed_at",
    ]
    list_filter = ["partner", "outcome", "threshold_days"]
    search_fields = ["order__order_number", "customer__company_name"]
    list_select_related = ["order", "partner", "customer", "assigned_to"]
    readonly_fields = [
        "partner", "order", "customer", "threshold_days", "due_on", "outcome", "reason", "note",
        "completed_at", "completed_by", "created_at",
    ]  # fmt: skip
    autocomplete_fields = ["assigned_to"]

    def has_add_permission(self, request):
        return False
