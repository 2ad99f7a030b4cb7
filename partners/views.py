"""The partner switcher. (The home page counts orders, so it lives in ``reports.home``.)"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .access import switch_partner
from .models import MAX_ID


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
