"""Staff pages of offers: the list, create and edit, and each offer's experiment report.

Everyone of the partner's staff may read offers and reports; sales staff and partner admins may
create and change them. Another partner's offer id is a 404 on every page, whatever the role.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from partners.access import PartnerObjectMixin, PartnerStaffRequiredMixin
from partners.models import RENEWING_ROLES

from .forms import OfferForm, variant_formset
from .models import Offer
from .report import experiment_report
from .selectors import STATUS_LABELS, offer_for_staff, offer_list, offer_status
from .services import OfferError, VariantData, locked_message, save_offer, variants_locked

OFFERS_PER_PAGE = 20
EDIT_DENIED = gettext_lazy(
    "Support staff can see offers and their reports but not create or change them. "
    "Ask a sales colleague or a partner admin."
)


def partner_today(partner):
    return timezone.localdate(timezone=partner.tzinfo)


class OfferListView(PartnerStaffRequiredMixin, TemplateView):
    template_name = "offers/offer_list.html"

    def get_context_data(self, **kwargs):
        today = partner_today(self.partner)
        page = Paginator(offer_list(self.partner), OFFERS_PER_PAGE).get_page(self.request.GET.get("page"))
        rows = [(offer, STATUS_LABELS[status], status) for offer in page for status in [offer_status(offer, today)]]
        return super().get_context_data(
            page_obj=page, rows=rows, can_edit=self.membership.role in RENEWING_ROLES, **kwargs
        )


class OfferFormMixin:
    """Create (no ``self.object``) or edit an offer with its variants. First among the bases, so its
    ``allowed_roles`` wins over the access mixin's default."""

    template_name = "offers/offer_form.html"
    allowed_roles = RENEWING_ROLES
    role_denied_message = EDIT_DENIED
    object = None

    def get(self, request, *args, **kwargs):
        offer = self.object
        locked = variants_locked(offer) if offer else False
        form = OfferForm(instance=offer or Offer(partner=self.partner), today=partner_today(self.partner))
        formset = None if locked else variant_formset(offer=offer)
        return self.render_page(form, formset, locked)

    def post(self, request, *args, **kwargs):
        offer = self.object or Offer(partner=self.partner)
        locked = variants_locked(offer)
        form = OfferForm(request.POST, instance=offer, today=partner_today(self.partner))
        # A locked offer's page sends no variants; a post that sends some is checked for changes.
        sends_variants = "variants-TOTAL_FORMS" in request.POST
        formset = variant_formset(request.POST, offer=self.object) if sends_variants or not locked else None
        if not (form.is_valid() and (formset is None or formset.is_valid())):
            return self.render_page(form, formset, locked, status=400)
        variants = [VariantData(**variant) for variant in formset.variants()] if formset is not None else None
        try:
            saved = save_offer(
                partner=self.partner,
                by=self.membership,
                offer=form.instance,
                products=form.cleaned_data["products"],
                variants=variants,
            )
        except OfferError as error:
            form.add_error(None, str(error))
            return self.render_page(form, formset, locked, status=409)
        messages.success(request, _("The offer “%(name)s” is saved.") % {"name": saved.name})
        return redirect("offer-report", pk=saved.pk)

    def render_page(self, form, formset, locked, status=200):
        context = self.get_context_data(
            offer=self.object,
            form=form,
            formset=formset,
            locked=locked,
            locked_message=locked_message() if locked else "",
            variants=list(self.object.variants.all()) if self.object else [],
        )
        return self.render_to_response(context, status=status)


class OfferCreateView(OfferFormMixin, PartnerStaffRequiredMixin, TemplateView):
    pass


class OfferEditView(OfferFormMixin, PartnerObjectMixin, TemplateView):
    def get_partner_queryset(self):
        return offer_for_staff(self.partner)


class ReportPeriodForm(forms.Form):
    """The cohort of the report: customers first reached between two days (both optional)."""

    start = forms.DateField(
        label=gettext_lazy("Reached from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("Reached until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", gettext_lazy("The period cannot end before it starts."))
        return cleaned


class OfferReportView(PartnerObjectMixin, TemplateView):
    template_name = "offers/offer_report.html"

    def get_partner_queryset(self):
        return offer_for_staff(self.partner)

    def get_context_data(self, **kwargs):
        offer = self.object
        period = ReportPeriodForm(self.request.GET or None)
        dates = period.cleaned_data if period.is_bound and period.is_valid() else {}
        status = offer_status(offer, partner_today(self.partner))
        return super().get_context_data(
            offer=offer,
            period=period,
            report=experiment_report(offer, start=dates.get("start"), end=dates.get("end")),
            status=status,
            status_label=STATUS_LABELS[status],
            can_edit=self.membership.role in RENEWING_ROLES,
            **kwargs,
        )
