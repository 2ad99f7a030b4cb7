"""The sales staff's call task list and the form that records a call's outcome.

Every staff role may read the list (support answers the phone too); recording an outcome is for sales
staff and partner admins, as renewing is. Views are thin: reads in ``selectors``, writes in ``services``.
"""

import zoneinfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from partners.access import PartnerObjectMixin, PartnerStaffRequiredMixin
from partners.models import RENEWING_ROLES

from .forms import OutcomeForm, TaskFilterForm
from .models import CallTask
from .selectors import is_still_needed, task_list
from .services import CallTaskError, record_outcome

PAGE_SIZE = 25
# The session key of an outcome form the list shows again after refusing it.
REFUSED_KEY = "call_outcome_refused"


def safe_next(request, fallback="call-tasks"):
    """The ``next`` URL posted with a form when it is on this site, else ``fallback``."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(fallback)


class TaskListView(PartnerStaffRequiredMixin, TemplateView):
    template_name = "followups/task_list.html"

    def get_context_data(self, **kwargs):
        filters = TaskFilterForm(self.request.GET)
        chosen = filters.values()
        today = timezone.localdate(timezone=self.partner.tzinfo)
        tasks = task_list(partner=self.partner, user=self.request.user, today=today, **chosen)
        page = Paginator(tasks, PAGE_SIZE).get_page(self.request.GET.get("page"))
        can_record = self.membership.role in RENEWING_ROLES
        self.refused = self.request.session.pop(REFUSED_KEY, None) or {}
        rows = [self.row(task, can_record) for task in page.object_list]
        return super().get_context_data(
            filters=TaskFilterForm(initial=chosen),
            chosen=chosen,
            page=page,
            rows=rows,
            can_record=can_record,
            **kwargs,
        )

    def row(self, task, can_record):
        zone = task.customer.time_zone or self.partner.time_zone
        customer_today = timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date()
        still_needed = is_still_needed(task)
        return {
            "task": task,
            "days_left": (task.order.term_end - customer_today).days,
            "still_needed": still_needed,
            "form": self.outcome_form(task) if can_record and task.is_open and still_needed else None,
        }

    def outcome_form(self, task):
        """A new form, or the one just refused for this task, bound to what was sent (its choice kept)."""
        data = self.refused.get("data") if self.refused.get("task") == task.pk else None
        return OutcomeForm(data, auto_id=f"task-{task.pk}-%s")


class RecordOutcomeView(PartnerObjectMixin, View):
    """POST the outcome of one of the partner's tasks; back to the list (``next``) with a message."""

    model = CallTask
    allowed_roles = RENEWING_ROLES
    http_method_names = ["post"]

    def get_partner_queryset(self):
        return super().get_partner_queryset().select_related("order", "partner")

    def post(self, request, *args, **kwargs):
        task = self.object
        form = OutcomeForm(request.POST)
        if not form.is_valid():
            errors = [error for field_errors in form.errors.values() for error in field_errors]
            messages.error(
                request, _("Order %(number)s: %(errors)s") % {"number": task.order, "errors": " ".join(errors)}
            )
            # The list shows this form again as it was sent, its errors beside it (``refused_form``).
            request.session[REFUSED_KEY] = {"task": task.pk, "data": {k: request.POST.get(k, "") for k in form.fields}}
            return HttpResponseRedirect(f"{safe_next(request)}#task-{task.pk}")
        try:
            result = record_outcome(
                task=task,
                by=self.membership,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
                at=timezone.now(),
            )
        except CallTaskError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(safe_next(request))
        if result.recorded:
            messages.success(request, _("Call recorded as a note on order %(number)s.") % {"number": task.order})
        else:
            messages.info(
                request,
                _("The call for order %(number)s was recorded already; nothing changed.") % {"number": task.order},
            )
        return HttpResponseRedirect(safe_next(request))
