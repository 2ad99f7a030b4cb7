"""Operators' admin for partners, staff, customers and contacts."""

from django.contrib import admin

from .models import Contact, Customer, Partner, StaffMembership


class EmptyListsMixin:
    """Address-list fields (JSON lists) left blank in the admin's form are an empty list: the form
    reads a blank JSON field as NULL, which the column refuses."""

    empty_lists = ()

    def save_model(self, request, obj, form, change):
        for name in self.empty_lists:
            if getattr(obj, name) is None:
                setattr(obj, name, [])
        super().save_model(request, obj, form, change)


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Partner)
class PartnerAdmin(EmptyListsMixin, admin.ModelAdmin):
    """``renewals.admin`` extends it with the currency rule, which needs the partner's price list."""

    empty_lists = ("reminder_escalations",)
    list_display = ["name", "slug", "currency", "time_zone", "language", "sender_name", "reply_to", "created_at"]
    list_filter = ["currency", "language", "time_zone"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [StaffMembershipInline]


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "partner", "role", "created_at"]
    list_filter = ["role", "partner"]
    search_fields = ["user__username", "user__email", "partner__name"]
    autocomplete_fields = ["user", "partner"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(EmptyListsMixin, admin.ModelAdmin):
    empty_lists = ("reminder_recipients",)
    list_display = ["company_name", "account_number", "partner", "time_zone", "language"]
    list_filter = ["partner", "language"]
    search_fields = ["company_name", "account_number"]
    list_select_related = ["partner"]
    autocomplete_fields = ["partner"]
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "customer", "language", "unsubscribed_at"]
    list_filter = ["language", "customer__partner", ("unsubscribed_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "email", "customer__company_name"]
    list_select_related = ["customer"]
    autocomplete_fields = ["customer"]
