"""The console banner on staff pages: how many certificates end soon, and how many of them have their
renewal notices off, each number a link to the dashboard list it counts.

"Soon" is the dashboard's own windows that lie within ``BANNER_DAYS`` (with the default thresholds
"0–7 days" and "8–30 days"): the list has no single window of 0–30 days, and a number must equal the
rows its link shows. So the banner says, per window, "N certificates end in 0–7 days; M of them have
renewal notices off", counting only orders with something still to do (a term to renew or a free
reissue: a renewed order needs neither work nor notice), N linking to ``/expiring/?window=7&action=open``
and M to ``/expiring/?window=7&notices=off&action=open``; both are counted by the same conditions as
the list (``window_condition``, ``listed_orders``, ``ACTION_CONDITIONS``).

It costs two small queries per page: the dismissal, and N and M together from the ``ExpiryCount``
table where the database keeps it (else one aggregate over the partner's expiry index). A user closes it for the partner's day (``BannerDismissal``); it shows again the next day.
"""

import functools
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from . import expiry_counts
from .expiring import ACTION_CONDITIONS, TABLE_ACTIONS, listed_orders
from .models import BannerDismissal
from .selectors import grouped_count_by_window
from .windows import partner_windows

BANNER_DAYS = 30
# "Notices off" in the banner: orders that will lapse without a word (a renewed one needs none).
NOTICES_OFF = Q(renewal_notices=False) & ACTION_CONDITIONS["open"]


@dataclass(frozen=True)
class BannerLine:
    window: object  # renewals.windows.Window
    ending: int
    notices_off: int

    @property
    def ending_url(self):
        return reverse("expiring") + "?" + urlencode({"window": self.window.key, "action": "open"})

    @property
    def notices_off_url(self):
        return reverse("expiring") + "?" + urlencode({"window": self.window.key, "notices": "off", "action": "open"})


def banner_windows(windows):
    """The bounded windows that begin within BANNER_DAYS from today (never the expired one)."""
    return [
        w for w in windows if w.first_day is not None and w.last_day is not None and 0 <= w.first_day <= BANNER_DAYS
    ]


def partner_today(partner):
    return timezone.localdate(timezone=partner.tzinfo)


def is_dismissed(*, partner, user, today) -> bool:
    return BannerDismissal.objects.for_partner(partner).filter(user=user, day=today).exists()


def banner_lines(*, partner, today) -> list[BannerLine]:
    """One line per window with certificates ending in it; empty when none end soon."""
    windows = banner_windows(partner_windows(partner))
    if not windows:
        return []
    if expiry_counts.kept():  # one read of the count table, within the banner's days
        open_ = Q(action__in=TABLE_ACTIONS["open"])
        groups = {"ending": open_, "off": open_ & Q(notices=False)}
        counts = expiry_counts.grouped_window_counts(partner, windows=windows, today=today, groups=groups)
    else:  # the partner's expiry index, narrowed to the banner's days
        start, end = expiry_counts.span_of(windows, today)
        orders = listed_orders(partner).filter(expires_on__range=(start, end))
        groups = {"ending": ACTION_CONDITIONS["open"], "off": NOTICES_OFF}
        counts = grouped_count_by_window(orders, windows=windows, today=today, groups=groups)
    return [BannerLine(w, counts["ending", w.key], counts["off", w.key]) for w in windows if counts["ending", w.key]]


def console_banner(request):
    """The banner's lines for the request's user and partner, or [] (closed today, or nothing ends)."""
    membership = request.membership
    if not membership:
        return []
    partner = membership.partner
    today = partner_today(partner)
    if is_dismissed(partner=partner, user=request.user, today=today):
        return []
    return banner_lines(partner=partner, today=today)


def banner_context(request):
    """Context processor: ``console_banner``, a callable, so its queries run only on pages that
    render the banner (``base.html`` for staff)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "membership"):
        return {}
    return {"console_banner": functools.partial(console_banner, request)}


def dismiss_banner(*, partner, user, today) -> bool:
    """Close the banner for ``user`` on the partner's ``today``; True when it was open."""
    try:
        with transaction.atomic():
            BannerDismissal.objects.create(partner=partner, user=user, day=today)
    except IntegrityError:
        return False
    return True


class DismissBannerView(LoginRequiredMixin, View):
    """POST: close the banner for today, then back to ``next`` (a page of this site) or home."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        membership = request.membership
        if membership:
            dismiss_banner(partner=membership.partner, user=request.user, today=partner_today(membership.partner))
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = resolve_url("home")
        return HttpResponseRedirect(target)
