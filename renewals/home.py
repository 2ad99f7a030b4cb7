"""The home page: per expiry window, the terms to renew apart from the free reissues.

It lives with the orders it counts: the numbers come from ``expiring.action_counts``, the same
conditions the Expiring Certificates list filters by, so each number equals the list it links to.
"""

from django.utils import timezone
from django.views.generic import TemplateView

from partners.access import PartnerStaffRequiredMixin

from .expiring import action_counts


class HomeView(PartnerStaffRequiredMixin, TemplateView):
    template_name = "renewals/home.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate(timezone=self.partner.tzinfo)
        return super().get_context_data(today=today, windows=action_counts(partner=self.partner, today=today), **kwargs)
