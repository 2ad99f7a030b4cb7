"""Operators' admin for products, orders and certificates."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from partners.admin import EmptyListsMixin
from partners.admin import PartnerAdmin as BasePartnerAdmin
from partners.models import Partner

from .models import (
    AutoRenewal,
    BannerDismissal,
    Certificate,
    NoticeChange,
    Order,
    OrderNote,
    PartnerPrice,
    Product,
    RenewalLinkOpen,
)
from .money import format_money


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

    def clean_reminder_escalations(self):
        """Left blank, the escalation stages are none (the form reads a blank JSON field as NULL)."""
        return self.cleaned_data.get("reminder_escalations") or []


# The partner's admin lives in ``partners``, which knows nothing of price lists; the rule that
# guards a price list is added here, where the price list lives. Importing ``partners.admin`` above
# registers it first, whatever the order of INSTALLED_APPS.
admin.site.unregister(Partner)


@admin.register(Partner)
class PartnerAdmin(BasePartnerAdmin):
    form = PartnerAdminForm


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "brand",
        "validation_level",
        "is_wildcard",
        "is_multi_domain",
        "yearly_list_price",
        "is_active",
    ]
    list_filter = ["brand", "validation_level", "is_wildcard", "is_multi_domain", "is_active"]
    search_fields = ["name", "code", "brand"]

    @admin.display(description=_("catalogue list price (yearly)"), ordering="list_price")
    def yearly_list_price(self, product):
        return format_money(product.list_price, product.currency)


@admin.register(PartnerPrice)
class PartnerPriceAdmin(admin.ModelAdmin):
    """Each partner's own prices; partner admins edit theirs at /settings/prices/."""

    list_display = ["partner", "product", "plan_years", "formatted_price", "updated_at"]
    list_filter = ["partner", "plan_years", "product__brand"]
    search_fields = ["partner__name", "product__name", "product__code"]
    list_select_related = ["partner", "product"]
    autocomplete_fields = ["partner", "product"]

    @admin.display(description=_("price"), ordering="price")
    def formatted_price(self, price):
        return format_money(price.price, price.partner.currency)


class CertificateInline(admin.TabularInline):
    model = Certificate
    extra = 0
    fields = ["common_name", "serial", "not_before", "not_after"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Order)
class OrderAdmin(EmptyListsMixin, admin.ModelAdmin):
    empty_lists = ("reminder_recipients",)

    list_display = [
        "order_number",
        "partner",
        "customer",
        "product",
        "plan_years",
        "term_start",
        "term_end",
        "expires_on",
        "sold_at",
        "status",
        "renewal_notices",
    ]
    list_filter = ["partner", "status", "renewal_notices", "plan_years", "product__validation_level"]
    search_fields = ["order_number", "customer__company_name", "certificates__common_name"]
    list_select_related = ["partner", "customer", "product"]
    autocomplete_fields = ["partner", "customer", "product", "renewed_from"]
    date_hierarchy = "term_end"
    inlines = [CertificateInline]

    # An order keeps the price it was sold at: shown formatted, never edited as a bare "1090000.00".
    exclude = ["list_price", "price", "discount_percent", "currency"]
    readonly_fields = ["sold_at", "list_price_formatted", "discount"]

    @admin.display(description=_("list price"))
    def list_price_formatted(self, order):
        return format_money(order.list_price, order.currency)

    @admin.display(description=_("discount (%)"))
    def discount(self, order):
        return f"{order.discount_percent.normalize():f} %"

    @admin.display(description=_("price paid"), ordering="price")
    def sold_at(self, order):
        """The price the order was sold at, in its own currency (kept when price lists change)."""
        return format_money(order.price, order.currency)


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["common_name", "serial", "order", "not_before", "not_after", "expires"]
    list_filter = ["order__partner"]
    search_fields = ["common_name", "serial", "order__order_number"]
    list_select_related = ["order__customer__partner"]
    autocomplete_fields = ["order"]
    date_hierarchy = "not_after"

    @admin.display(description=_("expires (customer's day)"), ordering="not_after")
    def expires(self, certificate):
        """The date the customer reads: the day of notAfter in the customer's time zone (the admin
        shows instants in UTC)."""
        return certificate.expires_on(certificate.order.customer.tzinfo)


@admin.register(OrderNote)
class OrderNoteAdmin(admin.ModelAdmin):
    list_display = ["order", "author", "created_at", "body"]
    list_filter = ["order__partner"]
    search_fields = ["order__order_number", "body"]
    list_select_related = ["order", "author"]
    autocomplete_fields = ["order"]


@admin.register(NoticeChange)
class NoticeChangeAdmin(admin.ModelAdmin):
    list_display = ["order", "changed_by", "changed_at", "old_value", "new_value"]
    list_filter = ["order__partner", "new_value"]
    search_fields = ["order__order_number"]
    list_select_related = ["order", "changed_by"]
    readonly_fields = ["order", "changed_by", "changed_at", "old_value", "new_value"]

    def has_add_permission(self, request):
        """An audit record, written by the app when notices are switched: every field is read-only,
        so an "add" form could only save an empty row (a database error)."""
        return False


@admin.register(RenewalLinkOpen)
class RenewalLinkOpenAdmin(admin.ModelAdmin):
    """Read-only: a customer opened a renewal page (the funnel and the experiment report count these)."""

    list_display = ["order", "opened_at"]
    list_filter = ["order__partner"]
    search_fields = ["order__order_number"]
    list_select_related = ["order"]
    readonly_fields = ["order", "opened_at"]
    date_hierarchy = "opened_at"

    def has_add_permission(self, request):
        return False


@admin.register(BannerDismissal)
class BannerDismissalAdmin(admin.ModelAdmin):
    list_display = ["user", "partner", "day"]
    list_filter = ["partner"]
    readonly_fields = ["user", "partner", "day"]

    def has_add_permission(self, request):
        return False


@admin.register(AutoRenewal)
class AutoRenewalAdmin(admin.ModelAdmin):
    """Read-only: auto-renewals change through their service (``renewals/auto_renew.py``)."""

    list_display = ["order", "partner", "status", "renew_on", "plan_years", "attempted_at", "failure_reason"]
    list_filter = ["status", "partner"]
    search_fields = ["order__order_number"]
    list_select_related = ["order", "partner"]
    readonly_fields = [field.name for field in AutoRenewal._meta.fields]

    def has_add_permission(self, request):
        return False
