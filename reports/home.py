"""The home page: a renewal cockpit for the partner and the user's role.

Per expiry window, the terms to renew apart from the free reissues (``expiring.action_counts``, the
same conditions the Expiring Certificates list filters by, so each number equals the list it links
to), then what is at stake and what is working (``reports.cockpit``): revenue at stake in the next
30 and 90 days, the renewal rate of the last 90 days with its trend, notices off among orders ending
within 30 days, failed emails, follow-up calls due and the offers running. A salesperson who owns
customers sees "my customers" first.
"""

from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from partners.access import PartnerStaffRequiredMixin
from partners.models import Role
from renewals.expiring import action_counts

from .cockpit import cockpit


class HomeView(PartnerStaffRequiredMixin, TemplateView):
    template_name = "reports/home.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate(timezone=self.partner.tzinfo)
        return super().get_context_data(
            today=today,
            windows=action_counts(partner=self.partner, today=today),
            figures=cockpit(membership=self.membership, today=today),
            calls_url=reverse("call-tasks") + "?due=today",
            offers_url=reverse("offer-list"),
            work_first=self.membership.role == Role.SUPPORT,
            **kwargs,
        )
