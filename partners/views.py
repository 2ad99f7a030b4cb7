"""The home page and the partner switcher."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from renewals.expiring import MAX_ID, action_counts

from .access import PartnerStaffRequiredMixin, switch_partner


class HomeView(PartnerStaffRequiredMixin, TemplateView):
    template_name = "partners/home.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate(timezone=self.partner.tzinfo)
        return super().get_context_data(today=today, windows=action_counts(partner=self.partner, today=today), **kwargs)


@login_required
@require_POST
def switch_partner_view(request):
    try:
        partner_id = int(request.POST.get("partner", ""))
    except ValueError:
        partner_id = None
    if partner_id is not None and not 0 < partner_id <= MAX_ID:
        partner_id = None  # no such partner; a larger number is more than SQLite can compare
    switch_partner(request, partner_id)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = resolve_url("home")
    return HttpResponseRedirect(target)
