"""Auto-renew's pages: the customer turns it on or off from the renewal page (the signed link), staff
from Quick View, and support follows every auto-renewal of the partner at ``/auto-renewals/``.

Views only translate between HTTP and ``auto_renew``'s services; the customer's link decides the one
order it may change, and staff reach orders through the partner's scoping path (another partner's
order is a 404, whatever the role).
"""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Value, When
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from partners.access import PartnerStaffRequiredMixin
from partners.actors import CUSTOMER
from partners.models import RENEWING_ROLES

from .auto_renew import AutoRenewError
from .auto_renew_forms import AutoRenewForm, apply, form_errors
from .links import InvalidLink, link_for_token
from .models import AutoRenewal, AutoRenewalStatus
from .views import OrderView

AUTO_RENEWALS_PER_PAGE = 50


@require_POST
def customer_auto_renew_view(request, token):
    """The customer's switch on the renewal page; back to the page with what changed, or why not."""
    try:
        link = link_for_token(token)
    except InvalidLink:
        return render(request, "renewals/customer_invalid_link.html", status=404)
    if not request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME):  # as on the renewal page
        translation.activate(link.language)
        request.LANGUAGE_CODE = translation.get_language()
    form = AutoRenewForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors(form))
    else:
        try:
            messages.success(request, apply(form, order=link.order, by=CUSTOMER, now=timezone.now()))
        except AutoRenewError as error:
            messages.error(request, str(error))
    return redirect("customer-renew", token=token)


class OrderAutoRenewView(OrderView, View):
    """Quick View's switch (sales and partner admins); the panel posts it with htmx and follows the
    redirect back to the panel, as its other forms do."""

    http_method_names = ["post"]
    allowed_roles = RENEWING_ROLES
    role_denied_message = gettext_lazy(
        "Support staff can see auto-renew but not turn it on or off. Ask a sales colleague or a partner admin."
    )

    def post(self, request, *args, **kwargs):
        order = self.get_order()
        form = AutoRenewForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_errors(form))
        else:
            try:
                messages.success(request, apply(form, order=order, by=self.membership, now=timezone.now()))
            except AutoRenewError as error:
                messages.error(request, str(error))
        return redirect("order-detail", order_number=order.order_number)


# The list: failed first (support's work), then those to come, then the rest.
STATUS_ORDER = [
    AutoRenewalStatus.FAILED,
    AutoRenewalStatus.SCHEDULED,
    AutoRenewalStatus.RENEWED,
    AutoRenewalStatus.CANCELLED,
]


def auto_renewal_list(partner, status=None):
    """The partner's auto-renewals (of ``status``, or all with the failed first), with what a row shows."""
    rows = AutoRenewal.objects.for_partner(partner).select_related(
        "order__customer", "order__product", "renewal", "enabled_by", "cancelled_by"
    )
    if status:
        rows = rows.filter(status=status)
    rank = Case(
        *[When(status=value, then=Value(position)) for position, value in enumerate(STATUS_ORDER)],
        output_field=IntegerField(),
    )
    return rows.annotate(rank=rank).order_by("rank", "renew_on", "pk")


def status_counts(partner) -> dict:
    counts = dict(AutoRenewal.objects.for_partner(partner).values_list("status").annotate(n=Count("pk")).order_by())
    return {status: counts.get(status, 0) for status in STATUS_ORDER}


class AutoRenewalListView(PartnerStaffRequiredMixin, TemplateView):
    """Every staff role: support follows the failures here (each order keeps its reminders)."""

    template_name = "renewals/auto_renewals.html"

    def get_context_data(self, **kwargs):
        status = self.request.GET.get("status", "")
        ignored = status not in AutoRenewalStatus.values and status != ""
        status = "" if ignored else status
        page = Paginator(auto_renewal_list(self.partner, status), AUTO_RENEWALS_PER_PAGE).get_page(
            self.request.GET.get("page")
        )
        counts = status_counts(self.partner)
        tabs = [("", _("All"), sum(counts.values()))] + [
            (value, AutoRenewalStatus(value).label, counts[value]) for value in STATUS_ORDER
        ]
        return super().get_context_data(
            status=status, ignored=ignored, tabs=tabs, page_obj=page, rows=list(page), **kwargs
        )
