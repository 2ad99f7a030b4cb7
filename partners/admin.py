"""Operators' admin for partners, staff, customers and contacts."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from renewals.models import PartnerPrice

from .models import Contact, Customer, Partner, StaffMembership


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ["user"]


class PartnerAdminForm(forms.ModelForm):
    """The admin builds the fields (``modelform_factory``); this adds the currency rule."""

    def clean_currency(self):
        """A price list's amounts mean nothing in another currency: changing it starts a new list."""
        currency = self.cleaned_data["currency"]
        partner = self.instance
        if partner.pk and currency != partner.currency and PartnerPrice.objects.for_partner(partner).exists():
            raise forms.ValidationError(
                _("Delete this partner's price list before changing its currency: its prices are in %(currency)s.")
                % {"currency": partner.currency}
            )
        return currency


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    form = PartnerAdminForm
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
class CustomerAdmin(admin.ModelAdmin):
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
