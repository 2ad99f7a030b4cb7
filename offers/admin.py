from django.contrib import admin

from .models import Offer, OfferExposure, OfferVariant


class OfferVariantInline(admin.TabularInline):
    model = OfferVariant
    extra = 0


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    """Partners manage their offers at /offers/ (where variants lock once customers saw them);
    operators read them here."""

    list_display = ["name", "partner", "starts_on", "ends_on", "shown_from_days", "is_active"]
    list_filter = ["partner", "is_active"]
    search_fields = ["name", "headline_en", "headline_ko"]
    list_select_related = ["partner"]
    inlines = [OfferVariantInline]


@admin.register(OfferExposure)
class OfferExposureAdmin(admin.ModelAdmin):
    """Who was first shown which variant, when and where: the experiment report's "reached"."""

    list_display = ["offer", "variant", "customer", "channel", "first_at"]
    list_filter = ["offer__partner", "channel"]
    list_select_related = ["offer", "variant", "customer"]
    readonly_fields = ["offer", "variant", "customer", "channel", "first_at"]

    def has_add_permission(self, request):
        return False
