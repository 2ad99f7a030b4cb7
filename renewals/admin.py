"""Operators' admin for products, orders and certificates."""

from django.contrib import admin

from .models import Certificate, NoticeChange, Order, OrderNote, Product


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "brand",
        "validation_level",
        "is_wildcard",
        "is_multi_domain",
        "list_price",
        "currency",
        "is_active",
    ]
    list_filter = ["brand", "validation_level", "is_wildcard", "is_multi_domain", "is_active"]
    search_fields = ["name", "code", "brand"]


class CertificateInline(admin.TabularInline):
    model = Certificate
    extra = 0
    fields = ["common_name", "serial", "not_before", "not_after"]
    readonly_fields = fields
    show_change_link = True


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "order_number",
        "partner",
        "customer",
        "product",
        "plan_years",
        "term_start",
        "term_end",
        "status",
        "renewal_notices",
    ]
    list_filter = ["partner", "status", "renewal_notices", "plan_years", "product__validation_level"]
    search_fields = ["order_number", "customer__company_name", "certificates__common_name"]
    list_select_related = ["partner", "customer", "product"]
    autocomplete_fields = ["partner", "customer", "product", "renewed_from"]
    date_hierarchy = "term_end"
    inlines = [CertificateInline]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["common_name", "serial", "order", "not_before", "not_after"]
    list_filter = ["order__partner"]
    search_fields = ["common_name", "serial", "order__order_number"]
    list_select_related = ["order"]
    autocomplete_fields = ["order"]
    date_hierarchy = "not_after"


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
